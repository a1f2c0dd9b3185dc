using System.Text.Json.Serialization;

namespace LinkDoctor.Reports;

/// <summary>
/// One file's <c>inspect</c> result: the JSON object documented in the README (one per file). A file that
/// cannot be read carries only <see cref="Path"/> and <see cref="Error"/>.
/// </summary>
public sealed record InspectReport
{
    public required string Path { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Format { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Class { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Endian { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Machine { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? OsAbi { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Type { get; init; }

    // Present (possibly null) on every readable file.
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Interpreter { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Soname { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Needed { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Rpath { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Runpath { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Libc { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? LibcEvidence { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Linkage { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? ExecutableStack { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? BindNow { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? BuildId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Stripped { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoReport? Go { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Upx { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Entry { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Flags { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Flags1 { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? TextRel { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Relro { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public TlsReport? Tls { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? AbiTag { get; init; }
    /// <summary>Libraries the object may dlopen, from its FDO dlopen metadata notes (.note.dlopen); null when there are none.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<DlopenNoteReport>? DlopenNotes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Anomalies { get; init; }

    // Mach-O and PE (absent for ELF).
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Slice { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Architectures { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? DelayNeeded { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Rpaths { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? InstallName { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CurrentVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? CompatibilityVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<DylibReport>? Dylibs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MinOs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Platform { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Sdk { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<BuildVersionReport>? BuildVersions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Uuid { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? CodeSignature { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? HeaderPadding { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? HeaderFlags { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FixupFormat { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Subsystem { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? SubsystemVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Characteristics { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? DllCharacteristics { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ImageBase { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Pdb { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? IsDotNet { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ClrReport? Clr { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ImportCount { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ExportCount { get; init; }

    // Details, present only when asked for (--versions, --dynamic, --notes, --headers).
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public VersionsReport? Versions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<DynamicEntryReport>? Dynamic { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<NoteReport>? Notes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public HeadersReport? Headers { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public MachOHeadersReport? MachOHeaders { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public PeHeadersReport? PeHeaders { get; init; }
}

/// <summary>A Mach-O dylib load command: <c>kind</c> is load, weak, reexport, lazy or upward.</summary>
public sealed record DylibReport(string Name, string Kind, string CompatibilityVersion, string CurrentVersion);
/// <summary>LC_BUILD_VERSION or LC_VERSION_MIN_*: platform, minimum OS, SDK, and the tools that built the image.</summary>
public sealed record BuildVersionReport(string Command, string Platform, string MinOs, string Sdk, IReadOnlyList<string> Tools);
/// <summary>The CLR header of a .NET assembly.</summary>
public sealed record ClrReport(string RuntimeVersion, string? MetadataVersion, IReadOnlyList<string> Flags);

/// <summary><c>--headers</c> of a Mach-O image: mach_header, every load command, segments with their sections.</summary>
public sealed record MachOHeadersReport(string Magic, string CpuType, string CpuSubType, string FileType, uint NCmds, uint SizeOfCmds, string Flags,
    IReadOnlyList<LoadCommandReport> LoadCommands, IReadOnlyList<SegmentReport> Segments);
public sealed record LoadCommandReport(int Index, string Cmd, uint CmdSize, string Offset);
public sealed record SegmentReport(string Name, string VmAddr, string VmSize, string FileOff, string FileSize, string MaxProt, string InitProt,
    IReadOnlyList<MachOSectionReport> Sections);
public sealed record MachOSectionReport(string Segment, string Name, string Address, string Size, string Offset, uint Align, string Flags);

/// <summary><c>--headers</c> of a PE image: file header, optional header, data directories, sections.</summary>
public sealed record PeHeadersReport(string Machine, int NumberOfSections, string TimeDateStamp, string Magic, string LinkerVersion,
    string EntryPoint, string ImageBase, string SectionAlignment, string FileAlignment, string OperatingSystemVersion, string ImageVersion,
    string SubsystemVersion, string SizeOfImage, string SizeOfHeaders, string CheckSum, IReadOnlyList<DataDirectoryReport> DataDirectories,
    IReadOnlyList<PeSectionReport> Sections);
public sealed record DataDirectoryReport(string Name, string Rva, string Size);
public sealed record PeSectionReport(int Index, string Name, string VirtualSize, string VirtualAddress, string SizeOfRawData, string PointerToRawData, string Characteristics);

public sealed record GoReport(bool IsGo, string? Evidence, string? GoVersion, string? ModulePath, string? BuildId,
    IReadOnlyDictionary<string, string>? Settings);

public sealed record TlsReport(string FileSize, string MemorySize, string Align);

public sealed record VersionsReport(
    IReadOnlyList<VersionNeedReport> Needs,
    IReadOnlyList<VersionDefinitionReport> Definitions,
    IReadOnlyList<HighestVersionReport> Highest);

public sealed record VersionNeedReport(string File, IReadOnlyList<VersionNeedEntryReport> Versions);
public sealed record VersionNeedEntryReport(string Name, int Index, bool Hidden, bool Weak, string Hash);
public sealed record VersionDefinitionReport(string Name, int Index, bool Base, bool Weak, IReadOnlyList<string> Parents, string Hash);
public sealed record HighestVersionReport(string Family, string Version, string Library, IReadOnlyList<string> Symbols);

public sealed record DynamicEntryReport(string Tag, string Name, string Value, string Display);
/// <summary>One entry of a .note.dlopen note: the SONAME alternatives, in order.</summary>
public sealed record DlopenNoteReport(string? Feature, string? Description, string Priority, IReadOnlyList<string> Soname);
public sealed record NoteReport(string Owner, string Type, int Size, string Description, string Source);

public sealed record HeadersReport(FileHeaderReport File, IReadOnlyList<ProgramHeaderReport> ProgramHeaders, IReadOnlyList<SectionReport> Sections);
public sealed record FileHeaderReport(string Class, string Data, int Version, string OsAbi, int AbiVersion, string Type, string Machine,
    string Entry, string PhOff, string ShOff, string Flags, int EhSize, int PhEntSize, long PhNum, int ShEntSize, long ShNum, long ShStrNdx);
public sealed record ProgramHeaderReport(string Type, string Offset, string VirtAddr, string PhysAddr, string FileSize, string MemSize, string Flags, string Align);
public sealed record SectionReport(int Index, string Name, string Type, string Address, string Offset, string Size, string EntSize, string Flags, long Link, long Info, string Align);
