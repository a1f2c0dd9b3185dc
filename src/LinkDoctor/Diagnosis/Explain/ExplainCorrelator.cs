using LinkDoctor.Loaders;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// <c>explain --file</c>: runs the <c>why</c> simulation (<see cref="StartupSimulator.Simulate"/>) on the file and
/// tells, for each loader error of the paste, whether the simulation prints the same message (same catalogue ids,
/// same library, symbol, version and class) and, if not, what differs. The simulation's lines are read back with
/// the same <see cref="Explainer"/>, so both sides are compared as message ids and values, not as text.
/// </summary>
public static class ExplainCorrelator
{
    /// <summary>The components whose messages the simulation can reproduce.</summary>
    private static readonly HashSet<string> Simulated = new(StringComparer.Ordinal) { "glibc-ld.so", "glibc-dlopen", "musl", "exec" };

    /// <summary>Holes whose values name files: compared by file name, since a paste comes from another machine's layout.</summary>
    private static readonly HashSet<string> PathHoles = new(StringComparer.Ordinal) { "library", "file", "program", "requiredBy", "name", "path" };

    /// <summary>Holes that only repeat the program name or text that varies between runs: not compared.</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal) { "program", "error", "shell", "line" };

    /// <summary>Adds a <see cref="ExplainCorrelation"/> to every finding the simulation can speak to. Bad input for the file throws, as <c>why</c> does.</summary>
    public static IReadOnlyList<ExplainFinding> Correlate(IReadOnlyList<ExplainFinding> findings, LoadRequest request)
    {
        WhyReport? start = null, dlopen = null;
        var result = new List<ExplainFinding>(findings.Count);
        foreach (var f in findings)
        {
            if (!Simulated.Contains(f.Component)) { result.Add(f); continue; }
            bool isDlopen = IsDlopen(f);
            var report = isDlopen ? dlopen ??= StartupSimulator.Simulate(request, dlopen: true) : start ??= StartupSimulator.Simulate(request, dlopen: false);
            result.Add(f with { Correlation = Compare(f, report, request, isDlopen) });
        }
        return result;
    }

    /// <summary>A dlerror() text (bare, or wrapped by a runtime), not a line the loader prints at start-up.</summary>
    private static bool IsDlopen(ExplainFinding f) =>
        f.Component == "glibc-dlopen" || f.Chain.Any(l => l.Id == "musl.dlopen-load-error") || (f.Component != "exec" && f.Chain.Any(l => !Explainer.Components.Contains(l.Component)));

    private static ExplainCorrelation Compare(ExplainFinding pasted, WhyReport report, LoadRequest request, bool dlopen)
    {
        var lines = report.LoaderOutput.Concat(report.Later).ToList();
        var simulated = lines.Select(l => Explainer.Default.ExplainMessage(l)).Where(x => x is not null).Select(x => x!).ToList();
        string file = request.Argv0;
        var differences = new List<string>();

        var same = simulated.FirstOrDefault(s => SameMessage(pasted, s, out _));
        if (same is not null)
            return new ExplainCorrelation { Reproduced = true, Simulated = lines, Differences = [] };

        if (simulated.Count == 0)
        {
            differences.Add(report.Starts
                ? $"the simulation {(dlopen ? "dlopens" : "starts")} {file} here without this error: the paste comes from another environment (another system or image: try --root with its file tree; another LD_LIBRARY_PATH or LD_PRELOAD: try --env), or from another version of the file"
                : $"the simulation stops {file} here without a loader message ({string.Join("; ", report.Explanation)})");
        }
        else
        {
            var sameClass = simulated.FirstOrDefault(s => s.Class == pasted.Class);
            if (sameClass is not null)
            {
                SameMessage(pasted, sameClass, out var diffs);
                differences.Add($"the simulation fails the same way ({pasted.Class}) but {string.Join(", ", diffs)}: another version of the file or of the libraries it loads, or another environment");
            }
            else
                differences.Add($"the simulation fails differently here: {simulated[0].Message} ({simulated[0].Class}): the paste comes from another environment or another version of the file");
        }
        differences.AddRange(LibraryHints(pasted, request));
        return new ExplainCorrelation { Reproduced = false, Simulated = lines, Differences = differences };
    }

    /// <summary>Same ids (the loader's part of the chains: a runtime's wrapper does not count) and the same values.</summary>
    private static bool SameMessage(ExplainFinding pasted, ExplainFinding simulated, out List<string> differences)
    {
        differences = [];
        var a = pasted.Chain.Where(l => Explainer.Components.Contains(l.Component)).ToList();
        var b = simulated.Chain.Where(l => Explainer.Components.Contains(l.Component)).ToList();
        // A dlopen() error read by the simulation is the bare dlerror() text; the paste may have it inside a start-up line or the reverse.
        var pa = a.Count > 0 ? a[^1] : null;
        var pb = b.Count > 0 ? b[^1] : null;
        if (pa is null || pb is null) { differences.Add("no loader message to compare"); return false; }
        if (pa.Id != pb.Id)
        {
            // Shells word the kernel's answer differently (bash, dash, env, Go): the same class of exec error is the same error.
            bool sameExec = pasted.Component == "exec" && simulated.Component == "exec" && pasted.Class == simulated.Class;
            if (!sameExec) { differences.Add($"the message is {pb.Id} here, {pa.Id} in the paste"); return false; }
            if (pasted.Subjects.File is { } pf && simulated.Subjects.File is { } sf && FileName(pf) != FileName(sf))
                differences.Add($"the program is {sf} here, {pf} in the paste");
            return differences.Count == 0;
        }
        foreach (var (hole, value) in pa.Values)
        {
            if (Ignored.Contains(hole) || !pb.Values.TryGetValue(hole, out var other)) continue;
            bool equal = PathHoles.Contains(hole) ? FileName(value) == FileName(other) : value.Trim() == other.Trim();
            if (!equal) differences.Add($"{hole} is {other.Trim()} here, {value.Trim()} in the paste");
        }
        return differences.Count == 0;
    }

    private static string FileName(string path)
    {
        path = path.Trim().Trim('\'', '"', '‘', '’');
        int slash = path.LastIndexOf('/');
        return slash >= 0 ? path[(slash + 1)..] : path;
    }

    /// <summary>Where the library the paste names comes from here, from the loader's own record of the search.</summary>
    private static IEnumerable<string> LibraryHints(ExplainFinding pasted, LoadRequest request)
    {
        string? library = pasted.Subjects.Library;
        if (library is null) yield break;
        LoadGraph? graph = null;
        try { graph = DynamicLoader.Load(request with { Trace = true }); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IO.BinaryFormatException) { }
        if (graph is null) yield break;
        using (graph)
        {
            string name = FileName(library);
            var obj = graph.Objects.Concat(graph.FailedPreloads).FirstOrDefault(o => !o.IsMain && (FileName(o.Name) == name || FileName(o.Path) == name));
            if (obj is null)
                yield return $"{request.Argv0} does not need {name} here (it is in none of the NEEDED lists of its tree): the paste comes from another file, or another version of it";
            else if (obj.Found)
                yield return $"here {name} is found at {obj.Path} ({Reports.TreeRenderer.Describe(obj)}): the system of the paste lacks it there, or searches elsewhere (compare its LD_LIBRARY_PATH, RUNPATH and /etc/ld.so.cache)";
            else
                yield return $"here too {name} is not found ({obj.Tried.Count} places tried)";
        }
    }
}
