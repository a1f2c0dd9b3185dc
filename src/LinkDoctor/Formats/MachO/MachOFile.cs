using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Formats.MachO;

/// <summary>
/// A read-only, lazy view of one Mach-O image: a thin file, or one slice of a universal (fat) file. The header and
/// the load commands are read up front and checked as dyld's <c>MachOFile::validLoadCommands</c> and LLVM's
/// <c>MachOObjectFile</c> constructor check them; the export trie, the bindings and the symbol table are read on
/// first use, and damage there becomes an <see cref="Anomaly"/> (<c>MACHO0xx</c>). All offsets inside a slice are
/// relative to the slice's start, as in the file format.
/// </summary>
public sealed partial class MachOFile : ILoadableObject
{
    private object? _lazyLock;
    private IReadOnlyList<MachOExport>? _exports;
    private bool _exportsRead;
    private IReadOnlyList<MachOBinding>? _bindings;
    private bool _bindingsRead;
    private IReadOnlyList<MachOSymbol>? _symbols;
    private bool _symbolsRead;
    private readonly List<Anomaly> _anomalies = [];
    private readonly HashSet<Anomaly> _anomalySet = [];

    private T Lazy<T>(ref T field, ref bool initialized, Func<T> read) =>
        LazyInitializer.EnsureInitialized(ref field, ref initialized, ref _lazyLock, read);

    private MachOFile(BinaryImage image, ulong sliceOffset, ulong sliceSize, int sliceIndex, MachOHeader header)
    {
        Image = image;
        SliceOffset = sliceOffset;
        SliceSize = sliceSize;
        SliceIndex = sliceIndex;
        Header = header;
    }

    public BinaryImage Image { get; }
    /// <summary>Where this image starts in the file (0 for a thin file).</summary>
    public ulong SliceOffset { get; }
    public ulong SliceSize { get; }
    /// <summary>The slice's position in the fat_arch table, or -1 for a thin file.</summary>
    public int SliceIndex { get; }
    public bool IsSlice => SliceIndex >= 0;
    public MachOHeader Header { get; }
    public bool Is64 => Header.Is64;
    public bool IsBigEndian { get; private init; }
    public BinaryFormat Format => BinaryFormat.MachO;
    /// <summary>The architecture as lipo prints it (<c>x86_64</c>, <c>arm64</c>, <c>arm64e</c>…).</summary>
    public string Machine => ArchName(Header.CpuType, Header.CpuSubType);

    public IReadOnlyList<MachOLoadCommand> LoadCommands { get; private init; } = [];
    public IReadOnlyList<MachOSegment> Segments { get; private init; } = [];
    /// <summary>Every section of every segment, in load-command order (index i+1 is n_sect i+1).</summary>
    public IReadOnlyList<MachOSection> Sections { get; private init; } = [];
    /// <summary>The dylib-loading commands in order; a dylib's index + 1 is its library ordinal.</summary>
    public IReadOnlyList<MachODylib> Dylibs { get; private init; } = [];
    /// <summary>LC_ID_DYLIB.</summary>
    public MachODylib? IdDylib { get; private init; }
    /// <summary>LC_RPATH paths, in load-command order.</summary>
    public IReadOnlyList<string> RPaths { get; private init; } = [];
    /// <summary>LC_LOAD_DYLINKER (LC_ID_DYLINKER for dyld itself is not an interpreter).</summary>
    public string? Dylinker { get; private init; }
    /// <summary>LC_BUILD_VERSION and LC_VERSION_MIN_* commands, in order.</summary>
    public IReadOnlyList<MachOBuildVersion> BuildVersions { get; private init; } = [];
    public byte[]? Uuid { get; private init; }
    public MachOLinkEditData? CodeSignature { get; private init; }
    public MachODyldInfo? DyldInfo { get; private init; }
    public MachOLinkEditData? ChainedFixups { get; private init; }
    public MachOLinkEditData? ExportsTrie { get; private init; }
    public MachOSymtab? Symtab { get; private init; }
    public MachODysymtab? Dysymtab { get; private init; }
    /// <summary>LC_MAIN.</summary>
    public MachOEntryPoint? EntryPoint { get; private init; }
    /// <summary>LC_SOURCE_VERSION (A.B.C.D.E packed in 24.10.10.10.10 bits).</summary>
    public ulong? SourceVersion { get; private init; }

    /// <summary>The build version dyld checks: LC_BUILD_VERSION first, else the first LC_VERSION_MIN_*.</summary>
    public MachOBuildVersion? MinimumOs => BuildVersions.FirstOrDefault(b => b.Command == LC_BUILD_VERSION) ?? BuildVersions.FirstOrDefault();

    /// <summary>The bytes of this slice.</summary>
    public ReadOnlySpan<byte> Data => Image.Span.Slice((int)SliceOffset, (int)SliceSize);

    internal SpanReader Reader => new(Data, IsBigEndian);

    /// <summary>
    /// The end of the load commands (header size + sizeofcmds): where <c>install_name_tool</c> writes new or longer
    /// commands.
    /// </summary>
    public ulong LoadCommandsEnd => (ulong)Header.Size + Header.SizeOfCmds;

    /// <summary>
    /// Free bytes between the end of the load commands and the first section's contents: how much
    /// <c>install_name_tool</c> (cctools <c>misc/install_name_tool.c</c>, which refuses with "larger updated load
    /// commands do not fit") and <c>ld -headerpad</c> can grow into. Zero-fill sections have no file contents and do not
    /// count; a file without sections uses the first segment with file contents past offset 0.
    /// </summary>
    public ulong HeaderPadding
    {
        get
        {
            ulong first = ulong.MaxValue;
            foreach (var s in Sections)
                if (!s.IsZeroFill && s.Offset != 0 && s.Size != 0) first = Math.Min(first, s.Offset);
            if (first == ulong.MaxValue)
                foreach (var seg in Segments)
                    if (seg.FileSize != 0 && seg.FileOff != 0) first = Math.Min(first, seg.FileOff);
            if (first == ulong.MaxValue) first = SliceSize;
            return first > LoadCommandsEnd ? first - LoadCommandsEnd : 0;
        }
    }

    public IReadOnlyList<Anomaly> Anomalies
    {
        get { lock (_anomalies) return [.. _anomalies]; }
    }

    public const int MaxAnomalies = 64;

    internal void AddAnomaly(string code, string message, long offset = -1)
    {
        lock (_anomalies)
        {
            var a = new Anomaly(code, message, offset >= 0 ? offset + (long)SliceOffset : -1);
            if (_anomalies.Count >= MaxAnomalies || !_anomalySet.Add(a)) return;
            _anomalies.Add(a);
        }
    }

    /// <summary>True when <paramref name="data"/> starts with a thin Mach-O magic (either byte order, 32 or 64 bits).</summary>
    public static bool HasThinMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data) is MH_MAGIC or MH_CIGAM or MH_MAGIC_64 or MH_CIGAM_64;

    /// <summary>
    /// Reads the header and load commands of the image of <paramref name="size"/> bytes at <paramref name="offset"/>.
    /// Throws <see cref="BinaryFormatException"/> when they are unusable (what dyld would refuse to map).
    /// </summary>
    public static MachOFile Open(BinaryImage image, ulong offset = 0, ulong? size = null, int sliceIndex = -1)
    {
        ulong sliceSize = size ?? (ulong)image.Length - offset;
        string where = sliceIndex >= 0 ? $"slice {sliceIndex}: " : "";
        if (offset > (ulong)image.Length || (ulong)image.Length - offset < sliceSize)
            BinaryFormatException.Throw($"{where}Mach-O image (0x{sliceSize:x} bytes at 0x{offset:x}) extends past end of file", (long)Math.Min(offset, long.MaxValue));
        var data = image.Span.Slice((int)offset, (int)sliceSize);
        if (data.Length < 4) BinaryFormatException.Throw($"{where}file too short ({data.Length} bytes) for a Mach-O header", (long)offset);
        uint magicBE = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data);
        bool bigEndian, is64;
        switch (magicBE)
        {
            case MH_MAGIC: bigEndian = true; is64 = false; break;
            case MH_MAGIC_64: bigEndian = true; is64 = true; break;
            case MH_CIGAM: bigEndian = false; is64 = false; break;
            case MH_CIGAM_64: bigEndian = false; is64 = true; break;
            default:
                BinaryFormatException.Throw($"{where}not a Mach-O file (bad magic 0x{magicBE:x8})", (long)offset);
                return null!;
        }
        var r = new SpanReader(data, bigEndian);
        int hsize = is64 ? SIZEOF_MACH_HEADER_64 : SIZEOF_MACH_HEADER;
        if (data.Length < hsize) BinaryFormatException.Throw($"{where}truncated mach_header ({data.Length} of {hsize} bytes)", (long)offset + data.Length);
        var h = new MachOHeader(r.U32(0), r.U32(4), r.U32(8), r.U32(12), r.U32(16), r.U32(20), r.U32(24), is64 ? r.U32(28) : 0);
        if (!r.Contains((ulong)hsize, h.SizeOfCmds))
            BinaryFormatException.Throw($"{where}load commands (sizeofcmds 0x{h.SizeOfCmds:x}) extend past end of file (size 0x{data.Length:x})", (long)offset + 20);
        // Each command is at least 8 bytes: a count the space cannot hold is corrupt (LLVM: "ncmds ... extends past sizeofcmds").
        if ((ulong)h.NCmds * 8 > h.SizeOfCmds)
            BinaryFormatException.Throw($"{where}ncmds {h.NCmds} cannot fit in sizeofcmds 0x{h.SizeOfCmds:x}", (long)offset + 16);

        var file = new MachOFile(image, offset, sliceSize, sliceIndex, h) { IsBigEndian = bigEndian };
        return file.ReadLoadCommands(r, where);
    }

    private MachOFile ReadLoadCommands(SpanReader r, string where)
    {
        var h = Header;
        int hsize = h.Size;
        ulong end = (ulong)hsize + h.SizeOfCmds;
        var commands = new List<MachOLoadCommand>((int)Math.Min(h.NCmds, 4096));
        var segments = new List<MachOSegment>();
        var sections = new List<MachOSection>();
        var dylibs = new List<MachODylib>();
        var rpaths = new List<string>();
        var builds = new List<MachOBuildVersion>();
        MachODylib? id = null;
        string? dylinker = null;
        byte[]? uuid = null;
        MachOLinkEditData? codeSignature = null, chained = null, trie = null;
        MachODyldInfo? dyldInfo = null;
        MachOSymtab? symtab = null;
        MachODysymtab? dysymtab = null;
        MachOEntryPoint? entry = null;
        ulong? sourceVersion = null;
        long sliceBase = (long)SliceOffset;

        ulong p = (ulong)hsize;
        for (int i = 0; i < h.NCmds; i++)
        {
            if (end - p < 8)
                BinaryFormatException.Throw($"{where}load command {i} extends past sizeofcmds (0x{h.SizeOfCmds:x})", sliceBase + (long)p);
            uint cmd = r.U32(p), cmdsize = r.U32(p + 4);
            string name = LoadCommandName(cmd);
            if (cmdsize < 8)
                BinaryFormatException.Throw($"{where}load command {i} ({name}) has cmdsize {cmdsize}, less than 8", sliceBase + (long)p + 4);
            if (cmdsize > end - p)
                BinaryFormatException.Throw($"{where}load command {i} ({name}) cmdsize 0x{cmdsize:x} extends past sizeofcmds (0x{h.SizeOfCmds:x})", sliceBase + (long)p + 4);
            if (cmdsize % (Is64 ? 8u : 4u) != 0)
                AddAnomaly("MACHO001", $"load command {i} ({name}) cmdsize {cmdsize} is not a multiple of {(Is64 ? 8 : 4)}", (long)p + 4);
            var lc = r.Slice(p, cmdsize, $"load command {i} ({name})");
            var c = new SpanReader(lc, IsBigEndian);
            commands.Add(new MachOLoadCommand(i, cmd, cmdsize, p));

            void Need(uint size)
            {
                if (cmdsize < size)
                    BinaryFormatException.Throw($"{where}load command {i} ({name}) cmdsize {cmdsize} is too small (needs {size})", sliceBase + (long)p + 4);
            }

            switch (cmd)
            {
                case LC_SEGMENT:
                case LC_SEGMENT_64:
                {
                    bool seg64 = cmd == LC_SEGMENT_64;
                    uint segSize = seg64 ? (uint)SIZEOF_SEGMENT_COMMAND_64 : SIZEOF_SEGMENT_COMMAND;
                    uint sectSize = seg64 ? (uint)SIZEOF_SECTION_64 : SIZEOF_SECTION;
                    Need(segSize);
                    string segname = FixedName(lc.Slice(8, 16));
                    ulong vmaddr, vmsize, fileoff, filesize;
                    int q;
                    if (seg64) { vmaddr = c.U64(24); vmsize = c.U64(32); fileoff = c.U64(40); filesize = c.U64(48); q = 56; }
                    else { vmaddr = c.U32(24); vmsize = c.U32(28); fileoff = c.U32(32); filesize = c.U32(36); q = 40; }
                    uint maxprot = c.U32((ulong)q), initprot = c.U32((ulong)q + 4), nsects = c.U32((ulong)q + 8), flags = c.U32((ulong)q + 12);
                    if ((ulong)nsects * sectSize > cmdsize - segSize)
                        BinaryFormatException.Throw($"{where}load command {i} ({name} {segname}) nsects {nsects} does not fit in cmdsize {cmdsize}", sliceBase + (long)p + q + 8);
                    // dyld (MachOFile::validSegments): "segment load command content extends beyond end of file".
                    if (filesize != 0 && !r.Contains(fileoff, filesize))
                        BinaryFormatException.Throw($"{where}segment {segname} (fileoff 0x{fileoff:x}, filesize 0x{filesize:x}) extends past end of file (size 0x{SliceSize:x})", sliceBase + (long)p + (seg64 ? 40 : 32));
                    var segSections = new MachOSection[nsects];
                    for (int k = 0; k < nsects; k++)
                    {
                        var s = lc.Slice((int)(segSize + k * sectSize), (int)sectSize);
                        var sr = new SpanReader(s, IsBigEndian);
                        string sectname = FixedName(s[..16]), sectseg = FixedName(s.Slice(16, 16));
                        ulong addr = seg64 ? sr.U64(32) : sr.U32(32), size = seg64 ? sr.U64(40) : sr.U32(36);
                        int o = seg64 ? 48 : 40;
                        var section = new MachOSection(sections.Count + 1, sectseg, sectname, addr, size, sr.U32((ulong)o), sr.U32((ulong)o + 4),
                            sr.U32((ulong)o + 8), sr.U32((ulong)o + 12), sr.U32((ulong)o + 16), sr.U32((ulong)o + 20), sr.U32((ulong)o + 24),
                            seg64 ? sr.U32((ulong)o + 28) : 0);
                        if (!section.IsZeroFill && section.Size != 0 && section.Offset != 0 && !r.Contains(section.Offset, section.Size))
                            AddAnomaly("MACHO002", $"section {sectseg},{sectname} (offset 0x{section.Offset:x}, size 0x{section.Size:x}) extends past end of file", (long)p);
                        segSections[k] = section;
                        sections.Add(section);
                    }
                    segments.Add(new MachOSegment(segments.Count, i, segname, vmaddr, vmsize, fileoff, filesize, maxprot, initprot, flags, segSections));
                    break;
                }
                case LC_LOAD_DYLIB:
                case LC_LOAD_WEAK_DYLIB:
                case LC_REEXPORT_DYLIB:
                case LC_LAZY_LOAD_DYLIB:
                case LC_LOAD_UPWARD_DYLIB:
                case LC_ID_DYLIB:
                {
                    Need(24);
                    string path = LcStr(c, lc, 8, i, name, p);
                    var dylib = new MachODylib(cmd, path, c.U32(12), c.U32(16), c.U32(20), cmd == LC_ID_DYLIB ? 0 : dylibs.Count + 1);
                    if (cmd == LC_ID_DYLIB)
                    {
                        if (id is not null) AddAnomaly("MACHO003", $"more than one LC_ID_DYLIB (load command {i})", (long)p);
                        else id = dylib;
                    }
                    else dylibs.Add(dylib);
                    break;
                }
                case LC_RPATH:
                    Need(12);
                    rpaths.Add(LcStr(c, lc, 8, i, name, p));
                    break;
                case LC_LOAD_DYLINKER:
                    Need(12);
                    dylinker ??= LcStr(c, lc, 8, i, name, p);
                    break;
                case LC_UUID:
                    Need(24);
                    uuid ??= lc.Slice(8, 16).ToArray();
                    break;
                case LC_BUILD_VERSION:
                {
                    Need(24);
                    uint ntools = c.U32(20);
                    if ((ulong)ntools * 8 > cmdsize - 24)
                        BinaryFormatException.Throw($"{where}load command {i} (LC_BUILD_VERSION) ntools {ntools} does not fit in cmdsize {cmdsize}", sliceBase + (long)p + 20);
                    var tools = new (uint, uint)[ntools];
                    for (int k = 0; k < ntools; k++) tools[k] = (c.U32(24 + (ulong)k * 8), c.U32(28 + (ulong)k * 8));
                    builds.Add(new MachOBuildVersion(cmd, c.U32(8), c.U32(12), c.U32(16), tools));
                    break;
                }
                case LC_VERSION_MIN_MACOSX:
                case LC_VERSION_MIN_IPHONEOS:
                case LC_VERSION_MIN_TVOS:
                case LC_VERSION_MIN_WATCHOS:
                {
                    Need(16);
                    uint platform = cmd switch
                    {
                        LC_VERSION_MIN_MACOSX => PLATFORM_MACOS,
                        LC_VERSION_MIN_IPHONEOS => PLATFORM_IOS,
                        LC_VERSION_MIN_TVOS => PLATFORM_TVOS,
                        _ => PLATFORM_WATCHOS,
                    };
                    builds.Add(new MachOBuildVersion(cmd, platform, c.U32(8), c.U32(12), []));
                    break;
                }
                case LC_CODE_SIGNATURE:
                case LC_DYLD_CHAINED_FIXUPS:
                case LC_DYLD_EXPORTS_TRIE:
                {
                    Need(16);
                    var led = new MachOLinkEditData(cmd, c.U32(8), c.U32(12));
                    if (!r.Contains(led.DataOff, led.DataSize))
                        AddAnomaly("MACHO004", $"{name} data (0x{led.DataSize:x} bytes at 0x{led.DataOff:x}) extends past end of file", (long)p + 8);
                    if (cmd == LC_CODE_SIGNATURE) codeSignature ??= led;
                    else if (cmd == LC_DYLD_CHAINED_FIXUPS) chained ??= led;
                    else trie ??= led;
                    break;
                }
                case LC_DYLD_INFO:
                case LC_DYLD_INFO_ONLY:
                    Need(48);
                    dyldInfo ??= new MachODyldInfo(cmd, c.U32(8), c.U32(12), c.U32(16), c.U32(20), c.U32(24), c.U32(28), c.U32(32), c.U32(36), c.U32(40), c.U32(44));
                    break;
                case LC_SYMTAB:
                    Need(24);
                    symtab ??= new MachOSymtab(c.U32(8), c.U32(12), c.U32(16), c.U32(20));
                    break;
                case LC_DYSYMTAB:
                    Need(80);
                    dysymtab ??= new MachODysymtab(c.U32(8), c.U32(12), c.U32(16), c.U32(20), c.U32(24), c.U32(28), c.U32(56), c.U32(60));
                    break;
                case LC_MAIN:
                    Need(24);
                    entry ??= new MachOEntryPoint(c.U64(8), c.U64(16));
                    break;
                case LC_SOURCE_VERSION:
                    Need(16);
                    sourceVersion ??= c.U64(8);
                    break;
            }
            p += cmdsize;
        }
        return new MachOFile(Image, SliceOffset, SliceSize, SliceIndex, Header)
        {
            IsBigEndian = IsBigEndian,
            LoadCommands = commands,
            Segments = segments,
            Sections = sections,
            Dylibs = dylibs,
            IdDylib = id,
            RPaths = rpaths,
            Dylinker = dylinker,
            BuildVersions = builds,
            Uuid = uuid,
            CodeSignature = codeSignature,
            DyldInfo = dyldInfo,
            ChainedFixups = chained,
            ExportsTrie = trie,
            Symtab = symtab,
            Dysymtab = dysymtab,
            EntryPoint = entry,
            SourceVersion = sourceVersion,
        }.WithAnomalies(Anomalies);
    }

    private MachOFile WithAnomalies(IReadOnlyList<Anomaly> anomalies)
    {
        foreach (var a in anomalies) { _anomalies.Add(a); _anomalySet.Add(a); }
        return this;
    }

    /// <summary>A 16-byte name field (segname, sectname): up to the first NUL, at most 16 bytes.</summary>
    private static string FixedName(ReadOnlySpan<byte> field) => Encoding.UTF8.GetString(SpanReader.CString(field));

    /// <summary>
    /// An lc_str inside a load command: the offset must point inside the command (dyld: "load command #%d string offset
    /// extends beyond end of load command"); a string without NUL before the end of the command is an anomaly.
    /// </summary>
    private string LcStr(SpanReader c, ReadOnlySpan<byte> lc, ulong fieldOffset, int index, string name, ulong commandOffset)
    {
        uint off = c.U32(fieldOffset);
        if (off < fieldOffset + 4 || off >= (ulong)lc.Length)
            BinaryFormatException.Throw($"load command {index} ({name}) string offset {off} is outside the command (cmdsize {lc.Length})",
                (long)SliceOffset + (long)commandOffset + (long)fieldOffset);
        var s = lc[(int)off..];
        int nul = s.IndexOf((byte)0);
        if (nul < 0) AddAnomaly("MACHO005", $"load command {index} ({name}) string is not NUL-terminated", (long)commandOffset);
        return Encoding.UTF8.GetString(nul < 0 ? s : s[..nul]);
    }

    /// <summary>The segment whose address range holds <paramref name="address"/>, or null.</summary>
    public MachOSegment? SegmentContaining(VirtualAddress address)
    {
        foreach (var s in Segments)
            if (address.Value >= s.VmAddr && address.Value - s.VmAddr < s.VmSize) return s;
        return null;
    }

    /// <summary>The section whose address range holds <paramref name="address"/>, or null.</summary>
    public MachOSection? SectionContaining(VirtualAddress address)
    {
        foreach (var s in Sections)
            if (address.Value >= s.Address && address.Value - s.Address < s.Size) return s;
        return null;
    }

    /// <summary>The first section named <paramref name="segment"/>,<paramref name="section"/>, or null.</summary>
    public MachOSection? FindSection(string segment, string section)
    {
        foreach (var s in Sections)
            if (s.Name == section && s.SegmentName == segment) return s;
        return null;
    }

    /// <summary>
    /// Translates an address to a slice-relative file offset through the segments (as dyld maps them); false when no
    /// segment holds <paramref name="size"/> bytes of file data there.
    /// </summary>
    public bool TryAddressToOffset(VirtualAddress address, ulong size, out FileOffset offset)
    {
        foreach (var s in Segments)
        {
            if (address.Value < s.VmAddr) continue;
            ulong delta = address.Value - s.VmAddr;
            if (delta < s.FileSize && s.FileSize - delta >= size && s.FileOff + delta <= SliceSize && SliceSize - (s.FileOff + delta) >= size)
            {
                offset = new FileOffset(s.FileOff + delta);
                return true;
            }
        }
        offset = default;
        return false;
    }

    /// <summary>The file bytes mapped at <paramref name="address"/>, if the image holds them.</summary>
    public bool TryReadAtAddress(VirtualAddress address, ulong size, out ReadOnlySpan<byte> bytes)
    {
        if (TryAddressToOffset(address, size, out var off)) { bytes = Data.Slice((int)off.Value, (int)size); return true; }
        bytes = default;
        return false;
    }

    /// <summary>
    /// The data Go's <c>debug/buildinfo</c> searches for the build info magic: mirrors <c>machoExe.DataStart</c> and
    /// <c>ReadData</c> of go/src/debug/buildinfo/buildinfo.go: the section <c>__go_buildinfo</c> (any segment), else
    /// the first segment with file contents, a non-zero address and maxprot and initprot both exactly read+write. The
    /// span runs from that address to the end of the segment's file contents; <paramref name="address"/> is where it
    /// starts (pre-1.18 build info holds pointers: read them with <see cref="TryReadAtAddress"/>). Go caps the read at
    /// 64 KiB; the caller does too. Go 1.19 refuses a universal file; for one, use the first slice (<c>Arches[0]</c>).
    /// </summary>
    public bool TryGetGoBuildInfoData(out ReadOnlySpan<byte> data, out VirtualAddress address)
    {
        ulong start = 0;
        foreach (var s in Sections)
            if (s.Name == "__go_buildinfo") { start = s.Address; break; }
        if (start == 0)
        {
            const uint RW = VM_PROT_READ | VM_PROT_WRITE;
            foreach (var seg in Segments)
                if (seg.VmAddr != 0 && seg.FileSize != 0 && seg.InitProt == RW && seg.MaxProt == RW) { start = seg.VmAddr; break; }
        }
        address = new VirtualAddress(start);
        data = default;
        if (start == 0) return false;
        foreach (var seg in Segments)
        {
            if (start < seg.VmAddr) continue;
            ulong delta = start - seg.VmAddr;
            if (delta < seg.FileSize && TryAddressToOffset(address, seg.FileSize - delta, out var off))
            {
                data = Data.Slice((int)off.Value, (int)(seg.FileSize - delta));
                return true;
            }
        }
        return false;
    }
}
