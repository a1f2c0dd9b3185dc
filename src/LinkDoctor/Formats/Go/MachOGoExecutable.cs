using System.Text;
using LinkDoctor.Formats.MachO;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// <see cref="IGoExecutable"/> for one Mach-O image (a thin file, or one slice of a universal file: newer Go reads
/// <c>Arches[0]</c>, go1.19 refuses universal files), mirroring <c>machoExe</c> in src/debug/buildinfo/buildinfo.go
/// (go1.19 and go1.22+): segments in load-command order as debug/macho's <c>Loads</c>, each read through a reader of
/// <c>filesize</c> bytes at <c>fileoff</c> inside the slice. Symbols come from the nlist table (Go's linker prefixes
/// every name with <c>_</c>), DWARF from the <c>__DWARF</c> sections (<c>__debug_*</c>, or <c>__zdebug_*</c> as Go
/// compresses them; names cut to 16 bytes as the format stores them). Offsets handed out are file offsets (slice
/// start added), as <see cref="GoSection"/> requires.
/// </summary>
public sealed class MachOGoExecutable : IGoExecutable
{
    private const uint RW = VM_PROT_READ | VM_PROT_WRITE;
    private readonly MachOFile _m;
    private IReadOnlyList<GoSection>? _sections, _segments;
    private Dictionary<string, (ulong Address, ulong Size)>? _symbols;
    private Dictionary<ulong, ulong>? _fixups;
    private readonly Dictionary<string, ReadOnlyMemory<byte>?> _dwarf = [];

    public MachOGoExecutable(MachOFile m) => _m = m;

    public MachOFile MachO => _m;
    public BinaryImage Image => _m.Image;
    public bool Is64 => _m.Is64;
    public bool IsBigEndian => _m.IsBigEndian;
    public string FormatName => "Mach-O";

    private MachOSection? BuildInfoSection()
    {
        foreach (var s in _m.Sections)
            if (s.Name == "__go_buildinfo") return s;
        return null;
    }

    private MachOSegment? FirstReadWriteSegment()
    {
        foreach (var seg in _m.Segments)
            if (seg.VmAddr != 0 && seg.FileSize != 0 && seg.InitProt == RW && seg.MaxProt == RW) return seg;
        return null;
    }

    /// <summary>go1.19 <c>machoExe.DataStart</c>: <c>__go_buildinfo</c>, else the first non-empty segment mapped exactly read+write (prot and maxprot).</summary>
    public ulong DataStartGo119() => BuildInfoSection()?.Address ?? FirstReadWriteSegment()?.VmAddr ?? 0;

    /// <summary>go1.22+ <c>machoExe.DataStart</c>: the same, with the section's size or the segment's vmsize.</summary>
    public (ulong Address, ulong Size) DataStart()
    {
        if (BuildInfoSection() is { } s) return (s.Address, s.Size);
        if (FirstReadWriteSegment() is { } seg) return (seg.VmAddr, seg.VmSize);
        return (0, 0);
    }

    /// <summary>
    /// <c>machoExe.ReadData</c>: the first segment with <c>Addr &lt;= addr &amp;&amp; addr &lt;= Addr+Filesz-1</c>
    /// (wrapping: an empty segment at 0 holds every address, which is why Go skips <c>__PAGEZERO</c> by name),
    /// read through <c>io.NewSectionReader(slice, Offset, Filesz)</c>.
    /// </summary>
    public GoDataStatus ReadData(ulong address, ulong size, out ReadOnlySpan<byte> data)
    {
        data = default;
        foreach (var seg in _m.Segments)
        {
            ulong last = unchecked(seg.VmAddr + seg.FileSize - 1);
            if (seg.VmAddr > address || address > last) continue;
            if (seg.Name == "__PAGEZERO") continue;
            ulong n = unchecked(seg.VmAddr + seg.FileSize - address);
            if (n > size) n = size;
            ulong within = address - seg.VmAddr;
            if (within >= seg.FileSize || (long)seg.FileOff < 0) return GoDataStatus.EndOfFile;
            ulong sliceOffset = seg.FileOff + within;
            if (sliceOffset < seg.FileOff || sliceOffset >= _m.SliceSize) return GoDataStatus.EndOfFile;
            ulong have = Math.Min(Math.Min(n, seg.FileSize - within), _m.SliceSize - sliceOffset);
            data = _m.Data.Slice((int)sliceOffset, (int)have);
            return have < n ? GoDataStatus.EndOfFile : GoDataStatus.Ok;
        }
        return GoDataStatus.Unmapped;
    }

    public IReadOnlyList<GoSection> Sections => _sections ??= ReadSections();

    /// <summary>Sections with file contents inside the slice; writable/executable as their segment's initprot.</summary>
    private List<GoSection> ReadSections()
    {
        var list = new List<GoSection>();
        foreach (var seg in _m.Segments)
            foreach (var s in seg.Sections)
            {
                if (s.IsZeroFill || s.Size == 0 || s.Offset == 0 || s.Address == 0 || s.Offset >= _m.SliceSize) continue;
                ulong size = Math.Min(s.Size, _m.SliceSize - s.Offset);
                list.Add(new GoSection(s.Name, new VirtualAddress(s.Address), new FileOffset(_m.SliceOffset + s.Offset), size,
                    (seg.InitProt & VM_PROT_WRITE) != 0, (seg.InitProt & VM_PROT_EXECUTE) != 0));
            }
        return list;
    }

    public IReadOnlyList<GoSection> Segments => _segments ??= ReadSegments();

    private List<GoSection> ReadSegments()
    {
        var list = new List<GoSection>();
        foreach (var seg in _m.Segments)
        {
            if (seg.FileSize == 0 || seg.Name == "__PAGEZERO" || seg.Name == "__LINKEDIT" || seg.FileOff >= _m.SliceSize) continue;
            ulong size = Math.Min(seg.FileSize, _m.SliceSize - seg.FileOff);
            list.Add(new GoSection(seg.Name, new VirtualAddress(seg.VmAddr), new FileOffset(_m.SliceOffset + seg.FileOff), size,
                (seg.InitProt & VM_PROT_WRITE) != 0, (seg.InitProt & VM_PROT_EXECUTE) != 0));
        }
        return list;
    }

    /// <summary>
    /// A defined (N_SECT) nlist symbol named <c>_NAME</c> (Go's and C's Mach-O names) or <c>NAME</c>. nlist has no
    /// size: it is the distance to the next symbol of the same section (the section's end for the last), as
    /// <c>nm --size-sort</c> infers it.
    /// </summary>
    public bool TryFindSymbol(ReadOnlySpan<byte> name, out ulong address, out ulong size)
    {
        var map = Symbols();
        string s = Encoding.UTF8.GetString(name);
        if (map.TryGetValue("_" + s, out var v) || map.TryGetValue(s, out v))
        {
            (address, size) = v;
            return true;
        }
        address = size = 0;
        return false;
    }

    private Dictionary<string, (ulong Address, ulong Size)> Symbols()
    {
        if (_symbols is not null) return _symbols;
        var map = new Dictionary<string, (ulong, ulong)>(StringComparer.Ordinal);
        var sections = _m.Sections;
        var defined = _m.Symbols.Where(s => !s.IsStab && s.TypeField == N_SECT && s.Section >= 1 && s.Section <= sections.Count).ToList();
        foreach (var group in defined.GroupBy(s => s.Section))
        {
            var sec = sections[group.Key - 1];
            var sorted = group.Select(s => s.Value).Distinct().Order().ToArray();
            ulong secEnd = sec.Address + sec.Size;
            foreach (var sym in group)
            {
                int i = Array.BinarySearch(sorted, sym.Value);
                ulong end = i + 1 < sorted.Length ? sorted[i + 1] : Math.Max(secEnd, sym.Value);
                map.TryAdd(sym.Name, (sym.Value, end - sym.Value));
            }
        }
        return _symbols = map;
    }

    /// <summary>
    /// A pointer-sized word as the program sees it: Go's own linker stores unslid addresses (dyld only slides them by
    /// the rebase opcodes); a word on a chain of LC_DYLD_CHAINED_FIXUPS holds an encoded rebase, decoded here.
    /// </summary>
    public bool TryReadPointer(ulong address, out ulong value)
    {
        int w = Is64 ? 8 : 4;
        if (!TryRead(address, (ulong)w, out var bytes)) { value = 0; return false; }
        var r = new SpanReader(bytes, IsBigEndian);
        value = Is64 ? r.U64(bytes) : r.U32(bytes);
        if (_m.ChainedFixups is not null && Fixups().TryGetValue(address, out ulong v)) value = v;
        return true;
    }

    private Dictionary<ulong, ulong> Fixups()
    {
        if (_fixups is not null) return _fixups;
        var map = new Dictionary<ulong, ulong>();
        try { MachOChainedRebases.Walk(_m, (addr, target) => map[addr] = target); }
        catch (BinaryFormatException) { }
        return _fixups = map;
    }

    public bool TryRead(ulong address, ulong size, out ReadOnlySpan<byte> data) => _m.TryReadAtAddress(new VirtualAddress(address), size, out data);

    /// <summary>
    /// debug/macho's <c>File.DWARF</c>: a section named <c>__debug_NAME</c> or <c>__zdebug_NAME</c> (either cut to the
    /// 16 bytes of <c>sectname</c>: <c>__debug_str_offs</c>, <c>__zdebug_line_st</c>); a <c>__zdebug</c> one is
    /// "ZLIB", a big-endian size and a zlib stream.
    /// </summary>
    public ReadOnlyMemory<byte>? DwarfSection(string name)
    {
        lock (_dwarf)
        {
            if (_dwarf.TryGetValue(name, out var cached)) return cached;
            string plain = Cut("__debug_" + name), z = Cut("__zdebug_" + name);
            ReadOnlyMemory<byte>? result = null;
            foreach (var s in _m.Sections)
            {
                if (s.Name != plain && s.Name != z) continue;
                if (s.IsZeroFill || !new SpanReader(_m.Data, IsBigEndian).TrySlice(s.Offset, s.Size, out var raw)) break;
                // A plain name that is also the cut compressed name cannot happen: "__debug_" is shorter than "__zdebug_".
                result = s.Name == z && raw.StartsWith("ZLIB"u8) ? GoDwarf.DecompressGnu(raw) : raw.ToArray();
                break;
            }
            _dwarf[name] = result;
            return result;
        }

        static string Cut(string s) => s.Length > 16 ? s[..16] : s;
    }
}
