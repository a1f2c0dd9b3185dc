using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Repair;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command BundleCommand()
    {
        var files = FilesArgument();
        var output = new Option<string>("--out", "-o") { Description = "The bundle directory: programs go to OUT/bin, libraries to OUT/lib", Required = true };
        var target = new Option<string?>("--target", "-t") { Description = "A built-in target (its allow list is the base system: manylinux2014, musllinux_1_2 …) or a target root directory the bundle must load in" };
        var include = new Option<string[]>("--include") { Description = "Bundle libraries matching this glob even when the base system has them (versions ignored: 'libstdc++.so'); repeatable", AllowMultipleArgumentsPerToken = false };
        var exclude = new Option<string[]>("--exclude") { Description = "Do not bundle libraries matching this glob (versions ignored); repeatable", AllowMultipleArgumentsPerToken = false };
        var json = new Option<bool>("--json") { Description = "What was copied and why, what was skipped, and the verification, as JSON" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would be copied; write nothing" };
        var noFsync = new Option<bool>("--no-fsync") { Description = "Do not fsync the files written" };
        var lo = new LoaderOptions();
        var cmd = new Command("bundle", "Copy programs and the libraries they load (DT_NEEDED and .note.dlopen) that the target lacks into OUT/bin and OUT/lib, set RUNPATH to $ORIGIN/../lib, and check that the bundle loads. Exit 1 when it would not")
        {
            files, output, target, include, exclude, json, dryRun, noFsync,
        };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            if (!lo.Validate(pr, out var usageError)) return UsageError(usageError!);
            var paths = pr.GetValue(files)!;
            LinkDoctor.Diagnosis.TargetSystem? system = null;
            RootedFileSystem? targetRoot = null;
            if (pr.GetValue(target) is { } t)
            {
                if (Directory.Exists(t)) targetRoot = new RootedFileSystem(t);
                else if ((system = LinkDoctor.Diagnosis.TargetCatalog.Find(t)) is null)
                    return UsageError($"--target {t}: neither a directory nor a built-in target (see linkdoctor check --list-targets)");
            }
            foreach (var p in paths)
                if (!File.Exists(p)) { Console.Error.WriteLine($"linkdoctor: {p}: No such file"); return ExitBadInput; }
            lo.TryRequest(pr, paths[0], trace: true, out var template, out _);
            var report = Bundler.Bundle(new BundleRequest
            {
                Programs = paths, Out = pr.GetValue(output)!, Source = template, Target = system, TargetRoot = targetRoot,
                Include = pr.GetValue(include) ?? [], Exclude = pr.GetValue(exclude) ?? [], DryRun = pr.GetValue(dryRun), Sync = !pr.GetValue(noFsync),
            });
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json)) BundleRenderer.WriteJson(stdout, report);
                else if (report.Error is null) BundleRenderer.Write(stdout, report);
            }
            foreach (var w in report.Warnings) Console.Error.WriteLine($"linkdoctor: warning: {w}");
            if (report.Error is not null) { Console.Error.WriteLine($"linkdoctor: bundle: {report.Error}"); return ExitBadInput; }
            return report.Ok ? ExitOk : ExitFinding;
        });
        return cmd;
    }
}
