using System.Text.Json.Serialization;
using LinkDoctor.Loaders;

namespace LinkDoctor.Reports;

/// <summary><c>tree --json</c>: one object per file with the link map in the loader's order.</summary>
public sealed record LoadGraphReport
{
    public required string Path { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Loader { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Interpreter { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<LoadedObjectReport>? Objects { get; init; }
    /// <summary>What the .note.dlopen entries would find (optional dependencies; not part of the link map).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<OptionalDependencyReport>? Optional { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? FatalError { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Warnings { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Assumptions { get; init; }

    public static LoadGraphReport From(string path, LoadGraph g) => new()
    {
        Path = path,
        Loader = g.Loader,
        Interpreter = g.Main.File?.Interpreter,
        Objects = [.. g.Objects.Select(o => new LoadedObjectReport(
            o.Name, o.IsMain ? null : o.Found ? o.Path : null, o.RealPath, o.Found, TreeRenderer.Describe(o), o.SourceOwner,
            o.Loader is null ? null : (o.Loader.IsMain ? o.Loader.Name : o.Loader.Path), o.Error,
            [.. o.Needed.Select(n => n.Name)],
            [.. o.Tried.Select(c => new CandidateReport(c.Path, c.Source.Id, c.Owner, c.Verdict, c.Detail, c.Outcome.ToString()))]))],
        Optional = g.DlopenDependencies.Count == 0 ? null : [.. g.DlopenDependencies.Select(d => new OptionalDependencyReport(
            d.Name, d.Target.Found ? d.Target.Path : null, d.Target.RealPath, d.Target.Found, d.Owner.IsMain ? d.Owner.Name : d.Owner.Path,
            d.Note.Feature, d.Note.Priority, d.Note.Soname, d.Target.Found ? TreeRenderer.Describe(d.Target) : null))],
        FatalError = g.FatalError,
        Warnings = g.Warnings.Count > 0 ? [.. g.Warnings.Select(w => w.Text)] : null,
        Assumptions = g.Assumptions.Count > 0 ? g.Assumptions : null,
    };
}

/// <summary>A .note.dlopen entry of <c>Owner</c> and where its dlopen would find the library.</summary>
public sealed record OptionalDependencyReport(string Name, string? Path, string? RealPath, bool Found, string Owner, string? Feature,
    string Priority, IReadOnlyList<string> Soname, string? Source);

public sealed record LoadedObjectReport(string Name, string? Path, string? RealPath, bool Found, string Source, string? SourceOwner,
    string? NeededBy, string? Error, IReadOnlyList<string> Needed, IReadOnlyList<CandidateReport> Tried);

/// <param name="Verdict">The loader's word (<c>WrongClass</c>, <c>NoDefaultLib</c>) or the outcome.</param>
/// <param name="Outcome">The same in words every loader shares: Taken, Missing, Incompatible, Fatal, Duplicate, Refused.</param>
public sealed record CandidateReport(string Path, string Source, string? Owner, string Verdict, string? Detail, string Outcome);
