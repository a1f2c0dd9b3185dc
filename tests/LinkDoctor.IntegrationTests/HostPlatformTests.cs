using LinkDoctor.Formats.Elf;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders.Glibc;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// What LinkDoctor reads about a loader (its bytes, CPUID, /proc/self/auxv) against what the loader itself reports
/// when the TEST runs it (<c>ld.so --help</c>): system directories, glibc-hwcaps levels, the platform, the legacy
/// hwcaps components. The product never runs a loader; only this test does, to check the reading.
/// </summary>
public sealed class HostPlatformTests(ITestOutputHelper output)
{
    private sealed record Help(List<string> Dirs, List<string> Hwcaps, List<(string Name, bool Platform)> Legacy);

    private static Help ParseHelp(string text)
    {
        var help = new Help([], [], []);
        string section = "";
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd();
            if (line.StartsWith("Shared library search path", StringComparison.Ordinal)) { section = "dirs"; continue; }
            if (line.StartsWith("Subdirectories of glibc-hwcaps", StringComparison.Ordinal)) { section = "hwcaps"; continue; }
            if (line.StartsWith("Legacy HWCAP subdirectories", StringComparison.Ordinal)) { section = "legacy"; continue; }
            if (!line.StartsWith("  ", StringComparison.Ordinal)) { if (line.Length > 0) section = ""; continue; }
            string t = line.Trim();
            if (section == "dirs" && t.EndsWith("(system search path)", StringComparison.Ordinal)) help.Dirs.Add(t[..t.IndexOf(" (", StringComparison.Ordinal)]);
            if (section == "hwcaps" && t.Contains("searched)", StringComparison.Ordinal)) help.Hwcaps.Add(t[..t.IndexOf(' ')]);
            if (section == "legacy" && t.Contains("searched)", StringComparison.Ordinal)) help.Legacy.Add((t[..t.IndexOf(' ')], t.Contains("AT_PLATFORM", StringComparison.Ordinal)));
        }
        return help;
    }

    [Fact]
    public void TheHostPlatformReadFromFilesIsWhatTheHostLoaderSays()
    {
        var help = ParseHelp(Tool.Run(LoaderGroundTruthTests.HostLoader, ["--help"]).Stdout);
        using var image = BinaryImage.Open("/usr/bin/ls");
        var p = GlibcPlatform.For(ElfFile.Open(image), RootedFileSystem.Host);
        output.WriteLine($"dirs {string.Join(":", p.SystemDirectories)}; hwcaps {string.Join(",", p.HwcapsSubdirs)}; platform {p.Platform}; legacy {string.Join(",", p.LegacySubdirs)}; glibc {p.GlibcVersion}");
        Assert.Equal(help.Dirs, p.SystemDirectories);
        Assert.Equal(help.Hwcaps, p.HwcapsSubdirs);
        Assert.Equal(help.Legacy.FirstOrDefault(l => l.Platform).Name, p.Platform);
        // The legacy subdirectories are every combination of the searched components, the longest first.
        var components = help.Legacy.Select(l => l.Name).Distinct().ToHashSet();
        Assert.Equal(components, p.LegacySubdirs.SelectMany(s => s.Split('/')).ToHashSet());
        Assert.Equal((1 << help.Legacy.Count) - 1, p.LegacySubdirs.Count);
        Assert.Equal(new Version(2, 36), p.GlibcVersion);
        Assert.Empty(p.Assumptions);
    }

    [Theory]
    [InlineData("qemu-aarch64", ScenarioTests.ArmRoot, "/lib/ld-linux-aarch64.so.1")]
    [InlineData("qemu-i386", ScenarioTests.I386Root, "/lib/ld-linux.so.2")]
    public void AForeignRootsSystemDirectoriesComeFromItsLoadersBytes(string qemu, string root, string ldso)
    {
        var help = ParseHelp(Tool.Run(qemu, ["-L", root, root + ldso, "--help"]).Stdout);
        string lib = Directory.EnumerateFiles(Path.Combine(root, "lib"), "libz.so*").Concat(Directory.EnumerateFiles(Path.Combine(root, "lib"), "libm.so*")).First();
        using var image = BinaryImage.Open(lib);
        var p = GlibcPlatform.For(ElfFile.Open(image), new RootedFileSystem(root));
        output.WriteLine($"{root}: dirs {string.Join(":", p.SystemDirectories)}; assumptions: {string.Join("; ", p.Assumptions)}");
        Assert.Equal(help.Dirs, p.SystemDirectories);
        Assert.Equal(new Version(2, 36), p.GlibcVersion);
    }
}
