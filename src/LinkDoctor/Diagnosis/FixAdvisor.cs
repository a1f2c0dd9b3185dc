using System.Collections.Concurrent;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// Explanations and fixes for the ELF loaders' failures, from what the load graph recorded (every candidate and
/// why it was taken or skipped). Rules: a fix never points an object at a library built for another C library,
/// class or machine; one line serves every missing library found in the same directory or package; nothing is
/// said twice; where a fix can be applied mechanically, its <see cref="RemedyAction"/>s say how (tests apply them).
/// </summary>
public static class FixAdvisor
{
    /// <summary>Every missing library of the program (glibc stops at the first, so its trace mode is asked for the rest).</summary>
    public static void MissingLibraries(LoadRequest request, LoadGraph g, WhyBuilder b)
    {
        var missing = AllMissing(request, g);
        var byDirectory = new Dictionary<string, List<LoadedObject>>(StringComparer.Ordinal);
        var byPackage = new Dictionary<string, List<(LoadedObject Missing, PackageFile File)>>(StringComparer.Ordinal);
        var unknown = new List<LoadedObject>();
        bool glibc = g.Loader == "glibc";
        foreach (var m in missing)
        {
            string needer = m.Loader?.DisplayName ?? "?";
            var fatal = m.Tried.FirstOrDefault(c => c.Outcome == CandidateOutcome.Fatal);
            if (fatal is not null)
            {
                string fatalHost = request.Root.Resolve(Path.IsPathRooted(fatal.Path) ? fatal.Path : Path.Combine(request.WorkingDirectory, fatal.Path)).HostPath;
                b.Explain(glibc
                    ? $"{fatal.Path} is not a loadable library ({fatal.Detail}); glibc stops searching at such a file, so a good copy later on the path is never reached"
                    : $"{fatal.Path} is the first file named {m.Name} on the path, and musl takes the first file that opens: it cannot map it ({fatal.Detail}) and does not look further (it skips no file of another class or machine)")
                    .Fix($"remove or rename {fatal.Path} (or put the directory with the right {m.Name} before it)", [m.Name], RemedyAction.Run("mv", fatalHost, fatalHost + ".not-a-library"));
                continue;
            }
            string searched = m.Tried.Count == 0 ? "nowhere" : string.Join(", ", m.Tried.Select(c => c.Path).Distinct());
            bool otherClass = m.Tried.Any(c => c.Reason == Loaders.Glibc.GlibcLoader.WrongClass);
            b.Explain(otherClass
                ? $"no usable {m.Name} (needed by {needer}): only copies of the other ELF class were found; searched {searched}"
                : $"{m.Name} (needed by {needer}) was not found; searched {searched}");
            foreach (var c in m.Tried.Where(c => c.Outcome == CandidateOutcome.Incompatible))
                b.Explain($"{c.Path} exists but was skipped: {c.Detail}");
            if (m.Loader?.Elf?.Dynamic?.NoDefaultLib == true && glibc)
                b.Explain($"{needer} has DF_1_NODEFLIB (linked with -z nodefaultlib): the default directories, and ld.so.cache entries in them, are not searched for its dependencies");
            if (otherClass)
                b.Fix($"install the {(g.Main.Elf!.Is64 ? "64" : "32")}-bit build of {m.Name} (e.g. the :{Packages.DebianArch(g.Main.Elf!)} package)");
            var neederFile = m.Loader?.Elf ?? g.Main.Elf!;
            // A compatible copy elsewhere: then a search path is all that is missing.
            string? dir = CompatibleDirectory(request, g, m, neederFile);
            if (dir is not null) { Group(byDirectory, dir).Add(m); continue; }
            var listed = PackageIndex.For(request.Root).Owners(m.Name).FirstOrDefault(f => !request.Root.Resolve(f.Path).Exists && IsForMachine(f, neederFile));
            if (listed is not null) { GroupPkg(byPackage, listed.Package).Add((m, listed)); continue; }
            unknown.Add(m);
        }

        foreach (var (dir, libs) in byDirectory)
        {
            var needers = libs.Select(l => l.Loader ?? g.Main).Distinct().ToList();
            var edit = RemedyAction.ElfEdit([.. needers.Select(n => AddRpathEdit(request, g, n, dir))]);
            var actions = new List<RemedyAction>();
            if (!g.Secure) // the loader ignores LD_LIBRARY_PATH under AT_SECURE
                actions.Add(RemedyAction.Env("LD_LIBRARY_PATH", request.Environment.TryGetValue("LD_LIBRARY_PATH", out var old) && old.Length > 0 ? dir + ":" + old : dir));
            actions.AddRange(edit.Actions);
            string names = string.Join(", ", libs.Select(l => l.Name).Distinct());
            string ldlp = g.Secure ? "" : $"run with LD_LIBRARY_PATH={dir}, or ";
            b.Fix($"{names} {(libs.Count == 1 ? "is" : "are")} in {dir}, which is not on the search path: {ldlp}add it to the search path of {string.Join(" and ", needers.Select(n => n.DisplayName))}: {edit.Display}",
                [.. libs.Select(l => l.Name).Distinct()], [.. actions]);
        }
        foreach (var (package, libs) in byPackage)
        {
            string manager = libs[0].File.Manager;
            b.Fix($"the package database lists {string.Join(", ", libs.Select(l => l.File.Path))} in {package}, but {(libs.Count == 1 ? "the file is" : "the files are")} gone: reinstall it ({(manager == "apk" ? $"apk fix {package}" : $"apt install --reinstall {package.Split(':')[0]}")})");
        }
        if (unknown.Count > 0)
        {
            string names = string.Join(", ", unknown.Select(u => u.Name).Distinct());
            string flavour = LibcFlavour.Detect(g.Main.Elf!, isGo: false).Flavour;
            b.Fix(flavour == LibcFlavour.Musl || g.Loader == "musl"
                ? $"install the packages that provide {names} (Alpine: apk search -x so:{unknown[0].Name}); a glibc build of them will not do for a musl program"
                : $"install the packages that ship {names}: apt-file search {unknown[0].Name} (Debian/Ubuntu), dnf provides '*/{unknown[0].Name}' (Fedora/RHEL)");
        }
    }

    private static List<LoadedObject> Group(Dictionary<string, List<LoadedObject>> d, string key) => d.TryGetValue(key, out var l) ? l : d[key] = [];
    private static List<(LoadedObject, PackageFile)> GroupPkg(Dictionary<string, List<(LoadedObject, PackageFile)>> d, string key) => d.TryGetValue(key, out var l) ? l : d[key] = [];

    private static bool IsForMachine(PackageFile f, ElfFile needer) =>
        f.Manager != "dpkg" || !f.Package.Contains(':') || f.Package.EndsWith(":" + Packages.DebianArch(needer), StringComparison.Ordinal);

    /// <summary>The libraries that could not be found: glibc's trace mode continues past the first one, as ldd does.</summary>
    private static List<LoadedObject> AllMissing(LoadRequest request, LoadGraph g)
    {
        if (g.Loader != "glibc" || g.Objects.Any(o => o.Tried.Any(c => c.Outcome == CandidateOutcome.Fatal)))
            return [.. g.Objects.SelectMany(o => o.Needed).Select(n => n.Target).Where(t => !t.Found).Distinct()];
        using var trace = DynamicLoader.Load(request with { Trace = true, Loader = g.Loader });
        var names = new HashSet<string>();
        return [.. trace.Objects.Where(o => !o.Found && names.Add(o.Name))];
    }

    /// <summary>A directory inside the root holding a copy of the missing library that its needer can use.</summary>
    private static string? CompatibleDirectory(LoadRequest request, LoadGraph g, LoadedObject m, ElfFile needer)
    {
        string neederHost = HostPath(request, m.Loader ?? g.Main);
        foreach (var d in Packages.FindNextTo(neederHost, m.Name, needer).Concat(Packages.FindNextTo(request.Program, m.Name, needer)))
            return request.Root.IsHost ? d : InRoot(request.Root, d) ?? d;
        foreach (var d in Packages.FindElsewhere(request.Root, m.Name, needer))
            return d;
        return null;
    }

    private static string? InRoot(RootedFileSystem root, string hostPath)
    {
        string prefix = root.Root.TrimEnd('/') + "/";
        return hostPath.StartsWith(prefix, StringComparison.Ordinal) ? "/" + hostPath[prefix.Length..] : null;
    }

    /// <summary>The host path of a loaded object's file (the program as given; a library by its real path in the root).</summary>
    private static string HostPath(LoadRequest request, LoadedObject o)
    {
        if (o.IsMain || o.RealPath is null) return Path.GetFullPath(request.Program);
        return request.Root.Resolve(o.RealPath) is { Exists: true } r ? r.HostPath : o.RealPath;
    }

    /// <summary>
    /// <c>--add-rpath DIR</c> on the needer, with DIR relative to $ORIGIN when the needer sits near it (the tree can
    /// then move); the file is named by its host path so that a test can apply the edit.
    /// </summary>
    private static (string HostFile, string Shown, string[] Options) AddRpathEdit(LoadRequest request, LoadGraph g, LoadedObject needer, string dir)
    {
        string host = HostPath(request, needer);
        string dirHost = request.Root.IsHost ? dir : request.Root.Resolve(dir).HostPath;
        string rel = Path.GetRelativePath(Path.GetDirectoryName(host)!, dirHost);
        // Under AT_SECURE an $ORIGIN path outside the trusted directories is dropped: name the directory itself.
        string rpath = !g.Secure && !rel.StartsWith("../..", StringComparison.Ordinal) && !Path.IsPathRooted(rel)
            ? (rel == "." ? "$ORIGIN" : "$ORIGIN/" + rel)
            : dir;
        return (host, needer.IsMain ? request.Argv0 : needer.Path, ["--add-rpath", rpath]);
    }

    /// <summary>"version `X' not found": what needs it, what the library offers, and how to get there.</summary>
    public static void Versions(LoadGraph g, WhyBuilder b)
    {
        foreach (var obj in g.Objects.Where(o => o.Found))
        {
            foreach (var h in VersionRequirements.Highest(obj.Elf!))
            {
                var provider = g.Objects.FirstOrDefault(o => o.Found && (o.Names.Contains(h.Library) || o.Elf?.Dynamic?.SoName == h.Library));
                if (provider?.Elf is null || provider.Elf.Versions.Definitions.Any(d => d.Name == h.Version)) continue;
                var have = provider.Elf.Versions.Definitions.Select(d => d.Name).Where(n => VersionRequirements.TryParse(n, out var f, out _) && f == h.Family)
                    .OrderBy(n => n, Comparer<string>.Create((a, c) => { VersionRequirements.TryParse(a, out _, out var x); VersionRequirements.TryParse(c, out _, out var y); return VersionRequirements.Compare(x, y); })).LastOrDefault();
                b.Explain($"{obj.DisplayName} needs {h.Version} from {h.Library}, which provides at most {have ?? "none of that family"}; symbols needing it: {(h.Symbols.Count == 0 ? "(none: only the version table)" : string.Join(", ", h.Symbols.Take(12)))}");
                if (h.Family == "GLIBC")
                    b.Fix($"build on a system with glibc ≤ {have?[(have.IndexOf('_') + 1)..] ?? "the target's"} (an older distribution or a manylinux container), or link those symbols statically; check with `linkdoctor check --target …`");
                else
                    b.Fix($"ship the newer {h.Library} next to the program (with RPATH $ORIGIN), or build with the target's compiler");
            }
        }
    }

    /// <summary>A symbol no loaded object defines: the library in the loader's default directories that does, if any.</summary>
    public static void UndefinedSymbol(LoadRequest request, LoadGraph g, UnresolvedSymbol u, WhyBuilder b)
    {
        var referencer = u.Referencer.Elf!;
        string who = u.Referencer.IsMain ? request.Argv0 : u.Referencer.Path;
        bool glibcBuilt = LibcFlavour.Detect(referencer, isGo: false).Flavour == LibcFlavour.Glibc;
        if (g.Loader == "musl" && glibcBuilt)
        {
            b.Explain($"{who} was built against glibc (its symbol versions and libc.so.6 say so); symbols such as __*_chk (FORTIFY_SOURCE) and gnu_get_libc_version exist only there")
                .Fix($"rebuild {who} against musl (in an Alpine container, or with musl-gcc), or link it statically");
            return;
        }
        // The C library of the process: the referencer's own, else the loader's.
        string flavour = LibcFlavour.Detect(referencer, isGo: false).Flavour is var f && f is LibcFlavour.Glibc or LibcFlavour.Musl ? f : g.Loader;
        if (SymbolIndex.For(request.Root, g.DefaultDirectories).FindDefinition(u.Name, referencer, flavour) is { } lib)
        {
            string soname = lib.SoName ?? Path.GetFileName(lib.Path);
            var edit = RemedyAction.ElfEdit([(HostPath(request, u.Referencer), who, ["--add-needed", soname])]);
            b.Fix($"{lib.Path} defines {u.Name}, but {who} does not name it as a dependency: add it with {edit.Display}, or relink with it",
                [u.Name], edit.Actions);
            return;
        }
        b.Fix($"find the library that defines {u.Name} (e.g. `linkdoctor symbols --defined LIB | grep -w {u.Name}`) and link it: linkdoctor patch --add-needed LIB {who} (or patchelf --add-needed), or relink with -lNAME");
    }
}

/// <summary>The exported symbols of the shared libraries in a loader's default directories, read once per root when a symbol is missing.</summary>
internal sealed class SymbolIndex
{
    public sealed record Library(string Path, string? SoName, string Flavour, ushort Machine, byte Class);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RootedFileSystem, ConcurrentDictionary<string, SymbolIndex>> Cache = new();
    private readonly Dictionary<string, List<Library>> _defs = new(StringComparer.Ordinal);

    public static SymbolIndex For(RootedFileSystem root, IReadOnlyList<string> dirs) =>
        Cache.GetValue(root, _ => new()).GetOrAdd(string.Join(':', dirs), _ => new SymbolIndex(root, dirs));

    private SymbolIndex(RootedFileSystem root, IReadOnlyList<string> dirs)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in dirs)
        {
            var r = root.Resolve(dir);
            if (!r.Exists || !Directory.Exists(r.HostPath)) continue;
            foreach (var file in Directory.EnumerateFiles(r.HostPath, "*.so*"))
            {
                var real = root.Resolve(dir + "/" + Path.GetFileName(file));
                if (!real.Exists || !seen.Add(real.RealPath)) continue;
                try
                {
                    using var image = BinaryImage.Open(real.HostPath);
                    if (!ElfFile.HasElfMagic(image.Span)) continue;
                    var elf = ElfFile.Open(image);
                    if (elf.Header.Type != ET_DYN) continue;
                    var lib = new Library(dir + "/" + Path.GetFileName(file), elf.Dynamic?.SoName, LibcFlavour.Detect(elf, isGo: false).Flavour, elf.Header.Machine, elf.Header.Class);
                    foreach (var e in elf.Exports)
                    {
                        if (!_defs.TryGetValue(e.Name, out var l)) _defs[e.Name] = l = [];
                        if (!l.Any(x => x.SoName == lib.SoName && x.SoName is not null)) l.Add(lib);
                    }
                }
                catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { }
            }
        }
    }

    /// <summary>
    /// A library of the referencer's machine and class that defines <paramref name="name"/> and belongs to the
    /// process's C library <paramref name="flavour"/>: one built for it first, then one that needs no C library.
    /// </summary>
    public Library? FindDefinition(string name, ElfFile referencer, string flavour)
    {
        if (!_defs.TryGetValue(name, out var libs)) return null;
        var fits = libs.Where(l => l.Machine == referencer.Header.Machine && l.Class == referencer.Header.Class).ToList();
        return fits.FirstOrDefault(l => l.Flavour == flavour) ?? fits.FirstOrDefault(l => l.Flavour is LibcFlavour.None or LibcFlavour.Unknown);
    }
}
