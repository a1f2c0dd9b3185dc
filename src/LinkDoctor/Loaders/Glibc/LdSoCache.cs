using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// <c>_DL_CACHE_DEFAULT_ID</c> and <c>_dl_cache_check_flags</c> of the target's ld.so (sysdeps/unix/sysv/linux/*/dl-cache.h,
/// else sysdeps/generic/dl-cache.h), and whether its C <c>char</c> is signed (<c>_dl_cache_libcmp</c> on bytes ≥ 0x80).
/// </summary>
public readonly record struct DlCacheFlagCheck(int DefaultId, int AlsoAccepted, bool CharIsSigned)
{
    /// <summary><c>_dl_cache_check_flags (flags)</c>.</summary>
    public bool Accepts(int flags) => flags == DefaultId || (AlsoAccepted != 0 && flags == AlsoAccepted);
}

/// <summary>
/// The legacy hwcaps test of glibc ≤ 2.39 <c>search_cache</c>: <see cref="Hwcap"/> = <c>dl_hwcap &amp; hwcap_mask</c>,
/// <see cref="PlatformMask"/> = <c>_DL_HWCAP_PLATFORM</c> (0 when <c>_DL_PLATFORMS_COUNT</c> is 0), <see cref="Platform"/> =
/// <c>1 &lt;&lt; _dl_string_platform (dl_platform)</c>, or <c>ulong.MaxValue</c> for a platform the table does not know.
/// </summary>
public readonly record struct LegacyHwcapFilter(ulong Hwcap, ulong PlatformMask, ulong Platform)
{
    private const ulong _DL_HWCAP_TLS_MASK = 1UL << 63;

    internal ulong Exclude => ~(Hwcap | PlatformMask | _DL_HWCAP_TLS_MASK);

    /// <summary>No CPU facts: no hwcap bits and no platform table, so only "tls" entries pass.</summary>
    public static readonly LegacyHwcapFilter Glibc236NoCpuInfo = new(0, 0, ulong.MaxValue);

    /// <summary>x86_64, glibc 2.36 (sysdeps/x86/dl-hwcap.h, dl-procinfo.h, cpu-features.c): HWCAP_X86_64 (bit 1), HWCAP_X86_AVX512_1
    /// (bit 2) when usable, both in HWCAP_IMPORTANT; platforms i586, i686, haswell, xeon_phi are bits 48..51.</summary>
    public static LegacyHwcapFilter X86_64(string? platform, bool avx512_1) =>
        new(avx512_1 ? 0b110UL : 0b010UL, 0xFUL << 48, platform switch { "haswell" => 1UL << 50, "xeon_phi" => 1UL << 51, _ => ulong.MaxValue });
}

/// <summary>Everything <c>search_cache</c> consults besides the cache itself.</summary>
public sealed class LdSoCacheLookupOptions
{
    /// <summary><c>_dl_cache_check_flags</c> and <c>_DL_CACHE_DEFAULT_ID</c> of the target's ld.so.</summary>
    public required DlCacheFlagCheck Flags { get; init; }

    /// <summary>The active glibc-hwcaps subdirectories, best first (<c>_dl_hwcaps_priorities</c> before sorting).</summary>
    public IReadOnlyList<string> HwcapsSubdirs { get; init; } = [];

    /// <summary>x86 <c>cpu_features-&gt;isa_1</c> (baseline 1, v2 2, v3 4, v4 8) for sysdeps/x86/dl-isa-level.h
    /// <c>dl_cache_hwcap_isa_level_compatible</c>; null elsewhere (the generic one accepts every level).</summary>
    public uint? X86Isa1 { get; init; }

    /// <summary>Null for glibc ≥ 2.40, which skips every plain entry with a nonzero hwcap.</summary>
    public LegacyHwcapFilter? LegacyHwcaps { get; init; } = LegacyHwcapFilter.Glibc236NoCpuInfo;
}

/// <summary>One entry of the table the loader searches, as <c>ldconfig -p</c> lists it.</summary>
public sealed record LdSoCacheEntry(int Flags, string Key, string Value, ulong Hwcap, string? HwcapsSubdir)
{
    /// <summary>The <c>ldconfig -p</c> line without its newline (elf/cache.c <c>print_entry</c>; LoongArch's names are 2.37's).</summary>
    public string ToLdconfigLine()
    {
        string type = (Flags & 0xff) switch { 0 => "libc4", 1 => "ELF", 2 => "libc5", 3 => "libc6", _ => "unknown" };
        int required = Flags & 0xff00;
        string abi = required switch
        {
            0 => "", 0x100 or 0x400 or 0x500 or 0x700 => ",64bit", 0x200 => ",IA-64", 0x300 => ",x86-64",
            0x600 => ",N32", 0x800 => ",x32", 0x900 => ",hard-float", 0xa00 => ",AArch64",
            0xb00 or 0xf00 or 0x1100 => ",soft-float", 0xc00 => ",nan2008", 0xd00 => ",N32,nan2008",
            0xe00 => ",64bit,nan2008", 0x1000 or 0x1200 => ",double-float", _ => $",{required}",
        };
        string hwcap = HwcapsSubdir is not null ? $", hwcap: \"{HwcapsSubdir}\"" : Hwcap != 0 ? $", hwcap: 0x{Hwcap:x16}" : "";
        return $"\t{Key} ({type}{abi}{hwcap}) => {Value}";
    }
}

/// <summary>
/// /etc/ld.so.cache as glibc's ld.so reads and searches it (sysdeps/generic/dl-cache.h; elf/dl-cache.c
/// <c>_dl_load_cache_lookup</c>, <c>search_cache</c>, <c>_dl_cache_libcmp</c>, <c>glibc_hwcaps_priorities_init</c>) and
/// <c>ldconfig -p</c> lists it (elf/cache.c <c>print_cache</c>). Layouts: new (48-byte header, 24-byte entries, strings
/// from the header), old (16-byte header, 12-byte entries, strings from the end of the entries), and old with a new
/// table at <c>ALIGN_CACHE</c> after it (then only the new one is used). The bytes are kept and decoded on access.
/// </summary>
public sealed class LdSoCache
{
    private static ReadOnlySpan<byte> CACHEMAGIC => "ld.so-1.7.0"u8;
    private static ReadOnlySpan<byte> CACHEMAGIC_VERSION_NEW => "glibc-ld.so.cache1.1"u8;
    private const uint cache_extension_magic = 0xEAA42174; // (uint32_t) -358342284
    private const uint cache_extension_tag_glibc_hwcaps = 1;
    private const ulong DL_CACHE_HWCAP_EXTENSION = 1UL << 62;
    private const ulong DL_CACHE_HWCAP_ISA_LEVEL_MASK = 0x3ff;
    private const int SizeofCacheFile = 16, SizeofFileEntry = 12, SizeofCacheFileNew = 48, SizeofFileEntryNew = 24;
    // __alignof__ (struct cache_file_new); 4 on i386, where ldconfig's even count of old entries makes it the same place.
    private const int AlignofCacheFileNew = 8;

    private readonly byte[] _file;
    private readonly bool _bigEndian;
    private readonly int _table, _count, _entrySize; // the table the loader searches
    private readonly int _strings;                   // where its key and value offsets start
    private readonly uint _hwcaps, _hwcapsCount;     // the glibc-hwcaps extension section (file offset, u32 count)
    private IReadOnlyList<LdSoCacheEntry>? _entries;

    private LdSoCache(byte[] file, bool bigEndian, int table, int count, int entrySize, int strings, uint hwcaps, uint hwcapsCount)
    {
        (_file, _bigEndian, _table, _count, _entrySize, _strings, _hwcaps, _hwcapsCount) =
            (file, bigEndian, table, count, entrySize, strings, hwcaps, hwcapsCount);
    }

    private bool IsNew => _entrySize == SizeofFileEntryNew;
    private SpanReader Reader => new(_file, _bigEndian);

    /// <summary>The flags rule of the ld.so serving this ELF header (null: aarch64 ILP32 has no cache id). e_flags: arm
    /// EF_ARM_ABI_FLOAT_HARD, mips EF_MIPS_ABI2 and EF_MIPS_NAN2008, riscv and loongarch the double-float ABI.</summary>
    public static DlCacheFlagCheck? RequiredFlagsFor(ushort eMachine, bool is64, uint eFlags)
    {
        // The generic rule accepts FLAG_ELF (1) and FLAG_ELF_LIBC6 (3); aarch64, arm, ppc, s390 and riscv have an unsigned char.
        static DlCacheFlagCheck Exact(int id, bool signedChar = true) => new(id, 0, signedChar);
        static DlCacheFlagCheck Generic(bool signedChar = true) => new(3, 1, signedChar);
        bool nan2008 = (eFlags & 0x400) != 0;
        return eMachine switch
        {
            62 => Exact(is64 ? 0x303 : 0x803),                                            // EM_X86_64, x32
            183 => is64 ? Exact(0xa03, false) : null,                                      // EM_AARCH64
            40 => new DlCacheFlagCheck(3, (eFlags & 0x400) != 0 ? 0x903 : 0xb03, false),   // EM_ARM
            22 => is64 ? Exact(0x403, false) : Generic(false),                             // EM_S390
            21 => Exact(0x503, false),                                                     // EM_PPC64
            20 => Generic(false),                                                          // EM_PPC
            43 => is64 ? Exact(0x103) : Generic(),                                         // EM_SPARCV9
            50 => Exact(0x203),                                                            // EM_IA_64
            8 when is64 => Exact(nan2008 ? 0xe03 : 0x703),                                 // EM_MIPS n64
            8 when (eFlags & 0x20) != 0 => Exact(nan2008 ? 0xd03 : 0x603),                 // n32
            8 => nan2008 ? Exact(0xc03) : Generic(),                                       // o32
            243 => Exact((eFlags & 0x6) == 0x4 ? 0x1003 : 0xf03, false),                   // EM_RISCV
            258 => Exact((eFlags & 0x7) == 0x3 ? 0x1203 : 0x1103),                         // EM_LOONGARCH
            _ => Generic(),                                                                // EM_386 and the rest
        };
    }

    /// <summary>Reads a cache as <c>_dl_load_cache_lookup</c> does in an ld.so of that byte order (null: this machine's);
    /// false with the reason when that ld.so ignores the file. Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out LdSoCache? cache, out string? error, bool? targetBigEndian = null)
    {
        try
        {
            (cache, error) = (Parse(data.ToArray(), targetBigEndian ?? !BitConverter.IsLittleEndian), null);
            return true;
        }
        catch (BinaryFormatException e)
        {
            (cache, error) = (null, "ld.so.cache: " + e.Describe());
            return false;
        }
    }

    private static LdSoCache Parse(byte[] file, bool bigEndian)
    {
        var r = new SpanReader(file, bigEndian);
        ReadOnlySpan<byte> d = file;
        // glibc tries the new layout, then the old one, each with nlibs checked against the bytes after the header.
        if (d.Length > SizeofCacheFileNew && d.StartsWith(CACHEMAGIC_VERSION_NEW))
            return ParseNew(file, r, 0, Nlibs(r, 20, SizeofCacheFileNew, SizeofFileEntryNew));
        if (d.Length > SizeofCacheFile && d.StartsWith(CACHEMAGIC))
        {
            int strings = SizeofCacheFile + (int)Nlibs(r, 12, SizeofCacheFile, SizeofFileEntry) * SizeofFileEntry;
            int offset = (strings + AlignofCacheFileNew - 1) & ~(AlignofCacheFileNew - 1);
            if (d.Length >= offset + SizeofCacheFileNew && d[offset..].StartsWith(CACHEMAGIC_VERSION_NEW))
                return ParseNew(file, r, offset, r.U32((ulong)offset + 20, "nlibs"));
            return new LdSoCache(file, bigEndian, SizeofCacheFile, (strings - SizeofCacheFile) / SizeofFileEntry, SizeofFileEntry, strings, 0, 0);
        }
        throw new BinaryFormatException($"not a cache file: no \"glibc-ld.so.cache1.1\" or \"ld.so-1.7.0\" header in {d.Length} bytes", 0);
    }

    private static uint Nlibs(SpanReader r, int at, int headerSize, int entrySize)
    {
        uint nlibs = r.U32((ulong)at, "nlibs");
        if ((uint)(r.Length - headerSize) / (uint)entrySize < nlibs)
            BinaryFormatException.Throw($"nlibs {nlibs} (entries of {entrySize} bytes) does not fit in the file (size 0x{r.Length:x})", at);
        return nlibs;
    }

    /// <summary>The new table at <paramref name="header"/>: <c>cache_file_new_matches_endian</c>, then the extensions.</summary>
    private static LdSoCache ParseNew(byte[] file, SpanReader r, int header, uint nlibs)
    {
        byte flags = r.U8((ulong)header + 28, "endianness flags");
        if (flags != 0 && (flags & 3) != (r.BigEndian ? 3 : 2))
            BinaryFormatException.Throw(
                $"flags 0x{flags:x2} mark the cache {((flags & 3) switch { 1 => "invalid", 2 => "little-endian", 3 => "big-endian", _ => "unusable" })}" +
                $" and the loader is {(r.BigEndian ? "big" : "little")}-endian: it ignores the cache", header + 28);
        // glibc does not check an embedded new table's nlibs (it would read past the mapping); here it must fit.
        r.Table((ulong)header + SizeofCacheFileNew, nlibs, SizeofFileEntryNew, "new-format entries");
        var (hwcaps, hwcapsCount) = LoadHwcapsExtension(r, r.U32((ulong)header + 32, "extension_offset"));
        return new LdSoCache(file, r.BigEndian, header + SizeofCacheFileNew, (int)nlibs, SizeofFileEntryNew, header, hwcaps, hwcapsCount);
    }

    /// <summary><c>cache_extension_load</c> and <c>_verify</c>: the glibc-hwcaps section, or none when the directory is
    /// malformed (all extensions are dropped) or the section empty or misaligned.</summary>
    private static (uint Offset, uint Count) LoadHwcapsExtension(SpanReader r, uint extensionOffset)
    {
        if (extensionOffset == 0 || extensionOffset % 4 != 0 || !r.TryU32(extensionOffset, out uint magic)
            || magic != cache_extension_magic || !r.TryU32(extensionOffset + 4UL, out uint count)
            || !r.TrySlice(extensionOffset + 8UL, count * 16UL, out var sections))
            return (0, 0);
        (uint Offset, uint Size) hwcaps = (0, 0);
        for (int i = 0; i < sections.Length; i += 16)
        {
            uint tag = r.U32(sections[i..]), offset = r.U32(sections[(i + 8)..]), size = r.U32(sections[(i + 12)..]);
            if (!r.Contains(offset, size)) return (0, 0);
            if (tag == cache_extension_tag_glibc_hwcaps) hwcaps = (offset, size); // the last one wins
        }
        return hwcaps.Size == 0 || hwcaps.Offset % 4 != 0 || hwcaps.Size % 4 != 0 ? (0, 0) : (hwcaps.Offset, hwcaps.Size / 4);
    }

    /// <summary>Flags, key and value offsets, and hwcap (0 in the old format) of entry <paramref name="i"/>.</summary>
    private (int Flags, uint Key, uint Value, ulong Hwcap) Entry(int i)
    {
        var r = Reader;
        var e = r.Slice((ulong)_table + (ulong)i * (ulong)_entrySize, (ulong)_entrySize, "cache entry");
        return (r.I32(e), r.U32(e[4..]), r.U32(e[8..]), IsNew ? r.U64(e[16..]) : 0);
    }

    /// <summary><c>_dl_cache_verify_ptr</c> and the string. The bound is the end of the file (glibc lets an embedded new
    /// table's offsets run up to the file size counted from its header, past the end).</summary>
    private bool TryString(uint offset, out ReadOnlySpan<byte> s) => TryCString(_strings, offset, out s);

    private bool TryCString(int start, uint offset, out ReadOnlySpan<byte> s)
    {
        s = offset < (uint)(_file.Length - start) ? SpanReader.CString(_file.AsSpan(start + (int)offset)) : default;
        return offset < (uint)(_file.Length - start);
    }

    /// <summary><c>dl_cache_hwcap_extension</c>: apart from the ISA level, bits 32..63 are exactly bit 62.</summary>
    private static bool IsGlibcHwcaps(ulong hwcap) =>
        ((hwcap >> 32) & ~DL_CACHE_HWCAP_ISA_LEVEL_MASK) == DL_CACHE_HWCAP_EXTENSION >> 32;

    /// <summary>The name of glibc-hwcaps element <paramref name="index"/> (<c>glibc_hwcaps_string</c>: a file offset).</summary>
    private bool TryHwcapsName(uint index, out ReadOnlySpan<byte> name) =>
        TryCString(0, index < _hwcapsCount ? Reader.U32(_hwcaps + 4UL * index, "glibc-hwcaps index") : uint.MaxValue, out name);

    /// <summary>The entries of the table the loader searches, as <c>ldconfig -p</c> lists them, without those whose key or
    /// value lies outside the file (ldconfig would read out of bounds).</summary>
    public IReadOnlyList<LdSoCacheEntry> Entries => LazyInitializer.EnsureInitialized(ref _entries, () =>
    {
        var list = new List<LdSoCacheEntry>();
        for (int i = 0; i < _count; i++)
        {
            var (flags, key, value, hwcap) = Entry(i);
            if (!TryString(key, out var k) || !TryString(value, out var v)) continue;
            string? subdir = IsGlibcHwcaps(hwcap) && TryHwcapsName((uint)hwcap, out var n) ? Encoding.UTF8.GetString(n) : null;
            list.Add(new LdSoCacheEntry(flags, Encoding.UTF8.GetString(k), Encoding.UTF8.GetString(v), hwcap, subdir));
        }
        return list;
    });

    /// <summary><c>_dl_cache_libcmp</c>: <c>strcmp</c>, but digit runs compare as decimal ints and a digit sorts after any
    /// other byte. The cache is sorted in descending order of it.</summary>
    internal static int LibCmp(ReadOnlySpan<byte> p1, ReadOnlySpan<byte> p2, bool charIsSigned)
    {
        int C(ReadOnlySpan<byte> s, int k) => k >= s.Length ? 0 : charIsSigned ? (sbyte)s[k] : s[k];
        static bool IsDigit(int c) => c is >= '0' and <= '9';
        int i = 0, j = 0;
        for (int c1 = C(p1, i), c2 = C(p2, j); c1 != 0; c1 = C(p1, i), c2 = C(p2, j))
        {
            if (IsDigit(c1) != IsDigit(c2)) return IsDigit(c1) ? 1 : -1;
            if (!IsDigit(c1) && c1 != c2) return c1 - c2;
            if (!IsDigit(c1)) { i++; j++; continue; }
            int v1 = 0, v2 = 0;
            for (; IsDigit(C(p1, i)); i++) v1 = unchecked(v1 * 10 + C(p1, i) - '0');
            for (; IsDigit(C(p2, j)); j++) v2 = unchecked(v2 * 10 + C(p2, j) - '0');
            if (v1 != v2) return unchecked(v1 - v2);
        }
        return C(p1, i) - C(p2, j);
    }

    /// <summary><c>_dl_load_cache_lookup</c>: the path the loader tries for <paramref name="name"/>, or null.</summary>
    public string? Lookup(string name, LdSoCacheLookupOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        byte[] bytes = Encoding.UTF8.GetBytes(name);
        int best = SearchCache(SpanReader.CString(bytes), options);
        return best >= 0 && TryString(Entry(best).Value, out var path) ? Encoding.UTF8.GetString(path) : null;
    }

    /// <summary><c>search_cache</c>: the index of the entry the loader takes, or -1.</summary>
    private int SearchCache(ReadOnlySpan<byte> name, LdSoCacheLookupOptions options)
    {
        var check = options.Flags;
        int left = 0, right = _count - 1, best = -1;
        uint bestPriority = 0;
        uint[]? priorities = null;
        // False for a bogus key offset, else the _dl_cache_libcmp result.
        bool Compare(int i, ReadOnlySpan<byte> name, out int cmp)
        {
            bool valid = TryString(Entry(i).Key, out var key);
            cmp = valid ? LibCmp(name, key, check.CharIsSigned) : 0;
            return valid;
        }
        while (left <= right)
        {
            int middle = (left + right) / 2;
            if (!Compare(middle, name, out int cmpres)) return -1;
            if (cmpres == 0)
            {
                left = middle; // the last entry known to match; back up to the first one
                while (middle > 0 && Compare(middle - 1, name, out int c) && c == 0) --middle;
                do
                {
                    if (middle > left && (!Compare(middle, name, out int c) || c != 0)) break;
                    var (flags, _, value, hwcap) = Entry(middle);
                    if (!check.Accepts(flags) || !TryString(value, out _)) continue;
                    bool named = false;
                    if (IsNew)
                    {
                        named = IsGlibcHwcaps(hwcap);
                        // x86: 1 << level must be in isa_1 (a C int shift, whose count the CPU takes mod 32).
                        if (named && options.X86Isa1 is uint isa1 && ((1u << (int)((hwcap >> 32) & DL_CACHE_HWCAP_ISA_LEVEL_MASK)) & ~isa1) != 0)
                            continue;
                        if (!named && best >= 0) break; // glibc-hwcaps entries come first: the best of them wins
                        if (options.LegacyHwcaps is not { } legacy)
                        {
                            if (!named && hwcap != 0) continue; // glibc >= 2.40
                        }
                        else if ((!named && (hwcap & legacy.Exclude) != 0)
                            || (legacy.PlatformMask != 0 && (hwcap & legacy.PlatformMask) is var p && p != 0 && p != legacy.Platform))
                            continue;
                        if (named)
                        {
                            priorities ??= HwcapsPriorities(options.HwcapsSubdirs);
                            uint index = (uint)hwcap, priority = index < priorities.Length ? priorities[index] : 0;
                            if (priority == 0 || (best >= 0 && priority >= bestPriority)) continue;
                            bestPriority = priority;
                        }
                    }
                    best = middle;
                    if (!named && flags == check.DefaultId) break; // cannot be improved upon
                }
                while (++middle <= right);
                break;
            }
            if (cmpres < 0) left = middle + 1;
            else right = middle - 1;
        }
        return best;
    }

    /// <summary>
    /// <c>glibc_hwcaps_priorities_init</c>: the priority of each glibc-hwcaps element (0: inactive, else 1 + its place in
    /// <paramref name="bestFirst"/>), merging the sorted section with the active names sorted by name. For a name offset
    /// outside the file glibc 2.36–2.42 writes 0 without advancing, forever; here the element gets 0 and the merge goes on.
    /// </summary>
    private uint[] HwcapsPriorities(IReadOnlyList<string> bestFirst)
    {
        var result = new uint[_hwcapsCount];
        var active = bestFirst.Select((n, i) => (Name: Encoding.UTF8.GetBytes(n), Priority: (uint)i + 1))
            .OrderBy(a => a.Name, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).ToList();
        for (uint left = 0; left < _hwcapsCount; left++)
        {
            if (!TryHwcapsName(left, out var name)) continue;
            int cmp = 1;
            while (active.Count > 0 && (cmp = name.SequenceCompareTo(active[0].Name)) > 0) active.RemoveAt(0);
            if (active.Count == 0) break;
            if (cmp == 0) { result[left] = active[0].Priority; active.RemoveAt(0); }
        }
        return result;
    }
}
