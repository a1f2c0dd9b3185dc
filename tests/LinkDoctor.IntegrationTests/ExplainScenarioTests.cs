using LinkDoctor.Diagnosis;
using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The loader scenarios of <see cref="ScenarioTests"/>, run with the real loaders (glibc, musl, glibc for aarch64 and
/// i386 under qemu, an interactive bash): explain must read everything they print on stderr, with the class and
/// subjects each scenario is built to produce, starting at the line the real loader's first line is on; and
/// <c>explain --file</c> must say that the why simulation reproduces it.
/// </summary>
public sealed class ExplainScenarioTests(ITestOutputHelper output)
{
    /// <summary>Scenario → the class its first message has, and subjects from the recipe (ScenarioSources.Script).</summary>
    public static readonly Dictionary<string, (string Class, string[] Subjects)> Expected = new()
    {
        ["missing-lib"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
        ["wrong-class-only"] = ("wrong-elf-class", ["library=libfoo.so.1"]),
        ["wrong-machine-only"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
        // "not a library\n" is shorter than an ELF header: open_verify says so before it looks at the magic.
        ["junk-on-path"] = ("file-too-short", ["file=*junk/libfoo.so.1"]),
        ["empty-file-on-path"] = ("file-too-short", ["file=*junk/libfoo.so.1"]),
        ["directory-on-path"] = ("bad-elf-file", ["file=*junk/libfoo.so.1"]),
        ["bind-now-missing-function"] = ("undefined-symbol", ["symbol=bar", "version=FOO_1.0"]),
        ["lazy-missing-function"] = ("undefined-symbol", ["symbol=bar", "version=FOO_1.0"]),
        ["ld-bind-now-env"] = ("undefined-symbol", ["symbol=bar", "version=FOO_1.0"]),
        ["missing-data-symbol"] = ("undefined-symbol", ["symbol=shared_data", "version=FOO_1.0"]),
        ["version-not-found"] = ("version-not-found", ["version=FOO_2.0", "library=*lib/libfoo.so.1", "requiredBy=*bin/main"]),
        ["no-version-information"] = ("no-version-information", ["library=*lib/libfoo.so.1", "requiredBy=*bin/main"]),
        ["preload-missing"] = ("preload-failed", ["library=libnope-preload.so"]),
        ["missing-interpreter"] = ("missing-interpreter", ["file=*bin/main"]),
        ["missing-indirect"] = ("cannot-open-shared-object", ["library=libbar2.so"]),
        ["dlopen-missing-dependency"] = ("cannot-open-shared-object", ["library=libnope.so"]),
        ["dlopen-undefined-symbol"] = ("undefined-symbol", ["symbol=undefined_function", "file=*lib/libundefined.so"]),
        ["dlopen-pie"] = ("cannot-load-pie", ["file=*lib/prog"]),
        ["dlopen-missing-file"] = ("cannot-open-shared-object", ["library=*lib/libdoesnotexist.so"]),
        ["dlopen-missing-libm"] = ("undefined-symbol", ["symbol=cos", "file=*lib/libusesm.so"]),
        ["lib-off-path"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
        ["indirect-off-path"] = ("cannot-open-shared-object", ["library=libbar2.so"]),
        ["nodefaultlib-no-search"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
        ["interp-short-script"] = ("bad-interpreter", ["file=*bin/main"]),
        ["interp-not-elf"] = ("bad-interpreter", ["file=*bin/main"]),
        ["interp-wrong-machine"] = ("bad-interpreter", ["file=*bin/main"]),
        ["interp-wrong-class"] = ("bad-interpreter", ["file=*bin/main"]),
        ["interp-not-executable"] = ("permission-denied", ["file=*bin/main"]),
        ["interp-directory"] = ("permission-denied", ["file=*bin/main"]),
        ["prog-not-executable"] = ("permission-denied", ["file=*bin/main"]),
        ["foreign-machine"] = ("exec-format-error", ["file=*bin/main"]),
        ["musl-missing-lib"] = ("musl-load-error", ["library=libfoo.so.1", "requiredBy=*bin/main"]),
        ["musl-missing-symbol"] = ("musl-symbol-not-found", ["symbol=bar", "file=*bin/main"]),
        ["arm-missing-lib"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
        ["arm-version-not-found"] = ("version-not-found", ["version=FOO_2.0", "library=*lib/libfoo.so.1"]),
        ["i386-missing-lib"] = ("cannot-open-shared-object", ["library=libfoo.so.1"]),
    };

    public static IEnumerable<object[]> Names() => Expected.Keys.Select(k => new object[] { k });

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadsTheRealLoadersOutput(string name)
    {
        var sc = ScenarioTests.All.Single(s => s.Name == name);
        var r = ScenarioTests.Prepare(sc, ScenarioTests.DirectoryOf(sc));
        var (_, first, real) = ScenarioTests.RunReal(r);
        output.WriteLine("--- stderr\n" + real.Stderr);
        var findings = Explainer.Default.Explain(real.Stderr);
        foreach (var f in findings) output.WriteLine($"line {f.Line}: {f.Component} {f.Class} [{ExplainRealTests.Describe(f.Subjects)}]");
        Assert.NotEmpty(findings);
        var (cls, subjects) = Expected[name];
        var head = findings[0];
        Assert.Equal(cls, head.Class);
        ExplainRealTests.AssertSubjects(subjects, head.Subjects);
        // It starts on the line the real loader's first line is on.
        Assert.Equal(first, real.Stderr.Split('\n')[head.Line - 1]);
        string expectedComponent = sc.Runner == "musl" ? "musl" : sc.Runner == "shell" ? "exec" : r.DlopenTarget is not null ? "glibc-dlopen" : "glibc-ld.so";
        if (cls != "preload-failed" && cls != "no-version-information") Assert.Equal(expectedComponent, head.Component);
        // Every line the loader printed is read (the shell's job-control notices are not the loader's).
        foreach (var line in real.Stderr.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("bash: cannot set terminal", StringComparison.Ordinal) && !l.StartsWith("bash: no job control", StringComparison.Ordinal)))
            Assert.True(findings.Any(f => f.Message.Contains(line.Trim(), StringComparison.Ordinal)), $"not read: {line}");
    }

    /// <summary>glibc 2.36 warns twice, then asserts in check_match: the warning once, then the assertion.</summary>
    [Fact]
    public void NoVersionInformationThenTheCheckMatchAssertion()
    {
        var sc = ScenarioTests.All.Single(s => s.Name == "no-version-information");
        var (_, _, real) = ScenarioTests.RunReal(ScenarioTests.Prepare(sc, ScenarioTests.DirectoryOf(sc)));
        Assert.Contains("Inconsistency detected by ld.so: dl-lookup.c", real.Stderr);
        Assert.Equal(["no-version-information", "glibc-check-match-assertion"], Explainer.Default.Explain(real.Stderr).Select(f => f.Class));
    }

    /// <summary>explain --file: the why simulation of the scenario's program reproduces what the real loader printed.</summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void TheSimulationReproducesIt(string name)
    {
        var sc = ScenarioTests.All.Single(s => s.Name == name);
        var r = ScenarioTests.Prepare(sc, ScenarioTests.DirectoryOf(sc));
        var (_, first, _) = ScenarioTests.RunReal(r);
        var findings = ExplainCorrelator.Correlate(Explainer.Default.Explain(first!), r.Request);
        var f = Assert.Single(findings);
        output.WriteLine($"{f.Class}: {(f.Correlation!.Reproduced ? "reproduced" : "not reproduced")}\n  {string.Join("\n  ", f.Correlation.Simulated.Concat(f.Correlation.Differences))}");
        Assert.True(f.Correlation.Reproduced, string.Join("; ", f.Correlation.Differences));
    }

    /// <summary>
    /// And the other way: the same error pasted from another environment is not reproduced, and the difference is
    /// named. A missing library is found here when LD_LIBRARY_PATH points at it; a library a program does not need is
    /// said not to be needed; a missing symbol of another name differs in its value.
    /// </summary>
    [Fact]
    public void SaysWhatDiffersWhenTheSimulationDoesNotReproduceIt()
    {
        var sc = ScenarioTests.All.Single(s => s.Name == "ld-library-path");
        var r = ScenarioTests.Prepare(sc, ScenarioTests.DirectoryOf(sc));
        // Without LD_LIBRARY_PATH the real program fails …
        var (_, first, _) = ScenarioTests.RunReal(r, new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = null });
        Assert.Contains("libfoo.so.1: cannot open shared object file", first);
        // … and the simulation with LD_LIBRARY_PATH (as the scenario runs it) does not reproduce that: it finds the library.
        var f = Assert.Single(ExplainCorrelator.Correlate(Explainer.Default.Explain(first!), r.Request));
        output.WriteLine(string.Join("\n", f.Correlation!.Differences));
        Assert.False(f.Correlation.Reproduced);
        Assert.Contains(f.Correlation.Differences, d => d.Contains("here libfoo.so.1 is found at", StringComparison.Ordinal) && d.Contains("LD_LIBRARY_PATH", StringComparison.Ordinal));

        var missing = ScenarioTests.All.Single(s => s.Name == "missing-lib");
        var m = ScenarioTests.Prepare(missing, ScenarioTests.DirectoryOf(missing));
        var (_, mfirst, _) = ScenarioTests.RunReal(m);
        // The same program, but the paste names a library it does not need: another file.
        var other = Assert.Single(ExplainCorrelator.Correlate(Explainer.Default.Explain(mfirst!.Replace("libfoo.so.1", "libother.so.7")), m.Request));
        Assert.False(other.Correlation!.Reproduced);
        Assert.Contains(other.Correlation.Differences, d => d.Contains("library is libfoo.so.1 here, libother.so.7 in the paste", StringComparison.Ordinal));
        Assert.Contains(other.Correlation.Differences, d => d.Contains("does not need libother.so.7", StringComparison.Ordinal));
    }
}
