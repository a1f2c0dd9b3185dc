using System.Runtime.InteropServices;
using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// What a glibc ld.so knows about its machine: its version, the system directories (SYSTEM_DIRS), the
/// glibc-hwcaps subdirectories it searches (<c>_dl_hwcaps_subdirs</c> filtered by the CPU, best first), the legacy
/// hwcaps subdirectories (<c>_dl_important_hwcaps</c>: tls, the platform, AT_HWCAP bits; glibc ≤ 2.36), and
/// <c>$LIB</c>/<c>$PLATFORM</c>. Everything is READ, never obtained by running a program: the loader's own bytes
/// (in the root) give the version, SYSTEM_DIRS and the hwcaps names; the CPU (CPUID) and <c>/proc/self/auxv</c>
/// give the levels and the platform when the program would run on this machine. What cannot be known (the CPU
/// of a foreign root) is listed in <see cref="Assumptions"/>.
/// </summary>
public sealed record GlibcPlatform(
    Version? GlibcVersion,
    IReadOnlyList<string> SystemDirectories,
    IReadOnlyList<string> HwcapsSubdirs,
    IReadOnlyList<string> LegacySubdirs,
    string Lib,
    string? Platform,
    DlCacheFlagCheck? CacheFlags,
    LegacyHwcapFilter? CacheLegacyFilter,
    IReadOnlyList<string> Assumptions)
{
    /// <summary>GNU_PROPERTY_X86_ISA_1 bits the CPU supports (baseline 1, v2 2, v3 4, v4 8), for the cache's glibc-hwcaps entries; null when unknown.</summary>
    public uint? X86Isa1 { get; init; }

    /// <summary>Debian's multiarch triplet for a machine (the directory under /lib and /usr/lib).</summary>
    public static string? Triplet(ushort machine, bool is64, bool bigEndian, uint flags) => machine switch
    {
        EM_X86_64 => is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32",
        EM_386 => "i386-linux-gnu",
        EM_AARCH64 => bigEndian ? "aarch64_be-linux-gnu" : "aarch64-linux-gnu",
        EM_ARM => (flags & 0x400) != 0 ? "arm-linux-gnueabihf" : "arm-linux-gnueabi",
        EM_S390 => is64 ? "s390x-linux-gnu" : "s390-linux-gnu",
        EM_PPC64 => bigEndian ? "powerpc64-linux-gnu" : "powerpc64le-linux-gnu",
        EM_PPC => "powerpc-linux-gnu",
        EM_RISCV => is64 ? "riscv64-linux-gnu" : null,
        EM_MIPS => is64 ? (bigEndian ? "mips64-linux-gnuabi64" : "mips64el-linux-gnuabi64") : (bigEndian ? "mips-linux-gnu" : "mipsel-linux-gnu"),
        EM_LOONGARCH => "loongarch64-linux-gnu",
        EM_SPARCV9 => "sparc64-linux-gnu",
        _ => null,
    };

    /// <summary>What the loader file itself says, read once per root and path.</summary>
    private sealed record LoaderFacts(Version? Version, IReadOnlyList<string> SystemDirectories, IReadOnlyList<string> AllHwcapsSubdirs);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RootedFileSystem, System.Collections.Concurrent.ConcurrentDictionary<string, LoaderFacts?>> Facts = new();

    /// <summary>The platform for loading <paramref name="main"/> in <paramref name="fs"/>.</summary>
    public static GlibcPlatform For(ElfFile main, RootedFileSystem fs)
    {
        var h = main.Header;
        string? interp = main.Interpreter ?? GlibcLoader.StandardInterpreter(h);
        var facts = interp is null ? null : Facts.GetValue(fs, _ => new()).GetOrAdd(interp, p => ReadLoader(fs, p));
        var assumptions = new List<string>();

        IReadOnlyList<string> dirs;
        string lib;
        if (facts is { SystemDirectories.Count: > 0 })
        {
            dirs = facts.SystemDirectories;
            // DL_DST_LIB is the last component(s) of slibdir, the first of SYSTEM_DIRS (Debian: lib/x86_64-linux-gnu).
            lib = dirs[0].TrimStart('/');
        }
        else
        {
            (dirs, lib) = DistributionLayout(main, fs);
            assumptions.Add($"the loader {interp ?? "(none)"} could not be read for its SYSTEM_DIRS: assumed {string.Join(":", dirs)}");
        }

        bool thisMachine = fs.IsHost && IsHostMachine(h.Machine, h.Is64);
        bool legacy = facts?.Version is not { } v || v < new Version(2, 37); // legacy hwcaps were removed in 2.37
        IReadOnlyList<string> hwcaps = [];
        IReadOnlyList<string> legacySubdirs = [];
        string? platform;
        LegacyHwcapFilter? cacheFilter = LegacyHwcapFilter.Glibc236NoCpuInfo;
        if (thisMachine && h.Machine == EM_X86_64 && X86Cpu.Supported)
        {
            // sysdeps/x86_64/dl-hwcaps-subdirs.c: x86-64-v2..v4, as far as get_isa_level allows, best first.
            int level = X86Cpu.IsaLevel;
            hwcaps = [.. (facts?.AllHwcapsSubdirs ?? []).Where(s => s.StartsWith("x86-64-v", StringComparison.Ordinal) && int.TryParse(s[8..], out int n) && n <= level)];
            // sysdeps/x86/cpu-features.c: AT_PLATFORM, overridden on Intel CPUs by haswell or xeon_phi.
            platform = X86Cpu.IntelPlatform ?? Auxv.Platform ?? "x86_64";
            if (legacy)
            {
                // _dl_important_hwcaps: the masked AT_HWCAP bits (HWCAP_IMPORTANT = x86_64 | avx512_1), the platform, tls.
                var bits = new List<string> { "x86_64" };
                if (X86Cpu.Avx512_1) bits.Add("avx512_1");
                legacySubdirs = LegacyCombinations(bits, platform);
                cacheFilter = LegacyHwcapFilter.X86_64(platform, X86Cpu.Avx512_1);
            }
        }
        else
        {
            platform = thisMachine ? Auxv.Platform : DefaultPlatform(h);
            assumptions.Add(thisMachine
                ? $"the CPU's glibc-hwcaps levels are not modelled for {MachineName(h.Machine, h.Class, h.IsBigEndian)}: none assumed; $PLATFORM = {platform ?? "(none)"} (AT_PLATFORM)"
                : "the target CPU is unknown: no glibc-hwcaps or legacy hwcaps subdirectories are assumed, $PLATFORM = " + (platform ?? "(none)"));
        }
        uint? isa1 = thisMachine && h.Machine == EM_X86_64 && X86Cpu.Supported ? (1u << X86Cpu.IsaLevel) - 1 : null;
        return new GlibcPlatform(facts?.Version, dirs, hwcaps, legacySubdirs, lib, platform,
            LdSoCache.RequiredFlagsFor(h.Machine, h.Is64, h.Flags), cacheFilter, assumptions) { X86Isa1 = isa1 };
    }

    private static string? DefaultPlatform(ElfHeader h) => h.Machine switch
    {
        EM_X86_64 => "x86_64", EM_386 => "i686", EM_AARCH64 => "aarch64", EM_S390 => h.Is64 ? "z900" : null,
        EM_PPC64 => "power8", _ => null,
    };

    private static bool IsHostMachine(ushort machine, bool is64) => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => machine == EM_X86_64 && is64,
        Architecture.Arm64 => machine == EM_AARCH64 && is64,
        _ => false,
    };

    /// <summary>
    /// The legacy subdirectories in the order open_path tries them: <c>_dl_important_hwcaps</c>' power set of the
    /// components (hwcap bits in bit order, the platform, "tls"), most components first, the empty one (the
    /// directory itself) left to the caller.
    /// </summary>
    private static List<string> LegacyCombinations(List<string> hwcapBits, string? platform)
    {
        // The search tries "tls" first, then the platform, then the hwcap bits (elf/dl-hwcaps.c builds temp[] as
        // bits…, platform, tls and fills the result backwards).
        var comps = new List<string> { "tls" };
        if (platform is not null) comps.Add(platform);
        comps.AddRange(Enumerable.Reverse(hwcapBits));
        var combos = new List<string>();
        for (int mask = (1 << comps.Count) - 1; mask > 0; mask--)
        {
            var parts = new List<string>();
            for (int i = 0; i < comps.Count; i++)
                if ((mask & (1 << (comps.Count - 1 - i))) != 0) parts.Add(comps[i]);
            combos.Add(string.Join('/', parts));
        }
        return combos;
    }

    /// <summary>Without a readable loader: Debian multiarch directories when the root has them, else lib64 or lib.</summary>
    private static (IReadOnlyList<string> Dirs, string Lib) DistributionLayout(ElfFile main, RootedFileSystem fs)
    {
        var h = main.Header;
        string? triplet = Triplet(h.Machine, h.Is64, h.IsBigEndian, h.Flags);
        if (triplet is not null && (fs.IsDirectory($"/lib/{triplet}") || fs.IsDirectory($"/usr/lib/{triplet}")))
            return ([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib", "/usr/lib"], $"lib/{triplet}");
        if (h.Is64 && h.Machine is EM_X86_64 or EM_AARCH64 or EM_PPC64 or EM_S390 or EM_SPARCV9 or EM_MIPS or EM_RISCV or EM_LOONGARCH
            && (fs.IsDirectory("/lib64") || fs.IsDirectory("/usr/lib64")) && !(h.Machine == EM_AARCH64 && !fs.IsDirectory("/usr/lib64")))
            return (["/lib64", "/usr/lib64"], "lib64");
        return (["/lib", "/usr/lib"], "lib");
    }

    /// <summary>Known <c>_dl_hwcaps_subdirs</c> strings (sysdeps/*/dl-hwcaps-subdirs.c), as they appear in ld.so's bytes.</summary>
    private static readonly string[] HwcapsLists = ["x86-64-v4:x86-64-v3:x86-64-v2", "power10:power9", "z17:z16:z15:z14:z13", "z16:z15:z14:z13", "z15:z14:z13"];

    /// <summary>
    /// Reads the loader file inside the root (never runs it): its version banner ("… release version 2.36."),
    /// SYSTEM_DIRS (elf/gen-trusted-dirs.awk writes them as consecutive NUL-terminated absolute directories, each
    /// ending in '/'), and the glibc-hwcaps names it knows. The bytes are searched in place.
    /// </summary>
    private static LoaderFacts? ReadLoader(RootedFileSystem fs, string interp)
    {
        var r = fs.Resolve(interp);
        if (!r.Exists) return null;
        BinaryImage image;
        try { image = BinaryImage.Open(r.HostPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BinaryFormatException) { return null; }
        using (image)
        {
            ReadOnlySpan<byte> bytes = image.Span;
            var dirs = FindSystemDirs(bytes);
            string[] hwcaps = [];
            foreach (var list in HwcapsLists)
                if (bytes.IndexOf(Encoding.ASCII.GetBytes(list + "\0")) >= 0) { hwcaps = list.Split(':'); break; }
            return new LoaderFacts(ReadVersion(bytes), dirs, hwcaps);
        }
    }

    /// <summary>The "release version X.Y" of glibc's banner (elf/rtld.c, csu/version.c).</summary>
    private static Version? ReadVersion(ReadOnlySpan<byte> bytes)
    {
        int at = bytes.IndexOf("release version "u8);
        if (at < 0) return null;
        var rest = bytes[(at + 16)..];
        int major = 0, minor = 0, i = 0;
        for (; i < rest.Length && char.IsAsciiDigit((char)rest[i]); i++) major = major * 10 + (rest[i] - '0');
        if (i == 0 || i >= rest.Length || rest[i] != (byte)'.') return null;
        int j = ++i;
        for (; i < rest.Length && char.IsAsciiDigit((char)rest[i]); i++) minor = minor * 10 + (rest[i] - '0');
        return i == j ? null : new Version(major, minor);
    }

    /// <summary>The first run of at least two NUL-terminated "/…/" strings that includes a lib directory (SYSTEM_DIRS).</summary>
    internal static IReadOnlyList<string> FindSystemDirs(ReadOnlySpan<byte> data)
    {
        for (int at = data.IndexOf("/lib"u8); at >= 0;)
        {
            var run = new List<string>();
            int p = at;
            while (p < data.Length && data[p] == (byte)'/')
            {
                int nul = data[p..].IndexOf((byte)0);
                if (nul < 2 || data[p + nul - 1] != (byte)'/' || !IsPathBytes(data.Slice(p, nul))) break;
                run.Add(Encoding.ASCII.GetString(data.Slice(p, nul - 1)));
                p += nul + 1;
            }
            if (run.Count >= 2 && run.Any(d => d.Contains("lib", StringComparison.Ordinal))) return run;
            int next = data[(at + 1)..].IndexOf("/lib"u8);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return [];
    }

    private static bool IsPathBytes(ReadOnlySpan<byte> s)
    {
        foreach (byte b in s)
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'/' or (byte)'_' or (byte)'-' or (byte)'.')) return false;
        return true;
    }
}
