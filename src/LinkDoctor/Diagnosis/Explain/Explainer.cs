using System.Text;
using System.Text.RegularExpressions;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// Reads a log (or one pasted message) with every catalogue of <see cref="MessageCatalogs.All"/> and the rules of
/// <see cref="ExplainRules"/>, and reports each recognised error once, in input order. The parser knows no
/// message: it only compiles templates (<see cref="TemplatePattern"/>), finds them, reads wrappers' contents again,
/// and chooses among overlapping readings (the one that starts first, then the longest, then the most specific,
/// then the earlier rule).
/// </summary>
public sealed class Explainer
{
    /// <summary>One template read by one rule.</summary>
    private sealed record Matcher(MessageTemplate Template, ExplainRule Rule, TemplatePattern Pattern, int Order);

    /// <summary>A reading of part of the input.</summary>
    private sealed record Candidate(int Start, int End, int Specificity, int Order, List<(Matcher M, Dictionary<string, string> Values)> Chain, string? FallbackClass)
    {
        public Matcher Outer => Chain[0].M;
        public Matcher Inner => Chain[^1].M;
    }

    /// <summary>The components a finding may name; runtimes that only wrap a message (python, node, java, go) are not among them.</summary>
    public static IReadOnlySet<string> Components { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "glibc-ld.so", "glibc-dlopen", "musl", "go-plugin", "go-build", "linker", "glibc-static", "exec", "dyld", "windows",
    };

    private const int MaxDepth = 4;
    private const int MaxLineLength = 16 * 1024;

    private readonly List<Matcher> _matchers = [];
    private readonly Dictionary<string, List<Matcher>> _byId = new(StringComparer.Ordinal);

    private static readonly Lazy<Explainer> LazyDefault = new(() => new Explainer(MessageCatalogs.Templates, ExplainRules.All));

    /// <summary>The explainer over every registered catalogue.</summary>
    public static Explainer Default => LazyDefault.Value;

    public Explainer(IEnumerable<MessageTemplate> templates, IReadOnlyList<ExplainRule> rules)
    {
        foreach (var t in templates)
        {
            var bound = rules.Select((r, i) => (Rule: r, Index: i)).Where(x => x.Rule.Binds(t) && NarrowsOnlyHolesOf(x.Rule, t)).ToList();
            if (bound.Count == 0)
            {
                if (ExplainRules.NotErrors.Contains(t.Id) || !Components.Contains(t.Component) && !IsWrapperComponent(t)) continue;
                var generic = Generic(t);
                if (generic is null) continue;
                bound.Add((generic, rules.Count));
            }
            foreach (var (rule, index) in bound)
            {
                var holes = new Dictionary<string, string>(ExplainRules.CommonHoles, StringComparer.Ordinal);
                if (rule.Holes is not null) foreach (var (k, v) in rule.Holes) holes[k] = v;
                var m = new Matcher(t, rule, new TemplatePattern(t, holes), index);
                _matchers.Add(m);
                if (!_byId.TryGetValue(t.Id, out var list)) _byId[t.Id] = list = [];
                list.Add(m);
            }
        }
    }

    /// <summary>The templates this explainer reads, with the class each rule gives them (null for wrappers without a fallback and context lines).</summary>
    public IEnumerable<(MessageTemplate Template, string? Class, RuleKind Kind)> Readings => _matchers.Select(m => (m.Template, m.Rule.Class, m.Rule.Kind));

    private static bool NarrowsOnlyHolesOf(ExplainRule r, MessageTemplate t) => r.Holes is null || r.Holes.Keys.All(t.Holes.Contains);

    private static bool IsWrapperComponent(MessageTemplate t) => t.Holes.Any(TemplatePattern.NestedHoles.Contains);

    /// <summary>
    /// A rule for a template no rule knows (a catalogue that landed after these rules were written): a wrapper if
    /// it carries a message, else a finding whose class is the id's last part. Templates with little literal text
    /// (<c>"{name}"</c>) are left out: they would match anything.
    /// </summary>
    private static ExplainRule? Generic(MessageTemplate t)
    {
        if (IsWrapperComponent(t)) return new ExplainRule(null, "", null) { Id = t.Id, Kind = RuleKind.Wrapper };
        int literal = MessageTemplate.Parse(t.Template).Where(p => !p.IsHole).Sum(p => p.Text.Trim().Length);
        if (literal < 12) return null;
        string cls = t.Id.Contains('.') ? t.Id[(t.Id.LastIndexOf('.') + 1)..] : t.Id;
        return new ExplainRule($"{t.Component}-{cls}", $"{t.Component} printed this ({t.Source})", null) { Id = t.Id };
    }

    /// <summary>Every recognised error of <paramref name="text"/>, once, in input order.</summary>
    public IReadOnlyList<ExplainFinding> Explain(string text)
    {
        var lines = LogCleaner.Lines(text);
        for (int i = 0; i < lines.Length; i++)
            if (lines[i].Length > MaxLineLength) lines[i] = lines[i][..MaxLineLength];
        var joined = string.Join('\n', lines);
        var lineStarts = new int[lines.Length];
        for (int i = 1; i < lines.Length; i++) lineStarts[i] = lineStarts[i - 1] + lines[i - 1].Length + 1;

        var candidates = new List<Candidate>();
        foreach (var m in _matchers)
        {
            string needle = m.Pattern.Needle;
            if (needle.Length > 0 && !joined.Contains(needle, StringComparison.Ordinal)) continue;
            try
            {
                // A message of several lines is looked for in the whole text; a one-line message only in the lines that hold its needle.
                if (m.Pattern.Lines > 1)
                {
                    for (var match = m.Pattern.Free.Match(joined); match.Success; match = match.NextMatch())
                        if (Evaluate(m, match, 0, 0) is { } c) candidates.Add(c);
                    continue;
                }
                for (int i = 0; i < lines.Length; i++)
                {
                    if (needle.Length > 0 && !lines[i].Contains(needle, StringComparison.Ordinal)) continue;
                    for (var match = m.Pattern.Free.Match(lines[i]); match.Success; match = match.NextMatch())
                        if (Evaluate(m, match, 0, lineStarts[i]) is { } c) candidates.Add(c);
                }
            }
            catch (RegexMatchTimeoutException) { }
        }

        // The reading that starts first wins; then the longest; then the one that reads more nested messages; then the most specific; then the earlier rule.
        candidates.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start)
            : a.End != b.End ? b.End.CompareTo(a.End)
            : a.Chain.Count != b.Chain.Count ? b.Chain.Count.CompareTo(a.Chain.Count)
            : a.Specificity != b.Specificity ? b.Specificity.CompareTo(a.Specificity)
            : a.Order.CompareTo(b.Order));
        var chosen = new List<Candidate>();
        int end = -1;
        foreach (var c in candidates)
        {
            if (c.Start < end) continue;
            chosen.Add(c);
            end = c.End;
        }

        var findings = new List<ExplainFinding>();
        var seen = new HashSet<(string, string)>();
        Candidate? context = null;
        int contextLine = -1;
        var builtTexts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in chosen)
        {
            int line = LineOf(lineStarts, c.Start);
            if (c.Outer.Rule.Kind == RuleKind.Context) { context = c; contextLine = line; continue; }
            // The same words read the same way are the same finding: a log that repeats one error thousands of times
            // is read once (a context line before it can still add to it, so those are always built).
            bool afterContext = context is not null && line == contextLine + 1;
            if (!afterContext && !builtTexts.Add(joined[c.Start..c.End])) { context = null; continue; }
            var finding = Build(c, joined, line);
            // GNU ld's "in function" line belongs to the linker message on the next line.
            if (context is not null && line == contextLine + 1 && finding.Component is "linker" or "glibc-static")
            {
                var ctx = context.Chain[0].Values;
                finding = finding with
                {
                    Line = contextLine + 1,
                    Message = joined[context.Start..c.End],
                    Subjects = finding.Subjects with { File = finding.Subjects.File ?? Clean(ctx.GetValueOrDefault("file")) },
                };
            }
            else finding = finding with { Line = line + 1 };
            context = null;
            // Once per error: the same message printed twice (ld repeats "skipping incompatible"; a Go program prints its
            // error and then panics with it) is one error.
            if (seen.Add((finding.Class, Identity(finding)))) findings.Add(finding);
        }
        return findings;
    }

    /// <summary>Reads one message (a loader line, a dlerror() text) from its start; null when nothing is recognised.</summary>
    public ExplainFinding? ExplainMessage(string message)
    {
        string clean = LogCleaner.CleanLine(message.Trim());
        var c = ParseNested(clean, null, 0);
        return c is null ? null : Build(c, clean, 0) with { Line = 1 };
    }

    /// <summary>What makes two findings of one class the same error: the component, the subjects and the innermost message's values.</summary>
    private static string Identity(ExplainFinding f)
    {
        var inner = f.Chain.Count > 0 ? f.Chain[^1] : null;
        var sb = new StringBuilder(f.Component).Append('\0');
        foreach (var n in ExplainSubjects.Names) sb.Append(f.Subjects.Get(n)).Append('\0');
        if (inner is not null) foreach (var (k, v) in inner.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal)) sb.Append(k).Append('=').Append(v.Trim()).Append('\0');
        return sb.ToString();
    }

    private static int LineOf(int[] lineStarts, int offset)
    {
        int i = Array.BinarySearch(lineStarts, offset);
        return i >= 0 ? i : ~i - 1;
    }

    private Candidate? Evaluate(Matcher m, Match match, int depth, int offset)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var h in m.Template.Holes)
            if (match.Groups[h] is { Success: true } g) values[h] = g.Value;
        var chain = new List<(Matcher, Dictionary<string, string>)> { (m, values) };
        string? fallback = null;
        if (m.Rule.Kind == RuleKind.Wrapper)
        {
            string? nested = m.Pattern.NestedHole;
            var inner = nested is not null && values.TryGetValue(nested, out var v) ? ParseNested(v.Trim(), m.Rule.Inner, depth + 1) : null;
            if (inner is null)
            {
                if (m.Rule.Class is null) return null;
                fallback = m.Rule.Class;
            }
            else chain.AddRange(inner.Chain);
        }
        else if (m.Rule.Class is null && m.Rule.Kind == RuleKind.Finding) return null;
        return new Candidate(offset + match.Index, offset + match.Index + match.Length, m.Pattern.Specificity, m.Order, chain, fallback);
    }

    private Candidate? ParseNested(string value, IReadOnlyList<string>? allowed, int depth)
    {
        if (depth > MaxDepth || value.Length == 0) return null;
        IEnumerable<Matcher> pool = allowed is null ? _matchers : allowed.SelectMany(id => _byId.GetValueOrDefault(id) ?? []);
        Candidate? best = null;
        foreach (var m in pool)
        {
            if (m.Rule.Kind == RuleKind.Context) continue;
            if (m.Pattern.Needle.Length > 0 && !value.Contains(m.Pattern.Needle, StringComparison.Ordinal)) continue;
            Match match;
            try { match = m.Pattern.Anchored.Match(value); }
            catch (RegexMatchTimeoutException) { continue; }
            if (!match.Success || Evaluate(m, match, depth, 0) is not { } c) continue;
            // A wrapper's hole holds the whole inner message: a reading that leaves words over is not it
            // ("plugin already loaded" is not "plugin already loaded (previous failure)").
            if (c.End < value.Length && value.AsSpan(c.End).TrimEnd().Length > 0) continue;
            if (best is null || Better(c, best)) best = c;
        }
        return best;
    }

    /// <summary>Inside a wrapper: the reading that covers more, then the one that understands more (more nested messages), then the more specific, then the earlier rule.</summary>
    private static bool Better(Candidate c, Candidate best) =>
        c.End != best.End ? c.End > best.End
        : c.Chain.Count != best.Chain.Count ? c.Chain.Count > best.Chain.Count
        : c.Specificity != best.Specificity ? c.Specificity > best.Specificity
        : c.Order < best.Order;

    private static ExplainFinding Build(Candidate c, string text, int line)
    {
        var inner = c.Inner;
        var rule = c.FallbackClass is not null ? c.Outer.Rule : inner.Rule;
        // The component: the outermost message printed by a component (not a runtime that only passes it on).
        string component = c.Chain.Select(x => x.M.Template.Component).FirstOrDefault(Components.Contains) ?? inner.Template.Component;
        bool wrappedByRuntime = c.Chain.Any(x => !Components.Contains(x.M.Template.Component));
        var subjects = Subjects(c);
        var fill = Fills(c, subjects);
        string? check = (component == "glibc-dlopen" || wrappedByRuntime) && rule.DlopenCheck is not null ? rule.DlopenCheck : rule.Check;
        return new ExplainFinding
        {
            Line = line,
            MessageLine = line + 1,
            Component = component,
            Class = c.FallbackClass ?? rule.Class!,
            Message = text[c.Start..c.End].Trim(),
            Subjects = subjects,
            Cause = Fill(rule.Cause, fill),
            Check = check is null ? null : Fill(check, fill, quotePaths: true),
            Fix = [.. rule.Fix.Select(f => Fill(f, fill))],
            Chain = [.. c.Chain.Select(x => new MessageLink(x.M.Template.Id, x.M.Template.Component, x.Values))],
        };
    }

    /// <summary>Where each hole's value goes: the innermost message that names a subject wins, except that a <c>{program}</c> only fills <c>file</c> when nothing else does.</summary>
    private static ExplainSubjects Subjects(Candidate c)
    {
        var s = new Dictionary<string, string>(StringComparer.Ordinal);
        string? program = null;
        for (int i = c.Chain.Count - 1; i >= 0; i--)
        {
            var (m, values) = c.Chain[i];
            foreach (var (hole, raw) in values)
            {
                string? subject = m.Rule.Subjects is not null && m.Rule.Subjects.TryGetValue(hole, out var mapped) ? mapped : DefaultSubject(hole);
                string? value = Clean(raw);
                if (string.IsNullOrEmpty(subject) || string.IsNullOrEmpty(value)) continue;
                if (subject == "program") { program ??= value; continue; }
                s.TryAdd(subject, value);
            }
        }
        if (program is not null) s.TryAdd("file", program);
        // A symbol the linker names with its version (pthread_create@GLIBC_2.34, sqrt@@GLIBC_2.2.5).
        if (s.TryGetValue("symbol", out var sym) && sym.IndexOf('@') is > 0 and var at)
        {
            s["symbol"] = sym[..at];
            s.TryAdd("version", sym[(at + (at + 1 < sym.Length && sym[at + 1] == '@' ? 2 : 1))..]);
        }
        // -lfoo names libfoo.so (or .a); -l:libfoo.so.1 names the file itself.
        if (s.TryGetValue("library", out var lib) && lib.StartsWith("-l", StringComparison.Ordinal) && lib.Length > 2)
            s["library"] = lib.StartsWith("-l:", StringComparison.Ordinal) ? lib[3..] : "lib" + lib[2..] + ".so";
        return new ExplainSubjects
        {
            Library = s.GetValueOrDefault("library"), Symbol = s.GetValueOrDefault("symbol"), Version = s.GetValueOrDefault("version"),
            File = s.GetValueOrDefault("file"), RequiredBy = s.GetValueOrDefault("requiredBy"), Package = s.GetValueOrDefault("package"),
        };
    }

    private static string? DefaultSubject(string hole) => hole switch
    {
        "library" => "library", "symbol" => "symbol", "version" => "version", "file" => "file", "path" => "file",
        "requiredBy" => "requiredBy", "package" => "package", "program" => "program", "name" => "library",
        _ => null,
    };

    private static string? Clean(string? value)
    {
        if (value is null) return null;
        value = value.Trim().Trim('\'', '"', '`', '‘', '’');
        return value.Length == 0 ? null : value;
    }

    /// <summary>Values for the texts: the subjects, then every hole (innermost first).</summary>
    private static Dictionary<string, string> Fills(Candidate c, ExplainSubjects subjects)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in ExplainSubjects.Names)
            if (subjects.Get(name) is { } v) d[name] = v;
        // {lname}: the X of -lX (-l:FILE keeps FILE).
        if (c.Chain[^1].Values.TryGetValue("name", out var n) && n.StartsWith("-l", StringComparison.Ordinal))
            d["lname"] = n.StartsWith("-l:", StringComparison.Ordinal) ? n[3..] : n[2..];
        for (int i = c.Chain.Count - 1; i >= 0; i--)
            foreach (var (k, v) in c.Chain[i].Values)
                if (Clean(v) is { } cv) d.TryAdd(k, cv);
        return d;
    }

    /// <summary>Fills <c>{name}</c> and <c>{name|fallback}</c>; a path in a command line is quoted when it needs to be.</summary>
    private static string Fill(string text, Dictionary<string, string> values, bool quotePaths = false)
    {
        var sb = new StringBuilder(text.Length + 32);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '{') { sb.Append(text[i]); continue; }
            int close = text.IndexOf('}', i);
            if (close < 0) { sb.Append(text[i..]); break; }
            string inside = text[(i + 1)..close];
            int bar = inside.IndexOf('|');
            string name = bar < 0 ? inside : inside[..bar];
            // Only {identifier} is a placeholder: extern "C" { } stays as written.
            if (name.Length == 0 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_')) { sb.Append('{'); continue; }
            if (values.TryGetValue(name, out var v))
                sb.Append(quotePaths && v.Any(ch => char.IsWhiteSpace(ch) || ch is '\'' or '"' or '$' or '`' or '(' or ')') ? "'" + v.Replace("'", "'\\''") + "'" : v);
            else if (bar >= 0) sb.Append(inside[(bar + 1)..]);
            else if (name == "version") { }
            else sb.Append(name.ToUpperInvariant());
            i = close;
        }
        return sb.ToString();
    }
}
