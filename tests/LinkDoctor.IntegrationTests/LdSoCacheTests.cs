using System.Buffers.Binary;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Loaders.Glibc;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// ld.so.cache files written by the real ldconfig, read as <c>ldconfig -p</c> lists them and searched as the real
/// loaders search them (glibc 2.36 ld.so for x86_64, i386, aarch64 and s390x under qemu, each name's cache result
/// taken from its <c>LD_DEBUG=libs</c> "search cache" step).
/// </summary>
public sealed class LdSoCacheTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryEntryOfThisMachinesCacheMatchesLdconfigP()
    {
        Assert.True(LdSoCache.TryParse(File.ReadAllBytes("/etc/ld.so.cache"), out var cache, out var error), error);
        var ldconfig = LdconfigP("/etc/ld.so.cache");
        var ours = cache!.Entries.Select(e => e.ToLdconfigLine()).ToList();
        output.WriteLine($"{ours.Count} entries, ldconfig -p lists {ldconfig.Count}");
        Assert.True(ours.Count > 100);
        Assert.Equal(ldconfig, ours);
    }

    /// <summary>
    /// A root for <c>ldconfig -r</c>: every library name of this machine's /lib/x86_64-linux-gnu (one small library
    /// without a SONAME, so ldconfig keys it by the file name), the real i686 cross libraries, glibc-hwcaps
    /// subdirectories with x86 ISA level markers, and legacy hwcaps subdirectories; the cache in the three formats
    /// (legacy hwcaps only in the new one: ldconfig 2.36 corrupts the old table and its heap with them).
    /// </summary>
    private static string Root() => Path.Combine(Fixtures.Build("ldcache", """
        R="$OUT/root"
        mkdir -p "$R/etc" "$R/lib/x86_64-linux-gnu" "$R/usr/i686-linux-gnu" "$R/opt/isa" "$R/opt/leg"
        gcc -shared -fPIC -o stub.so f.c
        perl -e 'for (@ARGV) { my ($n) = m{([^/]+)$}; link "stub.so", "'"$R"'/lib/x86_64-linux-gnu/$n" or die "$n: $!" }' /lib/x86_64-linux-gnu/lib*.so*
        cp -al /usr/i686-linux-gnu/lib "$R/usr/i686-linux-gnu/" 2>/dev/null || { rm -rf "$R/usr/i686-linux-gnu/lib"; cp -a /usr/i686-linux-gnu/lib "$R/usr/i686-linux-gnu/"; }
        gcc -shared -fPIC -o "$R/opt/isa/libisa.so.1" -Wl,-soname,libisa.so.1 f.c
        for d in v2:v3 v3:v3 v4:v4; do
          mkdir -p "$R/opt/isa/glibc-hwcaps/x86-64-${d%:*}"
          gcc -shared -fPIC -o "$R/opt/isa/glibc-hwcaps/x86-64-${d%:*}/libisa.so.1" -Wl,-soname,libisa.so.1 -Wl,-z,x86-64-${d#*:} f.c
        done
        for d in "" tls haswell x86_64 avx512_1 xeon_phi i686 tls/haswell haswell/avx512_1; do
          mkdir -p "$R/opt/leg/$d"; cp stub.so "$R/opt/leg/$d/libleg.so.1"
        done
        printf '/lib/x86_64-linux-gnu\n/usr/i686-linux-gnu/lib\n/opt/isa\n' > "$R/etc/ld.so.conf"
        printf 'include /etc/ld.so.conf\n/opt/leg\n' > "$R/etc/ld.so.conf.legacy"
        ldconfig -X -r "$R" -c new -f /etc/ld.so.conf.legacy -C /etc/ld.so.cache.new
        for format in old compat; do ldconfig -X -r "$R" -c $format -C /etc/ld.so.cache.$format; done
        gcc -shared -nostdlib -o "$OUT/x86_64.so" f.c
        i686-linux-gnu-gcc -shared -nostdlib -o "$OUT/i386.so" f.c
        aarch64-linux-gnu-gcc -shared -nostdlib -o "$OUT/aarch64.so" f.c
        s390x-linux-gnu-gcc -shared -nostdlib -o "$OUT/s390x.so" f.c
        """, ("f.c", "int f(void) { return 1; }\n")), "root");

    private static List<string> LdconfigP(string file)
    {
        var r = Tool.Run("/sbin/ldconfig", ["-p", "-C", file]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout.Split('\n').Where(l => l.StartsWith('\t')).ToList();
    }

    [Theory]
    [InlineData("new", 1000)]
    [InlineData("old", 1000)]
    [InlineData("compat", 1000)]
    public void RealCachesListAsLdconfigPrintsThem(string format, int atLeast)
    {
        string file = Path.Combine(Root(), "etc", "ld.so.cache." + format);
        Assert.True(LdSoCache.TryParse(File.ReadAllBytes(file), out var cache, out var error), error);
        var ours = cache!.Entries.Select(e => e.ToLdconfigLine()).ToList();
        output.WriteLine($"{format}: {ours.Count} entries");
        Assert.True(ours.Count >= atLeast);
        Assert.Equal(LdconfigP(file), ours);
    }

    /// <summary>One glibc 2.36 loader: its qemu, CPU, path, ELF header facts, and how the x86_64 cache is turned into one it uses.</summary>
    public sealed record Loader(string Qemu, string? Cpu, string LdSo, string Program, ushort Machine, int AbiFlags, bool BigEndian);

    private static readonly Dictionary<string, Loader> Loaders = new()
    {
        ["x86_64 (qemu64: baseline)"] = new("qemu-x86_64", "qemu64", "/lib64/ld-linux-x86-64.so.2", "x86_64.so", 62, 0x303, false),
        ["x86_64 (Nehalem: v2)"] = new("qemu-x86_64", "Nehalem", "/lib64/ld-linux-x86-64.so.2", "x86_64.so", 62, 0x303, false),
        ["x86_64 (Haswell: v3, platform haswell)"] = new("qemu-x86_64", "Haswell", "/lib64/ld-linux-x86-64.so.2", "x86_64.so", 62, 0x303, false),
        ["i386"] = new("qemu-i386", null, "/usr/i686-linux-gnu/lib/ld-linux.so.2", "i386.so", 3, 0x303, false),
        ["aarch64 (x86-64 entries relabelled 0xa03)"] = new("qemu-aarch64", null, "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1", "aarch64.so", 183, 0xa03, false),
        ["s390x (big-endian, x86-64 entries relabelled 0x403)"] = new("qemu-s390x", null, "/usr/s390x-linux-gnu/lib/ld64.so.1", "s390x.so", 22, 0x403, true),
    };

    public static IEnumerable<object[]> Cases() =>
        from format in new[] { "new", "old", "compat" } from loader in Loaders.Keys select new object[] { format, loader };

    /// <summary>
    /// Every key of the cache (and names that are not in it), looked up by the real loader and by
    /// <see cref="LdSoCache.Lookup"/> with that loader's flags rule, glibc-hwcaps subdirectories, ISA level and
    /// legacy hwcaps (read from the same loader's <c>--help</c> under the same CPU).
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void LookupsMatchTheRealLoader(string format, string loaderName)
    {
        var loader = Loaders[loaderName];
        string original = Path.Combine(Root(), "etc", "ld.so.cache." + format);
        byte[] bytes = Relabel(File.ReadAllBytes(original), loader.AbiFlags, loader.BigEndian);
        using var vroot = new VirtualRoot(Root(), bytes);

        var names = LdconfigP(original).Select(l => l[1..l.IndexOf(" (", StringComparison.Ordinal)]).Distinct()
            .Concat(["libnotthere.so.1", "libc.so.5", "libc.so.7", "libc.so.6.1", "libisa.so.2", "libleg.so", "lib", "a", "zzz", "libz.so.1.2.3.4.5.6.7.8.9.10"])
            .ToList();
        var real = RealCacheResults(loader, vroot.Path, names);
        var options = OptionsFromHelp(loader, RequiredFlags(loader));
        Assert.True(LdSoCache.TryParse(bytes, out var cache, out var error, loader.BigEndian), error);

        var mismatches = real.Where(kv => cache!.Lookup(kv.Key, options) != kv.Value)
            .Select(kv => $"{kv.Key}: real {kv.Value ?? "(none)"}, ours {cache!.Lookup(kv.Key, options) ?? "(none)"}").ToList();
        int hits = real.Count(kv => kv.Value is not null);
        output.WriteLine($"{format}, {loaderName}: {real.Count} names searched ({hits} found in the cache), {real.Count - mismatches.Count} agree");
        // A name is not searched when an object already loaded answers to it (the loader itself, a SONAME seen before).
        Assert.True(real.Count >= names.Count * 98 / 100, $"the loader searched only {real.Count} of {names.Count} names");
        Assert.True(hits >= (loader.Machine == 62 ? 900 : 25), $"only {hits} cache hits");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)));
    }

    /// <summary>
    /// Not "compat": there ldconfig 2.36 writes the glibc-hwcaps name offsets relative to the new header while every
    /// reader takes them from the file start, so those names are bytes of the tables, which the byte swap changes.
    /// </summary>
    [Fact]
    public void BigEndianCachesListAsLdconfigPrintsTheirLittleEndianTwin()
    {
        foreach (var format in new[] { "new", "old" })
        {
            byte[] le = Relabel(File.ReadAllBytes(Path.Combine(Root(), "etc", "ld.so.cache." + format)), 0x403, bigEndian: false);
            string leFile = Path.GetTempFileName();
            try
            {
                File.WriteAllBytes(leFile, le);
                Assert.True(LdSoCache.TryParse(Relabel(le, 0x403, bigEndian: true), out var cache, out var error, targetBigEndian: true), error);
                Assert.Equal(LdconfigP(leFile), cache!.Entries.Select(e => e.ToLdconfigLine()).ToList());
                output.WriteLine($"{format}: {cache.Entries.Count} big-endian entries as ldconfig -p lists the little-endian file");
            }
            finally { File.Delete(leFile); }
        }
    }

    [Fact]
    public void ALoaderOfTheOtherByteOrderIgnoresTheCache()
    {
        var loader = Loaders["s390x (big-endian, x86-64 entries relabelled 0x403)"];
        byte[] le = Relabel(File.ReadAllBytes(Path.Combine(Root(), "etc", "ld.so.cache.new")), 0x403, bigEndian: false);
        using var vroot = new VirtualRoot(Root(), le);
        var real = RealCacheResults(loader, vroot.Path, ["libc.so.6", "libz.so.1", "libisa.so.1"]);
        Assert.Equal(3, real.Count);
        Assert.All(real.Values, Assert.Null);
        // glibc checks nlibs in the loader's byte order first: here that check already fails.
        Assert.False(LdSoCache.TryParse(le, out _, out var error, targetBigEndian: true));
        output.WriteLine(error);
        Assert.Contains("nlibs", error);
        Assert.True(LdSoCache.TryParse(le, out _, out _, targetBigEndian: false));
    }

    private static DlCacheFlagCheck RequiredFlags(Loader l) =>
        LdSoCache.RequiredFlagsFor(l.Machine, l.Machine != 3, 0) ?? throw new InvalidOperationException(l.LdSo);

    private static string[] QemuPrefix(Loader l, string root) => [.. l.Cpu is null ? [] : new[] { "-cpu", l.Cpu }, "-L", root];

    private static readonly Dictionary<string, string?> CleanEnv = new() { ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["QEMU_LD_PREFIX"] = null };

    /// <summary>
    /// For each name the loader searched: the path its cache lookup gave (the "trying file" line right after
    /// "search cache"), or null. The program is a library without dependencies given every name as DT_NEEDED.
    /// </summary>
    private static Dictionary<string, string?> RealCacheResults(Loader l, string root, IReadOnlyList<string> names)
    {
        string program = Path.Combine(root, "program.so");
        File.Copy(Path.Combine(Path.GetDirectoryName(Root())!, l.Program), program);
        Tool.Sh("patchelf " + string.Join(' ', names.Select(n => $"--add-needed '{n}'")) + $" '{program}'");
        var r = Tool.Run(l.Qemu, [.. QemuPrefix(l, root), "-E", "LD_DEBUG=libs", "-E", "LD_TRACE_LOADED_OBJECTS=1", l.LdSo, program], CleanEnv, timeoutMs: 120_000);
        var lines = r.Stderr.Split('\n').Select(s => s.IndexOf(":\t", StringComparison.Ordinal) is int i and >= 0 ? s[(i + 2)..] : s).ToList();
        var result = new Dictionary<string, string?>();
        for (int i = 0; i + 1 < lines.Count; i++)
        {
            if (!lines[i].StartsWith("find library=", StringComparison.Ordinal) || !lines[i + 1].StartsWith(" search cache=", StringComparison.Ordinal)) continue;
            string name = lines[i]["find library=".Length..lines[i].LastIndexOf(" [", StringComparison.Ordinal)];
            string? path = i + 2 < lines.Count && lines[i + 2].StartsWith("  trying file=", StringComparison.Ordinal) ? lines[i + 2]["  trying file=".Length..] : null;
            if (result.TryGetValue(name, out var seen)) Assert.Equal(seen, path);
            result[name] = path;
        }
        return result;
    }

    /// <summary>The loader's facts as its <c>--help</c> under the same qemu CPU reports them.</summary>
    private static LdSoCacheLookupOptions OptionsFromHelp(Loader l, DlCacheFlagCheck flags)
    {
        var help = Tool.Run(l.Qemu, [.. QemuPrefix(l, "/nonexistent"), l.LdSo, "--help"], CleanEnv).Stdout.Split('\n');
        List<string> Section(string title) => help.SkipWhile(s => !s.StartsWith(title, StringComparison.Ordinal)).Skip(1)
            .TakeWhile(s => s.StartsWith("  ", StringComparison.Ordinal)).Select(s => s.Trim()).ToList();
        var hwcaps = Section("Subdirectories of glibc-hwcaps").Where(s => s.EndsWith("searched)", StringComparison.Ordinal)).Select(s => s.Split(' ')[0]).ToList();
        var legacy = Section("Legacy HWCAP subdirectories");
        if (l.Machine != 62)
            return new LdSoCacheLookupOptions { Flags = flags, HwcapsSubdirs = hwcaps };
        uint isa1 = 1;
        foreach (var (name, bit) in new[] { ("x86-64-v2", 2u), ("x86-64-v3", 4u), ("x86-64-v4", 8u) })
            if (hwcaps.Contains(name)) isa1 |= bit;
        string? platform = legacy.FirstOrDefault(s => s.Contains("AT_PLATFORM", StringComparison.Ordinal))?.Split(' ')[0];
        bool avx512 = legacy.Any(s => s.StartsWith("avx512_1 (", StringComparison.Ordinal) && s.Contains("searched", StringComparison.Ordinal));
        return new LdSoCacheLookupOptions { Flags = flags, HwcapsSubdirs = hwcaps, X86Isa1 = isa1, LegacyHwcaps = LegacyHwcapFilter.X86_64(platform, avx512) };
    }

    /// <summary>A prefix for qemu -L: /etc/ld.so.cache is the given bytes, /lib, /usr and /opt are the ldconfig root's.</summary>
    private sealed class VirtualRoot : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("linkdoctor-ldcache-").FullName;

        public VirtualRoot(string root, byte[] cache)
        {
            Directory.CreateDirectory(System.IO.Path.Combine(Path, "etc"));
            File.WriteAllBytes(System.IO.Path.Combine(Path, "etc", "ld.so.cache"), cache);
            foreach (var d in new[] { "lib", "usr", "opt" })
                Directory.CreateSymbolicLink(System.IO.Path.Combine(Path, d), System.IO.Path.Combine(root, d));
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    /// <summary>
    /// A copy of a little-endian cache written by ldconfig on x86_64, with the flags of its x86-64 entries that any
    /// loader could take (no legacy hwcaps) set to <paramref name="abiFlags"/>, in the byte order asked for.
    /// The layout walk follows sysdeps/generic/dl-cache.h independently of <see cref="LdSoCache"/>.
    /// </summary>
    private static byte[] Relabel(byte[] le, int abiFlags, bool bigEndian)
    {
        byte[] b = (byte[])le.Clone();
        uint U32(int at) => BinaryPrimitives.ReadUInt32LittleEndian(le.AsSpan(at));
        void Put32(int at, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v); }
        void Swap32(int at) => Put32(at, U32(at));
        void Flags(int at, ulong hwcap) => Put32(at, U32(at) == 0x303 && (hwcap == 0 || (hwcap >> 32 & ~0x3ffUL) == 1UL << 30) ? (uint)abiFlags : U32(at));
        int header = 0;
        if (le.AsSpan().StartsWith("ld.so-1.7.0"u8))
        {
            int n = (int)U32(12);
            Swap32(12);
            for (int i = 0; i < n; i++) { int e = 16 + 12 * i; Flags(e, 0); Swap32(e + 4); Swap32(e + 8); }
            header = (16 + 12 * n + 7) & ~7;
            if (!le.AsSpan(header).StartsWith("glibc-ld.so.cache1.1"u8)) return b;
        }
        int count = (int)U32(header + 20), extension = (int)U32(header + 32);
        foreach (int at in new[] { 20, 24, 32 }) Swap32(header + at);
        b[header + 28] = bigEndian ? (byte)3 : (byte)2;
        for (int i = 0; i < count; i++)
        {
            int e = header + 48 + 24 * i;
            ulong hwcap = BinaryPrimitives.ReadUInt64LittleEndian(le.AsSpan(e + 16));
            Flags(e, hwcap); Swap32(e + 4); Swap32(e + 8); Swap32(e + 12);
            if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(e + 16), hwcap);
        }
        if (extension == 0) return b;
        int sections = (int)U32(extension + 4);
        Swap32(extension); Swap32(extension + 4);
        for (int s = 0; s < sections; s++)
        {
            int at = extension + 8 + 16 * s;
            if (U32(at) == 1) for (int i = 0; i < U32(at + 12) / 4; i++) Swap32((int)U32(at + 8) + 4 * i);
            for (int k = 0; k < 16; k += 4) Swap32(at + k);
        }
        return b;
    }
}
