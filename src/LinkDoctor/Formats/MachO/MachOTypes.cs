namespace LinkDoctor.Formats.MachO;

/// <summary>mach_header / mach_header_64 (<c>reserved</c> is 0 for 32-bit files).</summary>
public readonly record struct MachOHeader(uint Magic, uint CpuType, uint CpuSubType, uint FileType, uint NCmds, uint SizeOfCmds, uint Flags, uint Reserved)
{
    public bool Is64 => Magic is MachONative.MH_MAGIC_64 or MachONative.MH_CIGAM_64;
    public int Size => Is64 ? MachONative.SIZEOF_MACH_HEADER_64 : MachONative.SIZEOF_MACH_HEADER;
}

/// <summary>One load command: its number in the file, <c>cmd</c>, <c>cmdsize</c> and where it starts (slice-relative).</summary>
public readonly record struct MachOLoadCommand(int Index, uint Cmd, uint CmdSize, ulong Offset)
{
    public string Name => MachONative.LoadCommandName(Cmd);
}

/// <summary>segment_command / segment_command_64, with its sections.</summary>
public sealed record MachOSegment(int Index, int CommandIndex, string Name, ulong VmAddr, ulong VmSize, ulong FileOff, ulong FileSize,
    uint MaxProt, uint InitProt, uint Flags, IReadOnlyList<MachOSection> Sections);

/// <summary>section / section_64. <see cref="Index"/> is the 1-based n_sect number used by nlist.</summary>
public readonly record struct MachOSection(int Index, string SegmentName, string Name, ulong Address, ulong Size, uint Offset, uint Align,
    uint RelOff, uint NReloc, uint Flags, uint Reserved1, uint Reserved2, uint Reserved3)
{
    public uint Type => Flags & MachONative.SECTION_TYPE;
    /// <summary>Zero-fill sections occupy no file bytes.</summary>
    public bool IsZeroFill => Type is MachONative.S_ZEROFILL or MachONative.S_GB_ZEROFILL or MachONative.S_THREAD_LOCAL_ZEROFILL;
}

/// <summary>
/// A dylib load command (dylib_command): LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB, LC_LAZY_LOAD_DYLIB,
/// LC_LOAD_UPWARD_DYLIB or LC_ID_DYLIB. <see cref="Ordinal"/> is the 1-based two-level-namespace library ordinal
/// (0 for LC_ID_DYLIB).
/// </summary>
public readonly record struct MachODylib(uint Command, string Name, uint Timestamp, uint CurrentVersion, uint CompatibilityVersion, int Ordinal)
{
    public DependencyKind Kind => Command switch
    {
        MachONative.LC_LOAD_WEAK_DYLIB => DependencyKind.Weak,
        MachONative.LC_REEXPORT_DYLIB => DependencyKind.Reexport,
        MachONative.LC_LAZY_LOAD_DYLIB => DependencyKind.Lazy,
        MachONative.LC_LOAD_UPWARD_DYLIB => DependencyKind.Upward,
        _ => DependencyKind.Normal,
    };
}

/// <summary>LC_BUILD_VERSION, or an LC_VERSION_MIN_* command (then <see cref="Tools"/> is empty and <see cref="Command"/> says which).</summary>
public sealed record MachOBuildVersion(uint Command, uint Platform, uint MinOs, uint Sdk, IReadOnlyList<(uint Tool, uint Version)> Tools)
{
    public string PlatformName => MachONative.PlatformName(Platform);
    /// <summary>"macos 11.0", as the README's <c>minOs</c>.</summary>
    public override string ToString() => $"{PlatformName} {MachONative.FormatVersion(MinOs)}";
}

/// <summary>A linkedit_data_command (LC_CODE_SIGNATURE, LC_DYLD_CHAINED_FIXUPS, LC_DYLD_EXPORTS_TRIE, LC_FUNCTION_STARTS…).</summary>
public readonly record struct MachOLinkEditData(uint Command, uint DataOff, uint DataSize);

/// <summary>dyld_info_command (LC_DYLD_INFO or LC_DYLD_INFO_ONLY).</summary>
public readonly record struct MachODyldInfo(uint Command, uint RebaseOff, uint RebaseSize, uint BindOff, uint BindSize, uint WeakBindOff,
    uint WeakBindSize, uint LazyBindOff, uint LazyBindSize, uint ExportOff, uint ExportSize);

/// <summary>symtab_command.</summary>
public readonly record struct MachOSymtab(uint SymOff, uint NSyms, uint StrOff, uint StrSize);

/// <summary>dysymtab_command (the fields LinkDoctor uses, plus the indirect table).</summary>
public readonly record struct MachODysymtab(uint ILocalSym, uint NLocalSym, uint IExtDefSym, uint NExtDefSym, uint IUndefSym, uint NUndefSym,
    uint IndirectSymOff, uint NIndirectSyms);

/// <summary>entry_point_command (LC_MAIN).</summary>
public readonly record struct MachOEntryPoint(ulong EntryOff, ulong StackSize);

/// <summary>Where an export came from.</summary>
public enum MachOExportKind { Regular, ThreadLocal, Absolute }

/// <summary>
/// One terminal node of the export trie. <see cref="Address"/> is the trie's value (an offset from the mach header)
/// for regular and thread-local symbols; for re-exports, <see cref="LibraryOrdinal"/> and <see cref="ImportName"/> say
/// from where (an empty import name means the same name).
/// </summary>
public readonly record struct MachOExport(string Name, ulong Flags, ulong Address, ulong Resolver, int LibraryOrdinal, string? ImportName)
{
    public MachOExportKind Kind => (Flags & MachONative.EXPORT_SYMBOL_FLAGS_KIND_MASK) switch
    {
        MachONative.EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL => MachOExportKind.ThreadLocal,
        MachONative.EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE => MachOExportKind.Absolute,
        _ => MachOExportKind.Regular,
    };
    public bool IsWeakDefinition => (Flags & MachONative.EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION) != 0;
    public bool IsReexport => (Flags & MachONative.EXPORT_SYMBOL_FLAGS_REEXPORT) != 0;
    public bool IsStubAndResolver => (Flags & MachONative.EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER) != 0;
}

/// <summary>Which table a binding came from.</summary>
public enum MachOBindTable { Bind, LazyBind, WeakBind, Threaded, ChainedFixups, SymbolTable }

/// <summary>
/// One binding: from the bind opcodes (one per location), the chained-fixups import table (one per import), or the
/// symbol table's undefined symbols. <see cref="LibraryOrdinal"/> is 1-based for a dylib, or a BIND_SPECIAL_DYLIB_* value.
/// </summary>
public readonly record struct MachOBinding(MachOBindTable Table, string Name, int LibraryOrdinal, bool WeakImport, byte Type, long Addend,
    int SegmentIndex, ulong SegmentOffset, ulong Address);

/// <summary>nlist / nlist_64.</summary>
public readonly record struct MachOSymbol(int Index, string Name, byte Type, byte Section, ushort Desc, ulong Value)
{
    public bool IsStab => (Type & MachONative.N_STAB) != 0;
    public bool IsExternal => (Type & MachONative.N_EXT) != 0;
    public bool IsPrivateExternal => (Type & MachONative.N_PEXT) != 0;
    public byte TypeField => (byte)(Type & MachONative.N_TYPE);
    public bool IsUndefined => !IsStab && TypeField is MachONative.N_UNDF or MachONative.N_PBUD;
    public int LibraryOrdinal => MachONative.GET_LIBRARY_ORDINAL(Desc);
}
