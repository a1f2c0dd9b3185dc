using System.Text;
using System.Text.RegularExpressions;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// A <see cref="MessageTemplate"/> turned into the two regular expressions <c>explain</c> reads logs with: one that
/// finds the message anywhere in a log (<see cref="Free"/>), and one that reads the text a wrapper holds
/// (<see cref="Anchored"/>: the text an <c>OSError: {error}</c> or <c>… error while loading shared libraries: {error}</c>
/// carries). The template text is the one <c>why</c> renders; only how a hole matches is decided here:
/// <list type="bullet">
/// <item>a hole that opens the message is one word (<c>\S+</c>) when found in a log, so that prefixes (a timestamp, a
/// container name, the program name of a wrapper) stay out of it; inside a wrapper it may hold spaces;</item>
/// <item>a hole in the middle is the shortest text up to the literal that follows, on one line;</item>
/// <item>a hole that closes the message is one word when its name says so (<see cref="WordHoles"/>), else the rest of the line;</item>
/// <item>a rule may narrow a hole to a pattern of its own (<c>{reason}</c> of <c>glibc.bad-file</c> is one of open_verify's strings);</item>
/// <item>literal quotes match their typographic forms (<c>`x'</c>, <c>‘x’</c>, <c>'x'</c>: gettext turns one into another), runs of
/// spaces match any run of blanks, and a line break matches a line break with any indentation.</item>
/// </list>
/// </summary>
public sealed class TemplatePattern
{
    /// <summary>Holes that hold one word (a name, a path, a version) when they close a message.</summary>
    public static readonly IReadOnlySet<string> WordHoles = new HashSet<string>(StringComparer.Ordinal)
    {
        "library", "file", "program", "symbol", "version", "class", "name", "path", "relocation", "package", "linker",
        "shell", "flag", "function", "line", "op", "location", "pid", "uuid", "status", "mode",
    };

    /// <summary>Holes whose value is itself a message (a wrapper's content), parsed again with the catalogue.</summary>
    public static readonly IReadOnlySet<string> NestedHoles = new HashSet<string>(StringComparer.Ordinal) { "error", "dlerror" };

    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(500);

    public MessageTemplate Template { get; }
    /// <summary>Finds the message anywhere in a log (multi-line mode; one line unless the template has line breaks).</summary>
    public Regex Free { get; }
    /// <summary>Reads the message at the start of a wrapper's text.</summary>
    public Regex Anchored { get; }
    /// <summary>The longest literal of the template: a log without it cannot hold the message.</summary>
    public string Needle { get; }
    /// <summary>How many literal characters the template has: of two messages found at the same place, the more specific wins.</summary>
    public int Specificity { get; }
    /// <summary>How many lines the message spans.</summary>
    public int Lines { get; }
    /// <summary>The name of the hole that holds a nested message, if any.</summary>
    public string? NestedHole { get; }

    public TemplatePattern(MessageTemplate template, IReadOnlyDictionary<string, string>? holePatterns = null)
    {
        Template = template;
        var parts = MessageTemplate.Parse(template.Template);
        // Only what the regex matches as written: not blanks (any run matches) nor quotes (their other forms match too).
        Needle = parts.Where(p => !p.IsHole).SelectMany(p => p.Text.Split([' ', '\t', '\n', '`', '\'', '‘', '’', '"'], StringSplitOptions.RemoveEmptyEntries))
            .OrderByDescending(t => t.Length).FirstOrDefault() ?? "";
        Specificity = parts.Where(p => !p.IsHole).Sum(p => p.Text.Trim().Length);
        Lines = template.Template.Count(c => c == '\n') + 1;
        NestedHole = parts.FirstOrDefault(p => p.IsHole && NestedHoles.Contains(p.Text)).Text;
        Free = new Regex(Build(parts, anchored: false, holePatterns), RegexOptions.CultureInvariant | RegexOptions.Multiline, Timeout);
        Anchored = new Regex(Build(parts, anchored: true, holePatterns), RegexOptions.CultureInvariant, Timeout);
    }

    private static string Build(List<MessageTemplate.Part> parts, bool anchored, IReadOnlyDictionary<string, string>? holePatterns)
    {
        var sb = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        // Leading blanks of a template (ldd's "\t{name} => not found") are optional: logs lose or change them.
        int first = 0;
        while (first < parts.Count && !parts[first].IsHole && parts[first].Text.Trim().Length == 0) first++;
        if (anchored) sb.Append('^');
        if (first < parts.Count && !parts[first].IsHole && parts[first].Text.Length > 0 && parts[first].Text[0] is ' ' or '\t')
            sb.Append(@"[ \t]*");
        for (int i = first; i < parts.Count; i++)
        {
            var p = parts[i];
            if (!p.IsHole)
            {
                string text = i == first ? p.Text.TrimStart(' ', '\t') : p.Text;
                // A message that opens with a word does not start inside another word ("OSError: " is not "Error: ").
                if (!anchored && i == first && text.Length > 0 && char.IsLetterOrDigit(text[0])) sb.Append(@"(?<![\p{L}\p{N}_])");
                AppendLiteral(sb, text);
                // … nor end inside one (0xc0000135 is not 0xc00001350).
                if (!anchored && i == parts.Count - 1 && text.Length > 0 && char.IsLetterOrDigit(text[^1])) sb.Append(@"(?![\p{L}\p{N}_])");
                // A message that ends with punctuation after a hole ("… library {library}.") ends at a blank or the line's end, not at the dot of "libx.so.3".
                if (i == parts.Count - 1 && i > first && parts[i - 1].IsHole && text.Trim() == ".")
                    sb.Append(@"(?=\s|$)");
                continue;
            }
            if (!seen.Add(p.Text)) { sb.Append($@"\k<{p.Text}>"); continue; }
            bool leading = i == first, trailing = i == parts.Count - 1;
            string pattern;
            if (holePatterns is not null && holePatterns.TryGetValue(p.Text, out var own)) pattern = own;
            else if (leading && !anchored) pattern = @"\S+?";
            // Inside a wrapper the opening hole may hold spaces, but not ": ": that would swallow a wrapper's own prefix.
            else if (leading) pattern = @"(?:[^\r\n:]|:(?! ))+?";
            else if (trailing && WordHoles.Contains(p.Text)) pattern = @"[^\s""'`‘’]+";
            else if (trailing) pattern = @"[^\r\n]*?";
            else pattern = @"[^\r\n]+?";
            if (leading && !anchored) sb.Append(@"(?<![^\s""'`‘(\[])");
            sb.Append($"(?<{p.Text}>{pattern})");
            if (trailing && pattern == @"[^\r\n]*?") sb.Append(@"(?=[ \t]*(?:\r?$))");
        }
        return sb.ToString();
    }

    private static void AppendLiteral(StringBuilder sb, string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c is ' ' or '\t')
            {
                while (i + 1 < text.Length && text[i + 1] is ' ' or '\t') i++;
                sb.Append(@"[ \t]+");
            }
            else if (c == '\n')
            {
                // A line break in the message: the next line of the log, whatever its indentation.
                while (i + 1 < text.Length && text[i + 1] is ' ' or '\t') i++;
                sb.Append(@"\r?\n[ \t]*");
            }
            else if (c is '`' or '‘') sb.Append("[`‘'\"]");
            else if (c is '\'' or '’') sb.Append("['’\"]");
            else sb.Append(Regex.Escape(c.ToString()));
        }
    }
}
