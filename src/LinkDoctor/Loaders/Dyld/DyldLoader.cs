using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Loaders.Dyld;

/// <summary>The steps of dyld's search (dyld-1378 <c>ProcessConfig::PathOverrides::Type</c>), as the tree and the JSON name them.</summary>
public static class DyldSearch
{
    public static readonly SearchSource LibraryPath = new("DyldLibraryPath", "DYLD_LIBRARY_PATH");
    public static readonly SearchSource FrameworkPath = new("DyldFrameworkPath", "DYLD_FRAMEWORK_PATH");
    /// <summary>An LC_RPATH of an image on the load chain (<c>rpathExpansion</c>).</summary>
    public static readonly SearchSource Rpath = new("LcRpath", "LC_RPATH", HasOwner: true);
    public static readonly SearchSource LoaderPath = new("LoaderPath", "@loader_path");
    public static readonly SearchSource ExecutablePath = new("ExecutablePath", "@executable_path");
    public static readonly SearchSource SharedCache = new("DyldSharedCache", "dyld shared cache");
    public static readonly SearchSource Fallback = new("DyldFallbackLibraryPath", "DYLD_FALLBACK_LIBRARY_PATH");
    /// <summary>The built-in fallback (/usr/local/lib, /usr/lib) of a binary built with an SDK before macOS 14.</summary>
    public static readonly SearchSource StandardFallback = new("StandardFallback", "default fallback");
    /// <summary>dlopen of a leaf name: /usr/lib/NAME (<c>standardFallback</c> in <c>Loader::forEachPath</c>).</summary>
    public static readonly SearchSource ImplicitUsrLib = new("ImplicitUsrLib", "/usr/lib for a leaf name");
}

/// <summary>
/// A model of macOS dyld 4 (apple-oss-distributions/dyld, dyld-1378): <c>JustInTimeLoader::loadDependents</c>
/// (each image's dylibs in load-command order, breadth first, the first failure fatal unless the dylib is weak),
/// <c>Loader::getLoader</c> (reuse by path and install name, the dyld shared cache, files on disk, the "tried:" list),
/// <c>ProcessConfig::PathOverrides::forEachPathVariant</c> (DYLD_LIBRARY_PATH / DYLD_FRAMEWORK_PATH by leaf name, the
/// path itself, then DYLD_FALLBACK_LIBRARY_PATH or, for binaries built with an SDK before macOS 14, /usr/local/lib and
/// /usr/lib), <c>Loader::forEachResolvedAtPathVar</c> (@loader_path, @executable_path, @rpath through the LC_RPATHs of
/// every image on the load chain, innermost first) and <c>Loader::resolveSymbol</c> (two-level namespace by library
/// ordinal, flat lookup, weak imports, re-exports).
/// </summary>
public sealed class DyldLoader
{
    public static ILoaderModel Model { get; } = new DyldModel();

    private sealed class DyldModel : ILoaderModel
    {
        public string Name => "dyld";
        public IMessageCatalog Messages => DyldMessages.Instance;
        public int Claim(ILoadableObject main, RootedFileSystem root) => main is MachOFile ? 100 : 0;
        public LoadGraph Load(LoadRequest request, BinaryFile file, ILoadableObject main) => DyldLoader.Load(request, file, (MachOFile)main);
        public WhyReport Simulate(LoadRequest request, LoadGraph graph, bool dlopen) => DyldStartup.Simulate(request, graph, dlopen);
    }

    /// <summary>The macOS release assumed when the root does not say (System/Library/CoreServices/SystemVersion.plist).</summary>
    public static readonly Version DefaultMacOs = new(14, 0);

    private readonly LoadRequest _request;
    private readonly RootedFileSystem _fs;
    private readonly LoadGraph _graph;
    private readonly MachOFile _main;
    private readonly string _mainPath;
    private readonly string? _mainHostDir;
    internal readonly Version MacOs;
    /// <summary>Each image's dylibs by load-command index (library ordinal - 1); null for a missing weak dylib.</summary>
    internal readonly Dictionary<LoadedObject, LoadedObject?[]> Dependents = [];
    private readonly HashSet<LoadedObject> _dependentsSet = [];

    private DyldLoader(LoadRequest request, LoadGraph graph, MachOFile main, string mainPath, string? mainHostDir, Version macOs)
    {
        _request = request;
        _fs = request.Root;
        _graph = graph;
        _main = main;
        _mainPath = mainPath;
        _mainHostDir = mainHostDir;
        MacOs = macOs;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<LoadGraph, DyldLoader> Loaders = new();

    /// <summary>The loader state behind a graph this model made (its dependents by ordinal, the macOS release).</summary>
    internal static DyldLoader Of(LoadGraph g) => Loaders.TryGetValue(g, out var l) ? l : throw new InvalidOperationException("not a dyld graph");

    private static LoadGraph Load(LoadRequest request, BinaryFile file, MachOFile main)
    {
        string argv0 = request.Argv0;
        string hostFull = Path.GetFullPath(request.Program);
        string mainPath = ProcessPaths.MainPath(request);
        var mainObj = new LoadedObject { Name = argv0, Path = mainPath, RealPath = mainPath, File = main, Source = SearchSource.Main };
        var graph = new LoadGraph { Main = mainObj, Model = Model };
        graph.Own(file.Image);
        graph.Objects.Add(mainObj);
        var (os, said) = MacOsVersion(request.Root, main);
        if (!said) graph.Assumptions.Add($"macOS {os.ToString(2)} assumed for the dyld shared cache (the root has no System/Library/CoreServices/SystemVersion.plist)");
        var loader = new DyldLoader(request, graph, main, mainPath, Path.GetDirectoryName(hostFull), os);
        Loaders.AddOrUpdate(graph, loader);
        graph.DefaultDirectories = ["/usr/local/lib", "/usr/lib"];
        loader.LoadDependents(mainObj, [mainObj]);
        return graph;
    }

    /// <summary>ProductVersion of the root's SystemVersion.plist; else the newer of <see cref="DefaultMacOs"/> and the program's minimum.</summary>
    private static (Version, bool) MacOsVersion(RootedFileSystem root, MachOFile main)
    {
        if (!root.IsHost && root.ReadText("/System/Library/CoreServices/SystemVersion.plist") is { } plist)
        {
            int k = plist.IndexOf("<key>ProductVersion</key>", StringComparison.Ordinal);
            if (k >= 0)
            {
                int s = plist.IndexOf("<string>", k, StringComparison.Ordinal), e = s < 0 ? -1 : plist.IndexOf("</string>", s, StringComparison.Ordinal);
                if (e > s && Version.TryParse(Pad(plist[(s + 8)..e]), out var v)) return (v, true);
            }
        }
        var min = main.MinimumOs is { } b ? ToVersion(b.MinOs) : DefaultMacOs;
        return (min > DefaultMacOs ? min : DefaultMacOs, false);
    }

    private static string Pad(string v) => v.Contains('.') ? v.Trim() : v.Trim() + ".0";

    /// <summary>A packed xxxx.yy.zz version (LC_BUILD_VERSION minos/sdk).</summary>
    public static Version ToVersion(uint v) => new((int)(v >> 16), (int)((v >> 8) & 0xff), (int)(v & 0xff));

    /// <summary>
    /// dyld-1378 common/MachOFile.cpp <c>enforceFormat(Malformed::sdkOnOrAfter2022)</c>: a macOS binary built with an SDK
    /// before 14.0 is a "pre2022Binary" and its dylibs get the classic fallback paths.
    /// </summary>
    private static bool Pre2022(MachOFile f) => f.BuildVersions.FirstOrDefault(b => b.Command == LC_BUILD_VERSION || b.Command == LC_VERSION_MIN_MACOSX) is not { } b || b.Sdk < 0x000E0000;

    // ------------------------------------------------------------------------------------------------ loading

    /// <summary>
    /// dyld-1378 JustInTimeLoader::loadDependents: every dylib of <paramref name="image"/> through getLoader, with the
    /// load chain <paramref name="chain"/> (this image first) for @rpath; the first non-weak failure stops the launch
    /// (trace mode notes it and goes on); then each dependent's own dependents, breadth first.
    /// </summary>
    private void LoadDependents(LoadedObject image, List<LoadedObject> chain)
    {
        if (!_dependentsSet.Add(image) || image.File is not MachOFile mf) return;
        var deps = new LoadedObject?[mf.Dylibs.Count];
        Dependents[image] = deps;
        for (int i = 0; i < mf.Dylibs.Count; i++)
        {
            var d = mf.Dylibs[i];
            // Illegal combinations are fixed: a re-export is never weak.
            bool weak = d.Kind == DependencyKind.Weak;
            var dep = GetLoader(d.Name, chain, requestorNeedsFallbacks: Pre2022(mf), staticLinkage: true, out var reason, out var tried);
            if (dep is null)
            {
                var missing = new LoadedObject { Name = d.Name, Path = d.Name, Source = SearchSource.NotFound, Loader = image, Error = weak ? "weak dylib not found (allowed)" : reason };
                missing.Tried.AddRange(tried);
                image.Needed.Add((d.Name, missing));
                if (weak) continue;
                var m = LoaderMessage.From(DyldMessages.LibraryNotLoaded, d.Name, Uuid(image), image.Path, reason!);
                missing.ErrorMessage = m;
                _graph.Errors.Add(m);
                if (!_request.Trace) return;
                continue;
            }
            deps[i] = dep;
            image.Needed.Add((d.Name, dep));
        }
        foreach (var dep in deps)
            if (dep is not null) LoadDependents(dep, [dep, .. chain]);
    }

    /// <summary>The image's LC_UUID as dyld prints it (<c>Loader::getUuidStr</c>: upper-case hex in 8-4-4-4-12, or "no uuid").</summary>
    internal static string Uuid(LoadedObject o) => o.File is MachOFile { Uuid: { Length: 16 } u } ? new Guid(u, bigEndian: true).ToString().ToUpperInvariant() : "no uuid";

    private sealed record Try(string Path, SearchSource Source, string? Owner);

    /// <summary>
    /// dyld-1378 Loader::getLoader for <paramref name="loadPath"/>: each possible path in order; already loaded (by path
    /// or install name), in the dyld shared cache, or a file that is a compatible Mach-O image, wins. Returns null with
    /// the Reason text ("tried: '…' (no such file), …", or "no LC_RPATH's found") when nothing does.
    /// </summary>
    internal LoadedObject? GetLoader(string loadPath, List<LoadedObject> chain, bool requestorNeedsFallbacks, bool staticLinkage, out string? reason, out List<Candidate> tried)
    {
        tried = [];
        reason = null;
        // A quick check for an absolute path already loaded (JustInTimeLoader::loadDependents).
        if (loadPath.StartsWith('/') && FindLoaded(loadPath) is { } already) return already;
        var pieces = new List<string>();
        foreach (var t in ForEachPath(loadPath, chain, requestorNeedsFallbacks, staticLinkage))
        {
            if (FindLoaded(t.Path) is { } loaded)
            {
                tried.Add(new Candidate(t.Path, t.Source, t.Owner, CandidateOutcome.Duplicate, "already loaded"));
                return loaded;
            }
            var r = Resolve(t.Path);
            bool onDisk = r.Exists && !Directory.Exists(r.HostPath);
            if (!onDisk && DyldSharedCache.Find(t.Path, MacOs) is { } entry)
            {
                tried.Add(new Candidate(t.Path, DyldSearch.SharedCache, null, CandidateOutcome.Taken));
                return Add(new LoadedObject
                {
                    Name = loadPath, Path = entry.Path, RealPath = entry.Path, File = new SystemImage(entry.Path, BinaryFormat.MachO, _main.Machine),
                    Source = DyldSearch.SharedCache, Loader = chain[0],
                }, loadPath, tried);
            }
            if (!onDisk)
            {
                string cache = DyldSharedCache.MightBeInSharedCache(t.Path) ? ", not in dyld cache" : "";
                string detail = r.Exists ? $"not a file{cache}" : $"no such file{cache}";
                tried.Add(new Candidate(t.Path, t.Source, t.Owner, CandidateOutcome.Missing, detail));
                pieces.Add($"'{t.Path}' ({detail})");
                continue;
            }
            var file = OpenImage(r.HostPath, t.Path, out string? error);
            if (file is null)
            {
                tried.Add(new Candidate(t.Path, t.Source, t.Owner, CandidateOutcome.Incompatible, error));
                pieces.Add($"'{t.Path}' ({error})");
                continue;
            }
            tried.Add(new Candidate(t.Path, t.Source, t.Owner, CandidateOutcome.Taken));
            // The same file reached by another path (dyld compares inode and mtime).
            foreach (var o in _graph.Objects)
                if (o.RealPath == r.RealPath && !o.IsMain) return o;
            return Add(new LoadedObject { Name = loadPath, Path = t.Path, RealPath = r.RealPath, File = file, Source = t.Source, SourceOwner = t.Owner, Loader = chain[0] }, loadPath, tried);
        }
        if (pieces.Count > 0) reason = "tried: " + string.Join(", ", pieces);
        else if (loadPath.StartsWith("@rpath/", StringComparison.Ordinal))
            reason = chain.Any(c => c.File is MachOFile { RPaths.Count: > 0 }) ? "no LC_RPATH's used.  They may be invalid, eg, not start with '@loader_path' or '@executable_path'" : "no LC_RPATH's found";
        else reason = $"tried: '{loadPath}' (no such file)";
        return null;
    }

    private LoadedObject Add(LoadedObject o, string loadPath, List<Candidate> tried)
    {
        o.Names.Add(loadPath);
        o.Tried.AddRange(tried);
        _graph.Objects.Add(o);
        return o;
    }

    /// <summary>Loader::matchesPath: the path it was loaded by, or its install name.</summary>
    private LoadedObject? FindLoaded(string path)
    {
        foreach (var o in _graph.Objects)
            if (o.Found && (o.Path == path || o.Names.Contains(path) || o.File?.InstallName == path)) return o;
        return null;
    }

    /// <summary>Paths inside the root; the program's own directory may lie outside it (the file given on the command line).</summary>
    private RootedPath Resolve(string path)
    {
        var r = _fs.Resolve(path);
        if (!r.Exists && !_fs.IsHost && _mainHostDir is not null && path.StartsWith(_mainHostDir + "/", StringComparison.Ordinal))
            r = RootedFileSystem.Host.Resolve(path);
        return r;
    }

    /// <summary>
    /// makeDiskLoader's checks (dyld-1378 common/MachOFile.cpp <c>MachOFile::compatibleSlice</c>): a Mach-O file, or a
    /// universal file with a slice, of the process's architecture.
    /// </summary>
    private MachOFile? OpenImage(string hostPath, string path, out string? error)
    {
        error = null;
        BinaryImage image;
        try { image = BinaryImage.Open(hostPath); }
        catch (IOException e) { error = e.Message; return null; }
        catch (UnauthorizedAccessException) { error = "errno=13"; return null; }
        bool keep = false;
        try
        {
            var head = image.Span;
            string need = _main.Machine;
            if (MachOFormatReader.IsUniversal(head))
            {
                var arches = MachOFormatReader.ReadFatArches(head);
                var slice = arches.FirstOrDefault(a => a.CpuType == _main.Header.CpuType && a.Name == need) is { Size: > 0 } exact ? exact
                    : arches.FirstOrDefault(a => a.CpuType == _main.Header.CpuType);
                if (slice.Size == 0)
                {
                    error = DyldMessages.FatMissingArchitecture.Render(string.Join(",", arches.Select(a => a.Name)), need);
                    return null;
                }
                var f = MachOFile.Open(image, slice.Offset, slice.Size, slice.Index);
                keep = true;
                _graph.Own(image);
                return f;
            }
            if (!MachOFile.HasThinMagic(head))
            {
                uint magic = head.Length >= 4 ? BitConverter.ToUInt32(head) : 0, cpu = head.Length >= 8 ? BitConverter.ToUInt32(head[4..]) : 0;
                error = DyldMessages.NotMachO.Render(path, $"0x{magic:X8} 0x{cpu:X8}");
                return null;
            }
            var thin = MachOFile.Open(image);
            if (thin.Header.CpuType != _main.Header.CpuType)
            {
                error = DyldMessages.IncompatibleArchitecture.Render(thin.Machine, need);
                return null;
            }
            keep = true;
            _graph.Own(image);
            return thin;
        }
        catch (BinaryFormatException e) { error = e.Message; return null; }
        finally { if (!keep) image.Dispose(); }
    }

    // ------------------------------------------------------------------------------------------------ path variants

    /// <summary>dyld-1378 Loader::forEachPath: ProcessConfig::PathOverrides::forEachPathVariant composed with forEachResolvedAtPathVar.</summary>
    private IEnumerable<Try> ForEachPath(string loadPath, List<LoadedObject> chain, bool requestorNeedsFallbacks, bool staticLinkage)
    {
        string? frameworkPartial = FrameworkPartialPath(loadPath);
        // DYLD_FALLBACK_LIBRARY_PATH only applies to dlopen() of leaf names (rdar://5951327).
        bool skipFallbacks = !staticLinkage && loadPath.Contains('/') && frameworkPartial is null;
        var env = _request.Environment;
        if (frameworkPartial is not null)
        {
            if (env.TryGetValue("DYLD_FRAMEWORK_PATH", out var fp))
                foreach (var dir in fp.Split(':', StringSplitOptions.RemoveEmptyEntries))
                    yield return new Try(dir + "/" + frameworkPartial, DyldSearch.FrameworkPath, null);
        }
        else if (env.TryGetValue("DYLD_LIBRARY_PATH", out var lp))
        {
            string leaf = LeafName(loadPath);
            foreach (var dir in lp.Split(':', StringSplitOptions.RemoveEmptyEntries))
                yield return new Try(dir + "/" + leaf, DyldSearch.LibraryPath, null);
        }
        // dlopen() of a relative name: an implicit @rpath, /usr/lib, then the name relative to the current directory.
        if (!staticLinkage && !loadPath.StartsWith('/') && !loadPath.StartsWith('@'))
        {
            foreach (var t in ResolvedAtPathVar("@rpath/" + loadPath, chain)) yield return t;
            yield return new Try("/usr/lib/" + loadPath, DyldSearch.ImplicitUsrLib, null);
            yield return new Try(_request.WorkingDirectory.TrimEnd('/') + "/" + loadPath, SearchSource.DirectPath, null);
            yield break;
        }
        foreach (var t in ResolvedAtPathVar(loadPath, chain)) yield return t;
        if (skipFallbacks) yield break;
        string fallbackLeaf = frameworkPartial ?? LeafName(loadPath);
        string fallbackVar = frameworkPartial is not null ? "DYLD_FALLBACK_FRAMEWORK_PATH" : "DYLD_FALLBACK_LIBRARY_PATH";
        if (env.TryGetValue(fallbackVar, out var fb))
        {
            foreach (var dir in fb.Split(':', StringSplitOptions.RemoveEmptyEntries))
                if (dir + "/" + fallbackLeaf != loadPath) yield return new Try(dir + "/" + fallbackLeaf, DyldSearch.Fallback, null);
        }
        else if (requestorNeedsFallbacks)
        {
            // forEachDylibFallback (classic mode): /usr/local/lib, /usr/lib; forEachFrameworkFallback: /Library/Frameworks, /System/Library/Frameworks.
            string[] dirs = frameworkPartial is not null ? ["/Library/Frameworks", "/System/Library/Frameworks"] : ["/usr/local/lib", "/usr/lib"];
            foreach (var dir in dirs)
                if (dir + "/" + fallbackLeaf != loadPath) yield return new Try(dir + "/" + fallbackLeaf, DyldSearch.StandardFallback, null);
        }
    }

    /// <summary>dyld-1378 Loader::forEachResolvedAtPathVar: @loader_path, @executable_path, then @rpath over the LC_RPATHs of the load chain.</summary>
    private IEnumerable<Try> ResolvedAtPathVar(string loadPath, List<LoadedObject> chain)
    {
        if (ExpandAtLoaderPath(loadPath, chain[0]) is { } lp) { yield return new Try(lp, DyldSearch.LoaderPath, null); yield break; }
        if (ExpandAtExecutablePath(loadPath) is { } ep) { yield return new Try(ep, DyldSearch.ExecutablePath, null); yield break; }
        if (loadPath.StartsWith("@rpath/", StringComparison.Ordinal))
        {
            string tail = loadPath[6..];
            foreach (var link in chain)
            {
                if (link.File is not MachOFile mf) continue;
                foreach (var rpath in mf.RPaths)
                {
                    string? dir = ExpandAtLoaderPath(rpath, link) ?? ExpandAtExecutablePath(rpath);
                    if (dir is null && rpath.StartsWith('/')) dir = rpath;
                    // A relative LC_RPATH is taken relative to the current directory (allowAtPaths).
                    if (dir is null && !rpath.StartsWith('@')) dir = _request.WorkingDirectory.TrimEnd('/') + "/" + rpath;
                    if (dir is null) continue;
                    yield return new Try(ConcatenatePaths(dir, tail), DyldSearch.Rpath, link.IsMain ? link.Name : link.Path);
                }
            }
            yield break;
        }
        yield return new Try(loadPath, SearchSource.DirectPath, null);
    }

    /// <summary>Utils::concatenatePaths: one '/' between the two (the tail starts with '/').</summary>
    private static string ConcatenatePaths(string dir, string tail) => dir.EndsWith('/') ? dir + tail[1..] : dir + tail;

    /// <summary>Loader::expandAtLoaderPath: the directory of the image's own path.</summary>
    private static string? ExpandAtLoaderPath(string path, LoadedObject image)
    {
        if (!path.StartsWith("@loader_path", StringComparison.Ordinal) || (path.Length > 12 && path[12] != '/')) return null;
        string own = image.Path;
        int slash = own.LastIndexOf('/');
        return slash < 0 ? null : own[..slash] + path[12..];
    }

    /// <summary>Loader::expandAndNormalizeAtExecutablePath: the main executable's directory, leading "/.." folded away.</summary>
    private string? ExpandAtExecutablePath(string path)
    {
        if (!path.StartsWith("@executable_path", StringComparison.Ordinal) || (path.Length > 16 && path[16] != '/')) return null;
        string dir = _mainPath[..Math.Max(_mainPath.LastIndexOf('/'), 0)];
        string tail = path[16..];
        while (tail.StartsWith("/..", StringComparison.Ordinal) && dir.LastIndexOf('/') > 0)
        {
            dir = dir[..dir.LastIndexOf('/')];
            tail = tail[3..];
        }
        return dir + tail;
    }

    /// <summary>PathOverrides::getLibraryLeafName: the part after the last '/'.</summary>
    private static string LeafName(string path) => path[(path.LastIndexOf('/') + 1)..];

    /// <summary>PathOverrides::getFrameworkPartialPath: <c>Foo.framework/Foo</c> or <c>Foo.framework/Versions/A/Foo</c>, else null.</summary>
    internal static string? FrameworkPartialPath(string path)
    {
        string leaf = LeafName(path);
        foreach (var tail in new[] { $"/{leaf}.framework/{leaf}", $"/{leaf}.framework/Versions/" })
        {
            int at = path.LastIndexOf(tail, StringComparison.Ordinal);
            if (at < 0) continue;
            string partial = path[(at + 1)..];
            if (tail.EndsWith("/Versions/") && !partial.EndsWith("/" + leaf, StringComparison.Ordinal)) continue;
            return partial;
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------------ dlopen

    /// <summary>
    /// dyld-1378 APIs::dlopen_from: <c>getLoader</c> for the path (not a static link: DYLD_FALLBACK only for leaf names),
    /// then <c>loadDependents</c>. The graph's main object is the opened library (the host is not simulated).
    /// </summary>
    internal static string DlopenPath(LoadRequest request) => request.Argv0;
}
