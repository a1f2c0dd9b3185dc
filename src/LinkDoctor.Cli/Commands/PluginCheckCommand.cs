using System.CommandLine;
using LinkDoctor.Diagnosis;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command PluginCheckCommand()
    {
        var host = new Argument<string>("host") { Description = "The Go program that calls plugin.Open" };
        var plugins = new Argument<string[]>("plugins") { Arity = ArgumentArity.OneOrMore, Description = "Plugins, in the order the host opens them (names as the host passes them)" };
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per plugin" };
        var cmd = new Command("plugin-check", "Will plugin.Open succeed, in order, for each plugin in one host process? One line per plugin: exactly OK or exactly the error plugin.Open returns, then the details. Exit 0 if all open, 1 if not")
        {
            host, plugins, json,
        };
        cmd.SetAction(pr =>
        {
            string h = pr.GetValue(host)!;
            List<GoPluginCheckReport>? reports = null;
            string? err = FileErrors.Capture(() => reports = GoPluginCheck.Check(h, pr.GetValue(plugins)!));
            if (err is not null) return ReportErrors([(h, err)]);
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json)) GoRenderer.WriteJson(stdout, reports!);
                else foreach (var r in reports!) GoRenderer.WritePluginCheck(stdout, r);
            }
            return reports!.All(r => r.Ok) && reports!.Count == pr.GetValue(plugins)!.Length ? ExitOk : ExitFinding;
        });
        return cmd;
    }
}
