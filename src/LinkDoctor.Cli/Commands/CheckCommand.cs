using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command CheckCommand()
    {
        var files = FilesArgument();
        var target = new Option<string?>("--target", "-t") { Description = "A built-in target (debian-12, ubuntu-22.04, rhel-8, alpine-3.20, manylinux2014, manylinux_2_28, musllinux_1_2, macos-11.0-arm64 …); use --list-targets to see them. Without it, --root is the target" };
        var list = new Option<bool>("--list-targets") { Description = "List the built-in targets and their facts" };
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var lo = new LoaderOptions();
        var cmd = new Command("check", "Portability verdict for a target: machine, C library, interpreter, symbol versions, libraries. Exit 1 when a check fails (a CI gate)") { files, target, list, json };
        files.Arity = ArgumentArity.ZeroOrMore;
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            using var stdout = StandardOutput();
            if (pr.GetValue(list))
            {
                foreach (var t in LinkDoctor.Diagnosis.TargetCatalog.All)
                    stdout.WriteLine($"{t.Id,-18} {t.Name,-34} {t.Libc} {t.LibcVersion,-6} GLIBCXX {t.GlibcxxVersion ?? "-",-8} {string.Join(",", t.Architectures)}");
                return ExitOk;
            }
            var paths = pr.GetValue(files) ?? [];
            if (paths.Length == 0) { Console.Error.WriteLine("linkdoctor: check needs at least one file"); return ExitBadInput; }
            string? targetName = pr.GetValue(target);
            LinkDoctor.Diagnosis.TargetSystem? system = null;
            var macos = targetName is null ? null : LinkDoctor.Diagnosis.MacOsTarget.TryParse(targetName);
            if (targetName is not null && macos is null && (system = LinkDoctor.Diagnosis.TargetCatalog.Find(targetName)) is null)
            {
                Console.Error.WriteLine($"linkdoctor: unknown target '{targetName}' (see linkdoctor check --list-targets)");
                return ExitBadInput;
            }
            if (system is null && macos is null && pr.GetValue(lo.Root) is null) { Console.Error.WriteLine("linkdoctor: check needs --target or --root"); return ExitBadInput; }
            if (system is null && macos is null && !lo.Validate(pr, out var usageError)) return UsageError(usageError!);
            var results = ForEachFile(paths, p =>
            {
                LinkDoctor.Diagnosis.CheckReport? report = null;
                string? usage = null;
                string? err = FileErrors.Capture(() =>
                {
                    if (macos is not null) report = LinkDoctor.Diagnosis.MacOsCheck.Check(p, macos);
                    else if (system is not null) report = LinkDoctor.Diagnosis.PortabilityChecker.Check(p, system);
                    else if (lo.TryRequest(pr, p, trace: false, out var request, out usage)) report = LinkDoctor.Diagnosis.PortabilityChecker.CheckInRoot(request);
                });
                return (Report: report, Error: err ?? usage);
            });
            if (pr.GetValue(json)) TextRenderer.WriteJson(stdout, results.Where(r => r.Report is not null).Select(r => r.Report!).ToList());
            else foreach (var r in results) if (r.Report is not null) TextRenderer.WriteCheck(stdout, r.Report);
            stdout.Flush();
            int code = ReportErrors(results.Select((r, i) => (paths[i], r.Error)).Where(x => x.Error is not null).Select(x => (x.Item1, x.Error!)));
            if (code != ExitOk) return code;
            return results.All(r => r.Report!.Ok) ? ExitOk : ExitFinding;
        });
        return cmd;
    }
}
