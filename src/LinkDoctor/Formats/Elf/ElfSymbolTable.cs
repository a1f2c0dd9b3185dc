using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>
/// A symbol table (.dynsym or .symtab) read in place: entries are decoded on access, names are handed out
/// as UTF-8 bytes and turned into strings only for output.
/// </summary>
public sealed class ElfSymbolTable
{
    private readonly ElfFile _file;
    private readonly ulong _offset;
    private readonly int _entSize;
    private readonly ulong _strOffset;
    private readonly ulong _strSize;

    private ElfSymbolTable(ElfFile file, ulong offset, int count, ulong strOffset, ulong strSize, bool isDynamic, string countSource)
    {
        _file = file;
        _offset = offset;
        _entSize = file.Is64 ? 24 : 16;
        Count = count;
        _strOffset = strOffset;
        _strSize = strSize;
        IsDynamic = isDynamic;
        CountSource = countSource;
    }

    public int Count { get; }
    public bool IsDynamic { get; }
    /// <summary>Where the entry count came from: <c>section</c>, <c>DT_HASH</c> or <c>DT_GNU_HASH</c>.</summary>
    public string CountSource { get; }

    public ElfSymbol this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            ReadOnlySpan<byte> e = _file.Image.Span.Slice((int)_offset + index * _entSize, _entSize);
            var r = _file.Reader;
            return _file.Is64
                ? new ElfSymbol(index, r.U32(e), e[4], e[5], r.U16(e[6..]), r.U64(e[8..]), r.U64(e[16..]))
                : new ElfSymbol(index, r.U32(e), e[12], e[13], r.U16(e[14..]), r.U32(e[4..]), r.U32(e[8..]));
        }
    }

    public IEnumerable<ElfSymbol> All()
    {
        for (int i = 0; i < Count; i++) yield return this[i];
    }

    public ReadOnlySpan<byte> GetNameBytes(in ElfSymbol symbol)
    {
        if (symbol.NameOffset >= _strSize) return default;
        return ElfFile.CString(_file.Image.Span.Slice((int)(_strOffset + symbol.NameOffset), (int)(_strSize - symbol.NameOffset)));
    }

    public string GetName(in ElfSymbol symbol)
    {
        if (symbol.NameOffset != 0 && symbol.NameOffset >= _strSize)
        {
            _file.AddAnomaly("ELF030", $"symbol {symbol.Index} name offset 0x{symbol.NameOffset:x} lies outside the string table");
            return "<corrupt>";
        }
        return Encoding.UTF8.GetString(GetNameBytes(symbol));
    }

    /// <summary>
    /// The name as readelf and nm display it: an unnamed STT_SECTION symbol shows the name of its section
    /// (when the file still has section headers).
    /// </summary>
    public string GetDisplayName(in ElfSymbol symbol)
    {
        if (symbol.Type == STT_SECTION && symbol.NameOffset == 0 && symbol.SectionIndex is > SHN_UNDEF and < SHN_LORESERVE
            && _file.Header.ShOff != 0)
        {
            var sections = _file.Sections;
            if (symbol.SectionIndex < sections.Count) return sections[symbol.SectionIndex].Name;
        }
        return GetName(symbol);
    }

    /// <summary>Finds the first symbol named <paramref name="name"/> (UTF-8 bytes), comparing bytes, not strings.</summary>
    public bool TryFind(ReadOnlySpan<byte> name, out ElfSymbol symbol)
    {
        for (int i = 0; i < Count; i++)
        {
            var s = this[i];
            if (GetNameBytes(s).SequenceEqual(name)) { symbol = s; return true; }
        }
        symbol = default;
        return false;
    }

    internal static ElfSymbolTable? ReadStatic(ElfFile file)
    {
        var sec = file.FindSectionByType(SHT_SYMTAB);
        if (sec is not { } s) return null;
        return FromSection(file, s, isDynamic: false);
    }

    private static ElfSymbolTable FromSection(ElfFile file, ElfSection s, bool isDynamic)
    {
        int entSize = file.Is64 ? 24 : 16;
        file.Bytes(s.Offset, s.Size, $"symbol table section {s.Index} ({s.Name})");
        int count = (int)(s.Size / (ulong)entSize);
        ulong strOff = 0, strSize = 0;
        if (s.Link < file.Sections.Count)
        {
            var str = file.Sections[(int)s.Link];
            if (str.HasFileData && file.TryBytes(str.Offset, str.Size, out _)) { strOff = str.Offset; strSize = str.Size; }
            else file.AddAnomaly("ELF031", $"string table (section {s.Link}) of {s.Name} extends past end of file", (long)Math.Min(str.Offset, long.MaxValue));
        }
        else file.AddAnomaly("ELF032", $"sh_link {s.Link} of {s.Name} is not a section");
        return new ElfSymbolTable(file, s.Offset, count, strOff, strSize, isDynamic, "section");
    }

    /// <summary>
    /// The dynamic symbol table at DT_SYMTAB. Its size is not stored in the dynamic section: it comes from the
    /// .dynsym section header when present, else from DT_HASH's nchain, else from walking DT_GNU_HASH.
    /// </summary>
    internal static ElfSymbolTable? ReadDynamic(ElfFile file)
    {
        var dyn = file.Dynamic;
        int entSize = file.Is64 ? 24 : 16;
        if (dyn is null || !dyn.TryGetValue(DT_SYMTAB, out ulong symtabAddr))
        {
            // No dynamic section: a relocatable or odd file may still carry .dynsym.
            return file.Header.ShOff != 0 && file.FindSectionByType(SHT_DYNSYM) is { } ds ? FromSection(file, ds, isDynamic: true) : null;
        }
        if (!file.MapAddress(symtabAddr, 0, out ulong symOff))
        {
            file.AddAnomaly("ELF033", $"DT_SYMTAB address 0x{symtabAddr:x} is not in any loadable segment");
            return null;
        }
        ulong strOff = 0, strSize = 0;
        if (dyn.TryGetValue(DT_STRTAB, out ulong strAddr) && file.MapAddress(strAddr, 1, out strOff))
        {
            strSize = (ulong)file.Image.Length - strOff;
            if (dyn.TryGetValue(DT_STRSZ, out ulong strsz)) strSize = Math.Min(strSize, strsz);
        }

        int count = -1;
        string source = "section";
        if (file.Header.ShOff != 0)
        {
            foreach (var s in file.Sections)
                if (s.Type == SHT_DYNSYM) { count = (int)Math.Min(s.Size / (ulong)entSize, int.MaxValue); break; }
        }
        if (count < 0 && dyn.TryGetValue(DT_HASH, out ulong hashAddr))
        {
            // Elf_Hash: nbucket, nchain; nchain equals the number of symbols. s390x and alpha use 64-bit words.
            int word = file.Header.Machine == EM_S390 && file.Is64 ? 8 : 4;
            if (file.MapAddress(hashAddr, (ulong)(2 * word), out ulong hashOff))
            {
                var h = file.Image.Span.Slice((int)hashOff, 2 * word);
                ulong nchain = word == 8 ? file.Reader.U64(h[8..]) : file.Reader.U32(h[4..]);
                count = (int)Math.Min(nchain, int.MaxValue);
                source = "DT_HASH";
            }
            else file.AddAnomaly("ELF034", $"DT_HASH address 0x{hashAddr:x} is not in any loadable segment");
        }
        if (count < 0 && dyn.TryGetValue(DT_GNU_HASH, out ulong gnuAddr))
        {
            count = GnuHashSymbolCount(file, gnuAddr);
            source = "DT_GNU_HASH";
            // A GNU hash table covers only the symbols it hashes (none, in a typical PIE), so the unhashed
            // imports below symoffset are bounded by the relocations that name them: every symbol the loader
            // can ever touch is hashed or named by a relocation.
            int byRelocations = 0;
            foreach (var rel in file.Relocations)
                byRelocations = (int)Math.Max(byRelocations, Math.Min(rel.SymbolIndex + 1L, int.MaxValue));
            if (byRelocations > count) { count = byRelocations; source = "DT_GNU_HASH+relocations"; }
        }
        if (count < 0)
        {
            file.AddAnomaly("ELF035", "the dynamic symbol count cannot be determined (no .dynsym section, DT_HASH or DT_GNU_HASH)");
            count = 0;
        }
        ulong available = ((ulong)file.Image.Length - symOff) / (ulong)entSize;
        if ((ulong)count > available)
        {
            file.AddAnomaly("ELF036", $"dynamic symbol table ({count} entries) extends past end of file; reading {available}", (long)symOff);
            count = (int)available;
        }
        return new ElfSymbolTable(file, symOff, count, strOff, strSize, isDynamic: true, source);
    }

    /// <summary>
    /// The number of symbols covered by a GNU hash table: one past the last chain entry of the highest bucket
    /// (the same walk glibc's lookup does; binutils readelf sizes the table the same way).
    /// </summary>
    private static int GnuHashSymbolCount(ElfFile file, ulong address)
    {
        var r = file.Reader;
        if (!file.MapAddress(address, 16, out ulong off))
        {
            file.AddAnomaly("ELF037", $"DT_GNU_HASH address 0x{address:x} is not in any loadable segment");
            return -1;
        }
        var data = file.Image.Span;
        uint nbuckets = r.U32(data[(int)off..]), symoffset = r.U32(data[((int)off + 4)..]), bloomSize = r.U32(data[((int)off + 8)..]);
        ulong bucketsOff = off + 16 + (ulong)bloomSize * (ulong)(file.Is64 ? 8 : 4);
        if (!file.TryBytes(bucketsOff, (ulong)nbuckets * 4, out var buckets))
        {
            file.AddAnomaly("ELF038", $"DT_GNU_HASH buckets ({nbuckets}) extend past end of file", (long)off);
            return -1;
        }
        uint max = 0;
        for (int i = 0; i < nbuckets; i++) max = Math.Max(max, r.U32(buckets[(i * 4)..]));
        if (max < symoffset) return (int)symoffset;
        ulong chainOff = bucketsOff + (ulong)nbuckets * 4;
        for (ulong idx = max; ; idx++)
        {
            ulong at = chainOff + (idx - symoffset) * 4;
            if (!file.TryBytes(at, 4, out var w))
            {
                file.AddAnomaly("ELF039", "DT_GNU_HASH chain runs past end of file", (long)Math.Min(at, long.MaxValue));
                return (int)Math.Min(idx, int.MaxValue);
            }
            if ((r.U32(w) & 1) != 0) return (int)Math.Min(idx + 1, int.MaxValue);
        }
    }
}
