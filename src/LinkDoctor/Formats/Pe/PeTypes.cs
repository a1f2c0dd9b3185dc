namespace LinkDoctor.Formats.Pe;

/// <summary>A relative virtual address: an offset from the image base once mapped; never a file position.</summary>
public readonly record struct Rva(uint Value)
{
    public override string ToString() => $"0x{Value:x}";
}

/// <summary>IMAGE_FILE_HEADER.</summary>
public readonly record struct PeFileHeader(ushort Machine, ushort NumberOfSections, uint TimeDateStamp, uint PointerToSymbolTable,
    uint NumberOfSymbols, ushort SizeOfOptionalHeader, ushort Characteristics);

/// <summary>IMAGE_OPTIONAL_HEADER32 / IMAGE_OPTIONAL_HEADER64 (BaseOfData exists only in PE32).</summary>
public sealed record PeOptionalHeader(ushort Magic, byte MajorLinkerVersion, byte MinorLinkerVersion, uint SizeOfCode,
    uint SizeOfInitializedData, uint SizeOfUninitializedData, uint AddressOfEntryPoint, uint BaseOfCode, uint BaseOfData, ulong ImageBase,
    uint SectionAlignment, uint FileAlignment, ushort MajorOperatingSystemVersion, ushort MinorOperatingSystemVersion,
    ushort MajorImageVersion, ushort MinorImageVersion, ushort MajorSubsystemVersion, ushort MinorSubsystemVersion,
    uint Win32VersionValue, uint SizeOfImage, uint SizeOfHeaders, uint CheckSum, ushort Subsystem, ushort DllCharacteristics,
    ulong SizeOfStackReserve, ulong SizeOfStackCommit, ulong SizeOfHeapReserve, ulong SizeOfHeapCommit, uint LoaderFlags,
    uint NumberOfRvaAndSizes)
{
    public bool IsPe32Plus => Magic == PeNative.IMAGE_NT_OPTIONAL_HDR64_MAGIC;
}

/// <summary>IMAGE_DATA_DIRECTORY.</summary>
public readonly record struct PeDataDirectory(uint VirtualAddress, uint Size)
{
    public bool IsPresent => VirtualAddress != 0 && Size != 0;
}

/// <summary>IMAGE_SECTION_HEADER; <see cref="Name"/> has a <c>/N</c> long name resolved through the COFF string table.</summary>
public readonly record struct PeSection(int Index, string Name, uint VirtualSize, uint VirtualAddress, uint SizeOfRawData, uint PointerToRawData,
    uint PointerToRelocations, uint PointerToLinenumbers, ushort NumberOfRelocations, ushort NumberOfLinenumbers, uint Characteristics)
{
    /// <summary>The size the section occupies in memory (VirtualSize, or SizeOfRawData when a linker left VirtualSize 0).</summary>
    public uint MappedSize => VirtualSize != 0 ? VirtualSize : SizeOfRawData;
}

/// <summary>One imported function: by name (with its hint) or by ordinal.</summary>
public readonly record struct PeImport(string? Name, ushort Hint, int? Ordinal);

/// <summary>One DLL of the import table (IMAGE_IMPORT_DESCRIPTOR) or the delay-load table (ImgDelayDescr).</summary>
public sealed record PeImportedDll(string Name, bool DelayLoad, uint DescriptorRva, uint NameTableRva, uint AddressTableRva, uint Attributes,
    IReadOnlyList<PeImport> Functions);

/// <summary>
/// One slot of the export address table: ordinal (Base + index), its RVA, the names pointing at it (first = the one
/// tools print), and the forwarder string (<c>NTDLL.RtlAllocateHeap</c>) when the RVA lies inside the export directory.
/// </summary>
public sealed record PeExport(int Ordinal, uint Rva, IReadOnlyList<string> Names, string? Forwarder)
{
    public string? Name => Names.Count > 0 ? Names[0] : null;
}

/// <summary>IMAGE_EXPORT_DIRECTORY and its entries.</summary>
public sealed record PeExportDirectory(string? Name, uint TimeDateStamp, ushort MajorVersion, ushort MinorVersion, uint OrdinalBase,
    uint NumberOfFunctions, uint NumberOfNames, IReadOnlyList<PeExport> Entries);

/// <summary>IMAGE_DEBUG_DIRECTORY, with the CodeView record decoded when it is RSDS or NB10.</summary>
public sealed record PeDebugEntry(uint Type, uint TimeDateStamp, ushort MajorVersion, ushort MinorVersion, uint SizeOfData, uint AddressOfRawData,
    uint PointerToRawData, PeCodeView? CodeView)
{
    public string TypeName => PeNative.DebugTypeName(Type);
}

/// <summary>A CodeView debug record: the PDB the linker wrote, with its GUID (RSDS) or signature (NB10) and age.</summary>
public sealed record PeCodeView(string Signature, Guid? Guid, uint Age, string PdbPath);

/// <summary>IMAGE_COR20_HEADER and the metadata root's version string: a .NET assembly.</summary>
public sealed record PeClrHeader(ushort MajorRuntimeVersion, ushort MinorRuntimeVersion, uint Flags, uint EntryPointToken, string? MetadataVersion);
