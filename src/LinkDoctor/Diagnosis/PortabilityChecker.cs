using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;

namespace LinkDoctor.Diagnosis;

/// <summary>One portability check: what was checked, whether it passed, and why (with the symbols responsible).</summary>
public sealed record CheckItem(string Check, bool Ok, string Detail, IReadOnlyList<string>? Symbols = null);

/// <summary><c>check</c>'s verdict for one file against one target.</summary>
public sealed record CheckReport
{
    public required string Path { get; init; }
    public string? Target { get; init; }
    public bool Ok { get; init; }
    public IReadOnlyList<CheckItem> Checks { get; init; } = [];
    public string? Error { get; init; }
}

/// <summary>
/// Will FILE load on TARGET? Against a built-in target (a distribution release or a manylinux/musllinux policy,
/// <see cref="TargetCatalog"/>): machine, C library, interpreter, the highest GLIBC_/GLIBCXX_/CXXABI_/GCC_ version
/// needed (with the symbols that need more than the target has) and, for policies, the allowed libraries.
/// Against a root: the same, decided by simulating the loader in that root.
/// </summary>
public static class PortabilityChecker
{
    public static readonly string[] Families = ["GLIBC", "GLIBCXX", "CXXABI", "GCC"];

    public static CheckReport Check(string path, TargetSystem target)
    {
        using var image = BinaryImage.Open(path);
        var elf = ElfFile.Open(image);
        var checks = new List<CheckItem>();
        string machine = ElfNative.MachineName(elf.Header.Machine, elf.Header.Class, elf.IsBigEndian);
        checks.Add(new("machine", target.Architectures.Contains(machine),
            target.Architectures.Contains(machine) ? $"{machine} is supported" : $"{machine} is not among {target.Name}'s architectures ({string.Join(", ", target.Architectures)})"));

        var libc = LibcFlavour.Detect(elf, isGo: false);
        bool isStatic = elf.Dynamic is null;
        if (isStatic)
            checks.Add(new("libc", true, "statically linked: no C library or loader needed at run time"));
        else if (libc.Flavour is LibcFlavour.Glibc or LibcFlavour.Musl)
            checks.Add(new("libc", libc.Flavour == target.Libc, libc.Flavour == target.Libc
                ? $"built for {libc.Flavour}, the target's C library"
                : $"built for {libc.Flavour}, but {target.Name} uses {target.Libc}{(libc.Flavour == LibcFlavour.Glibc ? " (Alpine: rebuild there, link statically, or apk add gcompat)" : "")}"));
        if (elf.Interpreter is { } interp)
        {
            var ok = target.InterpretersFor(machine);
            checks.Add(new("interpreter", ok.Contains(interp), ok.Contains(interp) ? $"{interp} is provided" : $"{interp} is not provided (the target has {(ok.Count == 0 ? "none for " + machine : string.Join(", ", ok))})"));
        }
        foreach (var need in VersionRequirements.ByFamily(elf).Where(f => Families.Contains(f.Family)).OrderBy(f => Array.IndexOf(Families, f.Family)))
        {
            string? max = target.MaxVersion(machine, need.Family);
            if (max is null) continue;
            var tooNew = need.Versions.Where(v => VersionRequirements.Compare(v.Numbers, Parse(max)) > 0).ToList();
            string highest = need.Versions.OrderBy(v => v.Numbers, Comparer<int[]>.Create(VersionRequirements.Compare)).Last().Name;
            if (tooNew.Count == 0)
                checks.Add(new($"{need.Family} version", true, $"needs up to {highest}; {target.Name} provides {need.Family}_{max}"));
            else
                checks.Add(new($"{need.Family} version", false, $"needs {highest}, but {target.Name} provides at most {need.Family}_{max}",
                    [.. tooNew.SelectMany(v => v.Symbols.Select(s => $"{s}@{v.Name}")).DefaultIfEmpty($"(version table only: {string.Join(", ", tooNew.Select(v => v.Name))})")]));
        }
        if (target.AllowedLibraries is { } allowed && elf.Dynamic is { } dyn)
        {
            var outside = dyn.Needed.Where(n => !allowed.Contains(n)).ToList();
            checks.Add(new("libraries", outside.Count == 0, outside.Count == 0 ? "every NEEDED library is allowed by the policy"
                : $"not allowed by {target.Id} (bundle them, e.g. with auditwheel repair): {string.Join(", ", outside)}"));
        }
        return new CheckReport { Path = path, Target = target.Id, Ok = checks.All(c => c.Ok), Checks = checks };
    }

    private static int[] Parse(string version) => version.Split('.').Select(p => int.TryParse(p, out int n) ? n : 0).ToArray();

    /// <summary>Against a root: the loader is simulated there; missing interpreter, libraries, versions or symbols fail.</summary>
    public static CheckReport CheckInRoot(LoadRequest request)
    {
        var why = StartupSimulator.Simulate(request);
        var checks = new List<CheckItem>();
        using (var image = BinaryImage.Open(request.Program))
        {
            var elf = ElfFile.Open(image);
            if (elf.Dynamic is not null && elf.Interpreter is { } interp)
                checks.Add(new("interpreter", request.Root.Resolve(interp).Exists, request.Root.Resolve(interp).Exists ? $"{interp} exists" : $"{interp} does not exist in {request.Root.Root}"));
        }
        if (why.Starts)
            checks.Add(new("load", true, why.Later.Count == 0 ? "every library, version and symbol resolves" : $"starts, but later: {string.Join("; ", why.Later)}"));
        else
            checks.Add(new("load", false, string.Join(" | ", why.LoaderOutput), why.Explanation));
        return new CheckReport { Path = request.ProgramName ?? request.Program, Target = request.Root.Root, Ok = checks.All(c => c.Ok), Checks = checks };
    }
}
