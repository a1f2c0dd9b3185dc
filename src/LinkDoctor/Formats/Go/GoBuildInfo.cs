using System.Text;
using LinkDoctor.Formats.Elf;

namespace LinkDoctor.Formats.Go;

/// <summary>A module line of the build info (src/runtime/debug/mod.go <c>Module</c>).</summary>
public sealed record GoModule(string Path, string Version, string Sum, GoModule? Replace = null);

/// <summary>A <c>build</c> line (src/runtime/debug/mod.go <c>BuildSetting</c>).</summary>
public readonly record struct GoBuildSetting(string Key, string Value);

/// <summary>
/// Go build information (src/runtime/debug/mod.go <c>BuildInfo</c>), as src/debug/buildinfo reads it from a binary:
/// the Go version, the main package path, the main module, every dependency with its replacement, and the
/// build settings. <see cref="GoBuildInfoReader"/> finds and decodes the blob.
/// </summary>
public sealed record GoBuildInfo
{
    public required string GoVersion { get; init; }
    /// <summary>The main package path (<c>path</c> line); null when absent.</summary>
    public string? Path { get; init; }
    /// <summary>The main module (<c>mod</c> line); null when absent.</summary>
    public GoModule? Main { get; init; }
    public IReadOnlyList<GoModule> Deps { get; init; } = [];
    public IReadOnlyList<GoBuildSetting> Settings { get; init; } = [];
    /// <summary>The module information text without its sentinels (empty for binaries built outside module mode).</summary>
    public string ModInfo { get; init; } = "";

    /// <summary>The value of the last <c>build KEY=…</c> line, or null.</summary>
    public string? Setting(string key)
    {
        string? v = null;
        foreach (var s in Settings) if (s.Key == key) v = s.Value;
        return v;
    }

    /// <summary>The module that provides <paramref name="packagePath"/>: the longest module path that is a prefix of it.</summary>
    public GoModule? ModuleOf(string packagePath)
    {
        GoModule? best = null;
        foreach (var m in Main is null ? Deps : Deps.Prepend(Main))
        {
            if (packagePath == m.Path || packagePath.StartsWith(m.Path + "/", StringComparison.Ordinal))
                if (best is null || m.Path.Length > best.Path.Length) best = m;
        }
        return best;
    }

    /// <summary>
    /// <c>BuildInfo.String()</c> (src/runtime/debug/mod.go): the text <c>go version -m</c> prints, one line each,
    /// keys and values quoted with <c>strconv.Quote</c> when they hold spaces, tabs, quotes or newlines.
    /// </summary>
    public string ToGoString(bool includeGoVersion = true)
    {
        var buf = new StringBuilder();
        if (includeGoVersion && GoVersion.Length > 0) buf.Append("go\t").Append(GoVersion).Append('\n');
        if (!string.IsNullOrEmpty(Path)) buf.Append("path\t").Append(Path).Append('\n');
        void FormatMod(string word, GoModule m)
        {
            buf.Append(word).Append('\t').Append(m.Path).Append('\t').Append(m.Version);
            if (m.Replace is null) buf.Append('\t').Append(m.Sum);
            else
            {
                buf.Append('\n');
                FormatMod("=>", m.Replace);
            }
            buf.Append('\n');
        }
        if (Main is { } main && !(main.Path.Length == 0 && main.Version.Length == 0 && main.Sum.Length == 0 && main.Replace is null))
            FormatMod("mod", main);
        foreach (var d in Deps) FormatMod("dep", d);
        foreach (var s in Settings)
        {
            string key = QuoteKey(s.Key) ? GoStrconv.Quote(s.Key) : s.Key;
            string value = QuoteValue(s.Value) ? GoStrconv.Quote(s.Value) : s.Value;
            buf.Append("build\t").Append(key).Append('=').Append(value).Append('\n');
        }
        return buf.ToString();
    }

    private static bool QuoteKey(string key) => key.Length == 0 || key.AsSpan().IndexOfAny("= \t\r\n\"`") >= 0;
    private static bool QuoteValue(string value) => value.AsSpan().IndexOfAny(" \t\r\n\"`") >= 0;

    /// <summary>
    /// <c>debug.ParseBuildInfo</c> (src/runtime/debug/mod.go, go1.19): the reverse of <see cref="ToGoString"/>.
    /// Returns null and Go's error text (<c>could not parse Go build info: line N: …</c>) when a line is malformed.
    /// </summary>
    public static GoBuildInfo? Parse(string goVersion, string data, out string? error)
    {
        error = null;
        int lineNum = 1;
        string? path = null;
        GoModule? main = null;
        var deps = new List<GoModule>();
        var settings = new List<GoBuildSetting>();
        // What the next "=>" line replaces: the main module, a dependency (its index), or nothing.
        int last = -2; // -2 none, -1 main, >= 0 deps[last]
        string rest = data;
        string? Fail(string message) => $"could not parse Go build info: line {lineNum}: {message}";
        while (rest.Length > 0)
        {
            int nl = rest.IndexOf('\n');
            if (nl < 0) break;
            string line = rest[..nl];
            rest = rest[(nl + 1)..];
            if (line.StartsWith("path\t", StringComparison.Ordinal)) path = line[5..];
            else if (line.StartsWith("mod\t", StringComparison.Ordinal))
            {
                if (!ReadModuleLine(line[4..].Split('\t'), out var m, out var e)) { error = Fail(e!); return null; }
                main = m;
                last = -1;
            }
            else if (line.StartsWith("dep\t", StringComparison.Ordinal))
            {
                if (!ReadModuleLine(line[4..].Split('\t'), out var m, out var e)) { error = Fail(e!); return null; }
                deps.Add(m!);
                last = deps.Count - 1;
            }
            else if (line.StartsWith("=>\t", StringComparison.Ordinal))
            {
                var elem = line[3..].Split('\t');
                if (elem.Length != 3) { error = Fail($"expected 3 columns for replacement; got {elem.Length}"); return null; }
                if (last == -2) { error = Fail("replacement with no module on previous line"); return null; }
                var rep = new GoModule(elem[0], elem[1], elem[2]);
                if (last == -1) main = main! with { Replace = rep };
                else deps[last] = deps[last] with { Replace = rep };
                last = -2;
            }
            else if (line.StartsWith("build\t", StringComparison.Ordinal))
            {
                string kv = line[6..];
                if (kv.Length < 1) { error = Fail("build line missing '='"); return null; }
                string key, rawValue;
                switch (kv[0])
                {
                    case '=':
                        error = Fail("build line with missing key");
                        return null;
                    case '`' or '"':
                        {
                            string? rawKey = GoStrconv.QuotedPrefix(kv);
                            if (rawKey is null) { error = Fail("invalid quoted key in build line"); return null; }
                            if (kv.Length == rawKey.Length) { error = Fail("build line missing '=' after quoted key"); return null; }
                            char c = kv[rawKey.Length];
                            if (c != '=') { error = Fail($"unexpected character after quoted key: {QuoteRune(c)}"); return null; }
                            key = GoStrconv.Unquote(rawKey) ?? "";
                            rawValue = kv[(rawKey.Length + 1)..];
                            break;
                        }
                    default:
                        {
                            int eq = kv.IndexOf('=');
                            if (eq < 0) { error = Fail("build line missing '=' after key"); return null; }
                            key = kv[..eq];
                            rawValue = kv[(eq + 1)..];
                            if (QuoteKey(key)) { error = Fail($"unquoted key {GoStrconv.Quote(key)} must be quoted"); return null; }
                            break;
                        }
                }
                string value = "";
                if (rawValue.Length > 0)
                {
                    if (rawValue[0] is '`' or '"')
                    {
                        string? v = GoStrconv.Unquote(rawValue);
                        if (v is null) { error = Fail("invalid quoted value in build line"); return null; }
                        value = v;
                    }
                    else
                    {
                        value = rawValue;
                        if (QuoteValue(value)) { error = Fail($"unquoted value {GoStrconv.Quote(value)} must be quoted"); return null; }
                    }
                }
                settings.Add(new GoBuildSetting(key, value));
            }
            lineNum++;
        }
        return new GoBuildInfo { GoVersion = goVersion, Path = path, Main = main, Deps = deps, Settings = settings, ModInfo = data };
    }

    /// <summary>%q of a byte (Go's quoted rune literal).</summary>
    private static string QuoteRune(char c) => c switch
    {
        '\'' => @"'\''",
        '\\' => @"'\\'",
        '\n' => @"'\n'",
        '\t' => @"'\t'",
        '\r' => @"'\r'",
        _ when c < ' ' || c == 0x7f => $@"'\x{(int)c:x2}'",
        _ => $"'{c}'",
    };

    private static bool ReadModuleLine(string[] elem, out GoModule? module, out string? error)
    {
        module = null;
        error = null;
        if (elem.Length != 2 && elem.Length != 3) { error = $"expected 2 or 3 columns; got {elem.Length}"; return false; }
        module = new GoModule(elem[0], elem[1], elem.Length == 3 ? elem[2] : "");
        return true;
    }

    // ---- The API Inspector uses (kept): detection and a tolerant read of ELF files. ----

    /// <summary>True when the file carries Go's marks: the Go build ID note, .go.buildinfo or .gopclntab.</summary>
    public static bool IsGoBinary(ElfFile file, out string evidence)
    {
        if (ElfNotes.GoBuildId(file) is not null) { evidence = "Go build ID note"; return true; }
        IReadOnlyList<ElfSection> sections;
        try { sections = file.Sections; }
        catch (IO.BinaryFormatException) { sections = []; }
        foreach (var s in sections)
        {
            if (s.Name is ".go.buildinfo" or ".gopclntab" or ".data.rel.ro.gopclntab" or ".note.go.buildid") { evidence = s.Name + " section"; return true; }
        }
        // Without section headers, look for the build info magic in the data segment, as debug/buildinfo does.
        if (sections.Count == 0 && TryRead(file) is not null) { evidence = "Go build info"; return true; }
        evidence = "";
        return false;
    }

    /// <summary>Reads the build info as current Go does, or null when the file has none (go1.19 plugins, non-Go files).</summary>
    public static GoBuildInfo? TryRead(ElfFile file) => GoBuildInfoReader.Read(new ElfGoExecutable(file)).Info;
}
