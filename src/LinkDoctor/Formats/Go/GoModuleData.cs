using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// The runtime's <c>moduledata</c> of a binary (src/runtime/symtab.go), found as GoReSym finds it
/// (objfile.go <c>ModuleDataTable</c>): a pointer-aligned word in writable data equal to the pclntab's address
/// (Go 1.16+: <c>pcHeader</c> is the first field; before: the <c>pclntable</c> slice), then checked field by field.
/// Only the fields whose offsets have not moved since Go 1.16 (1.5 for the older layout) are read: the text,
/// noptrdata, data, bss and noptrbss bounds; the pluginpath where the layout is known.
/// </summary>
public sealed class GoModuleData
{
    public ulong Address { get; private init; }
    public ulong Text { get; private init; }
    public ulong EText { get; private init; }
    public ulong NoPtrData { get; private init; }
    public ulong ENoPtrData { get; private init; }
    public ulong Data { get; private init; }
    public ulong EData { get; private init; }
    public ulong Bss { get; private init; }
    public ulong EBss { get; private init; }
    /// <summary><c>moduledata.pluginpath</c>, when the layout of this Go release is known and the string reads back.</summary>
    public string? PluginPath { get; private init; }

    /// <summary>Finds and checks the moduledata that describes <paramref name="pclntab"/>, or null.</summary>
    public static GoModuleData? Find(IGoExecutable x, GoPclntab pclntab)
    {
        int w = pclntab.PointerSize;
        ulong target = pclntab.Address;
        var regions = x.Sections.Count > 0 ? x.Sections : x.Segments;
        foreach (var region in regions)
        {
            if (!region.Writable) continue;
            var span = x.Image.Span.Slice((int)region.Offset.Value, (int)region.Size);
            var r = new SpanReader(span, x.IsBigEndian);
            ulong startPad = (ulong)((w - (int)(region.Address.Value % (ulong)w)) % w);
            for (ulong at = startPad; at + (ulong)w <= (ulong)span.Length; at += (ulong)w)
            {
                ulong v = r.Word(at, w == 8);
                ulong addr = region.Address.Value + at;
                if (v != target && !(v == 0 && x.TryReadPointer(addr, out ulong rv) && rv == target)) continue;
                if (TryAt(x, pclntab, addr) is { } md) return md;
            }
        }
        return null;
    }

    private static GoModuleData? TryAt(IGoExecutable x, GoPclntab t, ulong address)
    {
        int w = t.PointerSize;
        bool old = t.Version == GoPclntabVersion.Go12;
        int textIndex = old ? 12 : 22;
        ulong F(int i) => x.TryReadPointer(address + (ulong)(i * w), out ulong v) ? v : 0;
        if (old && (F(1) == 0 || F(1) != F(2))) return null; // pclntable slice: len == cap
        var md = new GoModuleData
        {
            Address = address,
            Text = F(textIndex), EText = F(textIndex + 1),
            NoPtrData = F(textIndex + 2), ENoPtrData = F(textIndex + 3),
            Data = F(textIndex + 4), EData = F(textIndex + 5),
            Bss = F(textIndex + 6), EBss = F(textIndex + 7),
        };
        if (md.Text == 0 || md.EText < md.Text || md.ENoPtrData < md.NoPtrData || md.EData < md.Data || md.EBss < md.Bss) return null;
        ulong minpc = F(textIndex - 2), maxpc = F(textIndex - 1);
        if (minpc < md.Text || maxpc > md.EText || maxpc < minpc) return null;
        if (t.TextStart is { } ts && ts != 0 && ts != md.Text) return null; // go1.26 writes 0 there
        int? pluginWord = t.Version switch { GoPclntabVersion.Go118 => 51, GoPclntabVersion.Go120 => 53, _ => null };
        string? pluginPath = null;
        if (pluginWord is { } pw)
        {
            ulong ptr = F(pw), len = F(pw + 1);
            if (ptr != 0 && len is > 0 and < 4096 && x.TryRead(ptr, len, out var s) && IsPrintable(s)) pluginPath = Encoding.UTF8.GetString(s);
        }
        return new GoModuleData
        {
            Address = md.Address, Text = md.Text, EText = md.EText, NoPtrData = md.NoPtrData, ENoPtrData = md.ENoPtrData,
            Data = md.Data, EData = md.EData, Bss = md.Bss, EBss = md.EBss, PluginPath = pluginPath,
        };
    }

    internal static bool IsPrintable(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s) if (b < 0x20 || b == 0x7f) return false;
        return true;
    }
}
