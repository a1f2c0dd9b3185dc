using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Advice is tested by taking it: for every scenario that fails to start, every fix <c>why</c> proposes that can be
/// applied mechanically (an environment variable, a patchelf/chmod/mv command) is applied to a fresh copy of the
/// scenario, and the real loader is run again. It must load; a fix that serves only some of several problems
/// must at least make the loader get past the ones it names.
/// </summary>
public sealed class FixTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryMechanicalFixMakesTheRealLoaderLoad()
    {
        int applied = 0, scenariosWithFixes = 0;
        var failures = new List<string>();
        foreach (var sc in ScenarioTests.All)
        {
            var (original, originalWhy, cleanupOriginal) = Fresh(sc);
            try
            {
                if (originalWhy.Starts && originalWhy.Later.Count == 0) continue;
                var originalFirst = ScenarioTests.RunReal(original).FirstLine;
                bool any = false;
                for (int i = 0; i < originalWhy.Remedies.Count; i++)
                {
                    for (int j = 0; j < (originalWhy.Remedies[i].Actions?.Count ?? 0); j++)
                    {
                        any = true;
                        // Each action on its own fresh copy, with the paths LinkDoctor names for that copy.
                        var (run, why, cleanup) = Fresh(sc);
                        try
                        {
                            var remedy = why.Remedies[i];
                            var action = remedy.Actions![j];
                            var extraEnv = new Dictionary<string, string?>();
                            foreach (var (k, v) in action.Environment ?? new Dictionary<string, string>()) extraEnv[k] = v;
                            foreach (var argv in action.Commands ?? [])
                            {
                                // LinkDoctor's own edits run as a user runs them: the CLI, in its own process.
                                var r = argv[0] == "linkdoctor" ? Tool.LinkDoctor([.. argv.Skip(1)]) : Tool.Run(argv[0], argv.Skip(1), workingDirectory: run.Cwd);
                                Assert.True(r.ExitCode == 0, $"{sc.Name}: {string.Join(' ', argv)} failed: {r.Stderr}");
                            }
                            var (exit, first, _) = ScenarioTests.RunReal(run, extraEnv);
                            bool loads = exit == 0;
                            bool progress = first is not null && first != originalFirst && remedy.Serves is { } served && !served.Any(first.Contains);
                            output.WriteLine($"{sc.Name}: [{remedy.Text}] action {j + 1} ({action.Kind}): exit {exit}{(first is null ? "" : ", then: " + first)} => {(loads ? "loads" : progress ? "gets past what it fixes" : "STILL FAILS")}");
                            if (!loads && !progress) failures.Add($"{sc.Name}: {remedy.Text} (action {j + 1}): exit {exit}, {first}");
                            applied++;
                        }
                        finally { cleanup(); }
                    }
                }
                if (any) scenariosWithFixes++;
            }
            finally { cleanupOriginal(); }
        }
        output.WriteLine($"{applied} mechanical fixes applied and checked with the real loader, over {scenariosWithFixes} failing scenarios");
        Assert.Empty(failures);
        Assert.True(applied >= 15, $"only {applied} mechanical fixes were checked");
    }

    /// <summary>A copy of the scenario's directory, prepared to run, with LinkDoctor's report for that copy.</summary>
    private static (ScenarioTests.Run Run, WhyReport Why, Action Cleanup) Fresh(ScenarioTests.Scenario sc)
    {
        string copy = Path.Combine(Path.GetTempPath(), "linkdoctor-fix-" + Guid.NewGuid().ToString("n")[..10]);
        Tool.Sh($"cp -a '{ScenarioTests.DirectoryOf(sc)}' '{copy}'");
        var run = ScenarioTests.Prepare(sc, copy);
        var why = StartupSimulator.Simulate(run.Request, dlopen: run.DlopenTarget is not null);
        return (run, why, () =>
        {
            Directory.Delete(copy, recursive: true);
            if (run.Dir != copy) Directory.Delete(run.Dir, recursive: true);
        });
    }
}
