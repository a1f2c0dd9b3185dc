using System.Diagnostics;
using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Go;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Every Go reader (build info, pclntab, moduledata, DWARF, ar, plugin hashes) on damaged copies of real Go
/// binaries, in process: truncation at every interesting boundary, pokes into the tables they read, random
/// corruption. Each copy must give a report or a one-line error, never an unexpected exception or a hang.
/// </summary>
public sealed class GoRobustnessTests(ITestOutputHelper output)
{
    private static readonly string[] Sources = ["pure", "netuser", "libcs.so", "libca.a"];

    [Fact]
    public void DamagedGoBinariesNeverCrash()
    {
        string modes = GoFixtures.Modes(), plugins = GoFixtures.Plugins(), cross = GoFixtures.Cross();
        var originals = Sources.Select(s => Path.Combine(modes, s)).Append(Path.Combine(plugins, "plug-ok.so")).Append(Path.Combine(cross, "cross-linux-s390x")).Append(Path.Combine(cross, "cross-linux-386"))
            .Append(Path.Combine(cross, "cross-darwin-arm64")).Append(Path.Combine(cross, "cross-windows-386.exe")).ToList();
        string dir = Path.Combine(Path.GetTempPath(), "ld-go-fuzz-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        var rng = new Random(20240601);
        int files = 0, reports = 0, errors = 0;
        long slowest = 0;
        try
        {
            foreach (var original in originals)
            {
                byte[] bytes = File.ReadAllBytes(original);
                var spots = InterestingOffsets(original, bytes);
                var variants = new List<byte[]>();
                foreach (int at in spots.Where(a => a > 0 && a < bytes.Length)) variants.Add(bytes[..at]);
                foreach (int at in spots.Where(a => a >= 0 && a + 8 <= bytes.Length))
                    foreach (var value in new byte[] { 0x00, 0xff, 0x7f, 0x80 })
                    {
                        var b = (byte[])bytes.Clone();
                        for (int k = 0; k < 8; k++) b[at + k] = k == 0 ? value : (byte)rng.Next(256);
                        variants.Add(b);
                    }
                for (int i = 0; i < 40; i++)
                {
                    var b = (byte[])bytes.Clone();
                    for (int k = 0; k < 64; k++) b[rng.Next(b.Length)] = (byte)rng.Next(256);
                    variants.Add(b);
                }
                foreach (var v in variants)
                {
                    string p = Path.Combine(dir, $"v{files++}");
                    File.WriteAllBytes(p, v);
                    var sw = Stopwatch.StartNew();
                    var r = GoAnalyzer.Analyze(p, new GoAnalysisOptions(Static: true));
                    slowest = Math.Max(slowest, sw.ElapsedMilliseconds);
                    if (r.Error is not null) { errors++; Assert.DoesNotContain('\n', r.Error); }
                    else reports++;
                    File.Delete(p);
                }
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
        output.WriteLine($"{files} damaged copies of {originals.Count} Go binaries: {reports} reports, {errors} one-line errors, slowest {slowest} ms");
        Assert.True(slowest < 20_000);
    }

    /// <summary>The offsets the Go readers depend on: the build info blob, the pclntab header and tables, moduledata, section headers, the ar headers.</summary>
    private static List<int> InterestingOffsets(string path, byte[] bytes)
    {
        var list = new List<int> { 0, 4, 16, 24, 32, 40, 48, 56, 60, 64, bytes.Length / 2, bytes.Length - 1 };
        int magic = GoVersionTests.FindMagic(bytes);
        if (magic >= 0) list.AddRange(Enumerable.Range(0, 12).Select(i => magic + i * 4));
        try
        {
            using var bin = GoBinary.Open(path);
            if (bin.Pclntab is { } t)
            {
                int o = (int)t.Offset.Value;
                list.AddRange(Enumerable.Range(0, 16).Select(i => o + i * 4));
            }
            if (bin.Elf is { } elf && elf.Header.ShOff > 0) list.Add((int)elf.Header.ShOff);
            // Mach-O: the nlist table and its strings, the compressed DWARF; PE: the COFF symbols and their strings.
            if (bin.Object is LinkDoctor.Formats.MachO.MachOFile m)
            {
                if (m.Symtab is { } st) list.AddRange([(int)st.SymOff, (int)st.SymOff + 16, (int)st.StrOff, (int)st.StrOff + 4]);
                foreach (var sec in m.Sections.Where(x => x.Name.StartsWith("__zdebug", StringComparison.Ordinal))) list.AddRange([(int)sec.Offset, (int)sec.Offset + 4, (int)sec.Offset + 12]);
            }
            if (bin.Object is LinkDoctor.Formats.Pe.PeFile pe && pe.FileHeader.PointerToSymbolTable > 0)
            {
                int sym = (int)pe.FileHeader.PointerToSymbolTable;
                list.AddRange([sym, sym + 18, sym + (int)pe.FileHeader.NumberOfSymbols * 18]);
                foreach (var sec in pe.Sections.Where(x => x.Name.StartsWith(".zdebug", StringComparison.Ordinal))) list.AddRange([(int)sec.PointerToRawData, (int)sec.PointerToRawData + 4]);
            }
        }
        catch (BinaryFormatException) { }
        if (GoArchive.HasMagic(bytes)) list.AddRange([8, 8 + 48, 8 + 58, 68]);
        return list.Distinct().ToList();
    }

    [Fact]
    public void BuildInfoTextParsesLikeGo()
    {
        // debug.ParseBuildInfo's error cases (src/runtime/debug/mod.go), with Go's messages.
        string? err;
        Assert.NotNull(GoBuildInfo.Parse("go1.19", "path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1\th1:x\n=>\tb\tv2\th1:y\nbuild\t-tags=a,b\nbuild\t\"a b\"=\"c d\"\n", out err));
        Assert.Null(err);
        Assert.Null(GoBuildInfo.Parse("go1.19", "path\tx\nmod\tx\n", out err));
        Assert.Equal("could not parse Go build info: line 2: expected 2 or 3 columns; got 1", err);
        Assert.Null(GoBuildInfo.Parse("go1.19", "=>\ta\tb\tc\n", out err));
        Assert.Equal("could not parse Go build info: line 1: replacement with no module on previous line", err);
        Assert.Null(GoBuildInfo.Parse("go1.19", "build\ta b=c\n", out err));
        Assert.Equal("could not parse Go build info: line 1: unquoted key \"a b\" must be quoted", err);
        Assert.Null(GoBuildInfo.Parse("go1.19", "build\tk=v w\n", out err));
        Assert.Equal("could not parse Go build info: line 1: unquoted value \"v w\" must be quoted", err);
        // Round trip through BuildInfo.String(): go1.19 writes an empty line after a replacement ("\t" alone in
        // go version -m; the fixtures' host shows it and EveryFixture compares it byte for byte).
        var bi = GoBuildInfo.Parse("go1.19", "path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1\th1:x\n=>\tb\tv2\th1:y\nbuild\t\"a b\"=\"c\\td\"\n", out _)!;
        Assert.Equal("path\tx\nmod\tx\t(devel)\t\ndep\ta\tv1\n=>\tb\tv2\th1:y\n\nbuild\t\"a b\"=\"c\\td\"\n", bi.ToGoString(includeGoVersion: false));
    }
}
