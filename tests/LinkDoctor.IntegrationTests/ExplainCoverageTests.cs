using LinkDoctor.Diagnosis.Explain;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Every class explain knows has a test whose input the real component printed on this machine during the run
/// (<see cref="ExplainRealTests"/>, <see cref="ExplainScenarioTests"/>), except dyld's and Windows' (and Go's plugin
/// runtime throws, which need a broken toolchain to print), which are tested with their source's words
/// (<see cref="ExplainForeignTests"/>), and the few glibc texts no glibc here can print, listed with the reason. A
/// class added without a test fails this.
/// </summary>
public sealed class ExplainCoverageTests(ITestOutputHelper output)
{
    /// <summary>Classes no component on this machine prints, and why.</summary>
    public static readonly Dictionary<string, string> NotPrintedHere = new()
    {
        ["relocation-link-time-reference"] = "glibc 2.30 removed the check (f0b2132b35, BZ #24741); Debian 12 has 2.36",
        ["glibc-relocation-error"] = "the \"relocation error\" line came with that check (glibc ≤ 2.29)",
        ["glibc-symbol-lookup-error"] = "glibc 2.36 prints \"symbol lookup error\" only around \"undefined symbol\", which has its own class",
        ["empty-dst"] = "glibc 2.36 expands a DST to nothing only for an object whose origin is unknown, which a file on disk never is",
    };

    private static readonly HashSet<string> VerbatimComponents = ["dyld", "windows", "go-plugin"];

    [Fact]
    public void EveryClassHasATestWithRealOutput()
    {
        var classes = Explainer.Default.Readings.Where(r => r.Class is not null)
            .GroupBy(r => r.Class!).ToDictionary(g => g.Key, g => g.Select(r => r.Template.Component).ToHashSet());
        var real = ExplainRealTests.Cases.Select(c => c.Class).Concat(ExplainScenarioTests.Expected.Values.Select(v => v.Class))
            .Append("glibc-check-match-assertion") // ExplainScenarioTests.NoVersionInformationThenTheCheckMatchAssertion
            .ToHashSet();
        var verbatim = ExplainForeignTests.Cases.Select(c => c.Class).ToHashSet();
        output.WriteLine($"{classes.Count} classes: {real.Count(classes.ContainsKey)} from real output, the rest from the source's words");
        var untested = new List<string>();
        foreach (var (cls, components) in classes.OrderBy(c => c.Key))
        {
            bool ok = real.Contains(cls) || (components.All(VerbatimComponents.Contains) && verbatim.Contains(cls));
            output.WriteLine($"  {cls} ({string.Join(", ", components)}): {(real.Contains(cls) ? "real" : verbatim.Contains(cls) ? "source text" : "NONE")}");
            if (!ok) untested.Add(cls);
        }
        Assert.Equal(NotPrintedHere.Keys.Order(), untested.Order());
        // Those still have a test: with the source's words (ExplainForeignTests), or, for the fallbacks of lines whose
        // error no template knows, ExplainUnitTests.LinesWhoseErrorNoTemplateKnowsKeepTheirFallbackClass.
        Assert.Contains("relocation-link-time-reference", verbatim);
        Assert.Contains("empty-dst", verbatim);
        Assert.True(classes.Count >= 30, $"{classes.Count} classes");
    }
}
