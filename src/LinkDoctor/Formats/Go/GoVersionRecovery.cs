using System.Text;
using System.Text.RegularExpressions;

namespace LinkDoctor.Formats.Go;

/// <summary>A Go version found without the build info blob, and how.</summary>
/// <param name="Source">
/// <c>runtime.buildVersion symbol</c> (the variable found by name in a symbol table), <c>runtime.buildVersion via
/// moduledata</c> (a Go string header inside the data bounds that moduledata records, pointing at a version
/// string), <c>DWARF producer</c> (<c>Go cmd/compile goX</c> of a Go compilation unit), or <c>string scan</c>
/// (the first <c>go1.</c> in the file, as GoReSym's last resort: the least reliable).
/// </param>
public sealed record GoRecoveredVersion(string Version, string Source);

/// <summary>
/// Recovers the Go version of a binary whose build info blob is gone (stripped by a release script, or never
/// written: go1.19 plugins): <c>runtime.buildVersion</c> through the symbol table, else through the pclntab and
/// moduledata as GoReSym does (objfile.go <c>ModuleDataTable</c>), else from DWARF, else a string scan.
/// </summary>
public static partial class GoVersionRecovery
{
    [GeneratedRegex(@"^(go1(\.[0-9]+){0,2}((rc|beta)[0-9]+)?([ -+].*)?|devel .+)$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionShape();

    [GeneratedRegex(@"Go cmd/compile (\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex ProducerShape();

    public static bool LooksLikeVersion(string s) => s.Length is >= 3 and <= 200 && VersionShape().IsMatch(s);

    public static GoRecoveredVersion? Recover(IGoExecutable x, GoPclntab? pclntab = null, GoModuleData? moduledata = null, GoDwarf? dwarf = null)
    {
        if (FromSymbol(x) is { } v1) return new GoRecoveredVersion(v1, "runtime.buildVersion symbol");
        pclntab ??= GoPclntab.Find(x);
        if (pclntab is not null)
        {
            moduledata ??= GoModuleData.Find(x, pclntab);
            if (moduledata is not null && FromModuleData(x, pclntab.PointerSize, moduledata) is { } v2)
                return new GoRecoveredVersion(v2, "runtime.buildVersion via moduledata");
        }
        dwarf ??= GoDwarf.Open(x);
        if (dwarf is not null && FromDwarf(dwarf) is { } v3) return new GoRecoveredVersion(v3, "DWARF producer");
        if (pclntab is not null && FromStringScan(x) is { } v4) return new GoRecoveredVersion(v4, "string scan");
        return null;
    }

    private static string? FromSymbol(IGoExecutable x)
    {
        if (!x.TryFindSymbol("runtime.buildVersion"u8, out ulong addr, out _)) return null;
        return ReadGoString(x, addr, x.Is64 ? 8 : 4);
    }

    private static string? ReadGoString(IGoExecutable x, ulong header, int w)
    {
        if (!x.TryReadPointer(header, out ulong ptr) || !x.TryReadPointer(header + (ulong)w, out ulong len)) return null;
        if (len is < 3 or > 200 || !x.TryRead(ptr, len, out var bytes) || !GoModuleData.IsPrintable(bytes)) return null;
        string s = Encoding.UTF8.GetString(bytes);
        return LooksLikeVersion(s) ? s : null;
    }

    /// <summary>Scans the [data, edata) and [noptrdata, enoptrdata) ranges moduledata records for a string header that points at a version.</summary>
    private static string? FromModuleData(IGoExecutable x, int w, GoModuleData md)
    {
        foreach (var (start, end) in new[] { (md.Data, md.EData), (md.NoPtrData, md.ENoPtrData) })
        {
            if (end <= start || end - start > 1 << 28) continue;
            ulong size = end - start;
            if (!x.TryRead(start, size, out var span))
            {
                // The range may end in the zero-filled tail of its segment: read what the file holds.
                continue;
            }
            var r = new IO.SpanReader(span, x.IsBigEndian);
            for (ulong at = 0; at + (ulong)(2 * w) <= size; at += (ulong)w)
            {
                ulong len = r.Word(at + (ulong)w, w == 8);
                if (len is < 4 or > 200) continue;
                ulong ptr = r.Word(at, w == 8);
                if (ptr == 0 && !x.TryReadPointer(start + at, out ptr)) continue;
                if (!x.TryRead(ptr, 4, out var head) || !(head.SequenceEqual("go1."u8) || head.SequenceEqual("deve"u8))) continue;
                if (ReadGoString(x, start + at, w) is { } v) return v;
            }
        }
        return null;
    }

    /// <summary>The compiler version in a Go unit's <c>DW_AT_producer</c> (<c>Go cmd/compile go1.19.8; -l</c>).</summary>
    public static string? FromDwarf(GoDwarf dwarf)
    {
        foreach (var u in dwarf.Units())
            if (u.Producer is { } p && ProducerShape().Match(p) is { Success: true } m) return m.Groups[1].Value.TrimEnd(';');
        return null;
    }

    private static string? FromStringScan(IGoExecutable x)
    {
        var data = x.Image.Span;
        int i = data.IndexOf("go1."u8);
        while (i >= 0)
        {
            int end = i + 4;
            while (end < data.Length && end - i < 16 && (char.IsAsciiDigit((char)data[end]) || data[end] == '.')) end++;
            string s = Encoding.ASCII.GetString(data[i..end]).TrimEnd('.');
            if (s.Length > 4 && char.IsAsciiDigit(s[4])) return s;
            int next = data[(i + 1)..].IndexOf("go1."u8);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return null;
    }
}
