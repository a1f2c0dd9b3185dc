using LinkDoctor.Formats.Elf;

namespace LinkDoctor.Diagnosis;

/// <summary>The highest version of one family (GLIBC_, GLIBCXX_ …) a file needs, and the symbols that need exactly it.</summary>
public sealed record HighestVersion(string Family, string Version, string Library, IReadOnlyList<string> Symbols);

/// <summary>
/// Works out, from DT_VERNEED and the versym of undefined symbols, what a file requires of its libraries:
/// where "version `GLIBC_2.34' not found" starts.
/// </summary>
public static class VersionRequirements
{
    /// <summary>Splits <c>GLIBC_2.34</c> into family <c>GLIBC</c> and numbers [2, 34]; false for names like GLIBC_PRIVATE.</summary>
    public static bool TryParse(string name, out string family, out int[] numbers)
    {
        family = "";
        numbers = [];
        int us = name.LastIndexOf('_');
        if (us <= 0 || us == name.Length - 1) return false;
        var parts = name[(us + 1)..].Split('.');
        var nums = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], System.Globalization.NumberStyles.None, null, out nums[i])) return false;
        family = name[..us];
        numbers = nums;
        return true;
    }

    public static int Compare(int[] a, int[] b)
    {
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            int x = i < a.Length ? a[i] : 0, y = i < b.Length ? b[i] : 0;
            if (x != y) return x.CompareTo(y);
        }
        return 0;
    }

    /// <summary>The highest numbered version of each family in the verneed table, with the undefined symbols bound to it.</summary>
    public static IReadOnlyList<HighestVersion> Highest(ElfFile file)
    {
        var best = new Dictionary<string, (int[] Numbers, string Name, string Library, ushort Index)>();
        foreach (var f in file.Versions.Needs)
        {
            foreach (var v in f.Versions)
            {
                if (!TryParse(v.Name, out var family, out var numbers)) continue;
                if (!best.TryGetValue(family, out var cur) || Compare(numbers, cur.Numbers) > 0)
                    best[family] = (numbers, v.Name, f.File, (ushort)(v.Index & ElfNative.VERSYM_VERSION));
            }
        }
        if (best.Count == 0) return [];
        var symbols = new Dictionary<ushort, List<string>>();
        if (file.DynamicSymbols is { } syms)
        {
            foreach (var s in syms.All())
            {
                if (s.IsDefined && s.Index == 0) continue;
                if (file.Versions.GetSymbolVersion(s) is not { IsReference: true } ver) continue;
                if (!symbols.TryGetValue(ver.Index, out var list)) symbols[ver.Index] = list = [];
                list.Add(syms.GetName(s));
            }
        }
        var result = new List<HighestVersion>();
        foreach (var (family, b) in best.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var list = symbols.TryGetValue(b.Index, out var l) ? l : [];
            list.Sort(StringComparer.Ordinal);
            result.Add(new HighestVersion(family, b.Name, b.Library, list));
        }
        return result;
    }
}
