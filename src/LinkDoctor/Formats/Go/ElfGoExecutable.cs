using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// <see cref="IGoExecutable"/> for ELF, mirroring <c>elfExe</c> in src/debug/buildinfo/buildinfo.go (go1.19 and
/// current): program headers as debug/elf's <c>Progs</c> (every type, in file order), section names through
/// e_shstrndx. Reads nothing until asked.
/// </summary>
public sealed class ElfGoExecutable : IGoExecutable
{
    /// <summary>Section flags (gABI): SHF_WRITE, SHF_EXECINSTR, SHF_COMPRESSED.</summary>
    internal const ulong SHF_WRITE = 0x1, SHF_EXECINSTR = 0x4, SHF_COMPRESSED = 0x800;

    private readonly ElfFile _elf;
    private IReadOnlyList<GoSection>? _sections, _segments;
    private Dictionary<ulong, ulong>? _relocated;

    public ElfGoExecutable(ElfFile elf) => _elf = elf;

    public ElfFile Elf => _elf;
    public BinaryImage Image => _elf.Image;
    public bool Is64 => _elf.Is64;
    public bool IsBigEndian => _elf.IsBigEndian;
    public string FormatName => "ELF";

    private IReadOnlyList<ElfSection> ElfSections
    {
        get
        {
            try { return _elf.Sections; }
            catch (BinaryFormatException) { return []; }
        }
    }

    /// <summary>buildinfo.go (go1.19) <c>elfExe.DataStart</c>.</summary>
    public ulong DataStartGo119()
    {
        foreach (var s in ElfSections)
            if (s.Name == ".go.buildinfo") return s.Address;
        foreach (var p in _elf.ProgramHeaders)
            if (p.Type == PT_LOAD && (p.Flags & (PF_X | PF_W)) == PF_W) return p.VirtualAddress;
        return 0;
    }

    /// <summary>buildinfo.go (go1.22+) <c>elfExe.DataStart</c>: the section's size, or the segment's <c>p_memsz</c>.</summary>
    public (ulong Address, ulong Size) DataStart()
    {
        foreach (var s in ElfSections)
            if (s.Name == ".go.buildinfo") return (s.Address, s.Size);
        foreach (var p in _elf.ProgramHeaders)
            if (p.Type == PT_LOAD && (p.Flags & (PF_X | PF_W)) == PF_W) return (p.VirtualAddress, p.MemorySize);
        return (0, 0);
    }

    /// <summary>
    /// buildinfo.go <c>elfExe.ReadData</c> over debug/elf's <c>Prog.ReadAt</c> (an <c>io.SectionReader</c> of
    /// <c>p_filesz</c> bytes at <c>p_offset</c>): the first program header with
    /// <c>p_vaddr &lt;= addr &amp;&amp; addr &lt;= p_vaddr+p_filesz-1</c> (unsigned, wrapping) serves the read.
    /// </summary>
    public GoDataStatus ReadData(ulong address, ulong size, out ReadOnlySpan<byte> data)
    {
        data = default;
        foreach (var p in _elf.ProgramHeaders)
        {
            ulong last = unchecked(p.VirtualAddress + p.FileSize - 1);
            if (p.VirtualAddress > address || address > last) continue;
            ulong n = unchecked(p.VirtualAddress + p.FileSize - address);
            if (n > size) n = size;
            ulong within = address - p.VirtualAddress;
            // io.SectionReader.ReadAt: an offset at or past the limit reads nothing and says EOF.
            if ((long)p.FileSize < 0 || (long)within < 0 || within >= p.FileSize) return GoDataStatus.EndOfFile;
            ulong fileOffset = p.Offset + within;
            ulong length = (ulong)Image.Length;
            if (p.Offset > long.MaxValue || fileOffset < p.Offset || fileOffset >= length) return GoDataStatus.EndOfFile;
            ulong have = Math.Min(n, length - fileOffset);
            data = Image.Span.Slice((int)fileOffset, (int)have);
            return have < n ? GoDataStatus.EndOfFile : GoDataStatus.Ok;
        }
        return GoDataStatus.Unmapped;
    }

    public IReadOnlyList<GoSection> Sections => _sections ??= ReadSections();

    private List<GoSection> ReadSections()
    {
        var list = new List<GoSection>();
        foreach (var s in ElfSections)
        {
            if (!s.HasFileData || s.Address == 0 || s.Name.Length == 0) continue;
            if (!_elf.TryBytes(s.Offset, s.Size, out _)) continue;
            list.Add(new GoSection(s.Name, new VirtualAddress(s.Address), new FileOffset(s.Offset), s.Size,
                (s.Flags & SHF_WRITE) != 0, (s.Flags & SHF_EXECINSTR) != 0));
        }
        return list;
    }

    public IReadOnlyList<GoSection> Segments => _segments ??= ReadSegments();

    private List<GoSection> ReadSegments()
    {
        var list = new List<GoSection>();
        foreach (var p in _elf.ProgramHeaders)
        {
            if (p.Type != PT_LOAD || p.FileSize == 0) continue;
            ulong size = p.Offset <= (ulong)Image.Length ? Math.Min(p.FileSize, (ulong)Image.Length - p.Offset) : 0;
            if (size == 0) continue;
            list.Add(new GoSection($"LOAD{p.Index}", new VirtualAddress(p.VirtualAddress), new FileOffset(p.Offset), size,
                (p.Flags & PF_W) != 0, (p.Flags & PF_X) != 0));
        }
        return list;
    }

    public bool TryFindSymbol(ReadOnlySpan<byte> name, out ulong address, out ulong size)
    {
        foreach (var table in new[] { SafeSymbols(), SafeDynamicSymbols() })
        {
            if (table is null) continue;
            if (table.TryFind(name, out var s) && s.IsDefined)
            {
                address = s.Value;
                size = s.Size;
                return true;
            }
        }
        address = size = 0;
        return false;
    }

    /// <summary>Finds a symbol by its string name (UTF-8).</summary>
    public bool TryFindSymbol(string name, out ulong address, out ulong size) => TryFindSymbol(Encoding.UTF8.GetBytes(name), out address, out size);

    private ElfSymbolTable? SafeSymbols()
    {
        try { return _elf.Symbols; }
        catch (BinaryFormatException) { return null; }
    }

    private ElfSymbolTable? SafeDynamicSymbols()
    {
        try { return _elf.DynamicSymbols; }
        catch (BinaryFormatException) { return null; }
    }

    public bool TryRead(ulong address, ulong size, out ReadOnlySpan<byte> data)
    {
        data = default;
        if (!_elf.TryAddressToOffset(new VirtualAddress(address), size, out var off)) return false;
        data = Image.Span.Slice((int)off.Value, (int)size);
        return true;
    }

    private readonly Dictionary<string, ReadOnlyMemory<byte>?> _dwarf = [];

    public ReadOnlyMemory<byte>? DwarfSection(string name)
    {
        lock (_dwarf)
        {
            if (_dwarf.TryGetValue(name, out var cached)) return cached;
            ReadOnlyMemory<byte>? result = null;
            foreach (var s in ElfSections)
            {
                if (!s.HasFileData || !_elf.TryBytes(s.Offset, s.Size, out var raw)) continue;
                if (s.Name == ".debug_" + name)
                {
                    result = (s.Flags & SHF_COMPRESSED) != 0 ? GoDwarf.DecompressElf(raw, Is64, IsBigEndian) : raw.ToArray();
                    break;
                }
                if (s.Name == ".zdebug_" + name)
                {
                    result = GoDwarf.DecompressGnu(raw);
                    break;
                }
            }
            _dwarf[name] = result;
            return result;
        }
    }

    public bool TryReadPointer(ulong address, out ulong value)
    {
        int w = Is64 ? 8 : 4;
        if (!TryRead(address, (ulong)w, out var bytes)) { value = 0; return false; }
        var r = new SpanReader(bytes, IsBigEndian);
        value = Is64 ? r.U64(bytes) : r.U32(bytes);
        if (_elf.Header.Type == ET_DYN && Relocated().TryGetValue(address, out ulong v)) value = v;
        return true;
    }

    /// <summary>RELA relocations that give a data word its value: relative ones (addend) and absolute ones against a defined symbol.</summary>
    private Dictionary<ulong, ulong> Relocated()
    {
        if (_relocated is not null) return _relocated;
        var map = new Dictionary<ulong, ulong>();
        try
        {
            var syms = _elf.DynamicSymbols;
            foreach (var rel in _elf.Relocations)
            {
                if (rel.IsPlt) continue;
                if (rel.SymbolIndex == 0) { if (rel.Addend != 0) map[rel.Offset] = (ulong)rel.Addend; continue; }
                if (syms is null || rel.SymbolIndex >= syms.Count) continue;
                var s = syms[(int)rel.SymbolIndex];
                if (s.IsDefined) map[rel.Offset] = unchecked(s.Value + (ulong)rel.Addend);
            }
        }
        catch (BinaryFormatException) { }
        return _relocated = map;
    }
}
