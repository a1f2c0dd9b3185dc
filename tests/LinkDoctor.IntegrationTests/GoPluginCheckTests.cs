using System.Text.Json;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>plugin-check HOST PLUGIN...</c> against the real thing: the host (built at test time) calls plugin.Open on
/// each argument in order and prints OK or the error; our line for each plugin must equal its line (for a fatal
/// runtime throw, the first stderr line and exit status 2).
/// </summary>
public sealed class GoPluginCheckTests(ITestOutputHelper output)
{
    /// <summary>Label, host, plugins, and what the case is about (the message id of the last plugin's outcome, or OK), so that a case cannot pass by accident.</summary>
    public static TheoryData<string, string, string[], string> Pairs => new()
    {
        { "compatible", "host", ["./plug-ok.so"], "OK" },
        { "same plugin twice", "host", ["./plug-ok.so", "./plug-ok.so"], "OK" },
        { "a copy under another name", "host", ["./plug-ok.so", "./plug-copy.so"], "go-plugin.already-loaded" },
        { "differing package source", "host", ["./plug-src.so"], "go-plugin.different-version" },
        { "differing dependency version", "host", ["./plug-dep.so"], "go-plugin.different-version" },
        { "differing build tags", "host", ["./plug-tags.so"], "go-plugin.different-version" },
        { "differing -gcflags", "host", ["./plug-gcflags.so"], "go-plugin.different-version" },
        { "cgo-less host", "host-nocgo", ["./plug-ok.so"], "go-plugin.not-implemented" },
        { "missing file", "host", ["./nope.so"], "go-plugin.realpath-failed" },
        { "missing C dependency (dlopen)", "host", ["./plug-cdep.so"], "go-plugin.dlopen" },
        { "a failed plugin stays loaded", "host", ["./plug-dep.so", "./plug-ok.so", "./plug-dep.so", "./plug-tags.so"], "go-plugin.different-version" },
        { "previous failure under another spelling", "host", ["./plug-src.so", "plug-src.so", "./plug-src"], "go-plugin.realpath-failed" },
        { "a non-Go library first (fatal)", "host", ["/usr/lib/x86_64-linux-gnu/libz.so.1", "./plug-ok.so"], "go-plugin.no-module-data" },
        { "a non-Go library after a plugin", "host", ["./plug-ok.so", "/usr/lib/x86_64-linux-gnu/libz.so.1"], "go-plugin.already-loaded" },
        { "a failure, then the same package from a later plugin", "host", ["./plug-gcflags.so", "./plug-tags.so", "./plug-dep.so", "./plug-src.so", "./plug-cdep.so", "./plug-ok.so"], "OK" },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    public void EqualsRealPluginOpen(string label, string host, string[] plugins, string about)
    {
        string dir = GoFixtures.Plugins();
        var real = Tool.Run(Path.Combine(dir, host), plugins, workingDirectory: dir);
        var expected = real.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (real.ExitCode == 2) expected.Add(real.Stderr.Split('\n')[0]); // a runtime throw: "fatal error: …"
        var ours = Tool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"), "plugin-check", "./" + host, .. plugins], workingDirectory: dir);
        Assert.True(ours.ExitCode is 0 or 1, ours.Stderr);
        var lines = ours.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith(' ')).ToList();
        Assert.Equal(expected, lines);
        Assert.Equal(expected.All(l => l == "OK") && real.ExitCode == 0 ? 0 : 1, ours.ExitCode);
        var json = Tool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"), "plugin-check", "--json", "./" + host, .. plugins], workingDirectory: dir);
        using var doc = JsonDocument.Parse(json.Stdout);
        var last = doc.RootElement.EnumerateArray().Last();
        Assert.Equal(about, last.TryGetProperty("messageId", out var id) ? id.GetString() : "OK");
        output.WriteLine($"{label}: {string.Join(" | ", expected)}");
        output.WriteLine(ours.Stdout);
    }

    /// <summary>Every differing package is named, each with a reason the binaries show.</summary>
    [Fact]
    public void NamesEveryDifferingPackageWithAReason()
    {
        string dir = GoFixtures.Plugins();
        var r = Tool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"), "plugin-check", "--json", "./host", "./plug-gcflags.so", "./plug-tags.so", "./plug-dep.so"], workingDirectory: dir);
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var reports = doc.RootElement.EnumerateArray().ToList();
        // -gcflags=all=-l changes the export data of many packages (inlining bodies): all are listed, with the flag.
        var gc = reports[0].GetProperty("mismatches").EnumerateArray().ToList();
        Assert.True(gc.Count > 3, $"{gc.Count} packages");
        Assert.Contains(gc, m => m.GetProperty("reasons").EnumerateArray().Any(x => x.GetString()!.Contains("-l")));
        // -tags extra selects another file of example.com/dep.
        var tags = reports[1].GetProperty("mismatches").EnumerateArray().ToList();
        var dep = tags.Single(m => m.GetProperty("package").GetString() == "example.com/dep");
        Assert.Contains(dep.GetProperty("reasons").EnumerateArray(), x => x.GetString()!.Contains("extra_on.go") && x.GetString()!.Contains("extra_off.go"));
        // Another directory for example.com/dep (replace => ../dep2).
        var dd = reports[2].GetProperty("mismatches").EnumerateArray().Single(m => m.GetProperty("package").GetString() == "example.com/dep");
        Assert.Contains(dd.GetProperty("reasons").EnumerateArray(), x => x.GetString()!.Contains("dep2"));
        output.WriteLine(r.Stdout);
    }
}
