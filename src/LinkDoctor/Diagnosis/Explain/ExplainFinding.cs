using System.Text.Json.Serialization;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>The names, paths and versions a message is about; a field is absent when the text does not name it.</summary>
public sealed record ExplainSubjects
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Library { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Symbol { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Version { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? File { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RequiredBy { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Package { get; init; }

    public static IReadOnlyList<string> Names { get; } = ["library", "symbol", "version", "file", "requiredBy", "package"];

    public string? Get(string name) => name switch
    {
        "library" => Library, "symbol" => Symbol, "version" => Version, "file" => File, "requiredBy" => RequiredBy, "package" => Package, _ => null,
    };
}

/// <summary>One catalogue message as read: its id, component and hole values. A finding's chain runs from the outermost (a wrapper) to the innermost.</summary>
public sealed record MessageLink(string Id, string Component, IReadOnlyDictionary<string, string> Values);

/// <summary>How a pasted error compares with what the <c>why</c> simulation of a file predicts (<c>explain --file</c>).</summary>
public sealed record ExplainCorrelation
{
    /// <summary>True when the simulation prints the same message (same ids, same library, symbol and version).</summary>
    public bool Reproduced { get; init; }
    /// <summary>What the simulation prints (the loader's lines), empty when the file would load.</summary>
    public IReadOnlyList<string> Simulated { get; init; } = [];
    /// <summary>What differs between the paste and the simulation, and what that suggests.</summary>
    public IReadOnlyList<string> Differences { get; init; } = [];
}

/// <summary>
/// One recognised error in the input (the JSON field names are part of the interface: scripts use them).
/// </summary>
public sealed record ExplainFinding
{
    /// <summary>1-based line of the input where the message starts (a wrapper's line; GNU ld's "in function" line).</summary>
    public required int Line { get; init; }
    /// <summary><c>glibc-ld.so</c>, <c>glibc-dlopen</c>, <c>musl</c>, <c>go-plugin</c>, <c>go-build</c>, <c>linker</c>, <c>glibc-static</c>, <c>exec</c>, <c>dyld</c>, <c>windows</c>.</summary>
    public required string Component { get; init; }
    public required string Class { get; init; }
    /// <summary>The text matched, as it stands in the input after colour codes and log prefixes are removed.</summary>
    public required string Message { get; init; }
    public required ExplainSubjects Subjects { get; init; }
    public required string Cause { get; init; }
    /// <summary>The LinkDoctor command line that confirms it, when one applies.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Check { get; init; }
    public required IReadOnlyList<string> Fix { get; init; }
    /// <summary>With <c>--file</c>: whether the simulation reproduces it.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ExplainCorrelation? Correlation { get; init; }

    /// <summary>The catalogue messages read, outermost first (not written as JSON: the ids are internal).</summary>
    [JsonIgnore] public IReadOnlyList<MessageLink> Chain { get; init; } = [];
    /// <summary>The 1-based line where the message itself (not its context line) starts.</summary>
    [JsonIgnore] public int MessageLine { get; init; }
}

/// <summary>Source-generated JSON for <c>explain</c> (NativeAOT-safe, camelCase like the other reports).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<ExplainFinding>))]
public sealed partial class ExplainJsonContext : JsonSerializerContext;
