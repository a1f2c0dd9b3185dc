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
        var deleteRpath = new Option<string[]>("--delete-rpath") { Description = "Mach-O: remove the LC_RPATH with this path (install_name_tool -delete_rpath); repeatable", AllowMultipleArgumentsPerToken = false };
        var changeRpath = new Option<string[]>("--change-rpath") { Description = "Mach-O: OLD NEW: change an LC_RPATH in place (install_name_tool -rpath)", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var setId = new Option<string?>("--set-id") { Description = "Mach-O: set a dylib's install name, LC_ID_DYLIB (install_name_tool -id)" };
        var change = new Option<string[]>("--change") { Description = "Mach-O: OLD NEW: rename a dependent library (install_name_tool -change)", Arity = new ArgumentArity(2, 2), AllowMultipleArgumentsPerToken = true };
        var lo = new LoaderOptions();
        var cmd = new Command("patch", "Edit an ELF file's interpreter, SONAME, search path and NEEDED entries (what patchelf does), or a Mach-O file's LC_RPATHs, install name and dependent libraries (what install_name_tool does), safely: verified, then atomically replaced")
        {
            files, setInterp, setSoname, setRpath, setRunpath, addRpath, removeRpath, shrinkRpath, toRunpath, toRpath,
            addNeeded, removeNeeded, replaceNeeded, clearExecstack, deleteRpath, changeRpath, setId, change, output, dryRun, allowUnresolved, noFsync,
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
            if (!TryPairs(pr.GetValue(changeRpath), "--change-rpath", out var rpathChanges, out var pairError) || !TryPairs(pr.GetValue(change), "--change", out var dylibChanges, out pairError))
                return UsageError(pairError!);
            var machOps = new MachOPatchOperations
            {
                AddRPath = pr.GetValue(addRpath) ?? [], DeleteRPath = pr.GetValue(deleteRpath) ?? [], ChangeRPath = rpathChanges,
                SetId = pr.GetValue(setId), Change = dylibChanges,
            };
            // --add-rpath serves both formats; the others belong to one.
            bool elfOnly = !(ops with { AddRPath = [] }).IsEmpty, machOOnly = !(machOps with { AddRPath = [] }).IsEmpty;
            if (ops.IsEmpty && machOps.IsEmpty) { Console.Error.WriteLine("linkdoctor: patch: no edit given (--set-rpath, --add-needed, --change, …; see --help)"); return ExitBadInput; }
            if (elfOnly && machOOnly) return UsageError("patch: ELF options (--set-rpath, --add-needed, …) and Mach-O options (--delete-rpath, --change-rpath, --set-id, --change) cannot be mixed");
            if (ops.Conflict() is { } conflict) { Console.Error.WriteLine($"linkdoctor: {conflict}"); return ExitBadInput; }
            if (machOps.Conflict() is { } machConflict) return UsageError(machConflict);
            string? outPath = pr.GetValue(output);
            if (outPath is not null && paths.Length != 1) { Console.Error.WriteLine("linkdoctor: --output takes exactly one FILE"); return ExitBadInput; }
            var results = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: true, out var loader, out var usage))
                    return new PatchResult { File = p, Error = usage };
                bool isMachO = IsMachOFile(p);
                if (isMachO && elfOnly) return new PatchResult { File = p, Error = "a Mach-O file: the ELF options do not apply (Mach-O: --add-rpath, --delete-rpath, --change-rpath, --set-id, --change)" };
                if (!isMachO && machOOnly) return new PatchResult { File = p, Error = "not a Mach-O file: --delete-rpath, --change-rpath, --set-id and --change edit Mach-O load commands" };
                if (isMachO)
                    return MachOPatcher.Patch(p, machOps, outPath, pr.GetValue(dryRun), loader.Root.IsHost ? null : loader.Root, !pr.GetValue(noFsync));
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

    /// <summary>OLD NEW pairs of a two-argument option.</summary>
    private static bool TryPairs(string[]? values, string option, out List<(string, string)> pairs, out string? error)
    {
        pairs = [];
        error = null;
        values ??= [];
        if (values.Length % 2 != 0) { error = $"{option} expects OLD NEW"; return false; }
        for (int i = 0; i < values.Length; i += 2) pairs.Add((values[i], values[i + 1]));
        return true;
    }

    /// <summary>A thin or universal Mach-O file (by its first bytes); unreadable files are left to the ELF path's error.</summary>
    private static bool IsMachOFile(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[8];
            int n = fs.ReadAtLeast(head, 8, throwOnEndOfStream: false);
            return LinkDoctor.Formats.MachO.MachOFile.HasThinMagic(head[..n]) || LinkDoctor.Formats.MachO.MachOFormatReader.IsUniversal(head[..n]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    }
}
