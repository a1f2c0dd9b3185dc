using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Rewriting;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command PatchCommand()
    {
        var files = FilesArgument();
        var setInterp = new Option<string?>("--set-interpreter") { Description = "Set PT_INTERP" };
        var setSoname = new Option<string?>("--set-soname") { Description = "Set DT_SONAME (shared libraries)" };
        var setRpath = new Option<string?>("--set-rpath") { Description = "Write DT_RPATH with this value (a DT_RUNPATH is removed)" };
        var setRunpath = new Option<string?>("--set-runpath") { Description = "Write DT_RUNPATH with this value (a DT_RPATH is removed)" };
        var addRpath = new Option<string[]>("--add-rpath") { Description = "Append a directory to the search path in effect (DT_RUNPATH, else DT_RPATH, else a new DT_RUNPATH); repeatable", AllowMultipleArgumentsPerToken = false };
        var removeRpath = new Option<bool>("--remove-rpath") { Description = "Remove DT_RPATH and DT_RUNPATH" };
        var shrinkRpath = new Option<bool>("--shrink-rpath") { Description = "Keep only the directories that provide a needed library (and relative ones such as $ORIGIN)" };
        var toRunpath = new Option<bool>("--rpath-to-runpath") { Description = "Turn DT_RPATH into DT_RUNPATH" };
        var toRpath = new Option<bool>("--runpath-to-rpath") { Description = "Turn DT_RUNPATH into DT_RPATH" };
        var addNeeded = new Option<string[]>("--add-needed") { Description = "Add a DT_NEEDED entry, first; repeatable", AllowMultipleArgumentsPerToken = false };
        var removeNeeded = new Option<string[]>("--remove-needed") { Description = "Remove a DT_NEEDED entry; repeatable", AllowMultipleArgumentsPerToken = false };
        var replaceNeeded = new Option<string[]>("--replace-needed") { Description = "OLD=NEW: rename a DT_NEEDED entry and its version-needs entry; repeatable", AllowMultipleArgumentsPerToken = false };
        var clearExecstack = new Option<bool>("--clear-execstack") { Description = "Make the stack non-executable (PT_GNU_STACK without PF_X)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the result here instead of replacing FILE (one FILE only)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change; write nothing" };
        var allowUnresolved = new Option<bool>("--allow-unresolved") { Description = "Write the result even if the loader simulation no longer finds a library it found before, or a library the edit names" };
        var noFsync = new Option<bool>("--no-fsync") { Description = "Do not fsync the new file and its directory (faster for many files; the replace stays atomic, but a crash may lose it)" };
        var lo = new LoaderOptions();
        var cmd = new Command("patch", "Edit an ELF file's interpreter, SONAME, search path and NEEDED entries (what patchelf does), safely: verified, then atomically replaced")
        {
            files, setInterp, setSoname, setRpath, setRunpath, addRpath, removeRpath, shrinkRpath, toRunpath, toRpath,
            addNeeded, removeNeeded, replaceNeeded, clearExecstack, output, dryRun, allowUnresolved, noFsync,
        };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            var replacements = new List<(string, string)>();
            foreach (var r in pr.GetValue(replaceNeeded) ?? [])
            {
                int eq = r.IndexOf('=');
                if (eq <= 0 || eq == r.Length - 1) { Console.Error.WriteLine($"linkdoctor: --replace-needed expects OLD=NEW, got '{r}'"); return ExitBadInput; }
                replacements.Add((r[..eq], r[(eq + 1)..]));
            }
            var ops = new PatchOperations
            {
                SetInterpreter = pr.GetValue(setInterp), SetSoname = pr.GetValue(setSoname),
                SetRPath = pr.GetValue(setRpath), SetRunPath = pr.GetValue(setRunpath), AddRPath = pr.GetValue(addRpath) ?? [],
                RemoveRPath = pr.GetValue(removeRpath), ShrinkRPath = pr.GetValue(shrinkRpath),
                RPathToRunPath = pr.GetValue(toRunpath), RunPathToRPath = pr.GetValue(toRpath),
                AddNeeded = pr.GetValue(addNeeded) ?? [], RemoveNeeded = pr.GetValue(removeNeeded) ?? [], ReplaceNeeded = replacements,
                ClearExecStack = pr.GetValue(clearExecstack),
            };
            if (ops.IsEmpty) { Console.Error.WriteLine("linkdoctor: patch: no edit given (--set-rpath, --add-needed, …; see --help)"); return ExitBadInput; }
            if (ops.Conflict() is { } conflict) { Console.Error.WriteLine($"linkdoctor: {conflict}"); return ExitBadInput; }
            string? outPath = pr.GetValue(output);
            if (outPath is not null && paths.Length != 1) { Console.Error.WriteLine("linkdoctor: --output takes exactly one FILE"); return ExitBadInput; }
            var results = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: true, out var loader, out var usage))
                    return new PatchResult { File = p, Error = usage };
                return ElfPatcher.Patch(new PatchRequest
                {
                    File = p, Operations = ops, Output = outPath, DryRun = pr.GetValue(dryRun),
                    Root = loader.Root.IsHost ? null : loader.Root, Loader = loader, AllowUnresolved = pr.GetValue(allowUnresolved), Sync = !pr.GetValue(noFsync),
                });
            });
            using (var stdout = StandardOutput())
                foreach (var r in results) PatchRenderer.Write(stdout, r);
            foreach (var r in results)
                foreach (var w in r.Warnings) Console.Error.WriteLine($"linkdoctor: {r.File}: warning: {w}");
            return ReportErrors(results.Where(r => r.Error is not null).Select(r => (r.File, r.Error!)));
        });
        return cmd;
    }
}
