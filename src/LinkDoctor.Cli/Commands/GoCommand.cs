using System.CommandLine;
using LinkDoctor.Diagnosis;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command GoCommand()
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Go binaries or directories (walked as `go version` walks them)" };
        var shortOpt = new Option<bool>("--short") { Description = "Only the version line, as `go version FILE` (default: as `go version -m FILE`)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also report unrecognized files found in directories (`go version -v`)" };
        var details = new Option<bool>("--details") { Description = "LinkDoctor's Go view: build mode, cgo, link mode, net and os/user implementations, plugin support, pluginpath, cgo exports" };
        var json = new Option<bool>("--json") { Description = "One JSON array: build info and the Go view of each file" };
        var stat = new Option<bool>("--static") { Description = "Static-link readiness: the libc functions that keep a cgo binary from linking statically, their Go origin, and the tags and flags that remove them. Exit 1 when there are any" };
        var header = new Option<string?>("--header") { Description = "A cgo header (_cgo_export.h / libX.h) to compare with the c-shared library's exports. Exit 1 on any difference" };
        var cmd = new Command("go", "Go binaries: byte-identical to `go version -m` by default; --details and --json add build mode, cgo, link mode, net/os/user, plugin, exports; --static and --header check")
        {
            files, shortOpt, verbose, details, json, stat, header,
        };
        cmd.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            bool wantDetails = pr.GetValue(details), wantJson = pr.GetValue(json), wantStatic = pr.GetValue(stat);
            string? headerPath = pr.GetValue(header);
            if (headerPath is not null)
            {
                if (paths.Length != 1) { Console.Error.WriteLine("linkdoctor: go --header HEADER takes exactly one library"); return ExitBadInput; }
                return GoHeader(headerPath, paths[0], wantJson);
            }
            if (!wantDetails && !wantJson && !wantStatic)
            {
                // The go1.19 `go version [-m]` path: exact bytes on stdout and stderr, go's exit status.
                var run = GoVersionScan.Run(paths, pr.GetValue(verbose));
                using (var stdout = StandardOutput())
                    GoVersionScan.Write(run, modules: !pr.GetValue(shortOpt), stdout, Console.Error);
                bool ldError = run.Entries.Any(e => e.LinkDoctorError is not null);
                return ldError ? ExitBadInput : run.ExitStatus;
            }
            var reports = GoAnalyzer.AnalyzeAll(paths, new GoAnalysisOptions(Static: wantStatic), pr.GetValue(verbose));
            using (var stdout = StandardOutput())
            {
                if (wantJson) GoRenderer.WriteJson(stdout, reports);
                else
                    foreach (var r in reports.Where(r => r.Error is null))
                    {
                        if (wantDetails) GoRenderer.WriteDetails(stdout, r, modules: !pr.GetValue(shortOpt));
                        if (wantStatic) GoRenderer.WriteStatic(stdout, r);
                    }
            }
            int code = ReportErrors(reports.Where(r => r.Error is not null).Select(r => (r.Path, r.Error!)));
            if (code != ExitOk) return code;
            if (wantStatic && reports.Any(r => r.Static is { Ready: false })) return ExitFinding;
            return ExitOk;
        });
        return cmd;
    }

    private static int GoHeader(string headerPath, string library, bool json)
    {
        GoHeaderReport? report = null;
        string? err = FileErrors.Capture(() => report = GoHeaderCheck.Check(headerPath, library));
        if (err is not null) return ReportErrors([(report?.Library ?? library, err)]);
        using (var stdout = StandardOutput())
        {
            if (json) GoRenderer.WriteJson(stdout, report!);
            else GoRenderer.WriteHeader(stdout, report!);
        }
        return report!.Ok ? ExitOk : ExitFinding;
    }
}
