using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>
/// The facts the differential tests compare, as lines: interpreter, NEEDED, SONAME, RPATH, RUNPATH, every
/// dynamic symbol (name, version, hidden or default, defined or undefined, binding, type), version needs and
/// version definitions. Built from our reader, or parsed from binutils readelf's output.
/// </summary>
public sealed record ElfFacts(string Path, List<string> Lines)
{
    public static ElfFacts FromLinkDoctor(string path)
    {
        using var image = BinaryImage.Open(path);
        return FromLinkDoctor(path, image);
    }

    /// <summary>
    /// The facts of the same file with its section header table removed (e_shoff, e_shnum, e_shstrndx zeroed,
    /// as binutils 2.41 objcopy --strip-section-headers does): everything must then come from PT_DYNAMIC.
    /// </summary>
    public static ElfFacts FromLinkDoctorWithoutSections(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bool is64 = bytes[4] == 2;
        bytes.AsSpan(is64 ? 40 : 32, is64 ? 8 : 4).Clear();        // e_shoff
        bytes.AsSpan(is64 ? 58 : 46, 6).Clear();                   // e_shentsize, e_shnum, e_shstrndx
        using var image = BinaryImage.FromBytes(path, bytes);
        return FromLinkDoctor(path, image);
    }

    public static ElfFacts FromLinkDoctor(string path, BinaryImage image)
    {
        var elf = ElfFile.Open(image);
        var lines = new List<string>();
        if (elf.Interpreter is { } interp) lines.Add("interp " + interp);
        var dyn = elf.Dynamic;
        if (dyn is not null)
        {
            foreach (var n in dyn.Needed) lines.Add("needed " + n);
            if (dyn.SoName is { } so) lines.Add("soname " + so);
            if (dyn.RPath is { } rp) lines.Add("rpath " + rp);
            if (dyn.RunPath is { } rn) lines.Add("runpath " + rn);
        }
        if (elf.DynamicSymbols is { Count: > 0 } syms)
        {
            foreach (var s in syms.All())
            {
                var v = elf.Versions.GetDisplayVersion(s, syms.GetNameBytes(s));
                lines.Add(SymbolLine(s.Index, syms.GetDisplayName(s), v?.Suffix ?? "", s.IsDefined, ElfNative.SymbolBindingName(s.Binding), ElfNative.SymbolTypeName(s.Type)));
            }
        }
        foreach (var f in elf.Versions.Needs)
            foreach (var v in f.Versions)
                lines.Add($"verneed {f.File} {v.Name} {v.Index & 0x7fff}{(v.IsWeak ? " weak" : "")}");
        foreach (var d in elf.Versions.Definitions)
            lines.Add($"verdef {d.Index} {d.Name}{(d.IsBase ? " base" : "")}{string.Concat(d.Parents.Select(p => " <" + p))}");
        return new ElfFacts(path, lines);
    }

    public static string SymbolLine(int index, string name, string version, bool defined, string binding, string type) =>
        $"sym {index} {name}{version} {(defined ? "def" : "und")} {binding} {type}";

    /// <summary>Runs readelf on many files at once and parses its per-file output.</summary>
    public static Dictionary<string, ElfFacts> FromReadelf(IReadOnlyList<string> paths)
    {
        var r = Tool.Run("readelf", ["-W", "-l", "-d", "--dyn-syms", "-V", .. paths]);
        var result = new Dictionary<string, ElfFacts>();
        string? current = paths.Count == 1 ? paths[0] : null;
        var lines = new List<string>();
        string mode = "";
        string? needFile = null;
        var defs = new List<(int Index, string Name, bool Base, List<string> Parents)>();
        void Flush()
        {
            if (current is null) return;
            foreach (var d in defs) lines.Add($"verdef {d.Index} {d.Name}{(d.Base ? " base" : "")}{string.Concat(d.Parents.Select(p => " <" + p))}");
            result[current] = new ElfFacts(current, OrderLikeOurs(lines));
            lines = [];
            defs = [];
        }
        foreach (var raw in r.Stdout.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("File: ", StringComparison.Ordinal) && paths.Contains(line[6..]))
            {
                Flush();
                current = line[6..];
                mode = "";
                continue;
            }
            if (line.StartsWith("Dynamic section at offset", StringComparison.Ordinal)) { mode = "dyn"; continue; }
            if (line.StartsWith("Symbol table '.dynsym'", StringComparison.Ordinal)) { mode = "dynsym"; continue; }
            if (line.StartsWith("Symbol table", StringComparison.Ordinal)) { mode = ""; continue; }
            if (line.StartsWith("Version needs section", StringComparison.Ordinal)) { mode = "verneed"; continue; }
            if (line.StartsWith("Version definition section", StringComparison.Ordinal)) { mode = "verdef"; continue; }
            if (line.StartsWith("Version symbols section", StringComparison.Ordinal)) { mode = ""; continue; }
            if (line.Contains("[Requesting program interpreter: ", StringComparison.Ordinal))
            {
                int a = line.IndexOf(": ", StringComparison.Ordinal) + 2;
                lines.Add("interp " + line[a..^1]);
                continue;
            }
            switch (mode)
            {
                case "dyn":
                    AddBracketed(lines, line, "(NEEDED)", "Shared library: [", "needed ");
                    AddBracketed(lines, line, "(SONAME)", "Library soname: [", "soname ");
                    AddBracketed(lines, line, "(RPATH)", "Library rpath: [", "rpath ");
                    AddBracketed(lines, line, "(RUNPATH)", "Library runpath: [", "runpath ");
                    break;
                case "dynsym":
                    if (ParseSymbol(line) is { } sym) lines.Add(sym);
                    break;
                case "verneed":
                {
                    var t = line.Trim();
                    int fi = t.IndexOf("File: ", StringComparison.Ordinal);
                    if (fi >= 0) { needFile = t[(fi + 6)..t.IndexOf("  Cnt:", fi, StringComparison.Ordinal)]; break; }
                    int ni = t.IndexOf("Name: ", StringComparison.Ordinal);
                    if (ni >= 0 && needFile is not null)
                    {
                        int fl = t.IndexOf("  Flags: ", ni, StringComparison.Ordinal);
                        int vi = t.IndexOf("  Version: ", ni, StringComparison.Ordinal);
                        string name = t[(ni + 6)..fl];
                        string flags = t[(fl + 9)..vi];
                        string ver = t[(vi + 11)..];
                        lines.Add($"verneed {needFile} {name} {ver}{(flags.Contains("WEAK", StringComparison.Ordinal) ? " weak" : "")}");
                    }
                    break;
                }
                case "verdef":
                {
                    var t = line.Trim();
                    int ii = t.IndexOf("Index: ", StringComparison.Ordinal);
                    if (ii >= 0)
                    {
                        int ci = t.IndexOf("  Cnt:", ii, StringComparison.Ordinal);
                        int ni = t.IndexOf("Name: ", ii, StringComparison.Ordinal);
                        bool isBase = t.Contains("Flags: BASE", StringComparison.Ordinal);
                        defs.Add((int.Parse(t[(ii + 7)..ci]), t[(ni + 6)..], isBase, []));
                        break;
                    }
                    int pi = t.IndexOf("Parent ", StringComparison.Ordinal);
                    if (pi >= 0 && defs.Count > 0) defs[^1].Parents.Add(t[(t.IndexOf(": ", pi, StringComparison.Ordinal) + 2)..]);
                    break;
                }
            }
        }
        Flush();
        return result;
    }

    private static List<string> OrderLikeOurs(List<string> lines)
    {
        string[] order = ["interp ", "needed ", "soname ", "rpath ", "runpath ", "sym ", "verneed ", "verdef "];
        return [.. lines.Select((l, i) => (l, i)).OrderBy(x => Array.FindIndex(order, o => x.l.StartsWith(o, StringComparison.Ordinal))).ThenBy(x => x.i).Select(x => x.l)];
    }

    private static void AddBracketed(List<string> lines, string line, string tag, string prefix, string key)
    {
        if (!line.Contains(tag, StringComparison.Ordinal)) return;
        int a = line.IndexOf(prefix, StringComparison.Ordinal);
        if (a < 0) return;
        lines.Add(key + line[(a + prefix.Length)..^1]);
    }

    /// <summary>Parses "   12: 0000000000000000     0 FUNC    GLOBAL DEFAULT  UND free@GLIBC_2.2.5 (2)".</summary>
    private static string? ParseSymbol(string line)
    {
        var t = line.TrimStart();
        int colon = t.IndexOf(':');
        if (colon <= 0 || !int.TryParse(t[..colon], out int index)) return null;
        var tokens = t[(colon + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        // Value Size Type Bind Vis [extra bracketed words] Ndx Name...
        if (tokens.Count < 6) return null;
        // readelf names STB_GNU_UNIQUE and STT_GNU_IFUNC only for ELFOSABI_GNU files; otherwise "<OS specific>: 10".
        for (int i = 2; i + 2 < tokens.Count && i <= 3; i++)
        {
            if (tokens[i] == "<OS" && tokens[i + 1] == "specific>:")
            {
                tokens[i] = i == 2 ? (tokens[i + 2] == "10" ? "IFUNC" : "<" + tokens[i + 2] + ">") : (tokens[i + 2] == "10" ? "UNIQUE" : "<" + tokens[i + 2] + ">");
                tokens.RemoveRange(i + 1, 2);
            }
        }
        string type = tokens[2], bind = tokens[3];
        int k = 5;
        if (tokens[k].StartsWith('['))
        {
            while (k < tokens.Count && !tokens[k].EndsWith(']')) k++;
            k++;
        }
        string ndx = tokens[k];
        // The name is everything after the Ndx column (it may contain spaces only in pathological files).
        int visAt = t.IndexOf(" " + tokens[4] + " ", colon, StringComparison.Ordinal);
        int nameStart = t.IndexOf(" " + ndx + " ", visAt < 0 ? colon : visAt + 1, StringComparison.Ordinal);
        string name = nameStart < 0 ? "" : t[(nameStart + ndx.Length + 2)..];
        // An undefined versioned reference is printed "name@VER (n)".
        if (name.EndsWith(')') && name.LastIndexOf(" (", StringComparison.Ordinal) is int p and > 0) name = name[..p];
        return SymbolLine(index, name, "", ndx != "UND", bind, type);
    }
}
