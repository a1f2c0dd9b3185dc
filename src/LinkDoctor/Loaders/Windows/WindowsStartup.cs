using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders.Windows;

/// <summary>
/// The Windows start (or LoadLibraryExW) after the DLLs are found: every import descriptor's functions are snapped
/// against the provider's export table, by name or by ordinal, following forwarders ("NTDLL.RtlAllocateHeap",
/// "DLL.#12"). A start fails with a hard-error dialog and the NTSTATUS as exit code; LoadLibraryExW returns NULL
/// with GetLastError 126, 127 or 193. Delay-load imports are left for their first call.
/// </summary>
internal static class WindowsStartup
{
    public const int StatusDllNotFound = unchecked((int)0xC0000135), StatusInvalidImageFormat = unchecked((int)0xC000007B),
        StatusEntryPointNotFound = unchecked((int)0xC0000139), StatusOrdinalNotFound = unchecked((int)0xC0000138);

    public static WhyReport Simulate(LoadRequest request, LoadGraph g, bool dlopen)
    {
        var b = new WhyBuilder(request.Argv0, "windows").Assume(g.Assumptions);
        var loader = WindowsLoader.Of(g);
        string program = request.Argv0;
        if (g.Errors.Count > 0)
        {
            var failed = g.Objects.SelectMany(o => o.Needed).Select(n => n.Target).First(t => t.ErrorMessage is not null);
            bool badImage = failed.ErrorMessage!.Id == WindowsMessages.InvalidImageFormatUi.Id;
            string by = failed.Loader is { } l ? (l.IsMain ? program : l.Path) : program;
            if (badImage)
            {
                b.Explain($"{failed.Path} (imported by {by}) is {failed.Error}: the loader maps the first file of that name it finds and does not skip one of another machine");
                Say(b, dlopen, LoaderMessage.From(WindowsMessages.BadExeFormat, failed.Path), 193, "ERROR_BAD_EXE_FORMAT", failed.ErrorMessage, StatusInvalidImageFormat, "STATUS_INVALID_IMAGE_FORMAT");
                WindowsFixes.WrongMachine(request, g, failed, b);
            }
            else
            {
                b.Explain($"{failed.Name} (imported by {by}) was not found; searched {(failed.Tried.Count == 0 ? "nowhere" : string.Join(", ", failed.Tried.Select(c => $"{c.Path} [{c.Source.Describe(c.Owner)}]")))}");
                Say(b, dlopen, LoaderMessage.From(WindowsMessages.ModNotFound), 126, "ERROR_MOD_NOT_FOUND", failed.ErrorMessage, StatusDllNotFound, "STATUS_DLL_NOT_FOUND");
                WindowsFixes.MissingDll(request, g, failed, b);
            }
            foreach (var (imp, name, target) in loader.Delayed.Where(d => !d.Target.Found))
                b.Later($"{name} (delay-loaded by {(imp.IsMain ? program : imp.Path)}): not found");
            return b.Fail(dlopen ? null : badImage ? StatusInvalidImageFormat : StatusDllNotFound);
        }
        // Snap every image's imports.
        foreach (var obj in g.Objects.ToList())
        {
            if (!loader.Imports.TryGetValue(obj, out var imports) || obj.File is not PeFile pe) continue;
            foreach (var dll in pe.ImportTable)
            {
                var target = imports.FirstOrDefault(i => string.Equals(i.Name, dll.Name, StringComparison.OrdinalIgnoreCase)).Target;
                if (target?.File is null) continue;
                foreach (var f in dll.Functions)
                {
                    if (Resolves(loader, target, f.Name, f.Ordinal, obj, 0)) continue;
                    string who = obj.IsMain ? program : obj.Path;
                    bool byOrdinal = f.Name is null;
                    b.Explain($"{who} imports {(byOrdinal ? $"ordinal {f.Ordinal}" : f.Name)} from {dll.Name}, and {target.Path} does not export it{(byOrdinal ? "" : " (imports by name are matched exactly, case-sensitively)")}");
                    var dialog = byOrdinal ? LoaderMessage.From(WindowsMessages.OrdinalNotFound, f.Ordinal!.Value.ToString(), dll.Name)
                        : LoaderMessage.From(WindowsMessages.EntryPointNotFound, f.Name!, dll.Name);
                    Say(b, dlopen, LoaderMessage.From(WindowsMessages.ProcNotFound), 127, "ERROR_PROC_NOT_FOUND", dialog,
                        byOrdinal ? StatusOrdinalNotFound : StatusEntryPointNotFound, byOrdinal ? "STATUS_ORDINAL_NOT_FOUND" : "STATUS_ENTRYPOINT_NOT_FOUND");
                    b.Fix($"{target.Path} is another version of {dll.Name} than {who} was linked against: ship the matching {dll.Name} next to {who} (the application directory is searched before System32 and PATH, KnownDLLs aside), or rebuild {who} against the one installed", [f.Name ?? $"#{f.Ordinal}"]);
                    return b.Fail(dlopen ? null : byOrdinal ? StatusOrdinalNotFound : StatusEntryPointNotFound);
                }
            }
        }
        // Delay-load imports: a missing DLL or function raises an exception at the first call, not at the start.
        foreach (var (imp, name, target) in loader.Delayed)
        {
            string who = imp.IsMain ? program : imp.Path;
            if (!target.Found)
            {
                b.Later($"{name} (delay-loaded by {who}): not found; the first call into it raises 0xC06D007E (VcppException(ERROR_SEVERITY_ERROR, ERROR_MOD_NOT_FOUND), delayimp.h __delayLoadHelper2) and the program dies unless it handles it");
                continue;
            }
            if (imp.File is not PeFile pe) continue;
            foreach (var dll in pe.DelayImportTable.Where(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase)))
                foreach (var f in dll.Functions)
                    if (!Resolves(loader, target, f.Name, f.Ordinal, imp, 0))
                        b.Later($"{f.Name ?? $"ordinal {f.Ordinal}"} from {name} (delay-loaded by {who}): not exported by {target.Path}; the first call raises 0xC06D007F (ERROR_PROC_NOT_FOUND)");
        }
        return b.Start();
    }

    /// <summary>A start shows the dialog and exits with the NTSTATUS; LoadLibraryExW sets GetLastError.</summary>
    private static void Say(WhyBuilder b, bool dlopen, LoaderMessage win32, int error, string errorName, LoaderMessage dialog, int status, string statusName)
    {
        if (dlopen)
        {
            b.Say(win32 with { Text = win32.Text + "." });
            b.Explain($"LoadLibraryExW returns NULL and GetLastError() is {error} ({errorName}); Python says [WinError {error}], Node.js prints the text and the path");
            return;
        }
        b.Say(dialog);
        b.Explain($"the process never reaches main: the loader shows the dialog and the process exits with 0x{(uint)status:X8} {statusName} ({status}; %ERRORLEVEL% in cmd)");
    }

    /// <summary>Export lookup by name or ordinal, following forwarders (at most 8 hops); a DLL LinkDoctor cannot read is taken to export it.</summary>
    internal static bool Resolves(WindowsLoader loader, LoadedObject target, string? name, int? ordinal, LoadedObject importer, int depth)
    {
        if (target.File is SystemImage) return true;
        if (target.File is not PeFile pe || pe.ExportDirectory is not { } ed || depth > 8) return false;
        var entry = name is not null ? ed.Entries.FirstOrDefault(e => e.Rva != 0 && e.Names.Contains(name, StringComparer.Ordinal))
            : ed.Entries.FirstOrDefault(e => e.Rva != 0 && e.Ordinal == ordinal);
        if (entry is null) return false;
        if (entry.Forwarder is not { } fwd) return true;
        int dot = fwd.LastIndexOf('.');
        if (dot <= 0) return false;
        string dll = fwd[..dot], func = fwd[(dot + 1)..];
        if (!dll.Contains('.')) dll += ".dll";
        var next = loader.Find(dll, target);
        if (!next.Found || next.ErrorMessage is not null) return false;
        return func.StartsWith('#') && int.TryParse(func[1..], out int o) ? Resolves(loader, next, null, o, target, depth + 1) : Resolves(loader, next, func, null, target, depth + 1);
    }
}

/// <summary>What to do about the Windows loader's failures.</summary>
internal static class WindowsFixes
{
    private static readonly string[] VcRuntime = ["vcruntime140.dll", "vcruntime140_1.dll", "msvcp140.dll", "msvcp140_1.dll", "msvcp140_2.dll", "concrt140.dll", "vccorlib140.dll", "vcomp140.dll"];
    private static readonly string[] MingwRuntime = ["libgcc_s_seh-1.dll", "libgcc_s_dw2-1.dll", "libstdc++-6.dll", "libwinpthread-1.dll", "libgomp-1.dll"];

    public static void MissingDll(LoadRequest request, LoadGraph g, LoadedObject m, WhyBuilder b)
    {
        var loader = WindowsLoader.Of(g);
        string name = m.Name;
        string arch = loader.Main.Machine;
        if (VcRuntime.Contains(name, StringComparer.OrdinalIgnoreCase))
            b.Fix($"{name} is part of the Microsoft Visual C++ Redistributable for Visual Studio 2015-2022: install it for {arch} (https://aka.ms/vs/17/release/vc_redist.{(arch == "x86" ? "x86" : arch)}.exe), or ship the DLL next to the program (app-local deployment)", [name]);
        else if (MingwRuntime.Contains(name, StringComparer.OrdinalIgnoreCase))
            b.Fix($"{name} is the MinGW-w64 runtime: copy it from the toolchain ({arch}: `x86_64-w64-mingw32-gcc -print-file-name={name}`) next to the program, or link statically (-static, or -static-libgcc -static-libstdc++)", [name]);
        else if (ApiSets.IsApiSet(name))
            b.Fix($"{name} is an API set contract this Windows does not host: the program needs a newer Windows (or the Universal C Runtime update KB2999226 on Windows 7/8.1 for api-ms-win-crt-*)", [name]);
        string? found = FindCopy(request, g, name);
        string appHost = Path.GetDirectoryName(Path.GetFullPath(request.Program))!;
        if (found is not null)
        {
            string dir = Path.GetDirectoryName(found)!;
            string hostCopy = request.Root.IsHost ? found : loader.FindCi(found) ?? found;
            b.Fix($"{name} is in {dir}: copy it next to the program ({loader.AppDirectory}: the application directory is searched first), or add {dir} to PATH", [name],
                RemedyAction.Run("cp", hostCopy, appHost + "/"),
                RemedyAction.Env("PATH", (request.Environment.TryGetValue("PATH", out var old) && old.Length > 0 ? old + ";" : "") + "C:" + dir.Replace('/', '\\')));
        }
        else if (!ApiSets.IsApiSet(name))
            b.Fix($"put a {arch} build of {name} next to the program ({loader.AppDirectory}), or in a directory on PATH", [name]);
    }

    public static void WrongMachine(LoadRequest request, LoadGraph g, LoadedObject bad, WhyBuilder b)
    {
        var loader = WindowsLoader.Of(g);
        b.Fix($"use the {loader.Main.Machine} build of {bad.Name} (build it for the right machine: x86_64-w64-mingw32-gcc / MSVC x64 for an x64 program, i686 / x86 for a 32-bit one), and remove or move {bad.Path} so the search does not reach it first", [bad.Name]);
    }

    /// <summary>A file named like the DLL (any case) under the root, for the process's machine: the bounded walk the ELF advisor does too.</summary>
    private static string? FindCopy(LoadRequest request, LoadGraph g, string name)
    {
        var loader = WindowsLoader.Of(g);
        string start = request.Root.IsHost ? Path.GetDirectoryName(Path.GetFullPath(request.Program))! : request.Root.Root;
        string prefix = request.Root.IsHost ? "" : request.Root.Root.TrimEnd('/');
        int budget = 20000;
        var stack = new Stack<string>([start]);
        while (stack.Count > 0 && budget > 0)
        {
            string dir = stack.Pop();
            List<string> entries;
            try { entries = [.. Directory.EnumerateFileSystemEntries(dir)]; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var e in entries)
            {
                if (--budget <= 0) break;
                if (new FileInfo(e).LinkTarget is null && Directory.Exists(e)) { stack.Push(e); continue; }
                if (!string.Equals(Path.GetFileName(e), name, StringComparison.OrdinalIgnoreCase)) continue;
                try
                {
                    using var f = BinaryFile.Open(e);
                    if (f.Objects[0] is PeFile pe && pe.FileHeader.Machine == loader.Main.FileHeader.Machine) return e[prefix.Length..];
                }
                catch (Exception x) when (x is BinaryFormatException or IOException or UnauthorizedAccessException) { }
            }
        }
        return null;
    }
}
