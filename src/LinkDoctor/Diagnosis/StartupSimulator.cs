using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Loaders.Glibc;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>The outcome of simulating a program's start (or a dlopen).</summary>
public sealed record WhyReport
{
    public required string Path { get; init; }
    /// <summary>What the real loader (or the shell) would print on stderr, line by line; the first line first.</summary>
    public IReadOnlyList<string> LoaderOutput { get; init; } = [];
    /// <summary>True when the program would reach main (or dlopen would succeed).</summary>
    public bool Starts { get; init; }
    /// <summary>The exit status of the real program when it fails to start (127, 1 …); null when it starts.</summary>
    public int? ExitStatus { get; init; }
    /// <summary>Failures that only strike later: a lazily bound function missing at its first call.</summary>
    public IReadOnlyList<string> Later { get; init; } = [];
    public IReadOnlyList<string> Explanation { get; init; } = [];
    public IReadOnlyList<string> Fixes { get; init; } = [];
    public string? Loader { get; init; }
}

/// <summary>
/// Simulates a whole start as glibc's or musl's loader would run it (interpreter, preloads, dependencies,
/// version checks, relocation) and predicts the exact lines it prints, then explains them and proposes fixes.
/// </summary>
public static class StartupSimulator
{
    public static WhyReport Simulate(LoadRequest request, bool dlopen = false)
    {
        string argv0 = request.ProgramName ?? request.Program;
        ElfFile main;
        string kind;
        string? interp;
        if (dlopen && !File.Exists(request.Program))
            return Fail(argv0, request.Loader, [$"{argv0}: cannot open shared object file: No such file or directory"], null,
                [$"{argv0} does not exist"], ["check the path given to dlopen(); a name without '/' is searched like a DT_NEEDED entry"]);
        using (var image = BinaryImage.Open(request.Program))
        {
            main = ElfFile.Open(image);
            kind = DynamicLoader.Choose(request, main);
            interp = main.Interpreter;
            if (main.Dynamic is null)
                return new WhyReport { Path = argv0, Starts = true, Loader = "none", Explanation = ["statically linked: no loader is involved"] };
            if (dlopen && main.Header.Type == ET_EXEC)
                return Fail(argv0, kind, [$"{argv0}: cannot dynamically load executable"], null, ["dlopen() maps shared objects only; this is a position-dependent executable"], ["link it as a shared library (-shared -fPIC)"]);
            if (dlopen && main.Dynamic.IsPie)
                return Fail(argv0, kind, [$"{argv0}: cannot dynamically load position-independent executable"], null, ["glibc ≥ 2.30 refuses to dlopen a PIE (DF_1_PIE)"], ["build it with -shared instead of -pie"]);
        }

        // The kernel needs the interpreter: without it execve fails with ENOENT, and the shell reports that.
        if (!dlopen && interp is not null && !request.Root.Resolve(interp).Exists)
        {
            string flavour = LibcFlavour.FromInterpreter(interp) ?? "its";
            return Fail(argv0, kind, [$"bash: {argv0}: cannot execute: required file not found"], 127,
                [$"the program's interpreter (PT_INTERP) {interp} does not exist{(request.Root.IsHost ? "" : $" in {request.Root.Root}")}: execve(2) fails with ENOENT, so the shell says the file is not found although it exists",
                 $"{argv0} was built for {flavour} C library"],
                InterpreterFixes(interp, request));
        }

        var startRequest = request with { Trace = false };
        using var graph = kind == "musl" ? Loaders.Musl.MuslLoader.Load(startRequest) : GlibcLoader.Load(startRequest);
        return kind == "musl" ? Musl(graph, argv0, request, dlopen) : Glibc(graph, argv0, request, dlopen);
    }

    private static WhyReport Fail(string path, string loader, List<string> output, int? exit, List<string> explanation, List<string> fixes) =>
        new() { Path = path, Loader = loader, LoaderOutput = output, Starts = false, ExitStatus = exit, Explanation = explanation, Fixes = fixes };

    private static WhyReport Glibc(LoadGraph g, string argv0, LoadRequest request, bool dlopen)
    {
        var output = new List<string>();
        var explanation = new List<string>();
        var fixes = new List<string>();
        output.AddRange(g.Warnings);
        string Req(LoadedObject o) => o.IsMain ? argv0 : o.Path;
        if (g.FatalError is not null)
        {
            var missing = g.Objects.First(o => !o.Found);
            output.Add(dlopen ? GlibcLoader.ErrorString(missing) : g.FatalError);
            ExplainMissing(g, missing, request, explanation, fixes);
            return Fail(argv0, "glibc", output, 127, explanation, fixes);
        }
        var binder = new SymbolBinder(g);
        var versionErrors = new List<string>();
        foreach (var v in binder.CheckVersions())
        {
            if (v.NoVersionInformation)
            {
                if (!dlopen) output.Add($"{argv0}: {v.Provider.Path}: no version information available (required by {Req(v.Requirer)})");
                explanation.Add($"{v.Provider.Path} has no version definitions, but {Req(v.Requirer)} was linked against a versioned one: symbols bind by name only");
                continue;
            }
            if (v.Weak) continue;
            string line = $"{v.Provider.Path}: version `{v.Version}' not found (required by {Req(v.Requirer)})";
            versionErrors.Add(line);
            output.Add(dlopen ? line : $"{argv0}: {line}");
        }
        if (versionErrors.Count > 0)
        {
            if (dlopen) output.RemoveRange(output.Count - versionErrors.Count + 1, versionErrors.Count - 1);
            ExplainVersions(g, explanation, fixes);
            return Fail(argv0, "glibc", output, 1, explanation, fixes);
        }
        bool bindNow = dlopen || request.Environment.TryGetValue("LD_BIND_NOW", out var bn) && bn.Length > 0;
        var unresolved = binder.Bind(bindNow);
        var later = new List<string>();
        foreach (var u in unresolved)
        {
            if (u.AssertsInCheckMatch)
            {
                // The line number is glibc 2.36's (Debian 12); the assertion was removed in 2.41 (bdaf500353).
                output.Add("Inconsistency detected by ld.so: dl-lookup.c: 107: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!");
                explanation.Add($"{Req(u.Referencer)} references {u.Name}@{u.Version}, but the library it was linked against now has no symbol versions; glibc before 2.41 aborts with an assertion");
                fixes.Add("use the library the program was built against (with its version script), or rebuild the program against this one");
                return Fail(argv0, "glibc", output, 127, explanation, fixes);
            }
            string line = $"{Req(u.Referencer)}: undefined symbol: {u.Name}{(u.Version is null ? "" : ", version " + u.Version)}";
            if (u.Lazy) { later.Add($"{argv0}: symbol lookup error: {line}"); continue; }
            output.Add(dlopen ? line : $"{argv0}: symbol lookup error: {line}");
            explanation.Add($"{Req(u.Referencer)} needs {u.Name}{(u.Version is null ? "" : "@" + u.Version)}, which none of the loaded objects defines; it is bound at start-up (a data reference, or BIND_NOW)");
            fixes.Add($"find the library that defines {u.Name} (e.g. `linkdoctor symbols --defined LIB | grep -w {u.Name}`) and link it: add it to DT_NEEDED with `patchelf --add-needed LIB {Req(u.Referencer)}`, or relink with -lNAME");
            return Fail(argv0, "glibc", output, 127, explanation, fixes) with { Later = later };
        }
        if (later.Count > 0)
        {
            explanation.Add("the program starts, but these functions are bound lazily and are missing: the first call aborts the program with exit status 127");
            fixes.Add("set LD_BIND_NOW=1 (or link with -Wl,-z,now) to see such problems at start-up; link the library that defines them");
        }
        return new WhyReport { Path = argv0, Loader = "glibc", LoaderOutput = output, Starts = true, Later = later, Explanation = explanation, Fixes = fixes };
    }

    private static WhyReport Musl(LoadGraph g, string argv0, LoadRequest request, bool dlopen)
    {
        var output = new List<string>(g.Errors);
        var explanation = new List<string>();
        var fixes = new List<string>();
        if (g.Interpreter?.File is null && g.FatalError is not null)
            return Fail(argv0, "musl", [g.FatalError], 127, ["musl's loader is missing"], InterpreterFixes(g.Main.File!.Interpreter!, request));
        foreach (var missing in g.Objects.SelectMany(o => o.Needed).Select(n => n.Target).Where(t => !t.Found).Distinct())
            ExplainMissing(g, missing, request, explanation, fixes);
        var binder = new SymbolBinder(g);
        foreach (var u in binder.Bind(true))
            output.Add($"Error relocating {(u.Referencer.IsMain ? argv0 : u.Referencer.Path)}: {u.Name}: symbol not found");
        if (output.Count == 0)
            return new WhyReport { Path = argv0, Loader = "musl", Starts = true, Explanation = explanation, Fixes = fixes };
        if (output.Any(l => l.StartsWith("Error relocating", StringComparison.Ordinal)))
        {
            explanation.Add("musl binds every symbol at start-up and reports each one it cannot find");
            if (output.Any(l => l.Contains("__") && l.Contains("_chk")) || output.Any(l => l.Contains("gnu_get_libc")))
                explanation.Add("symbols such as __*_chk (FORTIFY_SOURCE) and gnu_get_libc_version exist only in glibc: this looks like a glibc-built object");
            fixes.Add("rebuild against musl (e.g. in an Alpine container, or with musl-gcc), or link statically");
        }
        if (dlopen) output = [output[0]];
        return Fail(argv0, "musl", output, 127, explanation, fixes);
    }

    private static List<string> InterpreterFixes(string interp, LoadRequest request)
    {
        var fixes = new List<string>();
        string? flavour = LibcFlavour.FromInterpreter(interp);
        bool rootIsMusl = request.Root.IsDirectory("/lib") && Directory.EnumerateFiles(request.Root.Resolve("/lib").HostPath, "ld-musl-*").Any();
        if (flavour == LibcFlavour.Glibc && rootIsMusl)
        {
            fixes.Add("this is a glibc program on a musl system (Alpine): rebuild it there (CGO_ENABLED=1 on Alpine, or musl-gcc), link it statically (CGO_ENABLED=0 for pure Go; -extldflags '-static')");
            fixes.Add("or install glibc compatibility: apk add gcompat (enough for simple programs)");
        }
        else if (flavour == LibcFlavour.Musl)
            fixes.Add("this is a musl program: install musl (apt install musl), or rebuild it against this system's C library");
        else
            fixes.Add($"install the C library that provides {interp}, or point the program at an existing loader: patchelf --set-interpreter /path/to/ld.so PROGRAM");
        return fixes;
    }

    private static void ExplainMissing(LoadGraph g, LoadedObject missing, LoadRequest request, List<string> explanation, List<string> fixes)
    {
        string needer = missing.Loader is null ? "?" : missing.Loader.IsMain ? missing.Loader.Name : missing.Loader.Path;
        var fatal = missing.Tried.FirstOrDefault(c => c.Verdict == CandidateVerdict.Fatal);
        if (fatal is not null && g.Loader == "glibc")
        {
            explanation.Add($"{fatal.Path} is not a loadable library ({fatal.Detail}); glibc stops searching at such a file, so a good copy later on the path is never reached");
            fixes.Add($"remove or rename {fatal.Path}");
            return;
        }
        string searched = missing.Tried.Count == 0 ? "nowhere" : string.Join(", ", missing.Tried.Select(c => c.Path).Distinct());
        explanation.Add(missing.FoundOtherClass
            ? $"no usable {missing.Name} (needed by {needer}): only copies of the other ELF class were found; searched {searched}"
            : $"{missing.Name} (needed by {needer}) was not found; searched {searched}");
        foreach (var c in missing.Tried.Where(c => c.Verdict is CandidateVerdict.WrongClass or CandidateVerdict.WrongMachine))
            explanation.Add($"{c.Path} exists but was skipped: {(c.Verdict == CandidateVerdict.WrongClass ? "wrong ELF class " + c.Detail : "built for another machine")}");
        if (missing.Tried.Any(c => c.Verdict == CandidateVerdict.NoDefaultLib) || (missing.Loader?.File?.Dynamic?.NoDefaultLib == true && g.Loader == "glibc"))
            fixes.Add($"{needer} has DF_1_NODEFLIB (linked with -z nodefaultlib): the default directories, and ld.so.cache entries in them, are not searched for its dependencies; relink without it, or add the directory to its RUNPATH");
        if (missing.FoundOtherClass)
            fixes.Add($"install the {(g.Main.File!.Is64 ? "64" : "32")}-bit build of {missing.Name} (e.g. the :{Diagnosis.Packages.DebianArch(g.Main.File!)} package)");
        // Look for the file elsewhere (next to the program, or in the root's usual places): then a search path is all that is missing.
        foreach (var dir in Packages.FindNextTo(request.Program, missing.Name, g.Main.File!).Concat(Packages.FindElsewhere(request.Root, missing.Name, g.Main.File!)))
        {
            // For the program itself, a path relative to $ORIGIN keeps working when the tree moves.
            string rel = Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(request.Program))!, dir);
            string rpath = missing.Loader is { IsMain: true } && request.Root.IsHost && !rel.StartsWith("../..", StringComparison.Ordinal)
                ? "'$ORIGIN/" + rel + "'"
                : dir;
            fixes.Add($"{dir}/{missing.Name} exists: run with LD_LIBRARY_PATH={dir}, or add it to the search path: patchelf --add-rpath {rpath.Replace("/.'", "'")} {needer}");
            break;
        }
        if (Packages.DebianPackageOwning(request.Root, missing.Name, g.Main.File!) is { } pkg)
            fixes.Add(pkg.Present
                ? $"{pkg.Package} installs it as {pkg.Path}, which is not on the search path: add {Path.GetDirectoryName(pkg.Path)} to the RUNPATH of {needer} (patchelf --add-rpath) or to LD_LIBRARY_PATH"
                : $"the package database lists {pkg.Path} in {pkg.Package}, but the file is gone: reinstall it (apt install --reinstall {pkg.Package.Split(':')[0]})");
        else if (Packages.AlpinePackageOwning(request.Root, missing.Name) is { } apk)
            fixes.Add($"the package database lists {missing.Name} in {apk}: reinstall it (apk fix {apk})");
        else if (g.Loader == "glibc")
            fixes.Add($"find the package that ships it: apt-file search {missing.Name} (Debian/Ubuntu), dnf provides '*/{missing.Name}' (Fedora/RHEL), apk search -x so:{missing.Name} (Alpine)");
        else
            fixes.Add($"apk add the package that provides so:{missing.Name} (apk search -x so:{missing.Name})");
    }

    private static void ExplainVersions(LoadGraph g, List<string> explanation, List<string> fixes)
    {
        foreach (var obj in g.Objects.Where(o => o.Found))
        {
            foreach (var h in VersionRequirements.Highest(obj.File!))
            {
                var provider = g.Objects.FirstOrDefault(o => o.Found && (o.Names.Contains(h.Library) || o.File?.Dynamic?.SoName == h.Library));
                if (provider?.File is null || provider.File.Versions.Definitions.Any(d => d.Name == h.Version)) continue;
                var have = provider.File.Versions.Definitions.Select(d => d.Name).Where(n => VersionRequirements.TryParse(n, out var f, out _) && f == h.Family)
                    .OrderBy(n => n, Comparer<string>.Create((a, b) => { VersionRequirements.TryParse(a, out _, out var x); VersionRequirements.TryParse(b, out _, out var y); return VersionRequirements.Compare(x, y); })).LastOrDefault();
                explanation.Add($"{(obj.IsMain ? obj.Name : obj.Path)} needs {h.Version} from {h.Library}, which provides at most {have ?? "none of that family"}; symbols needing it: {(h.Symbols.Count == 0 ? "(none: only the version table)" : string.Join(", ", h.Symbols.Take(12)))}");
                if (h.Family == "GLIBC")
                    fixes.Add($"build on a system with glibc ≤ {have?[(have.IndexOf('_') + 1)..] ?? "the target's"} (an older distribution or a manylinux container), or link those symbols statically; check with `linkdoctor check --target …`");
                else
                    fixes.Add($"ship the newer {h.Library} next to the program (with RPATH $ORIGIN), or build with the target's compiler");
            }
        }
    }
}
