using System.IO.Enumeration;
using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;
using LinkDoctor.Rewriting;

namespace LinkDoctor.Repair;

/// <summary>What to bundle, from where, for which target.</summary>
public sealed record BundleRequest
{
    /// <summary>The programs (host paths; they may lie outside <see cref="Source"/>'s root, as for <c>tree --root</c>).</summary>
    public required IReadOnlyList<string> Programs { get; init; }
    /// <summary>The bundle directory: programs go to OUT/bin, libraries to OUT/lib.</summary>
    public required string Out { get; init; }
    /// <summary>How the programs' libraries are found: root, environment, loader (the template of a <c>tree</c> request).</summary>
    public required LoadRequest Source { get; init; }
    /// <summary>A built-in target (its allow list is the base system), or null.</summary>
    public TargetSystem? Target { get; init; }
    /// <summary>A target root directory the bundle must load in (verification), or null: the source root.</summary>
    public RootedFileSystem? TargetRoot { get; init; }
    public IReadOnlyList<string> Include { get; init; } = [];
    public IReadOnlyList<string> Exclude { get; init; } = [];
    public bool DryRun { get; init; }
    public bool Sync { get; init; } = true;
}

/// <summary>
/// <c>linkdoctor bundle</c>: copies programs and the libraries the loader simulation resolves for them (their
/// DT_NEEDED closure and the .note.dlopen entries) that are not part of the target's base system into OUT/bin and
/// OUT/lib, sets DT_RUNPATH (<c>$ORIGIN/../lib</c> for programs, <c>$ORIGIN</c> for libraries) with the patch
/// rewriter, writes each file through the safe writer (temporary file, rename), then simulates the start of every
/// bundled program in the target to show it loads from the bundle.
/// </summary>
public static class Bundler
{
    public const string ProgramRunPath = "$ORIGIN/../lib", LibraryRunPath = "$ORIGIN";

    /// <summary>The glibc libraries that must come from the target's own glibc (one build, one ld.so).</summary>
    private static readonly string[] GlibcOwn =
    [
        "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libresolv.so.2", "libutil.so.1", "libanl.so.1",
        "libnsl.so.1", "libmvec.so.1", "libBrokenLocale.so.1", "libthread_db.so.1", "libc_malloc_debug.so.0", "libcidn.so.1",
    ];

    /// <summary>True for a library that belongs to the C library itself (glibc's or musl's), which a bundle never carries.</summary>
    public static bool IsCLibrary(string soname) =>
        Array.IndexOf(GlibcOwn, soname) >= 0
        || soname.StartsWith("ld-linux", StringComparison.Ordinal) || soname is "ld64.so.1" or "ld64.so.2" or "ld.so.1" or "linux-vdso.so.1" or "linux-gate.so.1"
        || soname.StartsWith("libnss_", StringComparison.Ordinal)
        || soname.StartsWith("ld-musl-", StringComparison.Ordinal) || soname.StartsWith("libc.musl-", StringComparison.Ordinal) || soname == "libc.so";

    /// <summary>
    /// The allow list a target's base system promises: a policy's own (auditwheel's lib_whitelist); for a distribution
    /// or no target, manylinux2014's for glibc and musllinux_1_2's for musl (what every such system has).
    /// </summary>
    public static (string Name, IReadOnlySet<string> Libraries) AllowList(TargetSystem? target, string libc, string machine)
    {
        var policy = target is { IsPolicy: true } ? target : TargetCatalog.Find(libc == "musl" ? "musllinux_1_2" : "manylinux2014");
        return policy is null ? ("none", new HashSet<string>()) : (policy.Id, policy.AllowedLibrariesFor(machine));
    }

    /// <summary>A name with its SONAME version cut off at ".so" (<c>libfoo.so.1.2</c> → <c>libfoo.so</c>).</summary>
    public static string Unversioned(string name)
    {
        int i = name.IndexOf(".so", StringComparison.Ordinal);
        while (i >= 0)
        {
            int end = i + 3;
            if (end == name.Length || name[end] == '.') return name[..end];
            i = name.IndexOf(".so", i + 1, StringComparison.Ordinal);
        }
        return name;
    }

    /// <summary>Glob match (<c>*</c>, <c>?</c>) of a library name, ignoring SONAME versions on either side.</summary>
    public static bool Matches(string glob, string name) =>
        FileSystemName.MatchesSimpleExpression(glob, name, ignoreCase: false)
        || FileSystemName.MatchesSimpleExpression(glob, Unversioned(name), ignoreCase: false)
        || FileSystemName.MatchesSimpleExpression(Unversioned(glob), Unversioned(name), ignoreCase: false);

    private sealed class Item
    {
        public required string Name;
        public required string HostPath;
        public required string Display;
        public required bool IsProgram;
        public readonly List<string> Reasons = [];
        public readonly HashSet<string> RequestedAs = new(StringComparer.Ordinal);
    }

    public static BundleReport Bundle(BundleRequest request)
    {
        var warnings = new List<string>();
        var items = new Dictionary<string, Item>(StringComparer.Ordinal);
        var order = new List<Item>();
        var skipped = new Dictionary<string, SkippedLibrary>(StringComparer.Ordinal);
        var missing = new List<MissingLibrary>();
        string? policyName = null;
        var programNames = new HashSet<string>(StringComparer.Ordinal);

        foreach (var program in request.Programs)
        {
            string name = Path.GetFileName(program);
            if (!programNames.Add(name)) return Fail(request, $"{program}: two programs named {name}");
            var load = request.Source with { Program = program, ProgramName = program, Trace = true, DlopenNotes = true };
            LoadGraph graph;
            try { graph = DynamicLoader.Load(load); }
            catch (Exception e) when (FileErrors.Describe(e) is { } m) { return Fail(request, $"{program}: {m}"); }
            using (graph)
            {
                if (graph.Main.Elf is not { } mainElf) return Fail(request, $"{program}: bundle handles ELF programs only");
                string machine = ElfNative.MachineName(mainElf.Header.Machine, mainElf.Header.Class, mainElf.IsBigEndian);
                var (policy, allowed) = AllowList(request.Target, graph.Loader, machine);
                policyName ??= policy;
                var prog = new Item { Name = name, HostPath = program, Display = program, IsProgram = true };
                prog.Reasons.Add("program");
                items["bin/" + name] = prog;
                order.Add(prog);

                void Consider(LoadedObject obj, string requested, string reason)
                {
                    if (obj == graph.Interpreter || obj.IsMain) return;
                    string soname = obj.Elf?.Dynamic?.SoName ?? Path.GetFileName(obj.Path);
                    if (requested.Contains('/'))
                    {
                        string w = $"{reason}: '{requested}' is named by a path, which a bundle cannot redirect; use linkdoctor patch --replace-needed {requested}={soname}";
                        if (!warnings.Contains(w)) warnings.Add(w);
                        return;
                    }
                    string host = HostPath(request.Source.Root, obj);
                    if (IsCLibrary(soname) || IsCLibrary(requested))
                    {
                        // Named without a wildcard: say why it was not bundled (once).
                        if (request.Include.FirstOrDefault(g => g.IndexOfAny(['*', '?']) < 0 && Matches(g, soname)) is { } g && !skipped.ContainsKey(soname))
                            warnings.Add($"--include {g}: {soname} is part of the C library and must come from the target's own (it pairs with its loader); not bundled");
                        skipped.TryAdd(soname, new SkippedLibrary(soname, obj.Path, "base system: the C library"));
                        return;
                    }
                    if (request.Exclude.FirstOrDefault(g => Matches(g, soname)) is { } ex)
                    {
                        skipped.TryAdd(soname, new SkippedLibrary(soname, obj.Path, $"excluded by --exclude {ex}"));
                        return;
                    }
                    string? include = request.Include.FirstOrDefault(g => Matches(g, soname));
                    if (include is null && (allowed.Contains(soname) || allowed.Contains(requested)))
                    {
                        skipped.TryAdd(soname, new SkippedLibrary(soname, obj.Path, $"base system: on the {policy} allow list"));
                        return;
                    }
                    if (include is not null) reason += $" (--include {include})";
                    if (items.TryGetValue("lib/" + soname, out var have))
                    {
                        if (have.HostPath != host && !SameContents(have.HostPath, host))
                            warnings.Add($"two different files with SONAME {soname}: kept {have.HostPath}, not {host}");
                        if (!have.Reasons.Contains(reason)) have.Reasons.Add(reason);
                        have.RequestedAs.Add(requested);
                        return;
                    }
                    var item = new Item { Name = soname, HostPath = host, Display = obj.Path, IsProgram = false };
                    item.Reasons.Add(reason);
                    item.RequestedAs.Add(requested);
                    items["lib/" + soname] = item;
                    order.Add(item);
                }

                string Who(LoadedObject o) => o.IsMain ? o.Name : o.Elf?.Dynamic?.SoName ?? o.Path;
                foreach (var o in graph.Objects.Concat(graph.OptionalObjects))
                    foreach (var (needed, target) in o.Needed)
                    {
                        if (target.Found) Consider(target, needed, $"needed by {Who(o)}");
                        else missing.Add(new MissingLibrary(needed, Who(o), false, target.Error));
                    }
                foreach (var d in graph.DlopenDependencies)
                {
                    string why = $"dlopen note of {Who(d.Owner)}{(d.Note.Feature is null ? "" : $" ({d.Note.Feature}, {d.Note.Priority})")}";
                    if (d.Target.Found) Consider(d.Target, d.Name, why);
                    else missing.Add(new MissingLibrary(string.Join(" | ", d.Note.Soname), Who(d.Owner), true, d.Target.Error));
                }
            }
        }

        // Each program's NEEDED closure was taken from one trace; an object skipped as missing there stays missing here.
        var files = new List<BundledFile>();
        string outDir = Path.GetFullPath(request.Out);
        try
        {
            if (!request.DryRun)
            {
                Directory.CreateDirectory(Path.Combine(outDir, "bin"));
                Directory.CreateDirectory(Path.Combine(outDir, "lib"));
            }
            foreach (var item in order)
            {
                string dest = Path.Combine(outDir, item.IsProgram ? "bin" : "lib", item.Name);
                string runpath = item.IsProgram ? ProgramRunPath : LibraryRunPath;
                byte[] bytes = File.ReadAllBytes(item.HostPath);
                bool dynamic;
                using (var image = BinaryImage.FromBytes(item.HostPath, bytes)) dynamic = ElfFile.Open(image).Dynamic is not null;
                string? setRunpath = null;
                if (dynamic)
                {
                    var (output, _, error) = ElfPatcher.RewriteBytes(item.HostPath, bytes, new PatchOperations { SetRunPath = runpath });
                    if (error is not null) return Fail(request, $"{item.HostPath}: {error}");
                    bytes = output!;
                    setRunpath = runpath;
                }
                var links = item.RequestedAs.Where(r => r != item.Name).Order(StringComparer.Ordinal).ToList();
                files.Add(new BundledFile(item.Name, item.IsProgram ? "program" : "library", item.HostPath, dest, item.Reasons, setRunpath, links));
                if (request.DryRun) continue;
                uint mode = item.IsProgram ? 0b111_101_101u : 0b110_100_100u;
                if (PosixFile.IsSupported && PosixFile.LStat(item.HostPath, out var st) == 0) mode = st.Permissions | 0b100_000_000u;
                string temp = SafeFileWriter.WriteTemporary(dest, bytes, mode, null, null, request.Sync);
                SafeFileWriter.Commit(temp, dest, null, request.Sync);
                // A library requested by a name other than its SONAME (no SONAME, or a NEEDED by file name) gets that name too.
                foreach (var alias in links)
                {
                    string link = Path.Combine(outDir, "lib", alias);
                    if (File.Exists(link) || new FileInfo(link).LinkTarget is not null) File.Delete(link);
                    File.CreateSymbolicLink(link, item.Name);
                }
            }
        }
        catch (PatchException e) { return Fail(request, e.Message); }
        catch (Exception e) when (FileErrors.Describe(e) is { } m) { return Fail(request, m); }

        var report = new BundleReport
        {
            Out = outDir, Policy = policyName, Files = files, Skipped = [.. skipped.Values], Missing = missing, Warnings = warnings,
            DryRun = request.DryRun,
        };
        if (request.DryRun) return report;
        return report with { Verification = Verify(request, outDir, files) };
    }

    /// <summary>
    /// The start of each bundled program in the target (as <c>why --root</c> simulates it), and where every object of
    /// its link map and of its .note.dlopen entries comes from: a library that is not the C library or on the allow
    /// list must come from OUT/lib.
    /// </summary>
    private static List<BundleVerification> Verify(BundleRequest request, string outDir, List<BundledFile> files)
    {
        var root = request.TargetRoot ?? request.Source.Root;
        var list = new List<BundleVerification>();
        string lib = Path.Combine(outDir, "lib") + "/";
        var bundled = files.Where(f => f.Kind == "library").Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var f in files.Where(f => f.Kind == "program"))
        {
            var req = new LoadRequest { Program = f.Destination, Root = root, WorkingDirectory = "/", Loader = request.Source.Loader };
            WhyReport why;
            try { why = StartupSimulator.Simulate(req); }
            catch (Exception e) when (FileErrors.Describe(e) is { } m) { list.Add(new BundleVerification(f.Destination, false, m, 0, [], [])); continue; }
            int fromBundle = 0;
            var outside = new List<string>();
            var optionalMissing = new List<string>();
            try
            {
                using var graph = DynamicLoader.Load(req with { Trace = true, DlopenNotes = true });
                foreach (var o in graph.Objects.Concat(graph.OptionalObjects))
                {
                    if (o.IsMain || !o.Found || o == graph.Interpreter) continue;
                    string host = HostPath(root, o);
                    string soname = o.Elf?.Dynamic?.SoName ?? Path.GetFileName(o.Path);
                    if (host.StartsWith(lib, StringComparison.Ordinal)) fromBundle++;
                    else if (bundled.Contains(soname)) outside.Add($"{soname} from {o.Path}, not from the bundle");
                }
                foreach (var d in graph.DlopenDependencies.Where(d => !d.Target.Found))
                    optionalMissing.Add(string.Join(" | ", d.Note.Soname));
            }
            catch (Exception e) when (FileErrors.Describe(e) is { } m) { outside.Add(m); }
            string? error = why.Starts ? null : why.LoaderOutput.FirstOrDefault() ?? why.Explanation.FirstOrDefault() ?? "does not start";
            list.Add(new BundleVerification(f.Destination, why.Starts && outside.Count == 0, error, fromBundle, outside, optionalMissing));
        }
        return list;
    }

    /// <summary>The host path of a loaded object (its real path inside the root, or the host path of a program outside it).</summary>
    private static string HostPath(RootedFileSystem root, LoadedObject o)
    {
        string p = o.RealPath ?? o.Path;
        if (root.IsHost) return p;
        var r = root.Resolve(p);
        return r.Exists ? r.HostPath : p;
    }

    private static bool SameContents(string a, string b)
    {
        try { return new FileInfo(a).Length == new FileInfo(b).Length && File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)); }
        catch (IOException) { return false; }
    }

    private static BundleReport Fail(BundleRequest r, string error) => new() { Out = Path.GetFullPath(r.Out), Error = error, DryRun = r.DryRun };
}

/// <summary><c>bundle --json</c>: what was copied and why, what stayed with the base system, and whether the bundle loads.</summary>
public sealed record BundleReport
{
    public required string Out { get; init; }
    /// <summary>The allow list that defined the base system (manylinux2014 …).</summary>
    public string? Policy { get; init; }
    public IReadOnlyList<BundledFile> Files { get; init; } = [];
    public IReadOnlyList<SkippedLibrary> Skipped { get; init; } = [];
    public IReadOnlyList<MissingLibrary> Missing { get; init; } = [];
    public IReadOnlyList<BundleVerification>? Verification { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public bool DryRun { get; init; }
    /// <summary>Why nothing (or not everything) was written.</summary>
    public string? Error { get; init; }
    /// <summary>Written, nothing missing (optional dlopen entries aside), and every program loads from the bundle.</summary>
    public bool Ok => Error is null && Missing.All(m => m.Optional) && (Verification ?? []).All(v => v.Loads);
}

/// <param name="Reasons">Why: <c>program</c>, <c>needed by X</c>, <c>dlopen note of X (feature, priority)</c>.</param>
/// <param name="RunPath">The DT_RUNPATH written (null for a static file, copied as it is).</param>
/// <param name="Links">Other names it is requested by, made symbolic links to it in OUT/lib.</param>
public sealed record BundledFile(string Name, string Kind, string Source, string Destination, IReadOnlyList<string> Reasons, string? RunPath, IReadOnlyList<string> Links);
public sealed record SkippedLibrary(string Name, string Source, string Reason);
public sealed record MissingLibrary(string Name, string NeededBy, bool Optional, string? Error);
/// <param name="Loads">The start succeeds in the target and every bundled library is taken from the bundle.</param>
/// <param name="Error">The loader's first line when the start fails.</param>
/// <param name="Problems">Bundled libraries the loader would take from elsewhere.</param>
/// <param name="OptionalMissing">.note.dlopen entries the program would not find (optional).</param>
public sealed record BundleVerification(string Program, bool Loads, string? Error, int FromBundle, IReadOnlyList<string> Problems, IReadOnlyList<string> OptionalMissing);
