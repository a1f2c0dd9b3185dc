using System.Text;
using System.Text.RegularExpressions;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// Turns a pasted log into the lines the components printed: colour and cursor codes removed (ECMA-48 CSI and OSC
/// sequences), a carriage return inside a line taken as a terminal would (the text after it overwrites the line),
/// and the prefixes CI systems and log collectors add stripped: ISO 8601 timestamps (GitHub Actions, GitLab,
/// kubectl --timestamps), Go's log timestamps, clock times, syslog/journald headers, CRI log fields
/// (<c>stderr F</c>), BuildKit step prefixes (<c>#8 0.512</c>), docker compose service prefixes, and
/// GitHub's <c>##[error]</c> markers. One output line per input line, so line numbers stay those of the input.
/// </summary>
public static class LogCleaner
{
    private static readonly Regex Ansi = new(@"\x1B(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1B]*(?:\x07|\x1B\\)?|[@-Z\\-_])", RegexOptions.CultureInvariant);

    private static readonly Regex[] Prefixes =
    [
        // 2024-01-15T10:00:00.1234567Z, [2024-01-15 10:00:00,123], 2024-01-15T10:00:00+01:00
        new(@"^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?\]?[ \t]*", RegexOptions.CultureInvariant),
        // Go's log package: 2024/01/15 10:00:00[.000000]
        new(@"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?[ \t]+", RegexOptions.CultureInvariant),
        // [10:00:00], 10:00:00.123
        new(@"^\[?\d{2}:\d{2}:\d{2}(?:\.\d+)?\]?[ \t]+", RegexOptions.CultureInvariant),
        // syslog / journalctl: "Jan 15 10:00:00 host unit[123]: "
        new(@"^[A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \S+ [^:\s]+(?:\[\d+\])?: ", RegexOptions.CultureInvariant),
        // CRI (containerd, Kubernetes node logs): "stderr F "
        new(@"^(?:stdout|stderr) [FP] ", RegexOptions.CultureInvariant),
        // BuildKit: "#8 0.512 "
        new(@"^#\d+ \d+\.\d+ ", RegexOptions.CultureInvariant),
        // GitHub Actions markers
        new(@"^(?:##\[(?:error|warning|notice|debug|group|endgroup)\]|::(?:error|warning|notice)(?: [^:]*)?::)", RegexOptions.CultureInvariant),
        // docker compose: "web-1  | ", "app_1 | "
        new(@"^[\w.-]+[ \t]+\| ", RegexOptions.CultureInvariant),
    ];

    /// <summary>The cleaned lines of <paramref name="text"/> (split on \n; \r\n and lone \r handled).</summary>
    public static string[] Lines(string text)
    {
        var raw = text.Split('\n');
        var lines = new string[raw.Length];
        for (int i = 0; i < raw.Length; i++) lines[i] = CleanLine(raw[i]);
        return lines;
    }

    public static string CleanLine(string line)
    {
        if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
        if (line.Contains('\x1B')) line = Ansi.Replace(line, "");
        // A carriage return inside a line: a terminal shows what follows it (progress bars redraw that way).
        int cr = line.LastIndexOf('\r');
        if (cr >= 0) line = line[(cr + 1)..];
        if (line.AsSpan().IndexOfAnyInRange('\0', '\x08') >= 0 || line.AsSpan().IndexOfAnyInRange('\x0B', '\x1F') >= 0)
        {
            var sb = new StringBuilder(line.Length);
            foreach (char c in line) if (c == '\t' || c >= ' ') sb.Append(c);
            line = sb.ToString();
        }
        for (int round = 0; round < 4; round++)
        {
            bool stripped = false;
            foreach (var p in Prefixes)
            {
                var m = p.Match(line);
                if (m.Success && m.Length > 0) { line = line[m.Length..]; stripped = true; }
            }
            if (!stripped) break;
        }
        return line;
    }
}
