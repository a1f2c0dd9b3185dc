using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Formats.Pe;

/// <summary>
/// A read-only, lazy view of a PE image (PE32 or PE32+). The DOS stub, the PE signature, the file and optional
/// headers and the section table are read up front and checked as the Windows loader's image validation does
/// (a section whose raw data is not in the file is refused: "is not a valid Win32 application"); the import, delay
/// import, export, debug and CLR tables are read on first use, and damage there becomes an <see cref="Anomaly"/>
/// (<c>PE0xx</c>). Mirrors LLVM's <c>COFFObjectFile</c> for what the tables mean.
/// </summary>
public sealed partial class PeFile : ILoadableObject
{
    private object? _lazyLock;
    private IReadOnlyList<PeImportedDll>? _imports;
    private bool _importsRead;
    private IReadOnlyList<PeImportedDll>? _delayImports;
    private bool _delayImportsRead;
    private PeExportDirectory? _exports;
    private bool _exportsRead;
    private IReadOnlyList<PeDebugEntry>? _debug;
    private bool _debugRead;
    private PeClrHeader? _clr;
    private bool _clrRead;
    private readonly List<Anomaly> _anomalies = [];
    private readonly HashSet<Anomaly> _anomalySet = [];

    private T Lazy<T>(ref T field, ref bool initialized, Func<T> read) =>
        LazyInitializer.EnsureInitialized(ref field, ref initialized, ref _lazyLock, read);

    private PeFile(BinaryImage image, uint peOffset, PeFileHeader fileHeader, PeOptionalHeader optionalHeader,
        IReadOnlyList<PeDataDirectory> directories, IReadOnlyList<PeSection> sections)
    {
        Image = image;
        PeHeaderOffset = peOffset;
        FileHeader = fileHeader;
        OptionalHeader = optionalHeader;
        DataDirectories = directories;
        Sections = sections;
    }

    public BinaryImage Image { get; }
    /// <summary>e_lfanew: where "PE\0\0" is.</summary>
    public uint PeHeaderOffset { get; }
    public PeFileHeader FileHeader { get; }
    public PeOptionalHeader OptionalHeader { get; }
    public IReadOnlyList<PeDataDirectory> DataDirectories { get; }
    public IReadOnlyList<PeSection> Sections { get; }

    public BinaryFormat Format => BinaryFormat.Pe;
    public bool Is64 => OptionalHeader.IsPe32Plus;
    public bool IsBigEndian => false;
    /// <summary>Microsoft's name of the machine: <c>x86</c>, <c>x64</c>, <c>arm64</c>, <c>arm</c>…</summary>
    public string Machine => MachineName(FileHeader.Machine);
    public bool IsDll => (FileHeader.Characteristics & IMAGE_FILE_DLL) != 0;

    internal SpanReader Reader => new(Image.Span, bigEndian: false);

    public IReadOnlyList<Anomaly> Anomalies
    {
        get { lock (_anomalies) return [.. _anomalies]; }
    }

    public const int MaxAnomalies = 64;

    internal void AddAnomaly(string code, string message, long offset = -1)
    {
        lock (_anomalies)
        {
            var a = new Anomaly(code, message, offset);
            if (_anomalies.Count >= MaxAnomalies || !_anomalySet.Add(a)) return;
            _anomalies.Add(a);
        }
    }

    /// <summary>True when the bytes start with "MZ" (the DOS header every PE image has).</summary>
    public static bool HasDosMagic(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == (byte)'M' && data[1] == (byte)'Z';

    public PeDataDirectory Directory(int index) => index < DataDirectories.Count ? DataDirectories[index] : default;

    /// <summary>Reads the headers and the section table. Throws <see cref="BinaryFormatException"/> when they are unusable.</summary>
    public static PeFile Open(BinaryImage image)
    {
        var r = new SpanReader(image.Span, bigEndian: false);
        if (!HasDosMagic(image.Span)) BinaryFormatException.Throw("not a PE file (no MZ signature)", 0);
        if (r.Length < SIZEOF_IMAGE_DOS_HEADER)
            BinaryFormatException.Throw($"truncated DOS header ({r.Length} of {SIZEOF_IMAGE_DOS_HEADER} bytes)", r.Length);
        uint lfanew = r.U32(E_LFANEW_OFFSET);
        if (!r.Contains(lfanew, 4))
            BinaryFormatException.Throw($"e_lfanew 0x{lfanew:x} points past end of file (size 0x{r.Length:x}): an MS-DOS program, not a PE image", E_LFANEW_OFFSET);
        if (r.U32(lfanew) != IMAGE_NT_SIGNATURE)
            BinaryFormatException.Throw($"no PE signature at e_lfanew 0x{lfanew:x}: an MS-DOS (or NE/LE) program, not a PE image", lfanew);
        ulong fh = (ulong)lfanew + 4;
        var f = r.Slice(fh, SIZEOF_IMAGE_FILE_HEADER, "IMAGE_FILE_HEADER");
        var fileHeader = new PeFileHeader(r.U16(f), r.U16(f[2..]), r.U32(f[4..]), r.U32(f[8..]), r.U32(f[12..]), r.U16(f[16..]), r.U16(f[18..]));
        ulong oh = fh + SIZEOF_IMAGE_FILE_HEADER;
        if (fileHeader.SizeOfOptionalHeader < 2)
            BinaryFormatException.Throw($"SizeOfOptionalHeader {fileHeader.SizeOfOptionalHeader} leaves no optional header: a COFF object, not an image", (long)fh + 16);
        var o = r.Slice(oh, fileHeader.SizeOfOptionalHeader, $"optional header (SizeOfOptionalHeader {fileHeader.SizeOfOptionalHeader})");
        ushort magic = r.U16(o);
        bool plus;
        if (magic == IMAGE_NT_OPTIONAL_HDR32_MAGIC) plus = false;
        else if (magic == IMAGE_NT_OPTIONAL_HDR64_MAGIC) plus = true;
        else { BinaryFormatException.Throw($"unknown optional header Magic 0x{magic:x} (expected 0x10b or 0x20b)", (long)oh); return null!; }
        int fixedSize = plus ? 112 : 96;
        if (o.Length < fixedSize)
            BinaryFormatException.Throw($"SizeOfOptionalHeader {o.Length} is too small for a {(plus ? "PE32+" : "PE32")} optional header ({fixedSize} bytes before the data directories)", (long)fh + 16);
        var or = new SpanReader(o, false);
        PeOptionalHeader opt = plus
            ? new(magic, o[2], o[3], or.U32(4), or.U32(8), or.U32(12), or.U32(16), or.U32(20), 0, or.U64(24), or.U32(32), or.U32(36),
                or.U16(40), or.U16(42), or.U16(44), or.U16(46), or.U16(48), or.U16(50), or.U32(52), or.U32(56), or.U32(60), or.U32(64),
                or.U16(68), or.U16(70), or.U64(72), or.U64(80), or.U64(88), or.U64(96), or.U32(104), or.U32(108))
            : new(magic, o[2], o[3], or.U32(4), or.U32(8), or.U32(12), or.U32(16), or.U32(20), or.U32(24), or.U32(28), or.U32(32), or.U32(36),
                or.U16(40), or.U16(42), or.U16(44), or.U16(46), or.U16(48), or.U16(50), or.U32(52), or.U32(56), or.U32(60), or.U32(64),
                or.U16(68), or.U16(70), or.U32(72), or.U32(76), or.U32(80), or.U32(84), or.U32(88), or.U32(92));
        var anomalies = new List<Anomaly>();
        // The directories actually present: NumberOfRvaAndSizes, bounded by what the optional header holds (the
        // Windows loader ignores entries past the 16 defined ones).
        uint ndir = opt.NumberOfRvaAndSizes;
        uint room = (uint)(o.Length - fixedSize) / 8;
        if (ndir > room)
        {
            anomalies.Add(new Anomaly("PE001", $"NumberOfRvaAndSizes {ndir} exceeds the {room} data directories SizeOfOptionalHeader holds", (long)oh + fixedSize - 4));
            ndir = room;
        }
        ndir = Math.Min(ndir, IMAGE_NUMBEROF_DIRECTORY_ENTRIES);
        var dirs = new PeDataDirectory[ndir];
        for (int i = 0; i < ndir; i++) dirs[i] = new PeDataDirectory(or.U32((ulong)(fixedSize + i * 8)), or.U32((ulong)(fixedSize + i * 8 + 4)));

        ulong sh = oh + fileHeader.SizeOfOptionalHeader;
        var table = r.Table(sh, fileHeader.NumberOfSections, SIZEOF_IMAGE_SECTION_HEADER, $"section table ({fileHeader.NumberOfSections} entries)");
        ReadOnlySpan<byte> strings = default;
        bool stringsRead = false;
        var sections = new PeSection[fileHeader.NumberOfSections];
        for (int i = 0; i < sections.Length; i++)
        {
            var s = table.Slice(i * SIZEOF_IMAGE_SECTION_HEADER, SIZEOF_IMAGE_SECTION_HEADER);
            var rawName = SpanReader.CString(s[..8]);
            string name = Encoding.UTF8.GetString(rawName);
            // "/N": a long name at offset N of the COFF string table (mingw's debug sections; LLVM's getSectionName).
            if (rawName.Length > 1 && rawName[0] == (byte)'/' && uint.TryParse(Encoding.ASCII.GetString(rawName[1..]), out uint strOff))
            {
                if (!stringsRead) { strings = CoffStringTable(r, fileHeader); stringsRead = true; }
                if (strOff < (uint)strings.Length) name = Encoding.UTF8.GetString(SpanReader.CString(strings[(int)strOff..][..Math.Min(strings.Length - (int)strOff, MaxNameLength)]));
                else anomalies.Add(new Anomaly("PE002", $"section {i + 1} long name {name} is outside the COFF string table", (long)sh + i * SIZEOF_IMAGE_SECTION_HEADER));
            }
            var sr = new SpanReader(s, false);
            var section = new PeSection(i + 1, name, sr.U32(8), sr.U32(12), sr.U32(16), sr.U32(20), sr.U32(24), sr.U32(28), sr.U16(32), sr.U16(34), sr.U32(36));
            // The Windows loader maps SizeOfRawData bytes at PointerToRawData: they must be in the file.
            if (section.SizeOfRawData != 0 && !r.Contains(section.PointerToRawData, section.SizeOfRawData))
                BinaryFormatException.Throw($"section {section.Index} ({name}) raw data (0x{section.SizeOfRawData:x} bytes at 0x{section.PointerToRawData:x}) extends past end of file (size 0x{r.Length:x})",
                    (long)sh + i * SIZEOF_IMAGE_SECTION_HEADER + 20);
            sections[i] = section;
        }
        var file = new PeFile(image, lfanew, fileHeader, opt, dirs, sections);
        foreach (var a in anomalies) file.AddAnomaly(a.Code, a.Message, a.Offset);
        return file;
    }

    /// <summary>The COFF string table after the symbol table (4-byte size, then the strings), or empty.</summary>
    private static ReadOnlySpan<byte> CoffStringTable(SpanReader r, PeFileHeader h)
    {
        if (h.PointerToSymbolTable == 0) return default;
        ulong at = h.PointerToSymbolTable + (ulong)h.NumberOfSymbols * 18;
        if (!r.TryU32(at, out uint size) || size < 4 || !r.TrySlice(at, size, out var table)) return default;
        return table;
    }

    /// <summary>
    /// Translates an RVA to a file offset as the image is laid out by the loader: inside the headers
    /// (below SizeOfHeaders) an RVA is its own offset; inside a section it is PointerToRawData plus the distance from
    /// VirtualAddress, if that byte is part of the raw data (the rest of VirtualSize is zero-filled). Mirrors LLVM's
    /// <c>COFFObjectFile::getRvaPtr</c>. <paramref name="size"/> bytes must be available from there.
    /// </summary>
    public bool TryRvaToOffset(Rva rva, ulong size, out FileOffset offset)
    {
        uint a = rva.Value;
        foreach (var s in Sections)
        {
            if (a < s.VirtualAddress || a - s.VirtualAddress >= s.MappedSize) continue;
            uint delta = a - s.VirtualAddress;
            if (delta >= s.SizeOfRawData || s.SizeOfRawData - delta < size) break;
            offset = new FileOffset((ulong)s.PointerToRawData + delta);
            return Reader.Contains(offset.Value, size);
        }
        if (a < OptionalHeader.SizeOfHeaders && OptionalHeader.SizeOfHeaders - a >= size && Reader.Contains(a, size))
        {
            offset = new FileOffset(a);
            return true;
        }
        offset = default;
        return false;
    }

    /// <summary>The bytes at <paramref name="rva"/> up to the end of the raw data that holds it (empty when none does).</summary>
    public ReadOnlySpan<byte> BytesFrom(Rva rva)
    {
        uint a = rva.Value;
        foreach (var s in Sections)
        {
            if (a < s.VirtualAddress || a - s.VirtualAddress >= s.MappedSize) continue;
            uint delta = a - s.VirtualAddress;
            if (delta >= s.SizeOfRawData) return default;
            return Image.Span.Slice((int)(s.PointerToRawData + delta), (int)(s.SizeOfRawData - delta));
        }
        if (a < OptionalHeader.SizeOfHeaders && a < (uint)Image.Length)
            return Image.Span.Slice((int)a, (int)Math.Min(OptionalHeader.SizeOfHeaders, (uint)Image.Length) - (int)a);
        return default;
    }

    /// <summary>The longest name read (64 KiB): it bounds each search for a NUL, so many names pointing into one unterminated string cost linear time.</summary>
    public const int MaxNameLength = 1 << 16;

    /// <summary>The NUL-terminated string at <paramref name="rva"/> (at most <see cref="MaxNameLength"/> bytes), or null when the RVA is not in the file or the string is unterminated.</summary>
    public string? StringAt(Rva rva)
    {
        var b = BytesFrom(rva);
        b = b[..Math.Min(b.Length, MaxNameLength)];
        int nul = b.IndexOf((byte)0);
        return nul < 0 ? null : Encoding.UTF8.GetString(b[..nul]);
    }

    /// <summary>The section holding <paramref name="rva"/>, or null.</summary>
    public PeSection? SectionContaining(Rva rva)
    {
        foreach (var s in Sections)
            if (rva.Value >= s.VirtualAddress && rva.Value - s.VirtualAddress < s.MappedSize) return s;
        return null;
    }

    /// <summary>The first section named <paramref name="name"/>, or null.</summary>
    public PeSection? FindSection(string name)
    {
        foreach (var s in Sections)
            if (s.Name == name) return s;
        return null;
    }

    /// <summary>
    /// The bytes mapped at virtual address <paramref name="address"/> (ImageBase + RVA), for readers that follow
    /// pointers stored in the image (Go's pre-1.18 build info).
    /// </summary>
    public bool TryReadAtAddress(VirtualAddress address, ulong size, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (address.Value < OptionalHeader.ImageBase || address.Value - OptionalHeader.ImageBase > uint.MaxValue) return false;
        if (!TryRvaToOffset(new Rva((uint)(address.Value - OptionalHeader.ImageBase)), size, out var off)) return false;
        bytes = Image.Span.Slice((int)off.Value, (int)size);
        return true;
    }

    /// <summary>
    /// The data Go's <c>debug/buildinfo</c> searches for the build info magic: mirrors <c>peExe.DataStart</c> and
    /// <c>peExe.ReadData</c> of go/src/debug/buildinfo/buildinfo.go: the first section with a non-zero VirtualAddress
    /// and size whose Characteristics, IMAGE_SCN_ALIGN_32BYTES aside, are exactly INITIALIZED_DATA|MEM_READ|MEM_WRITE;
    /// the span is that section's raw data (Go reads <c>SizeOfRawData</c> bytes, at most 64 KiB: the caller caps it).
    /// <paramref name="address"/> is ImageBase + VirtualAddress, the address pointers in the image use.
    /// </summary>
    public bool TryGetGoBuildInfoData(out ReadOnlySpan<byte> data, out VirtualAddress address)
    {
        foreach (var s in Sections)
        {
            if (s.VirtualAddress != 0 && s.SizeOfRawData != 0 &&
                (s.Characteristics & ~IMAGE_SCN_ALIGN_32BYTES) == (IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ | IMAGE_SCN_MEM_WRITE))
            {
                address = new VirtualAddress(OptionalHeader.ImageBase + s.VirtualAddress);
                data = Image.Span.Slice((int)s.PointerToRawData, (int)s.SizeOfRawData);
                return true;
            }
        }
        address = default;
        data = default;
        return false;
    }
}
