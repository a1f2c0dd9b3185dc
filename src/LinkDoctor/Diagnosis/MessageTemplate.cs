using System.Text;
using System.Text.RegularExpressions;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// One message a real component prints (a loader, the shell, the Go runtime, the linker), as data: a stable id,
/// the component, the text with named holes (<c>{library}</c>), and the source line it comes from. <c>why</c>
/// renders from it; <c>explain</c> parses logs with it (<see cref="Match"/>), so the two can never disagree.
/// </summary>
/// <param name="Id">Stable id, <c>component.what</c> (<c>glibc.cannot-open</c>).</param>
/// <param name="Component">Who prints it: <c>glibc-ld.so</c>, <c>glibc-dlopen</c>, <c>musl</c>, <c>exec</c>, <c>go-plugin</c>, <c>linker</c>, <c>dyld</c>, <c>windows</c>…</param>
/// <param name="Template">The exact text; <c>{name}</c> is a hole, <c>{{</c> and <c>}}</c> are literal braces.</param>
/// <param name="Source">Where the format string lives: file, function and the version it was checked against.</param>
public sealed record MessageTemplate(string Id, string Component, string Template, string Source)
{
    private Regex? _regex;
    private string[]? _holes;

    /// <summary>The hole names in order of appearance.</summary>
    public IReadOnlyList<string> Holes => _holes ??= Parse(Template).Where(p => p.IsHole).Select(p => p.Text).ToArray();

    /// <summary>The text with each hole filled, in order; every hole must be given.</summary>
    public string Render(params string[] values)
    {
        var sb = new StringBuilder();
        int i = 0;
        foreach (var p in Parse(Template))
        {
            if (!p.IsHole) { sb.Append(p.Text); continue; }
            if (i >= values.Length) throw new ArgumentException($"{Id}: no value for {{{p.Text}}}");
            sb.Append(values[i++]);
        }
        if (i != values.Length) throw new ArgumentException($"{Id}: {values.Length} values for {i} holes");
        return sb.ToString();
    }

    /// <summary>
    /// Finds the message in a line of text (anywhere in it: logs add prefixes) and returns the holes' values.
    /// A hole matches lazily and never across a line break; holes that end the template take the rest of the line.
    /// </summary>
    public bool Match(string text, out Dictionary<string, string> values, out int index, out int length)
    {
        values = [];
        var m = Regex.Match(text);
        index = m.Index;
        length = m.Length;
        if (!m.Success) return false;
        foreach (var h in Holes.Distinct())
            values[h] = m.Groups[h].Value;
        return true;
    }

    /// <summary>The template as a regular expression with one named group per hole.</summary>
    public Regex Regex => _regex ??= BuildRegex();

    private Regex BuildRegex()
    {
        var sb = new StringBuilder();
        var seen = new HashSet<string>();
        var parts = Parse(Template);
        for (int i = 0; i < parts.Count; i++)
        {
            var p = parts[i];
            if (!p.IsHole) { sb.Append(System.Text.RegularExpressions.Regex.Escape(p.Text)); continue; }
            if (!seen.Add(p.Text)) { sb.Append($@"\k<{p.Text}>"); continue; }
            bool last = i == parts.Count - 1;
            sb.Append(last ? $@"(?<{p.Text}>[^\r\n]*?)(?=\s*$)" : $@"(?<{p.Text}>[^\r\n]*?)");
        }
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Multiline);
    }

    /// <summary>A piece of a template: a literal, or a hole with its name.</summary>
    public readonly record struct Part(string Text, bool IsHole);

    /// <summary>The template split into literals and holes (<c>{{</c>/<c>}}</c> are literal braces).</summary>
    public static List<Part> Parse(string template)
    {
        var parts = new List<Part>();
        var lit = new StringBuilder();
        for (int i = 0; i < template.Length; i++)
        {
            char c = template[i];
            if (c == '{' && i + 1 < template.Length && template[i + 1] == '{') { lit.Append('{'); i++; continue; }
            if (c == '}' && i + 1 < template.Length && template[i + 1] == '}') { lit.Append('}'); i++; continue; }
            if (c == '{')
            {
                int end = template.IndexOf('}', i);
                if (end < 0) throw new FormatException($"unclosed hole in '{template}'");
                if (lit.Length > 0) { parts.Add(new Part(lit.ToString(), false)); lit.Clear(); }
                parts.Add(new Part(template[(i + 1)..end], true));
                i = end;
                continue;
            }
            lit.Append(c);
        }
        if (lit.Length > 0) parts.Add(new Part(lit.ToString(), false));
        return parts;
    }
}

/// <summary>A rendered message: which template, with which values, and the text.</summary>
public sealed record LoaderMessage(string Id, string Text, IReadOnlyDictionary<string, string> Values)
{
    public static LoaderMessage From(MessageTemplate t, params string[] values)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < t.Holes.Count && i < values.Length; i++) d.TryAdd(t.Holes[i], values[i]);
        return new LoaderMessage(t.Id, t.Render(values), d);
    }
}

/// <summary>Every message catalogue, for <c>explain</c> and for tests that check each template is cited.</summary>
public interface IMessageCatalog
{
    IReadOnlyList<MessageTemplate> Messages { get; }
}
