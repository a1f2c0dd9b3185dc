namespace LinkDoctor.Diagnosis.Explain;

/// <summary>What a recognised message is to <c>explain</c>.</summary>
public enum RuleKind
{
    /// <summary>An error (or warning) of its own: it becomes a finding.</summary>
    Finding,
    /// <summary>A line that carries another message in its <c>{error}</c> hole (a loader's start-up line, Python's
    /// <c>OSError:</c>); it becomes a finding only through what it carries, or its fallback class when it has one.</summary>
    Wrapper,
    /// <summary>A line that only adds context to the finding on the next line (GNU ld's "in function" line).</summary>
    Context,
}

/// <summary>
/// How <c>explain</c> reads one catalogue message: its class, the cause, the LinkDoctor command that confirms it,
/// and the fixes. A rule binds to a template by id, or (for catalogues that land from other branches under ids
/// not known here) by component and a literal the template must contain. Texts may use the subjects and the
/// holes of the message as <c>{name}</c>, with a fallback as <c>{name|text}</c>.
/// </summary>
public sealed record ExplainRule(string? Class, string Cause, string? Check, params string[] Fix)
{
    /// <summary>The template id this rule reads.</summary>
    public string? Id { get; init; }
    /// <summary>Or: any template of this component …</summary>
    public string? Component { get; init; }
    /// <summary>… whose text contains this literal.</summary>
    public string? Signature { get; init; }
    public RuleKind Kind { get; init; } = RuleKind.Finding;
    /// <summary>Holes narrowed to patterns of their own: the rule applies only when they match.</summary>
    public IReadOnlyDictionary<string, string>? Holes { get; init; }
    /// <summary>A wrapper: the ids of the messages it may carry (null: any).</summary>
    public IReadOnlyList<string>? Inner { get; init; }
    /// <summary>Where a hole's value goes among the subjects, when not where its name says.</summary>
    public IReadOnlyDictionary<string, string>? Subjects { get; init; }
    /// <summary>The check to print when the message came from <c>dlopen</c> (a runtime wrapped it, or no program is named).</summary>
    public string? DlopenCheck { get; init; }

    public bool Binds(MessageTemplate t) =>
        (Id is not null && t.Id == Id) || (Signature is not null && t.Component == Component && t.Template.Contains(Signature, StringComparison.OrdinalIgnoreCase));
}
