using System.Buffers.Binary;
using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>
/// A read-only, lazy view of an ELF file (ELF32/ELF64, either byte order) over a <see cref="BinaryImage"/>.
/// Only the file header and program headers are read up front; sections, the dynamic section, symbol
/// tables, versions and notes are parsed on first use. Everything the loader needs is taken from program
/// headers and PT_DYNAMIC (as glibc's ld.so does); section headers are a second, optional source.
/// Structural errors throw <see cref="BinaryFormatException"/>; local damage is kept in <see cref="Anomalies"/>.
/// </summary>
public sealed partial class ElfFile : ILoadableObject
{
    // One model for every lazy field: LazyInitializer.EnsureInitialized (thread-safe, computed once; a null
    // result counts as computed through the matching flag).
    private object? _lazyLock;
    private IReadOnlyList<ElfSection>? _sections;
    private bool _sectionsRead;
    private ElfDynamicSection? _dynamic;
    private bool _dynamicRead;
    private ElfSymbolTable? _dynamicSymbols;
    private bool _dynamicSymbolsRead;
    private ElfSymbolTable? _symbols;
    private bool _symbolsRead;
    private ElfVersionInfo? _versions;
    private bool _versionsRead;
    private IReadOnlyList<ElfNote>? _notes;
    private bool _notesRead;
    private IReadOnlyList<DlopenNote>? _dlopenNotes;
    private bool _dlopenNotesRead;
    private IReadOnlyList<ElfRelocation>? _relocations;
    private bool _relocationsRead;
    private string? _interpreter;
    private bool _interpreterRead;
    private readonly List<Anomaly> _anomalies = [];

    private T Lazy<T>(ref T field, ref bool initialized, Func<T> read) =>
        LazyInitializer.EnsureInitialized(ref field, ref initialized, ref _lazyLock, read);

    private ElfFile(BinaryImage image, ElfHeader header, ElfProgramHeader[] programHeaders)
    {
        Image = image;
        Header = header;
        ProgramHeaders = programHeaders;
    }

    public BinaryImage Image { get; }
    public ElfHeader Header { get; }
    public IReadOnlyList<ElfProgramHeader> ProgramHeaders { get; }
    public bool IsBigEndian => Header.Data == ELFDATA2MSB;
    public bool Is64 => Header.Class == ELFCLASS64;
    public IReadOnlyList<Anomaly> Anomalies
    {
        get { lock (_anomalies) return [.. _anomalies]; }
    }

    /// <summary>True when <paramref name="data"/> starts with the ELF magic.</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F';

    /// <summary>Reads the file header and program headers. Throws <see cref="BinaryFormatException"/> when they are unusable.</summary>
    public static ElfFile Open(BinaryImage image)
    {
        ReadOnlySpan<byte> data = image.Span;
        if (data.Length < EI_NIDENT)
        {
            if (HasElfMagic(data) || data.Length < 4)
                BinaryFormatException.Throw($"file too short ({data.Length} bytes) for an ELF identification");
        }
        if (!HasElfMagic(data))
            BinaryFormatException.Throw("not an ELF file (bad magic)", 0);
        byte cls = data[EI_CLASS], enc = data[EI_DATA];
        if (cls != ELFCLASS32 && cls != ELFCLASS64)
            BinaryFormatException.Throw($"invalid EI_CLASS {cls} (ELF class)", EI_CLASS);
        if (enc != ELFDATA2LSB && enc != ELFDATA2MSB)
            BinaryFormatException.Throw($"invalid EI_DATA {enc} (ELF data encoding)", EI_DATA);
        bool is64 = cls == ELFCLASS64, be = enc == ELFDATA2MSB;
        int ehsize = is64 ? 64 : 52;
        if (data.Length < ehsize)
            BinaryFormatException.Throw($"truncated ELF header ({data.Length} of {ehsize} bytes)", data.Length);

        var r = new SpanReader(data, be);
        ushort type = r.U16(data[16..]), machine = r.U16(data[18..]);
        uint version = r.U32(data[20..]);
        ulong entry, phoff, shoff;
        int p;
        if (is64) { entry = r.U64(data[24..]); phoff = r.U64(data[32..]); shoff = r.U64(data[40..]); p = 48; }
        else { entry = r.U32(data[24..]); phoff = r.U32(data[28..]); shoff = r.U32(data[32..]); p = 36; }
        uint flags = r.U32(data[p..]);
        ushort ehsizeField = r.U16(data[(p + 4)..]), phentsize = r.U16(data[(p + 6)..]), phnum16 = r.U16(data[(p + 8)..]);
        ushort shentsize = r.U16(data[(p + 10)..]), shnum16 = r.U16(data[(p + 12)..]), shstrndx16 = r.U16(data[(p + 14)..]);

        int shdrSize = is64 ? 64 : 40, phdrSize = is64 ? 56 : 32;
        uint shnum = shnum16, shstrndx = shstrndx16, phnum = phnum16;
        var early = new List<Anomaly>();
        // Extended numbering: the real values live in section header 0 (gABI "Extended Section Header Numbering").
        // Only e_phnum's escape matters to the loader; a damaged section table otherwise just loses the sections.
        if (shoff != 0 && (shnum16 == 0 || shstrndx16 == SHN_XINDEX || phnum16 == PN_XNUM))
        {
            string? problem = shentsize != shdrSize ? $"e_shentsize {shentsize} (expected {shdrSize})"
                : shoff > (ulong)data.Length || (ulong)data.Length - shoff < (ulong)shdrSize ? $"e_shoff 0x{shoff:x}: section header 0 (for extended numbering) lies past end of file"
                : null;
            if (problem is not null)
            {
                if (phnum16 == PN_XNUM) BinaryFormatException.Throw($"e_phnum is PN_XNUM (0xffff) but the real count cannot be read: {problem}", p + 8);
                early.Add(new Anomaly("ELF010", $"section header table unusable: {problem}; sections ignored"));
                shnum = 0;
            }
            else
            {
                ReadOnlySpan<byte> sh0 = data.Slice((int)shoff, shdrSize);
                ulong size0 = is64 ? r.U64(sh0[32..]) : r.U32(sh0[20..]);
                uint link0 = r.U32(sh0[(is64 ? 40 : 24)..]), info0 = r.U32(sh0[(is64 ? 44 : 28)..]);
                if (shnum16 == 0) shnum = size0 > uint.MaxValue ? uint.MaxValue : (uint)size0;
                if (shstrndx16 == SHN_XINDEX) shstrndx = link0;
                if (phnum16 == PN_XNUM)
                {
                    // The escape is only for counts that do not fit: anything smaller means a corrupt header.
                    if (info0 < PN_XNUM)
                        BinaryFormatException.Throw($"e_phnum is PN_XNUM (0xffff) but section header 0 holds sh_info {info0}, not a count of 0xffff or more", p + 8);
                    phnum = info0;
                }
            }
        }
        else if (phnum16 == PN_XNUM)
        {
            BinaryFormatException.Throw("e_phnum is PN_XNUM (0xffff) but there is no section header 0 to hold the real count", p + 8);
        }

        var header = new ElfHeader(cls, enc, data[EI_VERSION], data[EI_OSABI], data[EI_ABIVERSION], type, machine, version,
            entry, phoff, shoff, flags, ehsizeField, phentsize, phnum, shentsize, shnum, shstrndx);

        ElfProgramHeader[] phdrs = [];
        if (phnum > 0)
        {
            if (phentsize != phdrSize)
                BinaryFormatException.Throw($"invalid e_phentsize {phentsize} (expected {phdrSize})", p + 6);
            ulong tableSize = (ulong)phnum * (ulong)phdrSize;
            if (phoff > (ulong)data.Length || (ulong)data.Length - phoff < tableSize)
                BinaryFormatException.Throw($"program header table (e_phoff 0x{phoff:x}, e_phnum {phnum}) extends past end of file (size 0x{data.Length:x})", is64 ? 32 : 28);
            phdrs = new ElfProgramHeader[phnum];
            for (int i = 0; i < phdrs.Length; i++)
            {
                ReadOnlySpan<byte> ph = data.Slice((int)phoff + i * phdrSize, phdrSize);
                phdrs[i] = is64
                    ? new ElfProgramHeader(i, r.U32(ph), r.U32(ph[4..]), r.U64(ph[8..]), r.U64(ph[16..]), r.U64(ph[24..]), r.U64(ph[32..]), r.U64(ph[40..]), r.U64(ph[48..]))
                    : new ElfProgramHeader(i, r.U32(ph), r.U32(ph[24..]), r.U32(ph[4..]), r.U32(ph[8..]), r.U32(ph[12..]), r.U32(ph[16..]), r.U32(ph[20..]), r.U32(ph[28..]));
            }
        }
        var elf = new ElfFile(image, header, phdrs);
        foreach (var a in early) elf.AddAnomaly(a.Code, a.Message, a.Offset);
        return elf;
    }

    /// <summary>The file through the one bounds-checked reader, in the file's byte order.</summary>
    internal SpanReader Reader => new(Image.Span, IsBigEndian);

    /// <summary><paramref name="size"/> bytes at <paramref name="offset"/>; throws naming <paramref name="what"/> when they do not exist.</summary>
    internal ReadOnlySpan<byte> Bytes(ulong offset, ulong size, string what) => Reader.Slice(offset, size, what);

    internal bool TryBytes(ulong offset, ulong size, out ReadOnlySpan<byte> bytes) => Reader.TrySlice(offset, size, out bytes);

    /// <summary>Anomalies kept per file; past this, one ELF000 entry says how many more were dropped.</summary>
    public const int MaxAnomalies = 64;
    private readonly HashSet<Anomaly> _anomalySet = [];
    private int _droppedAnomalies;

    internal void AddAnomaly(string code, string message, long offset = -1)
    {
        lock (_anomalies)
        {
            var anomaly = new Anomaly(code, message, offset);
            if (_anomalySet.Contains(anomaly)) return;
            if (_anomalies.Count < MaxAnomalies)
            {
                _anomalySet.Add(anomaly);
                _anomalies.Add(anomaly);
                return;
            }
            _droppedAnomalies++;
            var summary = new Anomaly("ELF000", $"{_droppedAnomalies} more anomalies not shown", -1);
            if (_anomalies[^1].Code == "ELF000") _anomalies[^1] = summary;
            else _anomalies.Add(summary);
        }
    }

    /// <summary>
    /// Translates a virtual address to a file offset through the PT_LOAD segments, as the loader's mapping
    /// would place it. Returns false when no segment holds <paramref name="size"/> bytes of file data there.
    /// </summary>
    public bool TryAddressToOffset(VirtualAddress virtualAddress, ulong size, out FileOffset fileOffset)
    {
        bool ok = MapAddress(virtualAddress.Value, size, out ulong offset);
        fileOffset = new FileOffset(offset);
        return ok;
    }

    /// <summary>The same on raw numbers, for the ELF tables themselves (DT_* values are addresses by the spec).</summary>
    internal bool MapAddress(ulong address, ulong size, out ulong offset)
    {
        foreach (var ph in ProgramHeaders)
        {
            if (ph.Type != PT_LOAD || address < ph.VirtualAddress) continue;
            ulong delta = address - ph.VirtualAddress;
            if (delta < ph.FileSize && ph.FileSize - delta >= size)
            {
                offset = ph.Offset + delta;
                // The segment may claim more than the file holds (truncated or corrupt): the bytes must exist.
                return offset <= (ulong)Image.Length && (ulong)Image.Length - offset >= size;
            }
        }
        // Files without program headers (relocatable objects) have nothing mapped; try sections with addresses.
        if (ProgramHeaders.Count == 0 && Header.ShOff != 0)
        {
            foreach (var s in Sections)
            {
                if (!s.HasFileData || s.Address == 0 || address < s.Address) continue;
                ulong delta = address - s.Address;
                if (delta < s.Size && s.Size - delta >= size)
                {
                    offset = s.Offset + delta;
                    return offset <= (ulong)Image.Length && (ulong)Image.Length - offset >= size;
                }
            }
        }
        offset = 0;
        return false;
    }

    /// <summary>The section headers (empty when the file has none). Throws when the table lies outside the file.</summary>
    /// <summary>
    /// The section headers (empty when the file has none). A damaged section table never fails the file: the loader
    /// does not read it, so it becomes an anomaly (ELF010) and the sections are taken as absent.
    /// </summary>
    public IReadOnlyList<ElfSection> Sections => Lazy(ref _sections, ref _sectionsRead, ReadSectionsOrNone)!;

    private IReadOnlyList<ElfSection> ReadSectionsOrNone()
    {
        try { return ReadSections(); }
        catch (BinaryFormatException e)
        {
            AddAnomaly("ELF010", $"section header table unusable: {e.Message}; sections ignored", e.Offset);
            return [];
        }
    }

    private IReadOnlyList<ElfSection> ReadSections()
    {
        var h = Header;
        if (h.ShOff == 0 || h.ShNum == 0) return [];
        int shdrSize = Is64 ? 64 : 40;
        if (h.ShEntSize != shdrSize)
            BinaryFormatException.Throw($"invalid e_shentsize {h.ShEntSize} (expected {shdrSize})", Is64 ? 58 : 46);
        ReadOnlySpan<byte> table = Bytes(h.ShOff, (ulong)h.ShNum * (ulong)shdrSize, $"section header table (e_shoff 0x{h.ShOff:x}, e_shnum {h.ShNum})");
        var r = Reader;
        var raw = new (uint name, uint type, ulong flags, ulong addr, ulong off, ulong size, uint link, uint info, ulong align, ulong entsize)[h.ShNum];
        for (int i = 0; i < raw.Length; i++)
        {
            ReadOnlySpan<byte> s = table.Slice(i * shdrSize, shdrSize);
            raw[i] = Is64
                ? (r.U32(s), r.U32(s[4..]), r.U64(s[8..]), r.U64(s[16..]), r.U64(s[24..]), r.U64(s[32..]), r.U32(s[40..]), r.U32(s[44..]), r.U64(s[48..]), r.U64(s[56..]))
                : (r.U32(s), r.U32(s[4..]), r.U32(s[8..]), r.U32(s[12..]), r.U32(s[16..]), r.U32(s[20..]), r.U32(s[24..]), r.U32(s[28..]), r.U32(s[32..]), r.U32(s[36..]));
        }
        ReadOnlySpan<byte> names = default;
        if (h.ShStrNdx != SHN_UNDEF)
        {
            if (h.ShStrNdx >= raw.Length)
                BinaryFormatException.Throw($"invalid e_shstrndx {h.ShStrNdx} ({raw.Length} sections)", Is64 ? 62 : 50);
            if (!TryBytes(raw[h.ShStrNdx].off, raw[h.ShStrNdx].size, out names))
                BinaryFormatException.Throw($"section name table (e_shstrndx {h.ShStrNdx}) extends past end of file", (long)Math.Min(raw[h.ShStrNdx].off, long.MaxValue));
        }
        var sections = new ElfSection[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            var x = raw[i];
            string name = "";
            if (!names.IsEmpty || x.name != 0)
            {
                if (x.name < names.Length) name = Encoding.UTF8.GetString(CString(names[(int)x.name..]));
                else if (x.name != 0) { name = "<corrupt>"; AddAnomaly("ELF011", $"section {i} name offset 0x{x.name:x} lies outside the section name table"); }
            }
            sections[i] = new ElfSection(i, name, x.type, x.flags, x.addr, x.off, x.size, x.link, x.info, x.align, x.entsize);
        }
        return sections;
    }

    public ElfSection? FindSectionByType(uint type)
    {
        foreach (var s in Sections)
            if (s.Type == type) return s;
        return null;
    }

    /// <summary>The bytes of a section (empty for SHT_NOBITS).</summary>
    public ReadOnlySpan<byte> SectionData(in ElfSection section) =>
        section.HasFileData ? Bytes(section.Offset, section.Size, $"section {section.Index} ({section.Name})") : default;

    public ElfProgramHeader? FindProgramHeader(uint type)
    {
        foreach (var ph in ProgramHeaders)
            if (ph.Type == type) return ph;
        return null;
    }

    /// <summary>The bytes of a segment's file image.</summary>
    public ReadOnlySpan<byte> SegmentData(in ElfProgramHeader ph) =>
        Bytes(ph.Offset, ph.FileSize, $"{SegmentTypeName(ph.Type)} segment {ph.Index}");

    /// <summary>PT_INTERP, the program interpreter path, or null.</summary>
    public string? Interpreter => Lazy(ref _interpreter, ref _interpreterRead, ReadInterpreter);

    private string? ReadInterpreter()
    {
        if (FindProgramHeader(PT_INTERP) is not { } interp) return null;
        // An empty PT_INTERP (debug-info files keep the header but not the bytes) names nothing.
        if (interp.FileSize == 0) { AddAnomaly("ELF012", "PT_INTERP has no file contents (p_filesz 0)"); return null; }
        return Encoding.UTF8.GetString(CString(SegmentData(interp)));
    }

    /// <summary>The dynamic section, taken from PT_DYNAMIC (or the SHT_DYNAMIC section when there are no program headers); null when absent.</summary>
    public ElfDynamicSection? Dynamic => Lazy(ref _dynamic, ref _dynamicRead, () => ElfDynamicSection.Read(this));

    /// <summary>The dynamic symbol table (DT_SYMTAB, sized from .dynsym or the hash tables); null when absent.</summary>
    public ElfSymbolTable? DynamicSymbols => Lazy(ref _dynamicSymbols, ref _dynamicSymbolsRead, () => ElfSymbolTable.ReadDynamic(this));

    /// <summary>The static symbol table (.symtab); null when stripped.</summary>
    public ElfSymbolTable? Symbols => Lazy(ref _symbols, ref _symbolsRead, () => ElfSymbolTable.ReadStatic(this));

    /// <summary>Symbol versioning: DT_VERSYM, DT_VERNEED, DT_VERDEF.</summary>
    public ElfVersionInfo Versions => Lazy(ref _versions, ref _versionsRead, () => ElfVersionInfo.Read(this))!;

    /// <summary>Notes from PT_NOTE segments, or from SHT_NOTE sections when the file has no program headers.</summary>
    public IReadOnlyList<ElfNote> Notes => Lazy(ref _notes, ref _notesRead, () => ElfNotes.Read(this))!;

    /// <summary>The entries of the FDO dlopen metadata notes (.note.dlopen), read once.</summary>
    public IReadOnlyList<DlopenNote> DlopenNotes => Lazy(ref _dlopenNotes, ref _dlopenNotesRead, () => DlopenMetadata.Read(this))!;

    /// <summary>The dynamic relocations (DT_RELA/DT_REL and DT_JMPREL), read once.</summary>
    public IReadOnlyList<ElfRelocation> Relocations => Lazy(ref _relocations, ref _relocationsRead, () => ElfRelocations.Read(this))!;

    /// <summary>The bytes up to (not including) the first NUL, or the whole span when there is none.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s)
    {
        int n = s.IndexOf((byte)0);
        return n < 0 ? s : s[..n];
    }
}
