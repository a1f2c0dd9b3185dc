using LinkDoctor.Formats.Elf;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The readelf differential on binaries built at test time for other targets and link variants: aarch64,
/// i386, s390x (big-endian), musl, sysv/gnu/both hash styles, RPATH vs RUNPATH, stripped, and section-less
/// files (whose facts must come from PT_DYNAMIC and the hash tables alone).
/// </summary>
public sealed class CrossTargetTests(ITestOutputHelper output)
{
    public static string BuildAll() => Fixtures.Build("targets", string.Join("\n",
        Sources.BuildScript("gcc", "x86_64"),
        Sources.BuildScript("gcc", "x86_64-sysv", "-Wl,--hash-style=sysv"),
        Sources.BuildScript("gcc", "x86_64-both", "-Wl,--hash-style=both"),
        Sources.BuildScript("gcc", "x86_64-rpath", "-Wl,--disable-new-dtags -Wl,-z,now"),
        Sources.BuildScript("aarch64-linux-gnu-gcc", "aarch64"),
        Sources.BuildScript("i686-linux-gnu-gcc", "i386"),
        Sources.BuildScript("i686-linux-gnu-gcc", "i386-sysv", "-Wl,--hash-style=sysv"),
        Sources.BuildScript("s390x-linux-gnu-gcc", "s390x"),
        Sources.BuildScript("s390x-linux-gnu-gcc", "s390x-sysv", "-Wl,--hash-style=sysv"),
        Sources.BuildScript("musl-gcc", "musl"),
        """
        for d in "$OUT"/*; do
          mkdir -p "$d-stripped" "$d-nosections"
          for f in "$d"/*; do
            b=$(basename "$f")
            strip -o "$d-stripped/$b" "$f" 2>/dev/null || llvm-strip-14 -o "$d-stripped/$b" "$f"
            llvm-objcopy-14 --strip-sections "$f" "$d-nosections/$b"
          done
        done
        """), Sources.All);

    public static IEnumerable<object[]> Variants() =>
        new[] { "x86_64", "x86_64-sysv", "x86_64-both", "x86_64-rpath", "aarch64", "i386", "i386-sysv", "s390x", "s390x-sysv", "musl" }
        .Select(v => new object[] { v });

    [Theory]
    [MemberData(nameof(Variants))]
    public void BuiltBinariesAgreeWithReadelf(string variant)
    {
        string dir = Path.Combine(BuildAll(), variant);
        var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, files.Count);
        var plain = Differential.Compare(files);
        var stripped = Differential.Compare([.. files.Select(f => f.Replace(dir, dir + "-stripped"))]);
        // readelf 2.40 prints no symbols without section headers: the section-less copy must give exactly
        // the facts readelf gives for the original, now read from PT_DYNAMIC and DT_HASH/DT_GNU_HASH alone.
        var noSections = Differential.Compare([.. files.Select(f => f.Replace(dir, dir + "-nosections"))],
            readelfPathFor: f => f.Replace(dir + "-nosections", dir));
        foreach (var r in new[] { plain, stripped, noSections })
        {
            output.WriteLine($"{variant}: {r.Agree}/{r.Compared} agree, {r.Symbols} symbols");
            Assert.True(r.Mismatches.Count == 0, string.Join("\n", r.Mismatches));
        }
        Assert.True(plain.Symbols > 20, "the fixtures export and import symbols");
    }

    [Fact]
    public void SectionlessFilesSizeTheSymbolTableFromTheHashTables()
    {
        string root = BuildAll();
        foreach (var (variant, expected) in new[] { ("x86_64-nosections", "DT_GNU_HASH"), ("x86_64-sysv-nosections", "DT_HASH"), ("s390x-sysv-nosections", "DT_HASH"), ("x86_64", "section") })
        {
            using var image = BinaryImage.Open(Path.Combine(root, variant, "libfoo.so.1"));
            var elf = ElfFile.Open(image);
            Assert.Equal(expected, elf.DynamicSymbols!.CountSource);
            Assert.Equal("libfoo.so.1", elf.Dynamic!.SoName);
        }
    }

    [Fact]
    public void InspectReportsTargetFacts()
    {
        string root = BuildAll();
        var cases = new (string Variant, string Machine, string Class, string Endian, string Libc, string Interp)[]
        {
            ("x86_64", "x86_64", "ELF64", "little", "glibc", "/lib64/ld-linux-x86-64.so.2"),
            ("aarch64", "aarch64", "ELF64", "little", "glibc", "/lib/ld-linux-aarch64.so.1"),
            ("i386", "i386", "ELF32", "little", "glibc", "/lib/ld-linux.so.2"),
            ("s390x", "s390x", "ELF64", "big", "glibc", "/lib/ld64.so.1"),
            ("musl", "x86_64", "ELF64", "little", "musl", "/lib/ld-musl-x86_64.so.1"),
        };
        foreach (var c in cases)
        {
            var r = Reports.Inspector.Inspect(Path.Combine(root, c.Variant, "main"), new Reports.InspectOptions(Versions: true));
            Assert.Null(r.Error);
            Assert.Equal((c.Machine, c.Class, c.Endian, c.Libc, c.Interp), (r.Machine!, r.Class!, r.Endian!, r.Libc!, r.Interpreter!));
            Assert.Equal("pie-executable", r.Type);
            Assert.Contains("libfoo.so.1", r.Needed!);
            Assert.Equal("$ORIGIN/../lib:/opt/x", r.Runpath);
            if (c.Libc == "glibc")
            {
                var highest = r.Versions!.Highest.Single(h => h.Family == "FOO");
                Assert.Equal("FOO_2.0", highest.Version);
                Assert.Equal(["foo"], highest.Symbols);
            }
        }
        var rpath = Reports.Inspector.Inspect(Path.Combine(root, "x86_64-rpath", "main"), new Reports.InspectOptions());
        Assert.Equal(("$ORIGIN/../lib:/opt/x", (string?)null, true), (rpath.Rpath!, rpath.Runpath, rpath.BindNow!.Value));
    }
}
