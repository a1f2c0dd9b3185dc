using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command WhyCommand()
    {
        var files = FilesArgument();
        var dlopen = new Option<bool>("--dlopen") { Description = "Predict dlerror() of dlopen(FILE, RTLD_NOW) instead of a program start" };
        var host = new Option<string?>("--host") { Description = "With --dlopen: the program whose process calls dlopen (a plugin host, node, python3): it starts first and FILE binds against its global scope" };
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var lo = new LoaderOptions();
        var cmd = new Command("why", "Simulate the start: the exact first line the loader would print, every further error, why, and the fix. Exit 0 if it would start, 1 if not") { files, dlopen, host, json };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            if (!lo.Validate(pr, out var usageError)) return UsageError(usageError!);
            string? hostProgram = pr.GetValue(host);
            if (hostProgram is not null && !pr.GetValue(dlopen)) return UsageError("--host needs --dlopen (it names the process that opens FILE)");
            if (hostProgram is not null && !File.Exists(hostProgram)) return UsageError($"--host {hostProgram}: No such file");
            var paths = pr.GetValue(files)!;
            var results = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: false, out var request, out var usage)) return (Report: (LinkDoctor.Diagnosis.WhyReport?)null, Error: usage);
                request = request with { Host = hostProgram };
                LinkDoctor.Diagnosis.WhyReport? report = null;
                string? err = FileErrors.Capture(() => report = LinkDoctor.Diagnosis.StartupSimulator.Simulate(request, pr.GetValue(dlopen)));
                return (Report: report, Error: err);
            });
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json))
                    TextRenderer.WriteJson(stdout, results.Where(r => r.Report is not null).Select(r => r.Report!).ToList());
                else
                    foreach (var (report, _) in results)
                        if (report is not null) TextRenderer.WriteWhy(stdout, report, paths.Length > 1);
            }
            int code = ReportErrors(results.Select((r, i) => (paths[i], r.Error)).Where(x => x.Error is not null).Select(x => (x.Item1, x.Error!)));
            if (code != ExitOk) return code;
            return results.All(r => r.Report!.Starts) ? ExitOk : ExitFinding;
        });
        return cmd;
    }
}
