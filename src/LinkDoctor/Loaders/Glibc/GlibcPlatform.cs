using System.Diagnostics;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// What a glibc ld.so knows about its machine: the system directories (SYSTEM_DIRS), the glibc-hwcaps
/// subdirectories it searches (<c>_dl_hwcaps_subdirs</c>, best first), the legacy hwcaps subdirectories
/// (<c>_dl_important_hwcaps</c>: tls, AT_PLATFORM, AT_HWCAP bits; glibc ≤ 2.36), and <c>$LIB</c>/<c>$PLATFORM</c>.
/// For the host, these are read from the host loader's own <c>ld.so --help</c>; for a foreign root they are
/// the distribution defaults, and the model says so (<see cref="Assumptions"/>).
/// </summary>
public sealed record GlibcPlatform(
    IReadOnlyList<string> SystemDirectories,
    IReadOnlyList<string> HwcapsSubdirs,
    IReadOnlyList<string> LegacySubdirs,
    string Lib,
    string? Platform,
    DlCacheFlagCheck? CacheFlags,
    LegacyHwcapFilter? CacheLegacyFilter,
    IReadOnlyList<string> Assumptions)
{
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

    private static readonly object HostLock = new();
    private static GlibcPlatform? _host;
    private static string? _hostInterp;

    /// <summary>The platform for loading <paramref name="main"/> in <paramref name="fs"/>.</summary>
    public static GlibcPlatform For(ElfFile main, RootedFileSystem fs)
    {
        var h = main.Header;
        string? interp = main.Interpreter;
        if (fs.IsHost && interp is not null && IsHostMachine(h.Machine, h.Is64))
        {
            lock (HostLock)
            {
                if (_host is not null && _hostInterp == interp) return _host;
                var probed = ProbeHost(interp, main);
                if (probed is not null) { _host = probed; _hostInterp = interp; return probed; }
            }
        }
        return Defaults(main, fs);
    }

    private static bool IsHostMachine(ushort machine, bool is64) => System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => machine == EM_X86_64 && is64,
        System.Runtime.InteropServices.Architecture.Arm64 => machine == EM_AARCH64 && is64,
        _ => false,
    };

    /// <summary>The distribution defaults: Debian multiarch directories when the root has them, else lib64 or lib.</summary>
    public static GlibcPlatform Defaults(ElfFile main, RootedFileSystem fs)
    {
        var h = main.Header;
        string? triplet = Triplet(h.Machine, h.Is64, h.IsBigEndian, h.Flags);
        var dirs = new List<string>();
        string lib;
        if (triplet is not null && (fs.IsDirectory($"/lib/{triplet}") || fs.IsDirectory($"/usr/lib/{triplet}")))
        {
            dirs.AddRange([$"/lib/{triplet}", $"/usr/lib/{triplet}", "/lib", "/usr/lib"]);
            lib = $"lib/{triplet}";
        }
        else if (h.Is64 && h.Machine is EM_X86_64 or EM_AARCH64 or EM_PPC64 or EM_S390 or EM_SPARCV9 or EM_MIPS or EM_RISCV or EM_LOONGARCH
                 && (fs.IsDirectory("/lib64") || fs.IsDirectory("/usr/lib64")) && !(h.Machine == EM_AARCH64 && !fs.IsDirectory("/usr/lib64")))
        {
            dirs.AddRange(["/lib64", "/usr/lib64"]);
            lib = "lib64";
        }
        else
        {
            dirs.AddRange(["/lib", "/usr/lib"]);
            lib = "lib";
        }
        string? platform = h.Machine switch
        {
            EM_X86_64 => "x86_64", EM_386 => "i686", EM_AARCH64 => "aarch64", EM_S390 => h.Is64 ? "z900" : null,
            EM_PPC64 => h.IsBigEndian ? "power8" : "power8", _ => null,
        };
        return new GlibcPlatform(dirs, [], [], lib, platform, LdSoCache.RequiredFlagsFor(h.Machine, h.Is64, h.Flags), LegacyHwcapFilter.Glibc236NoCpuInfo,
            ["the target CPU is unknown: no glibc-hwcaps or legacy hwcaps subdirectories are assumed, $PLATFORM = " + (platform ?? "(none)")]);
    }

    /// <summary>Reads the host loader's own report (<c>ld.so --help</c>, glibc ≥ 2.33): directories, hwcaps, platform.</summary>
    private static GlibcPlatform? ProbeHost(string interp, ElfFile main)
    {
        string text;
        try
        {
            var psi = new ProcessStartInfo(interp, "--help") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi);
            if (p is null) return null;
            text = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return null;
        }
        var dirs = new List<string>();
        var hwcaps = new List<string>();
        var legacy = new List<(string Name, bool IsPlatform)>();
        string section = "";
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("Shared library search path", StringComparison.Ordinal)) { section = "dirs"; continue; }
            if (line.StartsWith("Subdirectories of glibc-hwcaps", StringComparison.Ordinal)) { section = "hwcaps"; continue; }
            if (line.StartsWith("Legacy HWCAP subdirectories", StringComparison.Ordinal)) { section = "legacy"; continue; }
            if (!line.StartsWith("  ", StringComparison.Ordinal)) { if (line.Length > 0) section = ""; continue; }
            string t = line.Trim();
            switch (section)
            {
                case "dirs" when t.EndsWith("(system search path)", StringComparison.Ordinal):
                    dirs.Add(t[..t.IndexOf(" (", StringComparison.Ordinal)]);
                    break;
                case "hwcaps" when t.Contains("searched)", StringComparison.Ordinal):
                    hwcaps.Add(t[..t.IndexOf(' ')]);
                    break;
                case "legacy" when t.Contains("searched)", StringComparison.Ordinal):
                    legacy.Add((t[..t.IndexOf(' ')], t.Contains("AT_PLATFORM", StringComparison.Ordinal)));
                    break;
            }
        }
        if (dirs.Count == 0) return null;
        var h = main.Header;
        string? platform = legacy.FirstOrDefault(l => l.IsPlatform).Name;
        // _dl_important_hwcaps orders path components tls, platform, then the hwcap bits, and tries every
        // combination, most components first (counting down over that bit order).
        var comps = legacy.Where(l => l.Name == "tls").Select(l => l.Name)
            .Concat(legacy.Where(l => l.IsPlatform).Select(l => l.Name))
            .Concat(legacy.Where(l => l.Name != "tls" && !l.IsPlatform).Select(l => l.Name)).ToList();
        var combos = new List<string>();
        for (int mask = (1 << comps.Count) - 1; mask > 0; mask--)
        {
            var parts = new List<string>();
            for (int i = 0; i < comps.Count; i++)
                if ((mask & (1 << (comps.Count - 1 - i))) != 0) parts.Add(comps[i]);
            combos.Add(string.Join('/', parts));
        }
        string lib = dirs[0].TrimStart('/');
        bool avx512 = legacy.Any(l => l.Name == "avx512_1");
        var cacheFilter = h.Machine == EM_X86_64 ? LegacyHwcapFilter.X86_64(platform, avx512) : LegacyHwcapFilter.Glibc236NoCpuInfo;
        return new GlibcPlatform(dirs, hwcaps, combos, lib, platform ?? (h.Machine == EM_X86_64 ? "x86_64" : null),
            LdSoCache.RequiredFlagsFor(h.Machine, h.Is64, h.Flags), cacheFilter, []);
    }
}
