using System.Runtime.CompilerServices;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Golden files for the text LinkDoctor prints (its own presentation: layout, labels, wording), one per command.
/// The facts in them are checked elsewhere against real tools; these catch unintended changes of the text.
/// Regenerate with <c>LINKDOCTOR_UPDATE_GOLDEN=1</c> and review the diff.
/// </summary>
public sealed class GoldenTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["inspect-library", new[] { "inspect", "{s}/ok-runpath/lib/libfoo.so.1" }],
        ["inspect-versions", new[] { "inspect", "--versions", "{s}/version-not-found/bin/main" }],
        ["tree", new[] { "tree", "{s}/rpath-inherited/bin/main" }],
        ["tree-verbose-skipped", new[] { "tree", "--verbose", "{s}/wrong-class-skipped/bin/main" }],
        ["tree-missing", new[] { "tree", "{s}/missing-indirect/bin/main" }],
        ["tree-dot", new[] { "tree", "--format", "dot", "{s}/missing-indirect/bin/main" }],
        ["why-missing-indirect", new[] { "why", "{s}/missing-indirect/bin/main" }],
        ["why-off-path", new[] { "why", "{s}/lib-off-path/bin/main" }],
        ["why-version", new[] { "why", "{s}/version-not-found/bin/main" }],
        ["why-interpreter", new[] { "why", "{s}/interp-not-elf/bin/main" }],
        ["why-dlopen-symbol", new[] { "why", "--dlopen", "{s}/dlopen/lib/libusesm.so" }],
        ["check-distribution", new[] { "check", "--target", "debian-10", "{s}/ok-runpath/bin/main" }],
        ["check-policy", new[] { "check", "--target", "manylinux_2_17_x86_64", "{s}/ok-runpath/lib/libfoo.so.1" }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void TextOutputMatchesTheGoldenFile(string name, string[] command)
    {
        string scenarios = Fixtures.Build("scenarios", ScenarioSources.Script, ScenarioSources.All);
        var r = Tool.LinkDoctor([.. command.Select(a => a.Replace("{s}", scenarios))]);
        string actual = $"$ linkdoctor {string.Join(' ', command)}\n{r.Stdout}{r.Stderr}exit {r.ExitCode}\n".Replace(scenarios, "{s}");
        string golden = Path.Combine(GoldenDirectory(), name + ".txt");
        if (Environment.GetEnvironmentVariable("LINKDOCTOR_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(golden, actual);
            output.WriteLine($"wrote {golden}");
            return;
        }
        Assert.True(File.Exists(golden), $"{golden} is missing: run with LINKDOCTOR_UPDATE_GOLDEN=1");
        Assert.Equal(File.ReadAllText(golden), actual);
    }

    private static string GoldenDirectory([CallerFilePath] string source = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(source)!, "..", "golden"));
}
