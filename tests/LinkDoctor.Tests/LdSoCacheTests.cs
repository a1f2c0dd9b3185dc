using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using LinkDoctor.Loaders.Glibc;
using Xunit.Abstractions;

namespace LinkDoctor.Tests;

/// <summary>
/// ld.so.cache files made by hand in every layout of sysdeps/generic/dl-cache.h, the lookups glibc's
/// <c>search_cache</c> gives on them (expected values worked out from elf/dl-cache.c), and damaged copies: a truncation
/// at every length, nlibs too large, string offsets out of range, every header byte poked. Whatever the damage,
/// <see cref="LdSoCache.TryParse"/> returns false with a reason or a cache whose every use ends without an exception.
/// (Caches written by the real ldconfig, against the real loaders, are in the integration tests.)
/// </summary>
public sealed class LdSoCacheTests(ITestOutputHelper output)
{
    private sealed record E(string Key, string Value, int Flags = 0x303, ulong Hwcap = 0);

    public enum Layout { New, Old, OldAndNew }

    /// <summary>
    /// Writes a cache as elf/cache.c <c>save_cache</c> lays it out: the entries in the given order (sorted by the caller,
    /// descending by <c>_dl_cache_libcmp</c>), new-table string offsets from the new header, old-table ones from the end of
    /// the old entries, glibc-hwcaps name offsets from the file start, the extension directory after the strings.
    /// </summary>
    private static byte[] Write(Layout layout, IReadOnlyList<E> entries, bool bigEndian = false, IReadOnlyList<string>? hwcaps = null, byte? endianFlags = null)
    {
        bool withOld = layout != Layout.New, withNew = layout != Layout.Old;
        var old = withOld ? entries.Where(e => e.Hwcap == 0).ToList() : [];
        if (withOld && withNew && old.Count % 2 == 1) old.Add(old[^1]); // ldconfig's even count keeps the new header 8-aligned
        int oldEnd = withOld ? 16 + 12 * old.Count : 0, newHeader = withOld && withNew ? (oldEnd + 7) & ~7 : 0;
        int stringsStart = withNew ? newHeader + 48 + 24 * entries.Count : oldEnd;
        var strings = new List<byte>();
        var at = new Dictionary<string, int>();
        int Str(string s)
        {
            if (!at.TryGetValue(s, out int p)) { at[s] = p = stringsStart + strings.Count; strings.AddRange(Encoding.UTF8.GetBytes(s)); strings.Add(0); }
            return p;
        }
        foreach (var e in entries) { Str(e.Key); Str(e.Value); }
        foreach (var h in hwcaps ?? []) Str(h);
        int extension = (stringsStart + strings.Count + 3) & ~3;
        var b = new byte[extension + (hwcaps is null ? 0 : 24 + 4 * hwcaps.Count)];
        void U32(int o, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v); }
        void U64(int o, ulong v) { if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v); }
        strings.CopyTo(b, stringsStart);
        if (withOld)
        {
            "ld.so-1.7.0"u8.CopyTo(b);
            U32(12, (uint)old.Count);
            for (int i = 0; i < old.Count; i++)
            {
                U32(16 + 12 * i, (uint)old[i].Flags); U32(20 + 12 * i, (uint)(Str(old[i].Key) - oldEnd)); U32(24 + 12 * i, (uint)(Str(old[i].Value) - oldEnd));
            }
        }
        if (withNew)
        {
            "glibc-ld.so.cache1.1"u8.CopyTo(b.AsSpan(newHeader));
            U32(newHeader + 20, (uint)entries.Count);
            U32(newHeader + 24, (uint)strings.Count);
            b[newHeader + 28] = endianFlags ?? (bigEndian ? (byte)3 : (byte)2);
            if (hwcaps is not null) U32(newHeader + 32, (uint)extension);
            for (int i = 0; i < entries.Count; i++)
            {
                int e = newHeader + 48 + 24 * i;
                U32(e, (uint)entries[i].Flags); U32(e + 4, (uint)(Str(entries[i].Key) - newHeader)); U32(e + 8, (uint)(Str(entries[i].Value) - newHeader));
                U64(e + 16, entries[i].Hwcap);
            }
        }
        if (hwcaps is not null)
        {
            U32(extension, 0xEAA42174); U32(extension + 4, 1);
            U32(extension + 8, 1); U32(extension + 16, (uint)extension + 24); U32(extension + 20, 4 * (uint)hwcaps.Count);
            for (int i = 0; i < hwcaps.Count; i++) U32(extension + 24 + 4 * i, (uint)Str(hwcaps[i]));
        }
        return b;
    }

    private static LdSoCache Parse(byte[] bytes, bool bigEndian = false)
    {
        Assert.True(LdSoCache.TryParse(bytes, out var cache, out var error, bigEndian), error);
        return cache!;
    }

    private static readonly DlCacheFlagCheck X86_64 = LdSoCache.RequiredFlagsFor(62, true, 0)!.Value;
    private static readonly DlCacheFlagCheck I386 = LdSoCache.RequiredFlagsFor(3, false, 0)!.Value;
    private static string? Find(LdSoCache c, string name, DlCacheFlagCheck? flags = null) =>
        c.Lookup(name, new LdSoCacheLookupOptions { Flags = flags ?? X86_64 });

    /// <summary>Sorted as ldconfig sorts: descending by _dl_cache_libcmp (10 after 9 numerically, so first), equal keys by flags.</summary>
    private static readonly E[] Plain =
    [
        new("libz.so.1", "/lib/libz.so.1"),
        new("libfoo.so.10", "/a/libfoo.so.10"),
        new("libfoo.so.9", "/a/libfoo.so.9"),
        new("libfoo.so.2", "/i386/libfoo.so.2", 3),
        new("libfoo.so.2", "/x86_64/libfoo.so.2"),
        new("libc.so.6", "/lib/libc.so.6"),
        new("libbar.so", "/elf/libbar.so", 1),
        new("liba.so.1", "/lib/liba.so.1"),
    ];

    [Theory]
    [InlineData(Layout.New, false)]
    [InlineData(Layout.Old, false)]
    [InlineData(Layout.OldAndNew, false)]
    [InlineData(Layout.New, true)]
    [InlineData(Layout.Old, true)]
    [InlineData(Layout.OldAndNew, true)]
    public void EveryLayoutAndByteOrderGivesTheSameLookups(Layout layout, bool bigEndian)
    {
        var c = Parse(Write(layout, Plain, bigEndian), bigEndian);
        Assert.Equal(Plain.Select(e => $"\t{e.Key} ({(e.Flags == 0x303 ? "libc6,x86-64" : e.Flags == 3 ? "libc6" : "ELF")}) => {e.Value}"),
            c.Entries.Select(e => e.ToLdconfigLine()));
        Assert.Equal("/lib/libz.so.1", Find(c, "libz.so.1"));
        Assert.Equal("/a/libfoo.so.9", Find(c, "libfoo.so.9"));
        Assert.Equal("/a/libfoo.so.9", Find(c, "libfoo.so.09"));    // digit runs compare as numbers
        Assert.Equal("/a/libfoo.so.10", Find(c, "libfoo.so.10"));
        Assert.Equal("/x86_64/libfoo.so.2", Find(c, "libfoo.so.2")); // flags 3 is not x86_64's
        Assert.Equal("/i386/libfoo.so.2", Find(c, "libfoo.so.2", I386));
        Assert.Equal("/elf/libbar.so", Find(c, "libbar.so", I386));  // the generic rule also takes FLAG_ELF
        Assert.Null(Find(c, "libbar.so"));
        Assert.Equal("/lib/liba.so.1", Find(c, "liba.so.1"));
        Assert.Null(Find(c, "libfoo.so.3"));
        Assert.Null(Find(c, "libc.so.6.1"));
        Assert.Null(Find(c, ""));
        Assert.False(LdSoCache.TryParse(Write(layout, Plain, bigEndian), out _, out var error, !bigEndian));
        output.WriteLine($"{layout}, {(bigEndian ? "big" : "little")}-endian, read in the other order: {error}");
    }

    [Fact]
    public void TheLoaderUsesOnlyTheNewTableOfACombinedFile()
    {
        var bytes = Write(Layout.OldAndNew, Plain);
        // A bogus old table: neither the loader nor ldconfig -p looks at it once there is a new one.
        for (int i = 0; i < 8; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(20 + 12 * i), 0xffffff00);
        var c = Parse(bytes);
        Assert.Equal("/lib/libz.so.1", Find(c, "libz.so.1"));
        Assert.Equal(Plain.Length, c.Entries.Count);
    }

    [Theory]
    [InlineData(0, true)]     // unset: either order
    [InlineData(1, false)]    // cache_file_new_flags_endian_invalid
    [InlineData(2, true)]
    [InlineData(3, false)]    // big-endian, read by a little-endian loader
    [InlineData(6, true)]     // only the low two bits count
    [InlineData(4, false)]    // nonzero with the low bits unset matches neither order
    public void TheEndiannessFlagsDecideAsCacheFileNewMatchesEndian(byte flags, bool used)
    {
        var bytes = Write(Layout.New, Plain, endianFlags: flags);
        Assert.Equal(used, LdSoCache.TryParse(bytes, out _, out var error, targetBigEndian: false));
        if (!used) { Assert.Contains("flags", error); output.WriteLine(error); }
        Assert.Equal(used, LdSoCache.TryParse(Write(Layout.OldAndNew, Plain, endianFlags: flags), out _, out _, targetBigEndian: false));
    }

    private static readonly string[] HwcapsNames = ["x86-64-v2", "x86-64-v3", "x86-64-v4"];

    /// <summary>glibc-hwcaps entries (bit 62, ISA level in bits 32..41, index in the low bits) come first; then the plain one.</summary>
    private static readonly E[] Hwcaps =
    [
        new("libisa.so.1", "/isa/glibc-hwcaps/x86-64-v4/libisa.so.1", Hwcap: 1UL << 62 | 3UL << 32 | 2),
        new("libisa.so.1", "/isa/glibc-hwcaps/x86-64-v3/libisa.so.1", Hwcap: 1UL << 62 | 2UL << 32 | 1),
        new("libisa.so.1", "/isa/glibc-hwcaps/x86-64-v2/libisa.so.1", Hwcap: 1UL << 62 | 2UL << 32 | 0), // needs v3
        new("libisa.so.1", "/isa/libisa.so.1"),
        new("libc.so.6", "/lib/libc.so.6"),
    ];

    [Theory]
    [InlineData("x86-64-v4 x86-64-v3 x86-64-v2", 15u, "/isa/glibc-hwcaps/x86-64-v4/libisa.so.1")]
    [InlineData("x86-64-v3 x86-64-v2", 7u, "/isa/glibc-hwcaps/x86-64-v3/libisa.so.1")]
    [InlineData("x86-64-v2 x86-64-v3", 7u, "/isa/glibc-hwcaps/x86-64-v2/libisa.so.1")] // the order given is the priority
    [InlineData("x86-64-v2", 3u, "/isa/libisa.so.1")]                                    // its v2 library needs v3
    [InlineData("x86-64-v2", null, "/isa/glibc-hwcaps/x86-64-v2/libisa.so.1")]           // no ISA check off x86
    [InlineData("", 15u, "/isa/libisa.so.1")]
    [InlineData("x86-64-v5", 15u, "/isa/libisa.so.1")]
    public void GlibcHwcapsEntriesFollowThePriorityAndTheIsaLevel(string active, uint? isa1, string expected)
    {
        var c = Parse(Write(Layout.New, Hwcaps, hwcaps: HwcapsNames));
        var options = new LdSoCacheLookupOptions { Flags = X86_64, HwcapsSubdirs = active.Split(' ', StringSplitOptions.RemoveEmptyEntries), X86Isa1 = isa1 };
        Assert.Equal(expected, c.Lookup("libisa.so.1", options));
        Assert.Equal("/lib/libc.so.6", c.Lookup("libc.so.6", options));
        Assert.Equal("\tlibisa.so.1 (libc6,x86-64, hwcap: \"x86-64-v3\") => /isa/glibc-hwcaps/x86-64-v3/libisa.so.1", c.Entries[1].ToLdconfigLine());
    }

    [Fact]
    public void WithoutAValidHwcapsSectionGlibcHwcapsEntriesAreNeverTaken()
    {
        var options = new LdSoCacheLookupOptions { Flags = X86_64, HwcapsSubdirs = ["x86-64-v3"], X86Isa1 = 15 };
        var bytes = Write(Layout.New, Hwcaps, hwcaps: HwcapsNames);
        int extension = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(32));
        foreach (var (at, value) in new[] { (32, (uint)extension + 2), (extension, 0u), (extension + 4, 1000u), (extension + 16, 0x7fffffffu), (extension + 20, 6u), (extension + 20, 0u) })
        {
            var damaged = (byte[])bytes.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(damaged.AsSpan(at), value);
            var c = Parse(damaged);
            Assert.Equal("/isa/libisa.so.1", c.Lookup("libisa.so.1", options));
            Assert.Equal($"\tlibisa.so.1 (libc6,x86-64, hwcap: 0x{1UL << 62 | 2UL << 32 | 1:x16}) => /isa/glibc-hwcaps/x86-64-v3/libisa.so.1", c.Entries[1].ToLdconfigLine());
        }
    }

    [Fact]
    public void AHwcapsNameOutsideTheFileEndsTheMergeWhereGlibcWouldSpinForever()
    {
        var bytes = Write(Layout.New, Hwcaps, hwcaps: HwcapsNames);
        int extension = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(32));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(extension + 24), 0xfffffff0); // the name of x86-64-v2
        var c = Parse(bytes);
        var options = new LdSoCacheLookupOptions { Flags = X86_64, HwcapsSubdirs = ["x86-64-v3", "x86-64-v2"], X86Isa1 = 15 };
        Assert.Equal("/isa/glibc-hwcaps/x86-64-v3/libisa.so.1", c.Lookup("libisa.so.1", options));
        Assert.Contains("hwcap: 0x4000000200000000", c.Entries[2].ToLdconfigLine());
    }

    /// <summary>Legacy subdirectories as ldconfig 2.36 records them: tls bit 63, platforms haswell 50 / i686 49, x86_64 bit 1.</summary>
    private static readonly E[] Legacy =
    [
        new("libleg.so.1", "/leg/tls/haswell/libleg.so.1", Hwcap: 1UL << 63 | 1UL << 50),
        new("libleg.so.1", "/leg/haswell/libleg.so.1", Hwcap: 1UL << 50),
        new("libleg.so.1", "/leg/tls/libleg.so.1", Hwcap: 1UL << 63),
        new("libleg.so.1", "/leg/i686/libleg.so.1", Hwcap: 1UL << 49),
        new("libleg.so.1", "/leg/avx512_1/libleg.so.1", Hwcap: 1UL << 2),
        new("libleg.so.1", "/leg/x86_64/libleg.so.1", Hwcap: 1UL << 1),
        new("libleg.so.1", "/leg/libleg.so.1"),
    ];

    [Fact]
    public void LegacyHwcapsEntriesPassTheFilterOfTheirGlibc()
    {
        var c = Parse(Write(Layout.New, Legacy));
        string? Leg(LegacyHwcapFilter? filter, int skip = 0)
        {
            var entries = Write(Layout.New, Legacy.Skip(skip).ToArray());
            return Parse(entries).Lookup("libleg.so.1", new LdSoCacheLookupOptions { Flags = X86_64, LegacyHwcaps = filter });
        }
        Assert.Equal("/leg/tls/haswell/libleg.so.1", Leg(LegacyHwcapFilter.X86_64("haswell", false)));
        Assert.Equal("/leg/tls/libleg.so.1", Leg(LegacyHwcapFilter.X86_64("x86_64", false)));
        Assert.Equal("/leg/tls/libleg.so.1", Leg(LegacyHwcapFilter.Glibc236NoCpuInfo));
        Assert.Equal("/leg/libleg.so.1", Leg(null)); // glibc >= 2.40
        Assert.Equal("/leg/avx512_1/libleg.so.1", Leg(LegacyHwcapFilter.X86_64("x86_64", true), skip: 3));
        Assert.Equal("/leg/x86_64/libleg.so.1", Leg(LegacyHwcapFilter.X86_64("x86_64", false), skip: 3));
        Assert.Equal("/leg/libleg.so.1", Leg(LegacyHwcapFilter.Glibc236NoCpuInfo, skip: 3));
        Assert.Equal("\tlibleg.so.1 (libc6,x86-64, hwcap: 0x8004000000000000) => /leg/tls/haswell/libleg.so.1", c.Entries[0].ToLdconfigLine());
    }

    [Fact]
    public void ATruncatedCacheIsIgnoredOrReadUpToItsEnd()
    {
        int cases = 0;
        foreach (var layout in Enum.GetValues<Layout>())
        {
            var bytes = Write(layout, [.. Hwcaps, .. Plain.Skip(1)], hwcaps: layout == Layout.Old ? null : HwcapsNames);
            // 12 entries, 9 without hwcap in an old table (10 in front of a new one); an old table whose new header is cut
            // short is used alone, as glibc does, while a cut in the new entries (which glibc would read past) is an error.
            Func<int, bool> expected = layout switch
            {
                Layout.New => n => n >= 48 + 24 * 12,
                Layout.Old => n => n >= 16 + 12 * 9,
                _ => n => n >= 136 && n < 136 + 48 || n >= 136 + 48 + 24 * 12,
            };
            for (int length = 0; length < bytes.Length; length++, cases++)
            {
                bool parsed = Exercise(bytes[..length], out var error);
                Assert.True(parsed == expected(length), $"{layout} cut at {length}: {error}");
                if (error is not null) Assert.Matches("^ld.so.cache: .* at offset 0x[0-9a-f]+$", error);
            }
        }
        output.WriteLine($"{cases} truncated caches");
    }

    [Theory]
    [InlineData(Layout.New, 20, 0xffffffffu)]
    [InlineData(Layout.New, 20, 0u)]           // one more than fits
    [InlineData(Layout.Old, 12, 0xffffffffu)]
    [InlineData(Layout.Old, 12, 0x15555556u)]  // 12 * nlibs wraps to 8 in 32 bits
    [InlineData(Layout.OldAndNew, 12, 0xffffffffu)]
    [InlineData(Layout.OldAndNew, 112 + 20, 0x0aaaaaabu)] // the embedded new table (glibc does not check it): 24 * nlibs wraps to 8
    public void NlibsTooLargeIsAnError(Layout layout, int at, uint nlibs)
    {
        var bytes = Write(layout, Plain);
        if (nlibs == 0) nlibs = (uint)(bytes.Length - 48) / 24 + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), nlibs);
        Assert.False(LdSoCache.TryParse(bytes, out _, out var error));
        output.WriteLine(error);
        Assert.Matches("nlibs .* does not fit|new-format entries .* past end of file", error);
    }

    [Fact]
    public void StringOffsetsOutOfRangeSkipTheEntryOrEndTheSearchAsGlibcDoes()
    {
        var bytes = Write(Layout.New, Plain);
        void Poke(int entry, int field, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(48 + 24 * entry + field), value);
        Poke(4, 8, (uint)bytes.Length);  // libfoo.so.2's x86_64 value: that entry is skipped
        Poke(0, 4, 0xfffffff0);          // libz.so.1's key: a search that meets it gives up
        var c = Parse(bytes);
        Assert.Null(Find(c, "libfoo.so.2"));
        Assert.Equal("/i386/libfoo.so.2", Find(c, "libfoo.so.2", I386));
        Assert.Null(Find(c, "libz.so.1"));
        Assert.Equal("/a/libfoo.so.9", Find(c, "libfoo.so.9")); // its search never looks at entry 0
        Assert.Equal(Plain.Length - 2, c.Entries.Count);
        Poke(3, 4, 0x80000000);          // the middle of the first probe: every search gives up
        Assert.All(Plain, e => Assert.Null(Find(Parse(bytes), e.Key)));
    }

    [Fact]
    public void EveryBytePokedNeverThrowsOrHangs()
    {
        var watch = Stopwatch.StartNew();
        int cases = 0, parsed = 0;
        foreach (var layout in Enum.GetValues<Layout>())
        {
            var bytes = Write(layout, [.. Hwcaps, .. Legacy], hwcaps: layout == Layout.Old ? null : HwcapsNames);
            for (int at = 0; at < bytes.Length; at++)
                foreach (byte value in new byte[] { 0, 1, 0x7f, 0x80, 0xff, (byte)(bytes[at] + 1), (byte)(bytes[at] - 1) })
                {
                    var poked = (byte[])bytes.Clone();
                    poked[at] = value;
                    cases++;
                    if (Exercise(poked, out _)) parsed++;
                }
        }
        output.WriteLine($"{cases} poked caches, {parsed} still parsed, {watch.ElapsedMilliseconds} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60));
    }

    /// <summary>Parses, lists, and looks up every name with several rules; false with the error when the cache is ignored.</summary>
    private static bool Exercise(byte[] bytes, out string? error)
    {
        if (!LdSoCache.TryParse(bytes, out var c, out error))
        {
            Assert.Null(c);
            Assert.False(string.IsNullOrWhiteSpace(error));
            Assert.DoesNotContain('\n', error);
            return false;
        }
        foreach (var e in c!.Entries) e.ToLdconfigLine();
        var rules = new[]
        {
            new LdSoCacheLookupOptions { Flags = X86_64, HwcapsSubdirs = HwcapsNames, X86Isa1 = 15, LegacyHwcaps = LegacyHwcapFilter.X86_64("haswell", true) },
            new LdSoCacheLookupOptions { Flags = I386, HwcapsSubdirs = ["x86-64-v2", "x86-64-v3"], LegacyHwcaps = null },
        };
        foreach (var name in new[] { "libisa.so.1", "libleg.so.1", "libc.so.6", "libz.so.1", "x" })
            foreach (var rule in rules) c.Lookup(name, rule);
        return true;
    }

    [Fact]
    public void LibCmpComparesDigitRunsAsNumbersAndCharsWithTheTargetsSignedness()
    {
        int Cmp(string a, string b, bool signedChar = true) => Math.Sign(LdSoCache.LibCmp(Encoding.Latin1.GetBytes(a), Encoding.Latin1.GetBytes(b), signedChar));
        Assert.Equal(0, Cmp("libc.so.6", "libc.so.6"));
        Assert.Equal(1, Cmp("libfoo.so.10", "libfoo.so.9"));
        Assert.Equal(0, Cmp("libfoo.so.007", "libfoo.so.7"));
        Assert.Equal(1, Cmp("a1", "ab"));   // a digit sorts after any other byte
        Assert.Equal(-1, Cmp("ab", "a1"));
        Assert.Equal(-1, Cmp("lib", "libc"));
        Assert.Equal(1, Cmp("libc", "lib"));
        Assert.Equal(-1, Cmp("\u00e9", "e"));  // 0xe9 is negative as a signed char
        Assert.Equal(1, Cmp("\u00e9", "e", signedChar: false));
    }

    [Fact]
    public void TheFlagsRulesAreThoseOfEachAbisDlCacheH()
    {
        (int, int, bool)? Rule(ushort machine, bool is64, uint flags = 0) =>
            LdSoCache.RequiredFlagsFor(machine, is64, flags) is { } r ? (r.DefaultId, r.AlsoAccepted, r.CharIsSigned) : null;
        Assert.Equal((0x303, 0, true), Rule(62, true));
        Assert.Equal((0x803, 0, true), Rule(62, false));
        Assert.Equal((3, 1, true), Rule(3, false));
        Assert.Equal((0xa03, 0, false), Rule(183, true));
        Assert.Null(Rule(183, false));
        Assert.Equal((3, 0x903, false), Rule(40, false, 0x05000400));
        Assert.Equal((3, 0xb03, false), Rule(40, false, 0x05000200));
        Assert.Equal((0x403, 0, false), Rule(22, true));
        Assert.Equal((0x503, 0, false), Rule(21, true));
        Assert.Equal((0x1003, 0, false), Rule(243, true, 0x5));
        Assert.Equal((0xe03, 0, true), Rule(8, true, 0x400));
        Assert.Equal((0x603, 0, true), Rule(8, false, 0x20));
        Assert.True(LdSoCache.RequiredFlagsFor(3, false, 0)!.Value.Accepts(1));
        Assert.False(LdSoCache.RequiredFlagsFor(62, true, 0)!.Value.Accepts(3));
    }
}
