using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Go;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The Go readers on Mach-O and PE (<see cref="MachOGoExecutable"/>, <see cref="PeGoExecutable"/>) against
/// <c>go tool nm</c> (go1.19's own Mach-O and PE symbol readers): the pclntab's functions are exactly the text
/// symbols nm lists, the moduledata found by scanning data holds the addresses nm gives for
/// <c>runtime.text</c>/<c>etext</c>/<c>noptrdata</c>/<c>data</c>/<c>bss</c>, <c>runtime.buildVersion</c> is read
/// through the symbol table, and the DWARF producer (compressed <c>__zdebug_*</c>/<c>.zdebug_*</c>) names the
/// toolchain <c>go version</c> reports. Binaries built with <c>-s</c> are compared with nm of the same build without it.
/// </summary>
public sealed class GoMachOPeTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("cross-darwin-arm64", "Mach-O", null)]
    [InlineData("cross-darwin-amd64", "Mach-O", null)]
    [InlineData("cross-darwin-arm64-stripped", "Mach-O", "cross-darwin-arm64")]
    [InlineData("cross-windows-amd64.exe", "PE", null)]
    [InlineData("cross-windows-386.exe", "PE", null)]
    [InlineData("cross-windows-amd64-stripped.exe", "PE", "cross-windows-amd64.exe")]
    public void ReadersAgainstGoToolNm(string name, string format, string? unstripped)
    {
        string dir = GoFixtures.Cross();
        string path = Path.Combine(dir, name);
        string version = Tool.Run("go", ["version", path]).Stdout.Trim().Split(": ")[1];
        // go1.19's -s drops the COFF symbols of a PE file but keeps Mach-O's nlist table: nm says which.
        var own = Tool.Run("go", ["tool", "nm", path]);
        bool nmHasSymbols = own.ExitCode == 0;
        Assert.True(nmHasSymbols || (unstripped is not null && own.Stderr.Contains("no symbols")), own.Stderr);
        var nm = nmHasSymbols ? own : Tool.Run("go", ["tool", "nm", Path.Combine(dir, unstripped!)]);
        Assert.Equal(0, nm.ExitCode);
        var symbols = new Dictionary<string, (ulong Address, char Type)>();
        foreach (var line in nm.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Trim().Split(' ', 3);
            if (f.Length == 3 && f[1].Length == 1) symbols.TryAdd(f[2], (Convert.ToUInt64(f[0], 16), f[1][0]));
        }
        using var bin = GoBinary.Open(path);
        Assert.Equal(format, bin.Executable.FormatName);

        // pclntab: every text symbol nm lists is one of its functions (nm shows assembly functions with their ABI0
        // suffix, and on Mach-O the C-style ones with the "_" Go's linker adds; the pclntab also names functions that
        // were only inlined, so it may hold more). runtime.text/etext are markers, not functions.
        Assert.NotNull(bin.Pclntab);
        var functions = bin.Functions;
        var text = symbols.Where(s => s.Value.Type is 'T' or 't').Select(s => s.Key).ToList();
        static IEnumerable<string> Forms(string n)
        {
            yield return n;
            if (n.EndsWith(".abi0", StringComparison.Ordinal)) yield return n[..^5];
            if (n.StartsWith('_')) yield return n[1..];
        }
        var missing = text.Where(t => !Forms(t).Any(functions.Contains)).Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"{name}: {functions.Count} pclntab functions, nm: {text.Count} text symbols; not in the pclntab: {string.Join(' ', missing)}");
        Assert.True(text.Count > 1000);
        Assert.All(missing, m => Assert.True(m is "runtime.text" or "runtime.etext" || m.StartsWith("type..eq.", StringComparison.Ordinal), m));

        // moduledata, found without symbols, against nm's addresses.
        var md = bin.ModuleData;
        Assert.NotNull(md);
        Assert.Equal(symbols["runtime.text"].Address, md!.Text);
        Assert.Equal(symbols["runtime.etext"].Address, md.EText);
        if (nmHasSymbols)
        {
            // (The data of a -s build is laid out differently: compared only against the file's own symbols.)
            Assert.Equal(symbols["runtime.noptrdata"].Address, md.NoPtrData);
            Assert.Equal(symbols["runtime.data"].Address, md.Data);
            Assert.Equal(symbols["runtime.bss"].Address, md.Bss);
        }

        // The symbol table, when the file has one.
        bool hasSymbols = bin.Executable.TryFindSymbol("runtime.buildVersion"u8, out ulong bv, out ulong size);
        Assert.Equal(nmHasSymbols, hasSymbols);
        if (hasSymbols)
        {
            Assert.Equal(symbols["runtime.buildVersion"].Address, bv);
            Assert.Equal((ulong)(bin.Executable.Is64 ? 16 : 8), size);
        }
        var recovered = GoVersionRecovery.Recover(bin.Executable);
        Assert.Equal(version, recovered?.Version);
        Assert.Equal(hasSymbols ? "runtime.buildVersion symbol" : "runtime.buildVersion via moduledata", recovered!.Source);

        // DWARF (Go compresses it on both formats).
        if (bin.Dwarf is { } dwarf) Assert.Equal(version, GoVersionRecovery.FromDwarf(dwarf));
        else Assert.NotNull(unstripped);
        output.WriteLine($"{name}: {version}; moduledata at 0x{md.Address:x}; DWARF {(bin.Dwarf is null ? "absent" : "read")}");
    }

    /// <summary>
    /// A universal file made with llvm-lipo: go1.19 refuses it (the comparison with <c>go version -m</c> covers that);
    /// the current reader takes <c>Arches[0]</c>, whose build info must equal what go1.19 reads from that thin file.
    /// </summary>
    [Fact]
    public void UniversalFileReadsItsFirstSlice()
    {
        string dir = GoFixtures.Cross();
        string fat = Path.Combine(dir, "cross-darwin-universal");
        Assert.Contains("unrecognized file format", Tool.Run("go", ["version", fat]).Stderr);
        using var file = LinkDoctor.Formats.BinaryFile.Open(fat);
        Assert.Equal(2, file.Objects.Count);
        var first = (LinkDoctor.Formats.MachO.MachOFile)file.Objects[0];
        string thin = Path.Combine(dir, first.Machine == "arm64" ? "cross-darwin-arm64" : "cross-darwin-amd64");
        var r = GoBuildInfoReader.Read(GoExecutable.From(first)!, GoBuildInfoAlgorithm.Current);
        Assert.Null(r.Error);
        string expected = Tool.Run("go", ["version", "-m", thin]).Stdout;
        Assert.Equal(expected, $"{thin}: {r.Info!.GoVersion}\n\t{r.Info.ToGoString(includeGoVersion: false)[..^1].Replace("\n", "\n\t")}\n");
        output.WriteLine($"{fat}: slice 0 ({first.Machine}) reads as {thin}");
    }
}
