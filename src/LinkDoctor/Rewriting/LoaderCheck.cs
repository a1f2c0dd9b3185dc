using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;

namespace LinkDoctor.Rewriting;

/// <summary>What the loader simulation resolved for one file: each library by name, with the file it found or null.</summary>
internal sealed record LoadSnapshot(string Loader, string? Fatal, IReadOnlyList<(string Name, string? Path)> Libraries, IReadOnlySet<string> Answers)
{
    /// <summary>PT_INTERP, and whether the file it names exists (inside the root): the kernel, not the loader, opens it.</summary>
    public (string Path, bool Exists)? Interpreter { get; init; }
}

/// <summary>
/// The loader simulation run before and after a patch, and the comparison of the two. The one call into the
/// loaders is <see cref="Trace"/>.
/// </summary>
internal static class LoaderCheck
{
    /// <summary>The link map of <paramref name="path"/> in trace mode (ldd's view), or null when it cannot be simulated.</summary>
    public static LoadSnapshot? Trace(LoadRequest? template, RootedFileSystem? root, string path)
    {
        var request = (template ?? new LoadRequest { Program = path }) with
        {
            Program = path, ProgramName = path, Trace = true, Root = root ?? template?.Root ?? RootedFileSystem.Host,
        };
        LoadGraph? g = null;
        string? error = FileErrors.Capture(() => g = DynamicLoader.Load(request));
        if (error is not null || g is null) return null;
        using (g)
        {
            var libs = new List<(string, string?)>();
            var answers = new HashSet<string>(StringComparer.Ordinal);
            foreach (var o in g.Objects)
            {
                if (o.IsMain) continue;
                libs.Add((o.Name, o.Found ? o.RealPath ?? o.Path : null));
                if (!o.Found) continue;
                answers.Add(o.Name);
                foreach (var n in o.Names) answers.Add(n);
                if (o.File?.InstallName is { } so) answers.Add(so);
            }
            (string, bool)? interp = null;
            if (g.Main.File?.Interpreter is { } ip) interp = (ip, request.Root.Resolve(ip) is { Exists: true } rp && File.Exists(rp.HostPath));
            return new LoadSnapshot(g.Loader, g.FatalError, libs, answers) { Interpreter = interp };
        }
    }

    /// <summary>
    /// What got worse: a library (or the interpreter) that no longer resolves, a new fatal error, a version-needs
    /// file nothing loads any more (glibc asserts in elf/dl-version.c <c>_dl_check_map_versions</c>). Libraries
    /// the edit removed on purpose are not counted. <paramref name="notes"/> gets the libraries now found elsewhere.
    /// </summary>
    public static List<string> Regressions(LoadSnapshot? before, LoadSnapshot? after, ElfEdits edits, IEnumerable<string> verneedFiles, List<string> notes)
    {
        var problems = new List<string>();
        if (before is null) return problems;
        if (after is null) return ["the loader simulation cannot load the result"];
        if (before.Libraries.Count > 0 && before.Libraries.All(l => l.Path is null))
        {
            // Nothing resolves here even before the edit (a foreign file without --root, a build tree): no baseline.
            notes.Add($"the {before.Loader} loader simulation finds none of its libraries here (--root DIR simulates another system); not checked");
            return problems;
        }
        if (after.Fatal is not null && before.Fatal is null) problems.Add($"the loader would stop: {after.Fatal}");
        var missingBefore = before.Libraries.Where(l => l.Path is null).Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
        var foundBefore = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (n, p) in before.Libraries) if (p is not null) foundBefore.TryAdd(n, p);
        foreach (var (name, path) in after.Libraries)
        {
            if (path is null)
            {
                if (missingBefore.Contains(name)) continue;
                problems.Add(edits.IntroducedNeeded.Contains(name)
                    ? $"{name} would not be found ({after.Loader} loader simulation)"
                    : $"{name} would no longer be found ({after.Loader} loader simulation)");
            }
            else if (foundBefore.TryGetValue(name, out var old) && old != path) notes.Add($"{name} now resolves to {path} (was {old})");
        }
        if (edits.InterpreterChanged && before.Interpreter is { Exists: true } && after.Interpreter is { Exists: false } ni)
            problems.Add($"the interpreter {ni.Path} does not exist: execve(2) would fail with ENOENT");
        if (after.Loader == "glibc")
            foreach (var f in verneedFiles)
                if (!after.Answers.Contains(f) && (before.Answers.Contains(f) || edits.VerneedRenames.ContainsValue(f)))
                    problems.Add($"glibc would abort: the version needs name {f}, which nothing loads any more (elf/dl-version.c _dl_check_map_versions)");
        return problems;
    }
}
