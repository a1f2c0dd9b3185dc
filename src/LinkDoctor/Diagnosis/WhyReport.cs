using System.Text.Json.Serialization;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// One fix, as a sentence and, where it can be applied mechanically, as the actions that apply it (each one an
/// alternative that alone makes the program load). Tests apply every action and run the real loader again.
/// </summary>
public sealed record Remedy(string Text)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<RemedyAction>? Actions { get; init; }
    /// <summary>The libraries (or other problems, by name) this fix takes care of, when it serves specific ones.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Serves { get; init; }
}

/// <summary>
/// A mechanical step: run with <see cref="Environment"/> set, or run <see cref="Commands"/> (each an argv:
/// <c>patchelf</c>, <c>chmod</c>) in order on the files they name. Paths in them are host paths.
/// </summary>
public sealed record RemedyAction(string Kind)
{
    public const string SetEnvironment = "environment", RunCommands = "commands";
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyDictionary<string, string>? Environment { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<IReadOnlyList<string>>? Commands { get; init; }

    public static RemedyAction Env(string name, string value) => new(SetEnvironment) { Environment = new Dictionary<string, string> { [name] = value } };
    public static RemedyAction Run(params string[] argv) => new(RunCommands) { Commands = [argv] };
    public static RemedyAction RunAll(IEnumerable<string[]> commands) => new(RunCommands) { Commands = [.. commands] };

    /// <summary>
    /// An ELF edit offered twice: as <c>linkdoctor patch OP…</c> (verified, atomic) and as the same <c>patchelf</c>
    /// command; returns the sentence and the two actions, each alone a fix. <paramref name="edits"/> pairs a file
    /// with its options (the same for both tools); <paramref name="shown"/> names the file as the user gave it.
    /// </summary>
    public static (string Display, RemedyAction[] Actions) ElfEdit(IReadOnlyList<(string HostFile, string Shown, string[] Options)> edits)
    {
        static string Quote(string a) => a.Contains('$') || a.Contains(' ') ? $"'{a}'" : a;
        string ours = string.Join(" && ", edits.Select(e => $"linkdoctor patch {string.Join(' ', e.Options.Select(Quote))} {e.Shown}"));
        string theirs = string.Join(" && ", edits.Select(e => $"patchelf {string.Join(' ', e.Options.Select(Quote))} {e.Shown}"));
        return ($"{ours} (or: {theirs})",
        [
            RunAll(edits.Select(e => (string[])["linkdoctor", "patch", .. e.Options, e.HostFile])),
            RunAll(edits.Select(e => (string[])["patchelf", .. e.Options, e.HostFile])),
        ]);
    }
}

/// <summary>The outcome of simulating a program's start (or a dlopen).</summary>
public sealed record WhyReport
{
    public required string Path { get; init; }
    /// <summary>What the real loader (or the shell) would print on stderr, line by line; the first line first.</summary>
    public IReadOnlyList<string> LoaderOutput { get; init; } = [];
    /// <summary>The same lines as catalogue messages (id and values), for scripts and <c>explain</c>.</summary>
    public IReadOnlyList<LoaderMessage> Messages { get; init; } = [];
    /// <summary>True when the program would reach main (or dlopen would succeed).</summary>
    public bool Starts { get; init; }
    /// <summary>The exit status of the real program when it fails to start (127, 126, 1 …); null when it starts.</summary>
    public int? ExitStatus { get; init; }
    /// <summary>Failures that only strike later: a lazily bound function missing at its first call.</summary>
    public IReadOnlyList<string> Later { get; init; } = [];
    public IReadOnlyList<string> Explanation { get; init; } = [];
    /// <summary>The fixes as sentences (<see cref="Remedies"/> has them with their mechanical actions).</summary>
    public IReadOnlyList<string> Fixes => [.. Remedies.Select(r => r.Text)];
    public IReadOnlyList<Remedy> Remedies { get; init; } = [];
    public string? Loader { get; init; }
    /// <summary>What the simulation had to assume (a foreign root's CPU, AT_SECURE …).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Assumptions { get; init; }
}

/// <summary>Collects a report's lines, explanations and remedies, never twice the same.</summary>
public sealed class WhyBuilder(string path, string loader)
{
    private readonly List<LoaderMessage> _messages = [];
    private readonly List<string> _explanation = [];
    private readonly List<Remedy> _remedies = [];
    private readonly List<string> _later = [];
    private readonly List<string> _assumptions = [];

    public string Path => path;
    public IReadOnlyList<LoaderMessage> Messages => _messages;

    public WhyBuilder Say(LoaderMessage m) { _messages.Add(m); return this; }
    public WhyBuilder Explain(string line) { if (!_explanation.Contains(line)) _explanation.Add(line); return this; }
    public WhyBuilder Later(string line) { _later.Add(line); return this; }
    public WhyBuilder Assume(IEnumerable<string> lines) { foreach (var l in lines) if (!_assumptions.Contains(l)) _assumptions.Add(l); return this; }

    public WhyBuilder Fix(string text, params RemedyAction[] actions) => Fix(text, null, actions);

    public WhyBuilder Fix(string text, IReadOnlyList<string>? serves, params RemedyAction[] actions)
    {
        if (_remedies.Any(r => r.Text == text)) return this;
        _remedies.Add(new Remedy(text) { Actions = actions.Length == 0 ? null : actions, Serves = serves });
        return this;
    }

    public bool HasFixes => _remedies.Count > 0;

    public WhyReport Fail(int? exitStatus) => Build(starts: false, exitStatus);
    public WhyReport Start() => Build(starts: true, null);

    private WhyReport Build(bool starts, int? exitStatus) => new()
    {
        Path = path, Loader = loader, LoaderOutput = [.. _messages.Select(m => m.Text)], Messages = [.. _messages], Starts = starts,
        ExitStatus = starts ? null : exitStatus, Later = [.. _later], Explanation = [.. _explanation], Remedies = [.. _remedies],
        Assumptions = _assumptions.Count == 0 ? null : [.. _assumptions],
    };
}
