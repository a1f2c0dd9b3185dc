using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>The pclntab header versions (src/debug/gosym/pclntab.go <c>go12magic</c>… and src/runtime/symtab.go <c>pcHeader</c>).</summary>
public enum GoPclntabVersion
{
    /// <summary>0xfffffffb: Go 1.2–1.15.</summary>
    Go12,
    /// <summary>0xfffffffa: Go 1.16–1.17 (funcnametab, cutab, filetab, pctab split out).</summary>
    Go116,
    /// <summary>0xfffffff0: Go 1.18–1.19 (textStart added, entries as offsets from it).</summary>
    Go118,
    /// <summary>0xfffffff1: Go 1.20 and later.</summary>
    Go120,
}

/// <summary>
/// The runtime's function table (pclntab), found and decoded as src/debug/gosym/pclntab.go does
/// (<c>LineTable.parsePclnTab</c>) and as GoReSym finds it in stripped files: by the <c>.gopclntab</c> section, the
/// <c>runtime.pclntab</c> symbol, or a scan for the header magic (0xfffffffb, 0xfffffffa, 0xfffffff0, 0xfffffff1)
/// followed by a plausible header. Gives the function names and source file names, which survive <c>-s -w</c>.
/// </summary>
public sealed class GoPclntab
{
    private readonly IGoExecutable _x;

    private GoPclntab(IGoExecutable x, ulong address, FileOffset offset, ulong size, GoPclntabVersion version, int ptrSize, int quantum, string foundBy)
    {
        _x = x;
        Address = address;
        Offset = offset;
        Size = size;
        Version = version;
        PointerSize = ptrSize;
        Quantum = quantum;
        FoundBy = foundBy;
    }

    public ulong Address { get; }
    public FileOffset Offset { get; }
    public ulong Size { get; }
    public GoPclntabVersion Version { get; }
    public int PointerSize { get; }
    /// <summary>minLC: 1 on x86, 2 on s390x, 4 on ARM, MIPS, PPC, RISC-V.</summary>
    public int Quantum { get; }
    /// <summary>How it was found: <c>.gopclntab section</c>, <c>runtime.pclntab symbol</c>, <c>magic scan</c>.</summary>
    public string FoundBy { get; }

    /// <summary>The Go releases that write this header.</summary>
    public string VersionRange => Version switch
    {
        GoPclntabVersion.Go12 => "go1.2–go1.15",
        GoPclntabVersion.Go116 => "go1.16–go1.17",
        GoPclntabVersion.Go118 => "go1.18–go1.19",
        _ => "go1.20 or later",
    };

    private ReadOnlySpan<byte> Data => _x.Image.Span.Slice((int)Offset.Value, (int)Size);

    private static GoPclntabVersion? VersionOf(uint magic) => magic switch
    {
        0xfffffffb => GoPclntabVersion.Go12,
        0xfffffffa => GoPclntabVersion.Go116,
        0xfffffff0 => GoPclntabVersion.Go118,
        0xfffffff1 => GoPclntabVersion.Go120,
        _ => null,
    };

    /// <summary>Finds the pclntab, or null for a file that has none.</summary>
    public static GoPclntab? Find(IGoExecutable x)
    {
        foreach (var s in x.Sections)
            if (s.Name is ".gopclntab" or "__gopclntab" or ".data.rel.ro.gopclntab" && TryAt(x, s.Address.Value, s.Offset, s.Size, s.Name + " section") is { } t)
                return t;
        foreach (var name in new[] { "runtime.pclntab", "runtime.pcheader" })
        {
            if (!x.TryFindSymbol(Encoding.UTF8.GetBytes(name), out ulong addr, out _)) continue;
            foreach (var region in Regions(x))
            {
                if (addr < region.Address.Value || addr - region.Address.Value >= region.Size) continue;
                ulong delta = addr - region.Address.Value;
                if (TryAt(x, addr, region.Offset + delta, region.Size - delta, name + " symbol") is { } t) return t;
            }
        }
        // A stripped or section-less file: scan non-executable data for the magic at 4-byte alignment.
        foreach (var region in Regions(x))
        {
            if (region.Executable) continue;
            var span = x.Image.Span.Slice((int)region.Offset.Value, (int)region.Size);
            for (int at = 0; at + 16 <= span.Length; at += 4)
            {
                int i = span[at..].IndexOf((byte)0xff);
                if (i < 0) break;
                at += i & ~3;
                if (at + 8 > span.Length) break;
                // The magic's 0xff bytes are either first (big-endian) or last (little-endian): check the header bytes cheaply.
                if (span[at + 4] != 0 || span[at + 5] != 0 || span[at + 7] is not (4 or 8)) continue;
                if (TryAt(x, region.Address.Value + (ulong)at, region.Offset + (ulong)at, region.Size - (ulong)at, "magic scan") is { } t) return t;
            }
        }
        return null;
    }

    /// <summary>Sections when the file has them, else the loaded segments.</summary>
    private static IReadOnlyList<GoSection> Regions(IGoExecutable x) => x.Sections.Count > 0 ? x.Sections : x.Segments;

    /// <summary>Decodes and checks a header at a place (src/debug/gosym/pclntab.go <c>parsePclnTab</c>): magic, zero pads, quantum, pointer size, table bounds.</summary>
    private static GoPclntab? TryAt(IGoExecutable x, ulong address, FileOffset offset, ulong size, string foundBy)
    {
        var file = new SpanReader(x.Image.Span, x.IsBigEndian);
        if (!file.TrySlice(offset.Value, Math.Min(size, (ulong)x.Image.Length - Math.Min(offset.Value, (ulong)x.Image.Length)), out var data) || data.Length < 16) return null;
        var r = new SpanReader(data, x.IsBigEndian);
        if (VersionOf(r.U32(0)) is not { } version) return null;
        if (data[4] != 0 || data[5] != 0) return null;
        int quantum = data[6], ptrSize = data[7];
        if (quantum is not (1 or 2 or 4) || ptrSize is not (4 or 8) || (ptrSize == 8) != x.Is64) return null;
        var t = new GoPclntab(x, address, offset, (ulong)data.Length, version, ptrSize, quantum, foundBy);
        if (!t.HeaderIsSane()) return null;
        return t;
    }

    private ulong Word(int index)
    {
        var r = new SpanReader(Data, _x.IsBigEndian);
        return r.Word((ulong)(8 + index * PointerSize), PointerSize == 8);
    }

    /// <summary>nfunc (the first word after the 8-byte prefix).</summary>
    public ulong FunctionCount => Word(0);

    private (ulong Start, ulong End) FuncNameTable => Version switch
    {
        GoPclntabVersion.Go116 => (Word(2), Word(3)),
        GoPclntabVersion.Go118 or GoPclntabVersion.Go120 => (Word(3), Word(4)),
        _ => (0, 0),
    };

    private (ulong Start, ulong End) FileTable => Version switch
    {
        GoPclntabVersion.Go116 => (Word(4), Word(5)),
        GoPclntabVersion.Go118 or GoPclntabVersion.Go120 => (Word(5), Word(6)),
        _ => (0, 0),
    };

    /// <summary>pcHeader.textStart (Go 1.18+): equal to moduledata.text.</summary>
    public ulong? TextStart => Version is GoPclntabVersion.Go118 or GoPclntabVersion.Go120 ? Word(2) : null;

    private bool HeaderIsSane()
    {
        int words = Version switch { GoPclntabVersion.Go12 => 1, GoPclntabVersion.Go116 => 7, _ => 8 };
        if (Data.Length < 8 + words * PointerSize) return false;
        ulong nfunc = FunctionCount;
        if (nfunc == 0 || nfunc > (ulong)Data.Length) return false;
        if (Version == GoPclntabVersion.Go12)
        {
            // functab: nfunc pairs of words plus the end PC, right after the header.
            ulong need = 8 + (ulong)PointerSize * (2 * nfunc + 2);
            return need <= (ulong)Data.Length;
        }
        ulong prev = 0;
        for (int i = Version == GoPclntabVersion.Go116 ? 2 : 3; i < words; i++)
        {
            ulong off = Word(i);
            if (off < prev || off > (ulong)Data.Length) return false;
            prev = off;
        }
        var (ns, ne) = FuncNameTable;
        return ne > ns;
    }

    /// <summary>The function names, in table order (1.16+: the funcnametab blob; 1.2: through the functab).</summary>
    public IEnumerable<string> FunctionNames()
    {
        if (Version == GoPclntabVersion.Go12)
        {
            foreach (var n in Go12FunctionNames()) yield return n;
            yield break;
        }
        var (start, end) = FuncNameTable;
        foreach (var s in Strings(start, end)) yield return s;
    }

    /// <summary>The source file names (1.16+: the filetab blob; empty for the 1.2 format).</summary>
    public IEnumerable<string> FileNames()
    {
        if (Version == GoPclntabVersion.Go12) yield break;
        var (start, end) = FileTable;
        foreach (var s in Strings(start, end)) yield return s;
    }

    private List<string> Strings(ulong start, ulong end)
    {
        var list = new List<string>();
        if (start >= end || end > (ulong)Data.Length) return list;
        var blob = Data[(int)start..(int)end];
        int p = 0;
        while (p < blob.Length)
        {
            int n = blob[p..].IndexOf((byte)0);
            if (n < 0) n = blob.Length - p;
            if (n > 0) list.Add(Encoding.UTF8.GetString(blob.Slice(p, n)));
            p += n + 1;
        }
        return list;
    }

    private List<string> Go12FunctionNames()
    {
        var list = new List<string>();
        var data = Data;
        var r = new SpanReader(data, _x.IsBigEndian);
        bool w8 = PointerSize == 8;
        ulong nfunc = FunctionCount;
        ulong ftab = 8 + (ulong)PointerSize;
        for (ulong i = 0; i < nfunc; i++)
        {
            if (!r.TryWord(ftab + (2 * i + 1) * (ulong)PointerSize, w8, out ulong funcoff)) break;
            // _func: entry uintptr, nameoff int32.
            if (!r.TryU32(funcoff + (ulong)PointerSize, out uint nameoff) || nameoff >= data.Length) continue;
            var name = SpanReader.CString(data[(int)nameoff..]);
            list.Add(Encoding.UTF8.GetString(name));
        }
        return list;
    }

    /// <summary>
    /// The source files of each package (Go 1.16+): for every function, the file of its entry PC, read as the
    /// runtime does (src/runtime/symtab.go <c>funcfile</c>: the first value of the <c>pcfile</c> table, an index
    /// into the unit's <c>cutab</c> slice, whose entry is an offset into <c>filetab</c>). The package of a
    /// function is its name up to the first dot after the last slash.
    /// </summary>
    public IReadOnlyDictionary<string, SortedSet<string>> FilesByPackage() => _filesByPackage ??= ReadFilesByPackage();
    private Dictionary<string, SortedSet<string>>? _filesByPackage;

    private Dictionary<string, SortedSet<string>> ReadFilesByPackage()
    {
        var result = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        if (Version == GoPclntabVersion.Go12) return result;
        var data = Data;
        var r = new SpanReader(data, _x.IsBigEndian);
        bool w8 = PointerSize == 8;
        int first = Version == GoPclntabVersion.Go116 ? 2 : 3;
        ulong funcnameOff = Word(first), cuOff = Word(first + 1), filetabOff = Word(first + 2), pctabOff = Word(first + 3), pclnOff = Word(first + 4);
        ulong nfunc = FunctionCount;
        bool old = Version == GoPclntabVersion.Go116;
        ulong entrySize = old ? 2 * (ulong)PointerSize : 8;
        var fileCache = new Dictionary<uint, string?>();
        for (ulong i = 0; i < nfunc; i++)
        {
            ulong at = pclnOff + i * entrySize;
            ulong funcoff;
            if (old) { if (!r.TryWord(at + (ulong)PointerSize, w8, out funcoff)) break; }
            else { if (!r.TryU32(at + 4, out uint fo)) break; funcoff = fo; }
            ulong f = pclnOff + funcoff;
            // _func: entry (uintptr before 1.18, uint32 after), nameoff, args, deferreturn, pcsp, pcfile, pcln, npcdata, cuOffset.
            ulong fields = f + (old ? (ulong)PointerSize : 4);
            if (!r.TryU32(fields, out uint nameoff) || !r.TryU32(fields + 16, out uint pcfile) || !r.TryU32(fields + 28, out uint cuOffset)) continue;
            ulong nameAt = funcnameOff + nameoff;
            if (nameAt >= (ulong)data.Length) continue;
            string name = Encoding.UTF8.GetString(SpanReader.CString(data[(int)nameAt..]));
            string? pkg = PackageOf(name);
            if (pkg is null || pcfile == 0) continue;
            ulong p = pctabOff + pcfile;
            if (p >= (ulong)data.Length) continue;
            int pos = (int)p;
            if (!SpanReader.TryReadUleb128(data, ref pos, out ulong uv) || uv == 0) continue;
            long delta = (uv & 1) != 0 ? ~(long)(uv >> 1) : (long)(uv >> 1);
            long fileIndex = -1 + delta;
            if (fileIndex < 0) continue;
            ulong cuEntry = cuOff + ((ulong)cuOffset + (ulong)fileIndex) * 4;
            if (!r.TryU32(cuEntry, out uint fileOff) || fileOff == uint.MaxValue) continue;
            if (!fileCache.TryGetValue(fileOff, out var file))
            {
                ulong fa = filetabOff + fileOff;
                file = fa < (ulong)data.Length ? Encoding.UTF8.GetString(SpanReader.CString(data[(int)fa..])) : null;
                fileCache[fileOff] = file;
            }
            if (file is null || file.Length == 0 || file.StartsWith('<')) continue;
            if (!result.TryGetValue(pkg, out var set)) result[pkg] = set = new SortedSet<string>(StringComparer.Ordinal);
            set.Add(file);
        }
        return result;
    }

    /// <summary>The import path of a function's package: <c>example.com/dep.(*T).M</c> → <c>example.com/dep</c>; null for C or linker symbols.</summary>
    public static string? PackageOf(string function)
    {
        int bracket = function.IndexOf('[');
        string head = bracket >= 0 ? function[..bracket] : function;
        int slash = head.LastIndexOf('/');
        int dot = head.IndexOf('.', slash + 1);
        if (dot <= 0) return null;
        string pkg = head[..dot];
        return pkg.Contains(' ') || pkg.StartsWith('_') ? null : pkg;
    }

    /// <summary>True when a function of that exact name is in the table.</summary>
    public bool HasFunction(string name) => FunctionNameSet.Contains(name);

    private HashSet<string>? _names;
    public IReadOnlySet<string> FunctionNameSet => _names ??= [.. FunctionNames()];

    /// <summary>The function names of one package: those that start with <c>pkg.</c>.</summary>
    public IEnumerable<string> FunctionsOf(string package) => FunctionNameSet.Where(n => n.StartsWith(package + ".", StringComparison.Ordinal));
}
