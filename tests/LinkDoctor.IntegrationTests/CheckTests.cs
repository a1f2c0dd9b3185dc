using System.Text.Json;
using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders;

namespace LinkDoctor.IntegrationTests;

/// <summary>check: against the catalog (cross-checked with this Debian 12 machine) and against roots.</summary>
public sealed class CheckTests
{
    [Fact]
    public void TheCatalogAgreesWithThisMachine()
    {
        // This machine is Debian 12: its glibc and libstdc++ must be what the catalog says.
        string ldd = Tool.Run("ldd", ["--version"]).Stdout.Split('\n')[0];
        var debian = TargetCatalog.Find("bookworm")!;
        Assert.EndsWith(" " + debian.LibcVersion, ldd);
        using var image = BinaryImage.Open("/lib/x86_64-linux-gnu/libstdc++.so.6");
        var defs = Formats.Elf.ElfFile.Open(image).Versions.Definitions.Select(d => d.Name).ToList();
        var maxGlibcxx = defs.Where(d => VersionRequirements.TryParse(d, out var f, out _) && f == "GLIBCXX")
            .Select(d => d["GLIBCXX_".Length..]).OrderBy(v => v, Comparer<string>.Create(TargetCatalog.CompareVersions)).Last();
        Assert.Equal(debian.GlibcxxVersion, maxGlibcxx);
    }

    [Fact]
    public void ANewSymbolVersionFailsOnAnOlderTargetNamingTheSymbol()
    {
        // stat@GLIBC_2.33 and __libc_start_main@GLIBC_2.34 come from this machine's glibc 2.36.
        var r = Tool.LinkDoctor("check", "--json", "--target", "debian-11", "/usr/bin/ls");
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var glibc = doc.RootElement[0].GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "GLIBC version");
        Assert.False(glibc.GetProperty("ok").GetBoolean());
        Assert.Contains("__libc_start_main@GLIBC_2.34", glibc.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(0, Tool.LinkDoctor("check", "--target", "debian-12", "/usr/bin/ls").ExitCode);
        Assert.Equal(1, Tool.LinkDoctor("check", "--target", "alpine-3.20", "/usr/bin/ls").ExitCode);
        Assert.Equal(2, Tool.LinkDoctor("check", "--target", "no-such-distro", "/usr/bin/ls").ExitCode);
    }

    [Fact]
    public void AGlibcProgramInAMuslRootFailsOnTheInterpreter()
    {
        // A root with only musl's loader, like an unpacked Alpine image.
        string root = Directory.CreateTempSubdirectory("ld-muslroot").FullName;
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        File.Copy("/usr/lib/x86_64-linux-musl/libc.so", Path.Combine(root, "lib", "ld-musl-x86_64.so.1"));
        var report = PortabilityChecker.CheckInRoot(new LoadRequest { Program = "/usr/bin/ls", Root = new RootedFileSystem(root) });
        Assert.False(report.Ok);
        Assert.Contains(report.Checks, c => c.Check == "interpreter" && !c.Ok);
        var why = StartupSimulator.Simulate(new LoadRequest { Program = "/usr/bin/ls", Root = new RootedFileSystem(root) });
        Assert.Equal("bash: /usr/bin/ls: cannot execute: required file not found", why.LoaderOutput[0]);
        Assert.Contains(why.Fixes, f => f.Contains("gcompat"));
    }
}
