using System.Text.RegularExpressions;
using LinkDoctor.Formats.Go;
using LinkDoctor.Reports;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// Stale c-shared headers: compares the <c>extern</c> function declarations of a cgo header (the
/// <c>libX.h</c> that <c>go build -buildmode=c-shared</c> writes from <c>_cgo_export.h</c>) with the library's
/// <c>//export</c> functions (cgo's <c>_cgoexp_HASH_NAME</c> wrappers in the pclntab, and the dynamic symbol
/// table), and each prototype with the one DWARF records for the C wrapper in <c>_cgo_export.c</c>.
/// </summary>
public static partial class GoHeaderCheck
{
    [GeneratedRegex(@"\bextern\s+(?<ret>[^;(){}""#]*?)\s*\b(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\((?<params>[^;(){}]*)\)\s*;", RegexOptions.CultureInvariant)]
    private static partial Regex ExternFunction();

    [GeneratedRegex(@"/\*.*?\*/|//[^\n]*", RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex Comments();

    /// <summary>A declaration of the header: name, return type, parameter types (names dropped), and the text.</summary>
    public sealed record Declaration(string Name, string ReturnType, IReadOnlyList<string> ParameterTypes, string Text);

    public static IReadOnlyList<Declaration> ParseHeader(string text)
    {
        text = Comments().Replace(text, " ");
        // Preprocessor lines (#ifdef __cplusplus, #endif …) are not declarations.
        text = Regex.Replace(text, @"^\s*#.*$", " ", RegexOptions.Multiline);
        var list = new List<Declaration>();
        foreach (Match m in ExternFunction().Matches(text))
        {
            string ret = Normalize(m.Groups["ret"].Value);
            var ps = SplitParameters(m.Groups["params"].Value).Select(p => Normalize(DropName(p))).ToList();
            if (ps.Count == 1 && ps[0] == "void") ps.Clear();
            list.Add(new Declaration(m.Groups["name"].Value, ret, ps, Regex.Replace(m.Value.Trim(), @"\s+", " ")));
        }
        return list;
    }

    private static IEnumerable<string> SplitParameters(string s) =>
        s.Split(',').Select(p => p.Trim()).Where(p => p.Length > 0);

    /// <summary>Drops a parameter's name: the trailing identifier after a type (<c>char* name</c> → <c>char*</c>).</summary>
    private static string DropName(string p)
    {
        p = Normalize(p);
        if (p == "..." || p == "void") return p;
        var m = Regex.Match(p, @"^(?<type>.*?[\s*])(?<name>[A-Za-z_][A-Za-z0-9_]*)$");
        if (!m.Success) return p;
        string type = m.Groups["type"].Value.Trim();
        // "unsigned int" style: a lone keyword before the name is part of the type, not a name.
        return type.Length == 0 || type is "const" or "unsigned" or "signed" or "struct" or "enum" or "union" ? p : type;
    }

    /// <summary>One spelling per type: single spaces, no space around <c>*</c>, <c>extern</c> dropped.</summary>
    public static string Normalize(string t)
    {
        t = Regex.Replace(t, @"\bextern\b", " ");
        t = Regex.Replace(t, @"\s+", " ").Trim();
        t = Regex.Replace(t, @"\s*\*\s*", "*");
        return t;
    }

    public static GoHeaderReport Check(string headerPath, string libraryPath)
    {
        var decls = ParseHeader(File.ReadAllText(headerPath));
        using var bin = GoBinary.Open(libraryPath);
        var exports = bin.CgoExports();
        var dynamic = bin.DynamicExports;
        IReadOnlyDictionary<string, GoCPrototype> protos = new Dictionary<string, GoCPrototype>();
        try { protos = bin.Dwarf?.CFunctions() ?? protos; }
        catch (IO.BinaryFormatException) { }
        var exported = new HashSet<string>(exports, StringComparer.Ordinal);
        // A library built without the pclntab names (not a Go library) still has its dynamic exports.
        if (exported.Count == 0) exported.UnionWith(dynamic.Where(n => !n.Contains('.') && !n.StartsWith('_') && !n.StartsWith("x_cgo", StringComparison.Ordinal) && n != "crosscall2"));
        var declared = decls.GroupBy(d => d.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var diffs = new List<GoHeaderDifference>();
        foreach (var name in exported.OrderBy(n => n, StringComparer.Ordinal))
            if (!declared.ContainsKey(name))
                diffs.Add(new GoHeaderDifference("missing-from-header", name, protos.TryGetValue(name, out var p)
                    ? $"exported by the library as {p}, not declared in the header"
                    : "exported by the library, not declared in the header"));
        foreach (var d in decls)
        {
            // Declarations the cgo preamble brings along (C helpers, _GoString_ functions) are not exports of the Go code.
            if (exported.Contains(d.Name)) continue;
            bool inDynsym = dynamic.Contains(d.Name);
            if (!inDynsym && d.Name.StartsWith('_')) continue;
            diffs.Add(new GoHeaderDifference("not-exported", d.Name, inDynsym
                ? $"declared in the header ({d.Text}) and defined by the library, but not a //export function"
                : $"declared in the header ({d.Text}), but the library does not export it"));
        }
        bool compared = false;
        foreach (var d in decls)
        {
            if (!exported.Contains(d.Name) || !protos.TryGetValue(d.Name, out var p)) continue;
            compared = true;
            string ret = Normalize(p.ReturnType);
            var ps = p.Parameters.Select(x => Normalize(x.Type)).Where(x => x != "void").ToList();
            if (ret != d.ReturnType || !ps.SequenceEqual(d.ParameterTypes))
                diffs.Add(new GoHeaderDifference("prototype", d.Name, $"header: {d.Text}  library (DWARF): {p}"));
        }
        return new GoHeaderReport
        {
            Header = headerPath,
            Library = libraryPath,
            Ok = diffs.Count == 0,
            HeaderFunctions = [.. decls.Select(d => d.Name)],
            LibraryExports = [.. exported.OrderBy(n => n, StringComparer.Ordinal)],
            Differences = diffs,
            PrototypesCompared = compared,
        };
    }
}
