// LdSoCache.cs — reader for glibc's /etc/ld.so.cache and a model of the loader's cache lookup.
//
// Behaviour follows glibc 2.36 (Debian 12):
//   elf/dl-cache.c             _dl_load_cache_lookup, search_cache, _dl_cache_libcmp,
//                              glibc_hwcaps_priorities_init / glibc_hwcaps_priority
//   sysdeps/generic/dl-cache.h struct cache_file / cache_file_new / file_entry_new, ALIGN_CACHE,
//                              cache_file_new_matches_endian, cache_extension_load/_verify,
//                              dl_cache_hwcap_extension
//   sysdeps/generic/ldconfig.h FLAG_* values
//   sysdeps/unix/sysv/linux/*/dl-cache.h  _DL_CACHE_DEFAULT_ID / _dl_cache_check_flags per ABI
//   sysdeps/x86/dl-isa-level.h dl_cache_hwcap_isa_level_compatible
//   sysdeps/x86/dl-procinfo.h, sysdeps/x86/dl-hwcap.h, sysdeps/x86/cpu-features.c (legacy hwcap/platform)
//   elf/cache.c                print_entry (ldconfig -p wording), save_cache (on-disk layout)
// This is an independent C# implementation; no glibc code is copied.
//
// File layouts (all integers in the cache's byte order):
//   old  "ld.so-1.7.0": magic[11], 1 pad byte, u32 nlibs @12, then nlibs x {i32 flags; u32 key; u32 value}
//        (12 bytes) from offset 16. String offsets are relative to the end of that entry array.
//   new  "glibc-ld.so.cache1.1": magic[20], u32 nlibs @20, u32 len_strings @24, u8 flags @28 (endianness),
//        3 pad, u32 extension_offset @32, u32 unused[3] -> 48-byte header; then nlibs x
//        {i32 flags; u32 key; u32 value; u32 osversion_unused; u64 hwcap} (24 bytes).
//        Entry key/value offsets are relative to the start of the NEW header.
//        extension_offset and the offsets inside the extension directory are FILE offsets;
//        the glibc-hwcaps section's u32 string indices are resolved against the FILE start by
//        both ld.so (glibc_hwcaps_compare) and ldconfig -p (glibc_hwcaps_string).
//   old+new: the old table, then the new header at ALIGN_CACHE(16 + 12*nlibs_old) (alignment of
//        struct cache_file_new = 8 on every 64-bit ABI; ldconfig rounds nlibs_old up to an even
//        number so the padding is 0 on every ABI).

#nullable enable

using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>FLAG_* values from sysdeps/generic/ldconfig.h (plus LoongArch, added in glibc 2.37).</summary>
public static class LdConfigFlags
{
    public const int FLAG_TYPE_MASK = 0x00ff;
    public const int FLAG_LIBC4 = 0x0000;
    public const int FLAG_ELF = 0x0001;
    public const int FLAG_ELF_LIBC5 = 0x0002;
    public const int FLAG_ELF_LIBC6 = 0x0003;
    public const int FLAG_REQUIRED_MASK = 0xff00;
    public const int FLAG_SPARC_LIB64 = 0x0100;
    public const int FLAG_IA64_LIB64 = 0x0200;
    public const int FLAG_X8664_LIB64 = 0x0300;
    public const int FLAG_S390_LIB64 = 0x0400;
    public const int FLAG_POWERPC_LIB64 = 0x0500;
    public const int FLAG_MIPS64_LIBN32 = 0x0600;
    public const int FLAG_MIPS64_LIBN64 = 0x0700;
    public const int FLAG_X8664_LIBX32 = 0x0800;
    public const int FLAG_ARM_LIBHF = 0x0900;
    public const int FLAG_AARCH64_LIB64 = 0x0a00;
    public const int FLAG_ARM_LIBSF = 0x0b00;
    public const int FLAG_MIPS_LIB32_NAN2008 = 0x0c00;
    public const int FLAG_MIPS64_LIBN32_NAN2008 = 0x0d00;
    public const int FLAG_MIPS64_LIBN64_NAN2008 = 0x0e00;
    public const int FLAG_RISCV_FLOAT_ABI_SOFT = 0x0f00;
    public const int FLAG_RISCV_FLOAT_ABI_DOUBLE = 0x1000;
    public const int FLAG_LARCH_FLOAT_ABI_SOFT = 0x1100;   // glibc >= 2.37
    public const int FLAG_LARCH_FLOAT_ABI_DOUBLE = 0x1200; // glibc >= 2.37

    /// <summary>The text inside the parentheses of an <c>ldconfig -p</c> line, without any hwcap
    /// suffix (elf/cache.c print_entry), e.g. 0x303 → "libc6,x86-64".</summary>
    public static string Describe(int flags)
    {
        var sb = new StringBuilder();
        switch (flags & FLAG_TYPE_MASK)
        {
            case FLAG_LIBC4: sb.Append("libc4"); break;
            case FLAG_ELF: sb.Append("ELF"); break;
            case FLAG_ELF_LIBC5: sb.Append("libc5"); break;
            case FLAG_ELF_LIBC6: sb.Append("libc6"); break;
            default: sb.Append("unknown"); break;
        }
        int req = flags & FLAG_REQUIRED_MASK;
        string? suffix = req switch
        {
            FLAG_SPARC_LIB64 => ",64bit",
            FLAG_IA64_LIB64 => ",IA-64",
            FLAG_X8664_LIB64 => ",x86-64",
            FLAG_S390_LIB64 => ",64bit",
            FLAG_POWERPC_LIB64 => ",64bit",
            FLAG_MIPS64_LIBN32 => ",N32",
            FLAG_MIPS64_LIBN64 => ",64bit",
            FLAG_X8664_LIBX32 => ",x32",
            FLAG_ARM_LIBHF => ",hard-float",
            FLAG_AARCH64_LIB64 => ",AArch64",
            FLAG_ARM_LIBSF => ",soft-float",
            FLAG_MIPS_LIB32_NAN2008 => ",nan2008",
            FLAG_MIPS64_LIBN32_NAN2008 => ",N32,nan2008",
            FLAG_MIPS64_LIBN64_NAN2008 => ",64bit,nan2008",
            FLAG_RISCV_FLOAT_ABI_SOFT => ",soft-float",
            FLAG_RISCV_FLOAT_ABI_DOUBLE => ",double-float",
            FLAG_LARCH_FLOAT_ABI_SOFT => ",soft-float",
            FLAG_LARCH_FLOAT_ABI_DOUBLE => ",double-float",
            0 => "",
            _ => null,
        };
        if (suffix is null)
            sb.Append(',').Append(req.ToString(System.Globalization.CultureInfo.InvariantCulture));
        else
            sb.Append(suffix);
        return sb.ToString();
    }
}

/// <summary>
/// The per-ABI cache-flag rule of the target's ld.so: <c>_DL_CACHE_DEFAULT_ID</c> and
/// <c>_dl_cache_check_flags</c> (sysdeps/unix/sysv/linux/*/dl-cache.h, else sysdeps/generic/dl-cache.h).
/// An entry is usable when <see cref="Accepts"/> holds; the scan of equal keys stops at the first
/// accepted non-hwcaps entry whose flags equal <see cref="DefaultId"/>.
/// <see cref="CharIsSigned"/> is the target C <c>char</c> signedness, which only changes
/// <c>_dl_cache_libcmp</c> for bytes &gt;= 0x80.
/// </summary>
public readonly record struct DlCacheFlagCheck(string Name, int DefaultId, int AlsoAccepted, bool CharIsSigned)
{
    /// <summary><c>_dl_cache_check_flags (flags)</c>.</summary>
    public bool Accepts(int flags) => flags == DefaultId || (AlsoAccepted != 0 && flags == AlsoAccepted);

    // sysdeps/generic/dl-cache.h: (flags) == 1 || (flags) == _DL_CACHE_DEFAULT_ID (3).
    // Used by i386, ppc32, s390 (31-bit), sparc32, mips o32 (legacy NaN), alpha, hppa, m68k, sh, ...
    public static DlCacheFlagCheck Generic(bool charIsSigned = true) =>
        new("generic", LdConfigFlags.FLAG_ELF_LIBC6, LdConfigFlags.FLAG_ELF, charIsSigned);
    public static readonly DlCacheFlagCheck I386 = new("i386", 3, 1, true);
    public static readonly DlCacheFlagCheck X86_64 = new("x86_64", 0x303, 0, true);
    public static readonly DlCacheFlagCheck X32 = new("x32", 0x803, 0, true);
    public static readonly DlCacheFlagCheck AArch64 = new("aarch64", 0xa03, 0, false);
    // arm: _DL_CACHE_DEFAULT_ID stays 3 (generic); check accepts the float-ABI id or plain 3.
    public static readonly DlCacheFlagCheck ArmHardFloat = new("arm-hf", 3, 0x903, false);
    public static readonly DlCacheFlagCheck ArmSoftFloat = new("arm-sf", 3, 0xb03, false);
    public static readonly DlCacheFlagCheck S390x = new("s390x", 0x403, 0, false);
    public static readonly DlCacheFlagCheck Ppc64 = new("ppc64", 0x503, 0, false);
    public static readonly DlCacheFlagCheck Sparc64 = new("sparc64", 0x103, 0, true);
    public static readonly DlCacheFlagCheck Ia64 = new("ia64", 0x203, 0, true);
    public static readonly DlCacheFlagCheck MipsN64 = new("mips-n64", 0x703, 0, true);
    public static readonly DlCacheFlagCheck MipsN32 = new("mips-n32", 0x603, 0, true);
    public static readonly DlCacheFlagCheck MipsO32Nan2008 = new("mips-o32-nan2008", 0xc03, 0, true);
    public static readonly DlCacheFlagCheck MipsN64Nan2008 = new("mips-n64-nan2008", 0xe03, 0, true);
    public static readonly DlCacheFlagCheck MipsN32Nan2008 = new("mips-n32-nan2008", 0xd03, 0, true);
    public static readonly DlCacheFlagCheck RiscvDouble = new("riscv-lp64d", 0x1003, 0, false);
    public static readonly DlCacheFlagCheck RiscvSoft = new("riscv-soft", 0xf03, 0, false);
    public static readonly DlCacheFlagCheck LoongArchDouble = new("loongarch-double", 0x1203, 0, true);
    public static readonly DlCacheFlagCheck LoongArchSoft = new("loongarch-soft", 0x1103, 0, true);

    /// <summary>An exact-match rule (accepts only <paramref name="flags"/>, stops on it).</summary>
    public static DlCacheFlagCheck Exact(int flags, bool charIsSigned = true) => new($"0x{flags:x}", flags, 0, charIsSigned);

    /// <summary>
    /// The rule of the ld.so that serves an object with this ELF header (e_machine, EI_CLASS==ELFCLASS64,
    /// e_flags). Returns null for ABIs glibc 2.36 has no cache id for (aarch64 ILP32).
    /// Float-ABI choice: arm uses EF_ARM_ABI_FLOAT_HARD (0x400) → hard-float, otherwise soft-float;
    /// riscv uses EF_RISCV_FLOAT_ABI == DOUBLE (4) → double, otherwise soft (glibc has no single/quad id);
    /// mips uses EF_MIPS_ABI2 (0x20, n32) and EF_MIPS_NAN2008 (0x400); loongarch EF_LOONGARCH_ABI_DOUBLE_FLOAT.
    /// </summary>
    public static DlCacheFlagCheck? ForMachine(ushort eMachine, bool is64, uint eFlags = 0)
    {
        switch (eMachine)
        {
            case 3: return I386;                                   // EM_386
            case 62: return is64 ? X86_64 : X32;                    // EM_X86_64
            case 183: return is64 ? AArch64 : null;                 // EM_AARCH64 (ILP32: FLAG_AARCH64_LIB32 undefined)
            case 40: return (eFlags & 0x400) != 0 ? ArmHardFloat : ArmSoftFloat; // EM_ARM
            case 22: return is64 ? S390x : Generic(false);          // EM_S390
            case 21: return Ppc64;                                  // EM_PPC64 (BE and LE)
            case 20: return Generic(false);                         // EM_PPC
            case 43: return is64 ? Sparc64 : Generic(true);          // EM_SPARCV9
            case 2: case 18: return Generic(true);                  // EM_SPARC, EM_SPARC32PLUS
            case 50: return Ia64;                                   // EM_IA_64
            case 8:                                                 // EM_MIPS
            {
                bool nan2008 = (eFlags & 0x400) != 0;
                if (is64) return nan2008 ? MipsN64Nan2008 : MipsN64;
                if ((eFlags & 0x20) != 0) return nan2008 ? MipsN32Nan2008 : MipsN32;
                return nan2008 ? MipsO32Nan2008 : Generic(true);
            }
            case 243: return (eFlags & 0x6) == 0x4 ? RiscvDouble : RiscvSoft; // EM_RISCV
            case 258: return (eFlags & 0x7) == 0x3 ? LoongArchDouble : LoongArchSoft; // EM_LOONGARCH
            default: return Generic(true);
        }
    }
}

/// <summary>
/// Inputs of the legacy (pre-glibc-hwcaps) hwcap/platform filter that glibc &lt;= 2.39 applies in
/// search_cache to entries whose hwcap is nonzero and not a glibc-hwcaps entry:
///   skip if (hwcap &amp; ~((dl_hwcap &amp; hwcap_mask) | _DL_HWCAP_PLATFORM | 1&lt;&lt;63)) != 0;
///   skip if _DL_PLATFORMS_COUNT != 0 and (hwcap &amp; _DL_HWCAP_PLATFORM) != 0 and != platform bit.
/// <see cref="Platform"/> is 1 &lt;&lt; _dl_string_platform(dl_platform), or ulong.MaxValue when the
/// platform string is unknown (then every platform entry is skipped).
/// </summary>
public readonly record struct LegacyHwcapFilter(ulong Hwcap, ulong HwcapMask, ulong PlatformMask, int PlatformsCount, ulong Platform)
{
    public const ulong TlsBit = 1UL << 63; // _DL_HWCAP_TLS_MASK; ldconfig marks "tls" subdirectories with it

    public ulong Exclude => ~((Hwcap & HwcapMask) | PlatformMask | TlsBit);

    /// <summary>CPU-independent part of 2.36: no hwcap bits, no platform (only "tls" entries pass).</summary>
    public static readonly LegacyHwcapFilter Glibc236NoCpuInfo = new(0, 0, 0, 0, ulong.MaxValue);

    /// <summary>x86_64 in glibc 2.36 (sysdeps/x86/cpu-features.c, dl-hwcap.h, dl-procinfo.h):
    /// dl_hwcap = HWCAP_X86_64 (bit 1) | HWCAP_X86_AVX512_1 (bit 2, Intel AVX512 F/CD/BW/DQ/VL without ER);
    /// hwcap_mask = HWCAP_IMPORTANT = 0x6 unless LD_HWCAP_MASK / glibc.cpu.hwcap_mask says otherwise;
    /// platforms "i586","i686","haswell","xeon_phi" = bits 48..51, of which x86_64 recognises only
    /// haswell (50) and xeon_phi (51); _DL_PLATFORMS_COUNT = 4.</summary>
    public static LegacyHwcapFilter X86_64(string? platform, bool avx512_1, ulong hwcapMask = 0x6)
    {
        ulong hw = 1UL << 1;
        if (avx512_1) hw |= 1UL << 2;
        ulong plat = platform switch
        {
            "haswell" => 1UL << 50,
            "xeon_phi" => 1UL << 51,
            _ => ulong.MaxValue,
        };
        return new LegacyHwcapFilter(hw, hwcapMask, 0xFUL << 48, 4, plat);
    }
}

/// <summary>Everything search_cache consults besides the cache itself.</summary>
public sealed class LdSoCacheLookupOptions
{
    /// <summary>_dl_cache_check_flags / _DL_CACHE_DEFAULT_ID of the target ld.so.</summary>
    public required DlCacheFlagCheck Flags { get; init; }

    /// <summary>The active glibc-hwcaps subdirectories, best first (= _dl_hwcaps_priorities before
    /// sorting: --glibc-hwcaps-prepend names, then the supported built-ins filtered by --glibc-hwcaps-mask).</summary>
    public IReadOnlyList<string> HwcapsSubdirs { get; init; } = Array.Empty<string>();

    /// <summary>x86 cpu_features-&gt;isa_1 (GNU_PROPERTY_X86_ISA_1_BASELINE=1, V2=2, V3=4, V4=8) for
    /// dl_cache_hwcap_isa_level_compatible; null = non-x86 (generic dl-isa-level.h: always compatible).</summary>
    public uint? X86Isa1 { get; init; }

    /// <summary>Legacy hwcap/platform filter (glibc &lt;= 2.39). Null = glibc &gt;= 2.40 behaviour
    /// (c5aa5fd40a): any non-glibc-hwcaps entry with hwcap != 0 is skipped.</summary>
    public LegacyHwcapFilter? LegacyHwcaps { get; init; } = LegacyHwcapFilter.Glibc236NoCpuInfo;

    /// <summary>False models a static executable's dlopen (no SHARED): glibc-hwcaps entries are never
    /// treated as such (they then fail the legacy filter because of bit 62).</summary>
    public bool Shared { get; init; } = true;
}

/// <summary>One cache record. <see cref="Index"/> is its position in the on-disk table.</summary>
public readonly record struct LdSoCacheEntry(int Flags, string Key, string Value, ulong Hwcap)
{
    public const ulong DL_CACHE_HWCAP_EXTENSION = 1UL << 62;
    public const uint DL_CACHE_HWCAP_ISA_LEVEL_MASK = 0x3ff;

    public int Index { get; init; }

    /// <summary>The glibc-hwcaps subdirectory name (only for glibc-hwcaps entries with a valid index).</summary>
    public string? HwcapsSubdir { get; init; }

    /// <summary>dl_cache_hwcap_extension: bits 32..63 other than the ISA-level bits are exactly bit 62.</summary>
    public bool IsHwcapsEntry => ((Hwcap >> 32) & ~(ulong)DL_CACHE_HWCAP_ISA_LEVEL_MASK) == (DL_CACHE_HWCAP_EXTENSION >> 32);

    /// <summary>Index into the glibc-hwcaps extension array (low 32 bits), or -1.</summary>
    public int HwcapsIndex => IsHwcapsEntry ? (int)(uint)Hwcap : -1;

    /// <summary>x86 ISA level recorded by ldconfig (bsr of GNU_PROPERTY_X86_ISA_1_NEEDED), hwcaps entries only.</summary>
    public int IsaLevel => IsHwcapsEntry ? (int)((Hwcap >> 32) & DL_CACHE_HWCAP_ISA_LEVEL_MASK) : 0;

    /// <summary>A legacy hwcap/platform/tls entry (glibc &lt;= 2.36 ldconfig subdirectories like tls/, haswell/).</summary>
    public bool IsLegacyHwcapEntry => Hwcap != 0 && !IsHwcapsEntry;

    /// <summary>The <c>ldconfig -p</c> line (without the trailing newline).</summary>
    public string ToLdconfigLine()
    {
        string hw = HwcapsSubdir is not null ? $", hwcap: \"{HwcapsSubdir}\""
            : Hwcap != 0 ? $", hwcap: 0x{Hwcap:x16}" : "";
        return $"\t{Key} ({LdConfigFlags.Describe(Flags)}{hw}) => {Value}";
    }
}

/// <summary>A parsed /etc/ld.so.cache.</summary>
public sealed class LdSoCache
{
    public const string CACHEMAGIC = "ld.so-1.7.0";
    public const string CACHEMAGIC_VERSION_NEW = "glibc-ld.so.cache1.1";
    public const uint cache_extension_magic = 0xEAA42174; // (uint32_t) -358342284
    public const int OldHeaderSize = 16;   // sizeof (struct cache_file): magic[11] + pad + u32 nlibs
    public const int OldEntrySize = 12;    // sizeof (struct file_entry)
    public const int NewHeaderSize = 48;   // sizeof (struct cache_file_new)
    public const int NewEntrySize = 24;    // sizeof (struct file_entry_new)
    public const int CacheAlign = 8;       // __alignof__ (struct cache_file_new) on 64-bit ABIs

    // Raw table used by the lookup (the new table if present, else the old one).
    private readonly byte[] _data;
    private readonly int _stringBase;       // absolute offset the entry key/value offsets are relative to
    private readonly long _stringTableSize; // search_cache's string_table_size bound
    private readonly int[] _flags;
    private readonly uint[] _key;
    private readonly uint[] _value;
    private readonly ulong[] _hwcap;        // null-equivalent for old format: all zero
    private readonly bool _isNewTable;
    private readonly uint[] _hwcapsOffsets; // glibc-hwcaps section (file-relative string offsets)
    private readonly bool _extensionsLoaded;

    public string Format { get; }                 // "new", "old", "old+new"
    public bool IsBigEndian { get; }
    /// <summary>The flags byte of the new header (0 unset, 1 invalid, 2 LE, 3 BE); -1 for old-only.</summary>
    public int EndianFlags { get; }
    public int NewHeaderOffset { get; }           // -1 if no new table
    public uint LenStrings { get; }
    public uint ExtensionOffset { get; }
    public IReadOnlyList<LdSoCacheEntry> Entries { get; }
    /// <summary>The old-format table of an "old"/"old+new" file (the loader ignores it when a new table exists).</summary>
    public IReadOnlyList<LdSoCacheEntry> OldFormatEntries { get; }
    public IReadOnlyList<string> HwcapsSubdirs { get; }
    public string? Generator { get; }
    /// <summary>Entries skipped or extension data ignored, with the reason (lenient parse only).</summary>
    public IReadOnlyList<string> Problems { get; }

    private LdSoCache(byte[] data, string format, bool be, int endianFlags, int newOff, uint lenStrings, uint extOff,
        int stringBase, long stringTableSize, int[] flags, uint[] key, uint[] value, ulong[] hwcap, bool isNew,
        uint[] hwcapsOffsets, bool extLoaded, List<LdSoCacheEntry> entries, List<LdSoCacheEntry> oldEntries,
        List<string> hwcapsNames, string? generator, List<string> problems)
    {
        _data = data; Format = format; IsBigEndian = be; EndianFlags = endianFlags; NewHeaderOffset = newOff;
        LenStrings = lenStrings; ExtensionOffset = extOff; _stringBase = stringBase; _stringTableSize = stringTableSize;
        _flags = flags; _key = key; _value = value; _hwcap = hwcap; _isNewTable = isNew;
        _hwcapsOffsets = hwcapsOffsets; _extensionsLoaded = extLoaded;
        Entries = entries; OldFormatEntries = oldEntries; HwcapsSubdirs = hwcapsNames; Generator = generator; Problems = problems;
    }

    /// <summary>The cache-flag rule of the ld.so serving this ELF ABI (alias of <see cref="DlCacheFlagCheck.ForMachine"/>).</summary>
    public static DlCacheFlagCheck? RequiredFlagsFor(ushort eMachine, bool is64, uint eFlags = 0) =>
        DlCacheFlagCheck.ForMachine(eMachine, is64, eFlags);

    public static LdSoCache Load(string path, bool? targetBigEndian = null, bool strict = false) =>
        Parse(File.ReadAllBytes(path), targetBigEndian, strict);

    public static LdSoCache Parse(byte[] data, bool? targetBigEndian = null, bool strict = false) =>
        Parse((ReadOnlySpan<byte>)data, targetBigEndian, strict);

    /// <summary>Never throws; on failure returns false and the reason (glibc would then ignore the cache).</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out LdSoCache? cache, out string? error, bool? targetBigEndian = null)
    {
        try { cache = Parse(data, targetBigEndian, strict: false); error = null; return true; }
        catch (InvalidDataException ex) { cache = null; error = ex.Message; return false; }
    }

    /// <summary>
    /// Parses a cache. <paramref name="targetBigEndian"/>: the byte order of the target's ld.so; a new
    /// header whose endian flag says otherwise (or is 1 = invalid) is what glibc ignores, so this throws.
    /// When the flag is 0 (unset) or the file is old-only, the given order is used, else the order in which
    /// nlibs fits the file. <paramref name="strict"/>: throw on the first bad string offset or malformed
    /// extension instead of skipping it (recorded in <see cref="Problems"/>).
    /// Throws only <see cref="InvalidDataException"/>.
    /// </summary>
    public static LdSoCache Parse(ReadOnlySpan<byte> data, bool? targetBigEndian = null, bool strict = false)
    {
        try
        {
            return ParseCore(data.ToArray(), targetBigEndian, strict);
        }
        catch (InvalidDataException) { throw; }
        catch (Exception ex) when (ex is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            throw new InvalidDataException("ld.so.cache: malformed file (" + ex.Message + ")", ex);
        }
    }

    private static bool HasMagic(byte[] d, int at, string magic)
    {
        if (at < 0 || (long)at + magic.Length > d.Length) return false;
        for (int i = 0; i < magic.Length; i++)
            if (d[at + i] != (byte)magic[i]) return false;
        return true;
    }

    private static uint U32(byte[] d, long at, bool be) =>
        be ? (uint)(d[at] << 24 | d[at + 1] << 16 | d[at + 2] << 8 | d[at + 3])
           : (uint)(d[at] | d[at + 1] << 8 | d[at + 2] << 16 | d[at + 3] << 24);

    private static ulong U64(byte[] d, long at, bool be) =>
        be ? ((ulong)U32(d, at, true) << 32) | U32(d, at + 4, true)
           : ((ulong)U32(d, at + 4, false) << 32) | U32(d, at, false);

    private static LdSoCache ParseCore(byte[] d, bool? targetBe, bool strict)
    {
        var problems = new List<string>();
        void Problem(string msg)
        {
            if (strict) throw new InvalidDataException(msg);
            problems.Add(msg);
        }

        long size = d.Length;
        string format;
        bool be;
        int endianFlags = -1;
        int newOff = -1;
        long oldCount = -1;

        // _dl_load_cache_lookup: new-only first, then old (optionally with the new table inside).
        if (size > NewHeaderSize && HasMagic(d, 0, CACHEMAGIC_VERSION_NEW))
        {
            newOff = 0;
            format = "new";
            be = ResolveNewEndian(d, 0, targetBe, out endianFlags);
            uint n = U32(d, 20, be);
            if ((size - NewHeaderSize) / NewEntrySize < n)
                throw new InvalidDataException($"ld.so.cache: nlibs {n} entries of {NewEntrySize} bytes do not fit in the {size - NewHeaderSize} bytes after the header");
        }
        else if (size > OldHeaderSize && HasMagic(d, 0, CACHEMAGIC))
        {
            // Old format carries no byte-order mark: the target's order, else whichever makes nlibs fit.
            bool FitsOld(bool b) => (size - OldHeaderSize) / OldEntrySize >= U32(d, 12, b);
            bool beOld = targetBe ?? (!FitsOld(false) && FitsOld(true));
            uint n = U32(d, 12, beOld);
            if ((size - OldHeaderSize) / OldEntrySize < n)
                throw new InvalidDataException($"ld.so.cache: old-format nlibs {n} entries of {OldEntrySize} bytes do not fit in the {size - OldHeaderSize} bytes after the header");
            oldCount = n;
            long off = Align(OldHeaderSize + (long)n * OldEntrySize, CacheAlign);
            format = "old";
            be = beOld;
            if (size >= off + NewHeaderSize && HasMagic(d, (int)off, CACHEMAGIC_VERSION_NEW))
            {
                newOff = (int)off;
                format = "old+new";
                // The loader ignores the whole file (old part too) if the new header's endianness mismatches.
                be = ResolveNewEndian(d, newOff, targetBe ?? beOld, out endianFlags);
                if (be != beOld)
                {
                    n = U32(d, 12, be);
                    if ((size - OldHeaderSize) / OldEntrySize < n)
                        throw new InvalidDataException($"ld.so.cache: old-format nlibs {n} does not fit the file in the byte order of the new header");
                    oldCount = n;
                }
                uint nn = U32(d, newOff + 20, be);
                // glibc does not re-check nlibs of an embedded new table; we must not read out of bounds.
                if ((size - newOff - NewHeaderSize) / NewEntrySize < nn)
                    throw new InvalidDataException($"ld.so.cache: new-format nlibs {nn} entries of {NewEntrySize} bytes do not fit after the header at 0x{newOff:x}");
            }
        }
        else
        {
            throw new InvalidDataException(size <= NewHeaderSize && size <= OldHeaderSize
                ? $"ld.so.cache: file too short ({size} bytes)"
                : "ld.so.cache: unknown magic (neither \"ld.so-1.7.0\" nor \"glibc-ld.so.cache1.1\")");
        }

        // Old table (for OldFormatEntries, and as the lookup table when there is no new one).
        var oldEntries = new List<LdSoCacheEntry>();
        int[] oFlags = Array.Empty<int>(); uint[] oKey = Array.Empty<uint>(); uint[] oVal = Array.Empty<uint>();
        long oldStringBase = 0, oldStringSize = 0;
        if (oldCount >= 0)
        {
            int n = (int)oldCount;
            oFlags = new int[n]; oKey = new uint[n]; oVal = new uint[n];
            oldStringBase = OldHeaderSize + (long)n * OldEntrySize;
            oldStringSize = size - oldStringBase;
            for (int i = 0; i < n; i++)
            {
                long at = OldHeaderSize + (long)i * OldEntrySize;
                oFlags[i] = (int)U32(d, at, be);
                oKey[i] = U32(d, at + 4, be);
                oVal[i] = U32(d, at + 8, be);
            }
            // In an old+new file the old table is only informational; don't let its problems fail a strict parse.
            bool oldIsLookupTable = newOff < 0;
            for (int i = 0; i < n; i++)
            {
                if (!CheckStrings(i, oKey[i], oVal[i], oldStringSize, oldIsLookupTable ? Problem : null, "old-format "))
                    continue;
                oldEntries.Add(new LdSoCacheEntry(oFlags[i], CString(d, oldStringBase + oKey[i]), CString(d, oldStringBase + oVal[i]), 0) { Index = i });
            }
        }

        if (newOff < 0)
        {
            return new LdSoCache(d, format, be, endianFlags, -1, 0, 0, (int)oldStringBase, oldStringSize,
                oFlags, oKey, oVal, new ulong[oFlags.Length], false, Array.Empty<uint>(), false,
                oldEntries, oldEntries, new List<string>(), null, problems);
        }

        // New table.
        uint nlibs = U32(d, newOff + 20, be);
        uint lenStrings = U32(d, newOff + 24, be);
        uint extOff = U32(d, newOff + 32, be);
        int cnt = (int)nlibs;
        var flags = new int[cnt]; var key = new uint[cnt]; var value = new uint[cnt]; var hwcap = new ulong[cnt];
        for (int i = 0; i < cnt; i++)
        {
            long at = newOff + NewHeaderSize + (long)i * NewEntrySize;
            flags[i] = (int)U32(d, at, be);
            key[i] = U32(d, at + 4, be);
            value[i] = U32(d, at + 8, be);
            hwcap[i] = U64(d, at + 16, be);
        }
        // search_cache bound: string_table_size = cachesize (relative to the new header, so it over-
        // approximates in old+new files); we use the bytes that actually exist after the new header.
        long stringTableSize = size - newOff;

        // Extensions (cache_extension_load): file-relative offsets.
        string? generator = null;
        uint[] hwcapsOffsets = Array.Empty<uint>();
        bool extLoaded = LoadExtensions(d, extOff, be, Problem, ref generator, ref hwcapsOffsets);
        var hwcapsNames = new List<string>(hwcapsOffsets.Length);
        for (int i = 0; i < hwcapsOffsets.Length; i++)
        {
            if (hwcapsOffsets[i] < size)
                hwcapsNames.Add(CString(d, hwcapsOffsets[i]));
            else
            {
                Problem($"ld.so.cache: glibc-hwcaps name {i} offset 0x{hwcapsOffsets[i]:x} outside the file (size 0x{size:x})");
                hwcapsNames.Add("");
            }
        }

        var entries = new List<LdSoCacheEntry>(cnt);
        for (int i = 0; i < cnt; i++)
        {
            if (!CheckStrings(i, key[i], value[i], stringTableSize, Problem, ""))
                continue;
            var e = new LdSoCacheEntry(flags[i], CString(d, newOff + (long)key[i]), CString(d, newOff + (long)value[i]), hwcap[i]) { Index = i };
            if (e.IsHwcapsEntry && (uint)hwcap[i] < (uint)hwcapsOffsets.Length && hwcapsOffsets[(uint)hwcap[i]] < size)
                e = e with { HwcapsSubdir = hwcapsNames[(int)(uint)hwcap[i]] };
            entries.Add(e);
        }

        return new LdSoCache(d, format, be, endianFlags, newOff, lenStrings, extOff, newOff, stringTableSize,
            flags, key, value, hwcap, true, hwcapsOffsets, extLoaded, entries, oldEntries, hwcapsNames, generator, problems);
    }

    private static bool CheckStrings(int i, uint key, uint value, long tableSize, Action<string>? problem, string what)
    {
        if (key >= tableSize)
        {
            problem?.Invoke($"ld.so.cache: {what}entry {i} key offset 0x{key:x} outside string table (size 0x{tableSize:x})");
            return false;
        }
        if (value >= tableSize)
        {
            problem?.Invoke($"ld.so.cache: {what}entry {i} value offset 0x{value:x} outside string table (size 0x{tableSize:x})");
            return false;
        }
        return true;
    }

    /// <summary>cache_file_new_matches_endian, generalised to a foreign target byte order.</summary>
    private static bool ResolveNewEndian(byte[] d, int at, bool? targetBe, out int endianFlags)
    {
        endianFlags = d[at + 28];
        switch (endianFlags & 3)
        {
            case 2:
            case 3:
            {
                bool fileBe = (endianFlags & 3) == 3;
                if (targetBe is bool t && t != fileBe)
                    throw new InvalidDataException($"ld.so.cache: cache is {(fileBe ? "big" : "little")}-endian but the target is {(t ? "big" : "little")}-endian (glibc ignores it)");
                return fileBe;
            }
            case 1:
                throw new InvalidDataException("ld.so.cache: header flags mark the cache invalid (cache_file_new_flags_endian_invalid; glibc ignores it)");
            default:
                if (endianFlags != 0)
                    // glibc requires the whole byte to be 0 for "unset"; 4,8,... with low bits 0 mismatch both orders.
                    throw new InvalidDataException($"ld.so.cache: header flags 0x{endianFlags:x2} match neither byte order (glibc ignores it)");
                if (targetBe is bool tb) return tb;
                long size = d.Length - at - NewHeaderSize;
                bool fitsLe = size / NewEntrySize >= U32(d, at + 20, false);
                bool fitsBe = size / NewEntrySize >= U32(d, at + 20, true);
                return !fitsLe && fitsBe;
        }
    }

    private static bool LoadExtensions(byte[] d, uint extOff, bool be, Action<string> problem, ref string? generator, ref uint[] hwcaps)
    {
        long size = d.Length;
        if (extOff == 0) return true; // no extensions: not an error
        if (extOff % 4 != 0) { problem($"ld.so.cache: extension offset 0x{extOff:x} is not 4-byte aligned"); return false; }
        if ((long)extOff + 8 > size) { problem($"ld.so.cache: extension directory at 0x{extOff:x} beyond end of file (size 0x{size:x})"); return false; }
        uint magic = U32(d, extOff, be);
        if (magic != cache_extension_magic) { problem($"ld.so.cache: extension directory at 0x{extOff:x} has magic 0x{magic:x8}, expected 0x{cache_extension_magic:x8}"); return false; }
        uint count = U32(d, extOff + 4, be);
        if ((long)extOff + 8 + (long)count * 16 > size) { problem($"ld.so.cache: extension directory at 0x{extOff:x} with {count} sections extends beyond end of file"); return false; }
        long genOff = -1, genSize = 0, hwOff = -1, hwSize = 0;
        for (uint i = 0; i < count; i++)
        {
            long at = extOff + 8 + (long)i * 16;
            uint tag = U32(d, at, be), off = U32(d, at + 8, be), sz = U32(d, at + 12, be);
            if ((ulong)off + sz > (ulong)size)
            {
                problem($"ld.so.cache: extension section {i} (tag {tag}) at 0x{off:x}+0x{sz:x} extends beyond end of file (size 0x{size:x})");
                return false; // glibc drops all extensions
            }
            if (tag == 0) { genOff = off; genSize = sz; }       // cache_extension_tag_generator (last one wins)
            else if (tag == 1) { hwOff = off; hwSize = sz; }    // cache_extension_tag_glibc_hwcaps
            // other tags: unrecognised, ignored
        }
        if (genOff >= 0)
            generator = Encoding.UTF8.GetString(d, (int)genOff, (int)genSize);
        if (hwOff >= 0)
        {
            // cache_extension_verify: non-empty, 4-byte aligned, size multiple of 4; else dropped.
            if (hwSize == 0 || hwOff % 4 != 0 || hwSize % 4 != 0)
                problem($"ld.so.cache: glibc-hwcaps section at 0x{hwOff:x}+0x{hwSize:x} is empty or misaligned; ignored");
            else
            {
                hwcaps = new uint[hwSize / 4];
                for (int i = 0; i < hwcaps.Length; i++) hwcaps[i] = U32(d, hwOff + 4L * i, be);
            }
        }
        return true;
    }

    private static long Align(long v, int a) => (v + a - 1) & ~(long)(a - 1);

    private static ReadOnlySpan<byte> CStringSpan(byte[] d, long at)
    {
        if (at < 0 || at >= d.Length) return ReadOnlySpan<byte>.Empty;
        var s = d.AsSpan((int)at);
        int nul = s.IndexOf((byte)0);
        return nul >= 0 ? s[..nul] : s; // unterminated: stop at end of file
    }

    private static string CString(byte[] d, long at) => Encoding.UTF8.GetString(CStringSpan(d, at));

    // ---------------------------------------------------------------- lookup

    /// <summary>
    /// _dl_cache_libcmp: compares like strcmp except that maximal digit runs compare as decimal numbers
    /// (int arithmetic, wrapping), and a digit sorts after any non-digit. The cache is sorted in
    /// DESCENDING order of this function. The difference of two non-digit bytes uses the target's C
    /// char signedness.
    /// </summary>
    public static int LibCmp(ReadOnlySpan<byte> p1, ReadOnlySpan<byte> p2, bool charIsSigned = true)
    {
        int i = 0, j = 0;
        int C(ReadOnlySpan<byte> s, int k) => k < s.Length ? (charIsSigned ? (sbyte)s[k] : s[k]) : 0;
        static bool Digit(int c) => c >= '0' && c <= '9';
        unchecked
        {
            while (C(p1, i) != 0)
            {
                int c1 = C(p1, i), c2 = C(p2, j);
                if (Digit(c1))
                {
                    if (!Digit(c2)) return 1;
                    int v1 = c1 - '0', v2 = c2 - '0';
                    i++; j++;
                    while (Digit(C(p1, i))) v1 = v1 * 10 + C(p1, i++) - '0';
                    while (Digit(C(p2, j))) v2 = v2 * 10 + C(p2, j++) - '0';
                    if (v1 != v2) return v1 - v2;
                }
                else if (Digit(c2)) return -1;
                else if (c1 != c2) return c1 - c2;
                else { i++; j++; }
            }
            return C(p1, i) - C(p2, j);
        }
    }

    /// <summary>LibCmp on strings (UTF-8, truncated at the first NUL like a C string).</summary>
    public static int LibCmp(string a, string b, bool charIsSigned = true) =>
        LibCmp(ToCName(a), ToCName(b), charIsSigned);

    private static byte[] ToCName(string s)
    {
        int nul = s.IndexOf('\0');
        return Encoding.UTF8.GetBytes(nul >= 0 ? s[..nul] : s);
    }

    /// <summary>Lookup with an exact-match flag rule (right for every 64-bit ABI: flags == required).</summary>
    public string? Lookup(string name, int requiredFlags, IReadOnlyList<string> activeHwcapsSubdirsBestFirst) =>
        Lookup(name, new LdSoCacheLookupOptions { Flags = DlCacheFlagCheck.Exact(requiredFlags), HwcapsSubdirs = activeHwcapsSubdirsBestFirst });

    public string? Lookup(string name, DlCacheFlagCheck flags, IReadOnlyList<string> activeHwcapsSubdirsBestFirst) =>
        Lookup(name, new LdSoCacheLookupOptions { Flags = flags, HwcapsSubdirs = activeHwcapsSubdirsBestFirst });

    /// <summary>_dl_load_cache_lookup: the path ld.so would try for NAME, or null.</summary>
    public string? Lookup(string name, LdSoCacheLookupOptions options)
    {
        int i = LookupIndex(name, options);
        return i < 0 ? null : CString(_data, _stringBase + (long)_value[i]);
    }

    /// <summary>The chosen entry (as in <see cref="Entries"/>), or null.</summary>
    public LdSoCacheEntry? LookupEntry(string name, LdSoCacheLookupOptions options)
    {
        int i = LookupIndex(name, options);
        if (i < 0) return null;
        foreach (var e in Entries) if (e.Index == i) return e;
        return new LdSoCacheEntry(_flags[i], CString(_data, _stringBase + (long)_key[i]), CString(_data, _stringBase + (long)_value[i]), _hwcap[i]) { Index = i };
    }

    /// <summary>search_cache: the on-disk index of the chosen entry, or -1.</summary>
    public int LookupIndex(string name, LdSoCacheLookupOptions options)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        byte[] nm = ToCName(name);
        var fc = options.Flags;
        bool signedChar = fc.CharIsSigned;
        long tsize = _stringTableSize;
        uint[]? priorities = null;

        bool KeyOk(int k) => _key[k] < tsize;
        int Cmp(int k) => LibCmp(nm, CStringSpan(_data, _stringBase + (long)_key[k]), signedChar);

        int left = 0, right = _key.Length - 1;
        int best = -1;
        uint bestPriority = 0;

        while (left <= right)
        {
            int middle = (int)(((long)left + right) / 2);
            if (!KeyOk(middle)) return -1;           // bogus index: glibc gives up
            int cmpres = Cmp(middle);
            if (cmpres == 0)
            {
                left = middle;                        // last entry known to match
                while (middle > 0)                    // back up to the first equal key
                {
                    if (!KeyOk(middle - 1) || Cmp(middle - 1) != 0) break;
                    --middle;
                }
                do
                {
                    if (middle > left && (!KeyOk(middle) || Cmp(middle) != 0))
                        break;
                    int flags = _flags[middle];
                    if (!fc.Accepts(flags) || _value[middle] >= tsize)
                        continue;
                    bool named = false;
                    if (_isNewTable)
                    {
                        ulong hw = _hwcap[middle];
                        if (options.Shared)
                        {
                            named = ((hw >> 32) & ~(ulong)LdSoCacheEntry.DL_CACHE_HWCAP_ISA_LEVEL_MASK) == (LdSoCacheEntry.DL_CACHE_HWCAP_EXTENSION >> 32);
                            if (named && options.X86Isa1 is uint isa1)
                            {
                                // dl_cache_hwcap_isa_level_compatible (x86): 1 << level must be in isa_1
                                // (C shift of a 32-bit int: the count is taken mod 32 on x86).
                                uint level = 1u << (int)((hw >> 32) & LdSoCacheEntry.DL_CACHE_HWCAP_ISA_LEVEL_MASK);
                                if ((level & isa1) != level) continue;
                            }
                        }
                        // glibc-hwcaps entries sort first; the first plain one ends the scan once
                        // something was found.
                        if (!named && best >= 0) break;
                        if (options.LegacyHwcaps is LegacyHwcapFilter lf)
                        {
                            if (!named && (hw & lf.Exclude) != 0) continue;
                            // (not limited to plain entries in glibc; a no-op for glibc-hwcaps entries unless
                            // platform bits overlap the ISA-level bits, as on ppc/s390 where they start at 32)
                            if (lf.PlatformsCount != 0 && (hw & lf.PlatformMask) != 0 && (hw & lf.PlatformMask) != lf.Platform)
                                continue;
                        }
                        else if (!named && hw != 0) continue; // glibc >= 2.40 (c5aa5fd40a)
                        if (named)
                        {
                            priorities ??= ComputePriorities(options.HwcapsSubdirs);
                            uint idx = (uint)hw;
                            uint prio = idx < (uint)priorities.Length ? priorities[idx] : 0;
                            if (prio == 0) continue;                  // not active
                            if (best < 0 || prio < bestPriority) bestPriority = prio;
                            else continue;                            // already have a better one
                        }
                    }
                    best = middle;
                    if (!named && flags == fc.DefaultId)
                        break;                                        // cannot be improved upon
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
    /// glibc_hwcaps_priorities_init: merge the cache's (sorted) glibc-hwcaps names with the active
    /// subdirectories sorted by name; element i is the priority of cache hwcaps index i
    /// (0 = unusable, otherwise 1 + position in the best-first list; lower is better).
    /// </summary>
    private uint[] ComputePriorities(IReadOnlyList<string> bestFirst)
    {
        var result = new uint[_extensionsLoaded ? _hwcapsOffsets.Length : 0];
        if (result.Length == 0) return result;
        var right = new List<(byte[] Name, uint Priority)>(bestFirst.Count);
        for (int i = 0; i < bestFirst.Count; i++)
            right.Add((Encoding.UTF8.GetBytes(bestFirst[i] ?? ""), (uint)(i + 1)));
        // sort_priorities_by_name: stable insertion sort by (memcmp prefix, then length) == ordinal bytes.
        for (int i = 1; i < right.Count; i++)
            for (int j = i; j > 0 && right[j].Name.AsSpan().SequenceCompareTo(right[j - 1].Name) < 0; j--)
                (right[j], right[j - 1]) = (right[j - 1], right[j]);

        int l = 0, r = 0, o = 0;
        while (l < result.Length && r < right.Count)
        {
            if (_hwcapsOffsets[l] < _data.Length)
            {
                int cmp = CStringSpan(_data, _hwcapsOffsets[l]).SequenceCompareTo(right[r].Name);
                if (cmp == 0) { result[o++] = right[r].Priority; l++; r++; }
                else if (cmp < 0) { result[o++] = 0; l++; }
                else r++;
            }
            else
            {
                // glibc 2.36 writes 0 here without advancing `left` (an endless loop / overrun on such a
                // corrupt file); we advance instead.
                result[o++] = 0; l++;
            }
        }
        return result; // remaining entries stay 0
    }
}
