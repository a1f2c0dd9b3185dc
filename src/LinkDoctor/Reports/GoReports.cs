using System.Text.Json.Serialization;

namespace LinkDoctor.Reports;

/// <summary>A module of the build info (<c>mod</c>, <c>dep</c>, and its <c>=&gt;</c> replacement).</summary>
public sealed record GoModuleReport(string Path, string Version, string Sum,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] GoModuleReport? Replace);

/// <summary>A <c>build</c> setting.</summary>
public sealed record GoSettingReport(string Key, string Value);

/// <summary>A fact of LinkDoctor's Go view with the evidence it rests on.</summary>
public sealed record GoFact(string Value, string Evidence);

/// <summary>A function a c-shared library or c-archive exports with <c>//export</c>.</summary>
public sealed record GoExportReport(string Name,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Prototype,
    bool InDynamicSymbols);

/// <summary><c>linkdoctor go</c>'s view of one file: the build info, and what the binary shows about how it was built.</summary>
public sealed record GoBinaryReport
{
    public required string Path { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    public bool IsGo { get; init; }
    /// <summary>What go1.19's <c>go version -m</c> says when it cannot read the build info (after <c>FILE: </c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? GoVersionError { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Format { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Machine { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? GoVersion { get; init; }
    /// <summary><c>build info</c>, or how the version was recovered without it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? GoVersionSource { get; init; }
    public bool VersionRecovered { get; init; }
    /// <summary>The build info blob's format: <c>inline</c> (Go 1.18+) or <c>pointers</c> (before).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? BuildInfoFormat { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ModulePath { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoModuleReport? Main { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<GoModuleReport>? Deps { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<GoSettingReport>? Settings { get; init; }
    /// <summary>The pclntab header's Go release range (<c>go1.20 or later</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Pclntab { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? BuildMode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? Cgo { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? LinkMode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? Net { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? OsUser { get; init; }
    /// <summary>Whether package plugin is linked, and which implementation: <c>dlopen</c> or <c>stub</c> (plugin: not implemented).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoFact? Plugin { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PluginPath { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<GoExportReport>? Exports { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public GoStaticReport? Static { get; init; }
    [JsonIgnore] public LinkDoctor.Formats.Go.GoBuildInfo? Info { get; init; }
}

/// <summary>One libc function that matters for static linking, with where it comes from.</summary>
public sealed record GoStaticFinding(string Function, string Problem, string Origin, string Evidence,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Tag,
    string Fix);

/// <summary><c>go --static</c>: can this binary be linked statically (or, if it is, what it still needs at run time)?</summary>
public sealed record GoStaticReport
{
    public required string Linkage { get; init; }
    public required string Libc { get; init; }
    public bool Ready { get; init; }
    public IReadOnlyList<GoStaticFinding> Findings { get; init; } = [];
    /// <summary>The build tags the advice adds (<c>netgo</c>, <c>osusergo</c>, <c>sqlite_omit_load_extension</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>The linker flags for a static cgo build.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Ldflags { get; init; }
    /// <summary>The whole advice as one command line.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Command { get; init; }
    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>One difference between a cgo header and a c-shared library.</summary>
public sealed record GoHeaderDifference(string Kind, string Name, string Detail);

/// <summary><c>go --header</c>: the header's exported functions against the library's.</summary>
public sealed record GoHeaderReport
{
    public required string Header { get; init; }
    public required string Library { get; init; }
    public bool Ok { get; init; }
    public IReadOnlyList<string> HeaderFunctions { get; init; } = [];
    public IReadOnlyList<string> LibraryExports { get; init; } = [];
    public IReadOnlyList<GoHeaderDifference> Differences { get; init; } = [];
    /// <summary>Whether the library's DWARF gave prototypes to compare.</summary>
    public bool PrototypesCompared { get; init; }
}

/// <summary>Source-generated JSON for the Go commands (no reflection, NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<GoBinaryReport>))]
[JsonSerializable(typeof(GoHeaderReport))]
[JsonSerializable(typeof(List<LinkDoctor.Diagnosis.GoPluginCheckReport>))]
public sealed partial class GoJsonContext : JsonSerializerContext;
