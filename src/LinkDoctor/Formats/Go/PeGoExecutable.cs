using System.Text;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// <see cref="IGoExecutable"/> for PE, mirroring <c>peExe</c> in src/debug/buildinfo/buildinfo.go (go1.19 and
/// go1.22+): addresses are ImageBase + RVA; a section is debug/pe's <c>Section</c>, whose reader covers
/// SizeOfRawData bytes at PointerToRawData (<c>Section.Size</c> is SizeOfRawData). Symbols come from the COFF symbol
/// table Go's linker writes (<c>cmd/link/internal/ld/pe.go</c> <c>writeSymbols</c>), DWARF from <c>.debug_*</c> and
/// <c>.zdebug_*</c> sections (long <c>/N</c> names resolved by <see cref="PeFile"/>).
/// </summary>
public sealed class PeGoExecutable : IGoExecutable
{
    private readonly PeFile _pe;
    private IReadOnlyList<GoSection>? _sections;
    private Dictionary<string, (ulong Address, ulong Size)>? _symbols;
    private readonly Dictionary<string, ReadOnlyMemory<byte>?> _dwarf = [];

    public PeGoExecutable(PeFile pe) => _pe = pe;

    public PeFile Pe => _pe;
    public BinaryImage Image => _pe.Image;
    public bool Is64 => _pe.Is64;
    public bool IsBigEndian => false;
    public string FormatName => "PE";

    private ulong ImageBase => _pe.OptionalHeader.ImageBase;

    /// <summary>The section <c>peExe.DataStart</c> picks: the first with a non-zero address and size whose flags, IMAGE_SCN_ALIGN_32BYTES aside, are exactly INITIALIZED_DATA|MEM_READ|MEM_WRITE.</summary>
    private PeSection? DataSection()
    {
        foreach (var s in _pe.Sections)
            if (s.VirtualAddress != 0 && s.SizeOfRawData != 0 &&
                (s.Characteristics & ~IMAGE_SCN_ALIGN_32BYTES) == (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE))
                return s;
        return null;
    }

    /// <summary>go1.19 <c>peExe.DataStart</c>.</summary>
    public ulong DataStartGo119() => DataSection() is { } s ? unchecked(s.VirtualAddress + ImageBase) : 0;

    /// <summary>go1.22+ <c>peExe.DataStart</c>: the address, and the section's VirtualSize.</summary>
    public (ulong Address, ulong Size) DataStart() => DataSection() is { } s ? (unchecked(s.VirtualAddress + ImageBase), s.VirtualSize) : (0, 0);

    /// <summary>
    /// <c>peExe.ReadData</c>: the address less ImageBase (wrapping), the first section with
    /// <c>VirtualAddress &lt;= addr &amp;&amp; addr &lt;= uint64(VirtualAddress+Size-1)</c> (the sum in 32 bits, as Go
    /// computes it), read through the section's reader of SizeOfRawData bytes. (go1.19 turns a short read into
    /// "unrecognized file format": see <see cref="GoBuildInfoReader"/>.)
    /// </summary>
    public GoDataStatus ReadData(ulong address, ulong size, out ReadOnlySpan<byte> data)
    {
        data = default;
        ulong addr = unchecked(address - ImageBase);
        foreach (var s in _pe.Sections)
        {
            uint last = unchecked(s.VirtualAddress + s.SizeOfRawData - 1);
            if (s.VirtualAddress > addr || addr > last) continue;
            ulong n = unchecked((ulong)(uint)(s.VirtualAddress + s.SizeOfRawData) - addr);
            if (n > size) n = size;
            ulong within = addr - s.VirtualAddress;
            // io.SectionReader.ReadAt: at or past the limit, nothing and EOF.
            if (within >= s.SizeOfRawData) return GoDataStatus.EndOfFile;
            ulong have = Math.Min(n, s.SizeOfRawData - within);
            ulong fileOffset = s.PointerToRawData + within;
            ulong length = (ulong)Image.Length;
            if (fileOffset >= length) return GoDataStatus.EndOfFile;
            have = Math.Min(have, length - fileOffset);
            data = Image.Span.Slice((int)fileOffset, (int)have);
            return have < n ? GoDataStatus.EndOfFile : GoDataStatus.Ok;
        }
        return GoDataStatus.Unmapped;
    }

    public IReadOnlyList<GoSection> Sections => _sections ??= ReadSections();

    /// <summary>Every section with raw data: as much of it as is mapped (VirtualSize) and in the file.</summary>
    private List<GoSection> ReadSections()
    {
        var list = new List<GoSection>();
        ulong length = (ulong)Image.Length;
        foreach (var s in _pe.Sections)
        {
            ulong size = Math.Min(s.SizeOfRawData, s.MappedSize);
            if (size == 0 || s.VirtualAddress == 0 || s.PointerToRawData >= length) continue;
            size = Math.Min(size, length - s.PointerToRawData);
            list.Add(new GoSection(s.Name, new VirtualAddress(ImageBase + s.VirtualAddress), new FileOffset(s.PointerToRawData), size,
                (s.Characteristics & IMAGE_SCN_MEM_WRITE) != 0, (s.Characteristics & IMAGE_SCN_MEM_EXECUTE) != 0));
        }
        return list;
    }

    /// <summary>PE maps sections, not segments: the same regions.</summary>
    public IReadOnlyList<GoSection> Segments => Sections;

    /// <summary>
    /// A COFF symbol defined in a section, by its name or, as 386 linkers decorate C names, with a leading underscore.
    /// Its size is the distance to the next symbol of the same section (the section's end for the last one).
    /// </summary>
    public bool TryFindSymbol(ReadOnlySpan<byte> name, out ulong address, out ulong size)
    {
        var map = Symbols();
        string s = Encoding.UTF8.GetString(name);
        if (map.TryGetValue(s, out var v) || map.TryGetValue("_" + s, out v))
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
        var sections = _pe.Sections;
        var defined = _pe.CoffSymbols.Where(s => s.SectionNumber > 0 && s.SectionNumber <= sections.Count).ToList();
        foreach (var group in defined.GroupBy(s => s.SectionNumber))
        {
            var sec = sections[group.Key - 1];
            var sorted = group.Select(s => s.Value).Distinct().Order().ToArray();
            foreach (var sym in group)
            {
                int i = Array.BinarySearch(sorted, sym.Value);
                ulong end = i + 1 < sorted.Length ? sorted[i + 1] : Math.Max(sec.MappedSize, sym.Value);
                map.TryAdd(sym.Name, (ImageBase + sec.VirtualAddress + sym.Value, end - sym.Value));
            }
        }
        return _symbols = map;
    }

    /// <summary>PE images hold absolute addresses for the preferred ImageBase (base relocations only slide them): the word as stored.</summary>
    public bool TryReadPointer(ulong address, out ulong value)
    {
        int w = Is64 ? 8 : 4;
        if (!TryRead(address, (ulong)w, out var bytes)) { value = 0; return false; }
        var r = new SpanReader(bytes, false);
        value = Is64 ? r.U64(bytes) : r.U32(bytes);
        return true;
    }

    public bool TryRead(ulong address, ulong size, out ReadOnlySpan<byte> data) => _pe.TryReadAtAddress(new VirtualAddress(address), size, out data);

    /// <summary>
    /// <c>.debug_NAME</c>, or <c>.zdebug_NAME</c> (Go's linker compresses DWARF: "ZLIB" and a big-endian size), cut to
    /// VirtualSize as debug/pe's <c>File.DWARF</c> does.
    /// </summary>
    public ReadOnlyMemory<byte>? DwarfSection(string name)
    {
        lock (_dwarf)
        {
            if (_dwarf.TryGetValue(name, out var cached)) return cached;
            ReadOnlyMemory<byte>? result = null;
            foreach (var s in _pe.Sections)
            {
                bool plain = s.Name == ".debug_" + name, z = s.Name == ".zdebug_" + name;
                if (!plain && !z) continue;
                if (!_pe.Reader.TrySlice(s.PointerToRawData, s.SizeOfRawData, out var raw)) break;
                if (s.VirtualSize != 0 && s.VirtualSize < raw.Length) raw = raw[..(int)s.VirtualSize];
                result = z ? GoDwarf.DecompressGnu(raw) : raw.ToArray();
                break;
            }
            _dwarf[name] = result;
            return result;
        }
    }
}
