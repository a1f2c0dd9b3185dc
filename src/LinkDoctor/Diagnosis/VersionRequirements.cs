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

    /// <summary>One numbered version a file requires (DT_VERNEED), the library it is required from, and the undefined symbols bound to it.</summary>
    public sealed record NeededVersion(string Name, int[] Numbers, string Library, List<string> Symbols);

    /// <summary>Every numbered version in the verneed table, grouped by family (ordinal order), with the symbols that need each.</summary>
    public static IReadOnlyList<(string Family, IReadOnlyList<NeededVersion> Versions)> ByFamily(ElfFile file)
    {
        var byFamily = new SortedDictionary<string, List<NeededVersion>>(StringComparer.Ordinal);
        var byIndex = new Dictionary<ushort, List<string>>();
        foreach (var f in file.Versions.Needs)
            foreach (var v in f.Versions)
            {
                if (!TryParse(v.Name, out var family, out var numbers)) continue;
                if (!byFamily.TryGetValue(family, out var list)) byFamily[family] = list = [];
                var need = new NeededVersion(v.Name, numbers, f.File, []);
                byIndex.TryAdd((ushort)(v.Index & ElfNative.VERSYM_VERSION), need.Symbols);
                list.Add(need);
            }
        if (byFamily.Count > 0 && file.DynamicSymbols is { } syms)
            foreach (var s in syms.All())
                if (file.Versions.GetSymbolVersion(s) is { IsReference: true } ver && byIndex.TryGetValue(ver.Index, out var symbols))
                    symbols.Add(syms.GetName(s));
        foreach (var list in byFamily.Values)
            foreach (var n in list) n.Symbols.Sort(StringComparer.Ordinal);
        return [.. byFamily.Select(kv => (kv.Key, (IReadOnlyList<NeededVersion>)kv.Value))];
    }

    /// <summary>The highest numbered version of each family in the verneed table, with the undefined symbols bound to it.</summary>
    public static IReadOnlyList<HighestVersion> Highest(ElfFile file) =>
        [.. ByFamily(file).Select(f =>
        {
            var best = f.Versions[0];
            foreach (var v in f.Versions) if (Compare(v.Numbers, best.Numbers) > 0) best = v;
            return new HighestVersion(f.Family, best.Name, best.Library, best.Symbols);
        })];
}
