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
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Anomalies { get; init; }

    // Details, present only when asked for (--versions, --dynamic, --notes, --headers).
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public VersionsReport? Versions { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<DynamicEntryReport>? Dynamic { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<NoteReport>? Notes { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public HeadersReport? Headers { get; init; }
}

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
public sealed record NoteReport(string Owner, string Type, int Size, string Description, string Source);

public sealed record HeadersReport(FileHeaderReport File, IReadOnlyList<ProgramHeaderReport> ProgramHeaders, IReadOnlyList<SectionReport> Sections);
public sealed record FileHeaderReport(string Class, string Data, int Version, string OsAbi, int AbiVersion, string Type, string Machine,
    string Entry, string PhOff, string ShOff, string Flags, int EhSize, int PhEntSize, long PhNum, int ShEntSize, long ShNum, long ShStrNdx);
public sealed record ProgramHeaderReport(string Type, string Offset, string VirtAddr, string PhysAddr, string FileSize, string MemSize, string Flags, string Align);
public sealed record SectionReport(int Index, string Name, string Type, string Address, string Offset, string Size, string EntSize, string Flags, long Link, long Info, string Align);
