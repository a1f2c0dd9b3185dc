using System.Text.Json;
using System.Text.RegularExpressions;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>go --details</c>/<c>--json</c> on fixtures whose build is known (the expected values come from the recipe),
/// exports against the header cgo wrote, <c>--header</c> on a stale header, and <c>--static</c> checked by
/// rebuilding statically with the advice and reading the linker's warnings.
/// </summary>
public sealed class GoDetailsTests(ITestOutputHelper output)
{
    private static JsonElement One(string path) => GoVersionTests.GoJson(path).Single();

    private static string Fact(JsonElement r, string name) => r.GetProperty(name).GetProperty("value").GetString()!;

    [Theory]
    [InlineData("modes", "pure", "exe", "off", "internal")]
    [InlineData("modes", "pure-pie", "pie", "off", "internal")]
    [InlineData("modes", "pure-stripped", "exe", "off", "internal")]
    [InlineData("modes", "cgo", "exe", "on", "external")]
    [InlineData("modes", "netuser", "exe", "on", "internal")]
    [InlineData("modes", "netuser-static", "exe", "on", "external")]
    [InlineData("modes", "libcs.so", "c-shared", "on", "external")]
    [InlineData("modes", "libca.a", "c-archive", "on", "external")]
    [InlineData("plugins", "plug-ok.so", "plugin", "on", "external")]
    [InlineData("plugins", "host", "exe", "on", "external")]
    [InlineData("plugins", "host-nocgo", "exe", "off", "internal")]
    [InlineData("cross", "cross-linux-s390x", "exe", "off", "internal")]
    [InlineData("cross", "cross-linux-mips", "exe", "off", "internal")]
    public void BuildModeCgoAndLinkMode(string set, string file, string mode, string cgo, string linkmode)
    {
        string dir = set switch { "modes" => GoFixtures.Modes(), "plugins" => GoFixtures.Plugins(), _ => GoFixtures.Cross() };
        var r = One(Path.Combine(dir, file));
        Assert.Equal(mode, Fact(r, "buildMode"));
        Assert.Equal(cgo, Fact(r, "cgo"));
        // The go1.19 linker links internally unless a non-standard package uses cgo (or -linkmode external is given).
        Assert.Equal(linkmode, Fact(r, "linkMode"));
        Assert.Equal("go1.19.8", r.GetProperty("goVersion").GetString());
    }

    [Theory]
    [InlineData("netuser", "cgo", "cgo")]
    [InlineData("netuser-stripped", "cgo", "cgo")]
    [InlineData("netuser-static-netgo", "go", "go")]
    [InlineData("pure", "not linked", "not linked")]
    [InlineData("netuser-pie", "cgo", "cgo")]
    public void NetAndOsUserImplementations(string file, string net, string user)
    {
        var r = One(Path.Combine(GoFixtures.Modes(), file));
        Assert.Equal(net, Fact(r, "net"));
        Assert.Equal(user, Fact(r, "osUser"));
    }

    [Fact]
    public void PluginSupportAndPluginPath()
    {
        string dir = GoFixtures.Plugins();
        Assert.Equal("dlopen", Fact(One(Path.Combine(dir, "host")), "plugin"));
        Assert.Equal("stub", Fact(One(Path.Combine(dir, "host-nocgo")), "plugin"));
        Assert.Equal("not linked", Fact(One(Path.Combine(GoFixtures.Modes(), "pure")), "plugin"));
        foreach (var (file, path) in new[] { ("plug-ok.so", "example.com/plugok"), ("plug-dep.so", "example.com/plugdep"), ("plug-tags.so", "example.com/plugtags") })
        {
            var r = One(Path.Combine(dir, file));
            Assert.Equal(path, r.GetProperty("pluginPath").GetString());
            // go1.19 writes no build info into plugins: the version comes from DWARF.
            Assert.True(r.GetProperty("versionRecovered").GetBoolean());
        }
    }

    /// <summary>The //export functions with their DWARF prototypes equal the declarations cgo wrote into libcs.h.</summary>
    [Fact]
    public void CgoExportsMatchTheGeneratedHeader()
    {
        string dir = GoFixtures.Modes();
        var header = File.ReadAllText(Path.Combine(dir, "libcs.h"));
        var declared = Regex.Matches(header, @"^extern (.+ \w+\(.*\));$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal(3, declared.Count);
        foreach (var lib in new[] { "libcs.so", "libca.a" })
        {
            var r = One(Path.Combine(dir, lib));
            var exports = r.GetProperty("exports").EnumerateArray().ToList();
            Assert.Equal(["Add", "Greet", "Sum"], exports.Select(e => e.GetProperty("name").GetString()!));
            if (lib == "libcs.so")
                foreach (var e in exports)
                {
                    string proto = e.GetProperty("prototype").GetString()!;
                    Assert.Contains(Squash(proto), declared.Select(Squash));
                    output.WriteLine(proto);
                }
        }
    }

    private static string Squash(string s) => Regex.Replace(Regex.Replace(s, @"\s+", " "), @"\s*\*\s*", "*");

    [Fact]
    public void StaleHeader()
    {
        string dir = GoFixtures.Modes();
        var ok = Tool.LinkDoctor("go", "--header", Path.Combine(dir, "libcs.h"), Path.Combine(dir, "libcs.so"));
        Assert.Equal(0, ok.ExitCode);
        var stale = Tool.LinkDoctor("go", "--header", Path.Combine(dir, "libcs-stale.h"), Path.Combine(dir, "libcs2.so"));
        Assert.Equal(1, stale.ExitCode);
        output.WriteLine(stale.Stdout);
        Assert.Contains("missing-from-header: Mul", stale.Stdout);
        Assert.Contains("not-exported: Greet", stale.Stdout);
        Assert.Contains("prototype: Add", stale.Stdout);
        // The new header cgo wrote for the new library agrees with it.
        Assert.Equal(0, Tool.LinkDoctor("go", "--header", Path.Combine(dir, "libcs2.h"), Path.Combine(dir, "libcs2.so")).ExitCode);
    }
}

/// <summary>
/// Static-link readiness, checked by the linker itself: the baseline static build warns
/// "Using 'X' in statically linked applications requires at runtime the shared libraries…" for every function
/// LinkDoctor names; rebuilt with LinkDoctor's tags and flags, the warnings are gone.
/// </summary>
public sealed class GoStaticTests(ITestOutputHelper output)
{
    private static readonly Regex Warning = new(@"warning: Using '(\w+)' in statically linked applications requires at runtime");

    private void ApplyAdvice(string binary, string sources, string package)
    {
        var r = GoVersionTests.GoJson("--static", binary).Single();
        var s = r.GetProperty("static");
        Assert.False(s.GetProperty("ready").GetBoolean());
        var findings = s.GetProperty("findings").EnumerateArray().ToList();
        var named = findings.Select(f => f.GetProperty("function").GetString()!).ToHashSet();
        // What the advice does not claim to remove (no tag fixes it).
        var residual = findings.Where(f => !f.TryGetProperty("tag", out _)).Select(f => f.GetProperty("function").GetString()!).ToHashSet();
        var tags = s.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
        string ldflags = s.GetProperty("ldflags").GetString()!;
        var env = new Dictionary<string, string?> { ["OUT"] = Path.GetDirectoryName(binary) };
        string build(string t) => $"{GoFixtures.GoEnv}\ncd '{Path.Combine(sources, package)}'\nCGO_ENABLED=1 go build {t} -ldflags '{ldflags.Replace("'", "'\\''")}' -o \"$HOME/static-check\" . 2>&1";
        string before = Tool.Sh(build(""), null, env);
        var warnedBefore = Warning.Matches(before).Select(m => m.Groups[1].Value).ToHashSet();
        // LinkDoctor names exactly the functions the linker warns about.
        Assert.NotEmpty(warnedBefore);
        Assert.Equal(warnedBefore.Order(), named.Order());
        string after = Tool.Sh(build(tags.Count > 0 ? $"-tags '{string.Join(' ', tags)}'" : ""), null, env);
        var warnedAfter = Warning.Matches(after).Select(m => m.Groups[1].Value).ToHashSet();
        // The advice removes every warning it claims to remove; what remains is what it said no tag removes.
        Assert.Equal(residual.Order(), warnedAfter.Order());
        output.WriteLine($"{Path.GetFileName(binary)}: warned before: {string.Join(' ', warnedBefore.Order())}; advice: -tags '{string.Join(' ', tags)}' -ldflags '{ldflags}'; after: {(warnedAfter.Count == 0 ? "no warnings" : string.Join(' ', warnedAfter) + " (named as not removable by tags)")}");
    }

    [Fact]
    public void NetAndOsUser() => ApplyAdvice(Path.Combine(GoFixtures.Modes(), "netuser"), GoFixtures.ModesSources(), "netuser");

    [Fact]
    public void GoSqlite3() => ApplyAdvice(Path.Combine(GoFixtures.Sqlite(), "sqlite"), GoFixtures.SqliteSources(), "app");

    [Fact]
    public void StaticBinariesStillNeedNss()
    {
        string dir = GoFixtures.Modes();
        var warned = Warning.Matches(File.ReadAllText(Path.Combine(dir, "netuser-static.ld.txt"))).Select(m => m.Groups[1].Value).ToHashSet();
        var r = GoVersionTests.GoJson("--static", Path.Combine(dir, "netuser-static"), Path.Combine(dir, "netuser-static-netgo"));
        var s0 = r[0].GetProperty("static");
        Assert.Equal("static", s0.GetProperty("linkage").GetString());
        Assert.False(s0.GetProperty("ready").GetBoolean());
        Assert.Equal(warned, s0.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("function").GetString()!).ToHashSet());
        Assert.Empty(Warning.Matches(File.ReadAllText(Path.Combine(dir, "netuser-static-netgo.ld.txt"))));
        Assert.True(r[1].GetProperty("static").GetProperty("ready").GetBoolean());
    }
}
