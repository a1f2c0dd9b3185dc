using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders.Windows;

/// <summary>The steps of the Windows DLL search, as Microsoft Learn "Dynamic-link library search order" names them.</summary>
public static class WindowsSearch
{
    public static readonly SearchSource ApiSet = new("ApiSet", "API set");
    public static readonly SearchSource KnownDlls = new("KnownDlls", "KnownDLLs");
    public static readonly SearchSource Loaded = new("LoadedModule", "loaded-module list");
    public static readonly SearchSource ApplicationDirectory = new("ApplicationDirectory", "application directory");
    /// <summary>LOAD_WITH_ALTERED_SEARCH_PATH: the directory of the DLL being loaded replaces the application directory.</summary>
    public static readonly SearchSource DllDirectory = new("DllDirectory", "DLL's own directory");
    public static readonly SearchSource System32 = new("System32", "System32");
    public static readonly SearchSource System16 = new("System", "16-bit system directory");
    public static readonly SearchSource WindowsDirectory = new("WindowsDirectory", "Windows directory");
    public static readonly SearchSource CurrentDirectory = new("CurrentDirectory", "current directory");
    public static readonly SearchSource Path = new("Path", "PATH");
    /// <summary>A system DLL of a Windows that is not under --root: assumed present in System32.</summary>
    public static readonly SearchSource AssumedSystem = new("AssumedSystem32", "System32 (assumed)");
}

/// <summary>
/// A model of the Windows loader (ntdll's Ldr*) for the imports of a process's images, in the standard search order
/// for unpackaged desktop applications with SafeDllSearchMode on (Microsoft Learn "Dynamic-link library search order"):
/// API sets, the loaded-module list, KnownDLLs, the application's directory (for a DLL opened with
/// LOAD_WITH_ALTERED_SEARCH_PATH, as Node.js and older Pythons open extensions, the DLL's own directory), System32,
/// the 16-bit System directory, the Windows directory, the current directory, then PATH. The first file found by a
/// name is the one mapped: a DLL of another machine there fails the load (STATUS_INVALID_IMAGE_FORMAT) instead of
/// being skipped. Names match case-insensitively. Delay-load imports are resolved only at their first call.
/// </summary>
public sealed class WindowsLoader
{
    public static ILoaderModel Model { get; } = new WindowsModel();

    private sealed class WindowsModel : ILoaderModel
    {
        public string Name => "windows";
        public IMessageCatalog Messages => WindowsMessages.Instance;
        public int Claim(ILoadableObject main, RootedFileSystem root) => main is PeFile ? 100 : 0;
        public LoadGraph Load(LoadRequest request, BinaryFile file, ILoadableObject main) => WindowsLoader.Load(request, file, (PeFile)main);
        public WhyReport Simulate(LoadRequest request, LoadGraph graph, bool dlopen) => WindowsStartup.Simulate(request, graph, dlopen);
    }

    private readonly LoadRequest _request;
    private readonly LoadGraph _graph;
    private readonly PeFile _main;
    private readonly string _appDir;
    private readonly string? _windowsDir;
    private readonly Dictionary<string, Dictionary<string, string>> _listings = new(StringComparer.Ordinal);
    /// <summary>Delay-loaded DLLs: resolved the way the first call would resolve them, kept out of the start.</summary>
    internal readonly List<(LoadedObject Importer, string Name, LoadedObject Target)> Delayed = [];
    /// <summary>Each image's import descriptors' DLLs in table order.</summary>
    internal readonly Dictionary<LoadedObject, List<(string Name, LoadedObject Target)>> Imports = [];

    private WindowsLoader(LoadRequest request, LoadGraph graph, PeFile main, string appDir, string? windowsDir)
    {
        _request = request;
        _graph = graph;
        _main = main;
        _appDir = appDir;
        _windowsDir = windowsDir;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<LoadGraph, WindowsLoader> Loaders = new();
    internal static WindowsLoader Of(LoadGraph g) => Loaders.TryGetValue(g, out var l) ? l : throw new InvalidOperationException("not a Windows graph");

    internal PeFile Main => _main;
    internal bool HasWindowsRoot => _windowsDir is not null;
    internal string AppDirectory => _appDir;

    private static LoadGraph Load(LoadRequest request, BinaryFile file, PeFile main)
    {
        string mainPath = ProcessPaths.MainPath(request);
        var mainObj = new LoadedObject { Name = request.Argv0, Path = mainPath, RealPath = mainPath, File = main, Source = SearchSource.Main };
        mainObj.Names.Add(System.IO.Path.GetFileName(mainPath));
        var graph = new LoadGraph { Main = mainObj, Model = Model };
        graph.Own(file.Image);
        graph.Objects.Add(mainObj);
        string appDir = System.IO.Path.GetDirectoryName(mainPath) ?? "/";
        string? windowsDir = new WindowsLoader(request, graph, main, appDir, null).FindCi("/Windows") is { } w && Directory.Exists(w) ? "/Windows" : null;
        var loader = new WindowsLoader(request, graph, main, appDir, windowsDir);
        Loaders.AddOrUpdate(graph, loader);
        if (windowsDir is null)
            graph.Assumptions.Add("no Windows directory under the root: the usual system DLLs (KnownDLLs, ucrtbase.dll, the API set hosts …) are assumed present in System32; the Visual C++ runtime DLLs are not");
        if (main.IsDll)
            graph.Assumptions.Add("a DLL: simulated as LoadLibraryExW(path, LOAD_WITH_ALTERED_SEARCH_PATH), so its own directory is searched first for its imports");
        graph.DefaultDirectories = ["/Windows/System32", "/Windows"];
        loader.Run(mainObj);
        return graph;
    }

    /// <summary>Maps every image's imports, breadth first; the first failure ends a start (trace mode goes on).</summary>
    private void Run(LoadedObject main)
    {
        var queue = new Queue<LoadedObject>([main]);
        var done = new HashSet<LoadedObject>();
        while (queue.Count > 0)
        {
            var obj = queue.Dequeue();
            if (!done.Add(obj) || obj.File is not PeFile pe) continue;
            var list = new List<(string, LoadedObject)>();
            Imports[obj] = list;
            foreach (var dll in pe.ImportTable)
            {
                var target = Find(dll.Name, obj);
                obj.Needed.Add((dll.Name, target));
                list.Add((dll.Name, target));
                if (!target.Found || target.ErrorMessage is not null)
                {
                    if (target.ErrorMessage is { } m) _graph.Errors.Add(m);
                    if (!_request.Trace) return;
                    continue;
                }
                queue.Enqueue(target);
            }
            foreach (var dll in pe.DelayImportTable)
            {
                var target = Find(dll.Name, obj, delay: true);
                obj.Needed.Add((dll.Name, target));
                Delayed.Add((obj, dll.Name, target));
                if (target.Found) queue.Enqueue(target);
            }
        }
    }

    /// <summary>The whole search for one DLL name on behalf of <paramref name="importer"/>.</summary>
    internal LoadedObject Find(string name, LoadedObject importer, bool delay = false)
    {
        var tried = new List<Candidate>();
        string lookup = name;
        SearchSource? via = null;
        if (ApiSets.IsApiSet(name))
        {
            string? host = ApiSets.Resolve(name);
            if (host == "")
            {
                tried.Add(new Candidate(name, WindowsSearch.ApiSet, null, CandidateOutcome.Missing, "contract with no host"));
                return Missing(name, importer, tried, delay, "the API set schema has this contract with no host DLL");
            }
            if (host is not null)
            {
                tried.Add(new Candidate(name, WindowsSearch.ApiSet, null, CandidateOutcome.Taken, "→ " + host));
                lookup = host;
                via = WindowsSearch.ApiSet;
            }
        }
        foreach (var o in _graph.Objects)
            if (o.Found && o.Names.Contains(lookup, StringComparer.OrdinalIgnoreCase))
            {
                if (!o.Names.Contains(name, StringComparer.OrdinalIgnoreCase)) o.Names.Add(name);
                return o;
            }
        if (lookup.Contains('\\') || lookup.Contains('/'))
            return Try(name, lookup.Replace('\\', '/'), SearchSource.DirectPath, importer, tried, delay, via) ?? Missing(name, importer, tried, delay, null);
        if (KnownDlls.Names.Contains(lookup))
        {
            if (_windowsDir is null) return Assumed(name, lookup, importer, tried, via ?? WindowsSearch.KnownDlls);
            if (Try(name, _windowsDir + "/System32/" + lookup, via ?? WindowsSearch.KnownDlls, importer, tried, delay, via) is { } k) return k;
        }
        // The application directory; for a DLL opened with LOAD_WITH_ALTERED_SEARCH_PATH, its own directory.
        foreach (var (dir, source) in Directories(_appDir))
        {
            if (Try(name, dir.TrimEnd('/') + "/" + lookup, via ?? source, importer, tried, delay, via) is { } found) return found;
            if (tried.Count > 0 && tried[^1].Outcome == CandidateOutcome.Fatal) return Missing(name, importer, tried, delay, tried[^1].Detail);
            if (source == (_main.IsDll ? WindowsSearch.DllDirectory : WindowsSearch.ApplicationDirectory) && _windowsDir is null
                && (KnownDlls.System32.Contains(lookup) || KnownDlls.Names.Contains(lookup)))
                return Assumed(name, lookup, importer, tried, via ?? WindowsSearch.AssumedSystem);
        }
        return Missing(name, importer, tried, delay, null);
    }

    /// <summary>The directories after KnownDLLs, in order.</summary>
    private IEnumerable<(string Dir, SearchSource Source)> Directories(string appDir)
    {
        yield return (appDir, _main.IsDll ? WindowsSearch.DllDirectory : WindowsSearch.ApplicationDirectory);
        if (_windowsDir is not null)
        {
            yield return (_windowsDir + "/System32", WindowsSearch.System32);
            yield return (_windowsDir + "/System", WindowsSearch.System16);
            yield return (_windowsDir, WindowsSearch.WindowsDirectory);
        }
        if (_request.WorkingDirectory is { Length: > 0 } cwd && cwd != "/" && cwd != appDir) yield return (cwd, WindowsSearch.CurrentDirectory);
        if (_request.Environment.TryGetValue("PATH", out var path))
            foreach (var p in path.Split(';', StringSplitOptions.RemoveEmptyEntries))
                yield return (WindowsPath(p), WindowsSearch.Path);
    }

    /// <summary><c>C:\a\b</c> → <c>/a/b</c> inside the root (drive C: is the root); forward slashes stay.</summary>
    internal static string WindowsPath(string p)
    {
        p = p.Trim().Trim('"').Replace('\\', '/');
        if (p.Length >= 2 && char.IsAsciiLetter(p[0]) && p[1] == ':') p = p[2..];
        return p.StartsWith('/') ? p : "/" + p;
    }

    private LoadedObject Assumed(string name, string lookup, LoadedObject importer, List<Candidate> tried, SearchSource source)
    {
        string path = "/Windows/System32/" + lookup.ToLowerInvariant();
        tried.Add(new Candidate(path, source, null, CandidateOutcome.Taken, "assumed"));
        var o = new LoadedObject { Name = name, Path = path, RealPath = path, File = new SystemImage(path, BinaryFormat.Pe, _main.Machine), Source = source, Loader = importer };
        o.Names.Add(name);
        if (lookup != name) o.Names.Add(lookup);
        o.Tried.AddRange(tried);
        _graph.Objects.Add(o);
        return o;
    }

    private LoadedObject Missing(string name, LoadedObject importer, List<Candidate> tried, bool delay, string? detail)
    {
        var m = new LoadedObject { Name = name, Path = name, Source = SearchSource.NotFound, Loader = importer, Error = detail ?? "The specified module could not be found." };
        m.Tried.AddRange(tried);
        if (!delay) m.ErrorMessage = LoaderMessage.From(WindowsMessages.DllNotFoundUi, name);
        return m;
    }

    /// <summary>One candidate: a file there (any case) is mapped; not a PE image of the process's machine: the load fails.</summary>
    private LoadedObject? Try(string name, string path, SearchSource source, LoadedObject importer, List<Candidate> tried, bool delay, SearchSource? via)
    {
        string? host = FindCi(path);
        if (host is null || Directory.Exists(host))
        {
            tried.Add(new Candidate(path, source, null, CandidateOutcome.Missing));
            return null;
        }
        string shown = path;
        PeFile? pe = null;
        string? error = null;
        BinaryImage? image = null;
        try
        {
            image = BinaryImage.Open(host);
            if (!PeFile.HasDosMagic(image.Span)) error = "not a PE image";
            else
            {
                pe = PeFile.Open(image);
                if (pe.FileHeader.Machine != _main.FileHeader.Machine) error = $"a {pe.Machine} image, the process is {_main.Machine}";
            }
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { error = e.Message; }
        if (error is not null)
        {
            image?.Dispose();
            tried.Add(new Candidate(shown, source, null, CandidateOutcome.Fatal, error));
            var bad = new LoadedObject { Name = name, Path = shown, Source = source, Loader = importer, Error = error };
            bad.Tried.AddRange(tried);
            if (!delay) bad.ErrorMessage = LoaderMessage.From(WindowsMessages.InvalidImageFormatUi);
            return bad;
        }
        _graph.Own(image!);
        tried.Add(new Candidate(shown, source, null, CandidateOutcome.Taken));
        var o = new LoadedObject { Name = name, Path = shown, RealPath = shown, File = pe, Source = source, Loader = importer };
        o.Names.Add(name);
        o.Names.Add(System.IO.Path.GetFileName(shown));
        o.Tried.AddRange(tried);
        _graph.Objects.Add(o);
        return o;
    }

    /// <summary>The host path of <paramref name="path"/> (inside the root, or in the program's own directory outside it), components matched case-insensitively.</summary>
    internal string? FindCi(string path)
    {
        string hostBase = _request.Root.IsHost ? "" : _request.Root.Root.TrimEnd('/');
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string current = hostBase.Length == 0 ? "/" : hostBase;
        // The program's own directory may lie outside the root (a file given on the command line).
        if (!_request.Root.IsHost && !Directory.Exists(hostBase + "/" + (parts.Length > 0 ? parts[0] : "")) && path.StartsWith(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(_request.Program)) + "/", StringComparison.Ordinal))
            current = "/";
        foreach (var part in parts)
        {
            if (part == ".") continue;
            if (part == "..") { current = System.IO.Path.GetDirectoryName(current) ?? current; continue; }
            var listing = List(current);
            if (listing is null || !listing.TryGetValue(part, out var actual)) return null;
            current = current.TrimEnd('/') + "/" + actual;
        }
        return current;
    }

    private Dictionary<string, string>? List(string hostDir)
    {
        lock (_listings)
        {
            if (_listings.TryGetValue(hostDir, out var l)) return l;
            if (!Directory.Exists(hostDir)) return _listings[hostDir] = null!;
            l = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            try
            {
                foreach (var e in Directory.EnumerateFileSystemEntries(hostDir))
                    l.TryAdd(System.IO.Path.GetFileName(e), System.IO.Path.GetFileName(e));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            return _listings[hostDir] = l;
        }
    }
}
