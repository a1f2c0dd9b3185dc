using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Musl;

/// <summary>The steps of musl's search order (ldso/dynlink.c load_library).</summary>
public static class MuslSearch
{
    public static readonly SearchSource Preload = new("Preload", "LD_PRELOAD");
    public static readonly SearchSource LdLibraryPath = new("LdLibraryPath", "LD_LIBRARY_PATH");
    /// <summary>DT_RPATH of the object that needed it or of one of its needers (musl inherits both tags).</summary>
    public static readonly SearchSource RPath = new("RPath", "RPATH", HasOwner: true);
    public static readonly SearchSource RunPath = new("RunPath", "RUNPATH", HasOwner: true);
    /// <summary>/etc/ld-musl-ARCH.path or the built-in default.</summary>
    public static readonly SearchSource SystemDirectory = new("SystemDirectory", "default directory");
    /// <summary>A reserved libc name (libc.so, libpthread.so.0 …) resolved to musl itself.</summary>
    public static readonly SearchSource Reserved = new("MuslReserved", "musl's libc");
}

/// <summary>
/// A model of musl's dynamic linker (ldso/dynlink.c, musl 1.2): <c>load_library</c> (reserved libc names,
/// names with '/', reuse by short name and by file, LD_LIBRARY_PATH, then the rpath of the object that needed
/// it and of every object up its needed_by chain, then <c>/etc/ld-musl-ARCH.path</c> or the built-in default),
/// <c>path_open</c>, <c>fixup_rpath</c> ($ORIGIN only), and <c>load_deps</c> (every missing library reported).
/// Under AT_SECURE (<c>libc.secure</c>), LD_LIBRARY_PATH and LD_PRELOAD are not read, the main program's
/// $ORIGIN rpath is dropped and relative origins are refused (<c>__dls3</c>, <c>fixup_rpath</c>).
/// </summary>
public sealed class MuslLoader
{
    /// <summary>The musl model in <see cref="LoaderRegistry"/>.</summary>
    public static ILoaderModel Model { get; } = new MuslModel();

    private sealed class MuslModel : ILoaderModel
    {
        public string Name => "musl";
        public IMessageCatalog Messages => MuslMessages.Instance;

        /// <summary>PT_INTERP ld-musl-*; a library without one that the evidence says is musl-built.</summary>
        public int Claim(ILoadableObject main, RootedFileSystem root)
        {
            if (main is not ElfFile elf) return 0;
            if (LibcFlavour.FromInterpreter(elf.Interpreter) == LibcFlavour.Musl) return 100;
            if (elf.Interpreter is null && LibcFlavour.Detect(elf, isGo: false).Flavour == LibcFlavour.Musl) return 50;
            return 0;
        }

        public LoadGraph Load(LoadRequest request, BinaryFile file, ILoadableObject main) => MuslLoader.Load(request, file, (ElfFile)main);

        public WhyReport Simulate(LoadRequest request, LoadGraph graph, bool dlopen) => MuslStartup.Simulate(request, graph, dlopen);
    }

    private const int NAME_MAX = 255;
    private readonly LoadRequest _request;
    private readonly RootedFileSystem _fs;
    private readonly LoadGraph _graph;
    private readonly ElfFile _main;
    private readonly LoadedObject _ldso;
    private readonly string? _mainOrigin;
    private readonly bool _secure;
    private readonly Dictionary<LoadedObject, LoadedObject?> _neededBy = [];
    private readonly Dictionary<LoadedObject, string?> _shortName = [];
    private readonly HashSet<string> _reportedReserved = [];
    private bool _ldsoInList;
    private string? _sysPath;

    /// <summary>LDSO_ARCH (arch/*/reloc.h): the name in ld-musl-ARCH.so.1 and /etc/ld-musl-ARCH.path.</summary>
    public static string? LdsoArch(ElfHeader h) => h.Machine switch
    {
        EM_X86_64 => h.Is64 ? "x86_64" : "x32",
        EM_386 => "i386",
        EM_AARCH64 => h.IsBigEndian ? "aarch64_be" : "aarch64",
        EM_ARM => (h.IsBigEndian ? "armeb" : "arm") + ((h.Flags & 0x400) != 0 ? "hf" : ""),
        EM_MIPS => (h.Is64 ? "mips64" : "mips") + (h.IsBigEndian ? "" : "el"),
        EM_PPC64 => h.IsBigEndian ? "powerpc64" : "powerpc64le",
        EM_PPC => "powerpc",
        EM_S390 => "s390x",
        EM_RISCV => h.Is64 ? "riscv64" : "riscv32",
        EM_LOONGARCH => "loongarch64",
        _ => null,
    };

    private MuslLoader(LoadRequest request, LoadGraph graph, ElfFile main, LoadedObject ldso, string? mainOrigin, bool secure)
    {
        _secure = secure;
        _request = request;
        _fs = request.Root;
        _graph = graph;
        _main = main;
        _ldso = ldso;
        _mainOrigin = mainOrigin;
    }

    private static LoadGraph Load(LoadRequest request, BinaryFile mainFile, ElfFile main)
    {
        if (request.Host is not null) return LoadIntoHost(request, mainFile);
        return Start(request, mainFile, main, out _);
    }

    /// <summary>
    /// <c>dlopen(LIB)</c> in a running host (ldso/dynlink.c <c>dlopen</c>): the host starts first; then each earlier
    /// RTLD_GLOBAL library and LIB go through <c>load_library(file, head)</c> (the main program is the needer, so its
    /// rpath serves a name without '/'; loaded objects are reused by short name and by file) and <c>load_deps</c>,
    /// which stops at the first missing library. New objects join the symbol list after the host's
    /// (<c>add_syms</c>), so the host's definitions come first.
    /// </summary>
    private static LoadGraph LoadIntoHost(LoadRequest request, BinaryFile libFile)
    {
        libFile.Dispose(); // the library is opened again as dlopen opens it, by name
        var hostFile = BinaryFile.Open(request.Host!);
        if (hostFile.Objects[0] is not ElfFile hostMain)
        {
            hostFile.Dispose();
            throw new BinaryFormatException($"host {request.Host}: a {hostFile.Objects[0].Format} file, not an ELF program");
        }
        var hostRequest = request with { Program = request.Host!, ProgramName = request.Host, Host = null, GlobalObjects = [], Trace = false };
        var graph = Start(hostRequest, hostFile, hostMain, out var loader);
        if (graph.Errors.Count > 0) { graph.HostFailed = true; return graph; }
        foreach (var global in request.GlobalObjects)
        {
            int before = graph.Objects.Count, errors = graph.Errors.Count;
            loader.Dlopen(global);
            if (graph.Errors.Count > errors)
            {
                graph.Errors.RemoveRange(errors, graph.Errors.Count - errors);
                graph.Objects.RemoveRange(before, graph.Objects.Count - before);
            }
        }
        graph.GlobalScopeCount = graph.Objects.Count;
        graph.Opened = loader.Dlopen(request.Program);
        return graph;
    }

    /// <summary>ldso/dynlink.c <c>dlopen</c>: <c>load_library(file, head)</c>, then <c>load_deps</c> (the first error ends it).</summary>
    private LoadedObject? Dlopen(string name)
    {
        int before = _graph.Objects.Count;
        var p = LoadLibrary(name, _graph.Main, null, out string? error);
        if (p is null)
        {
            _graph.Errors.Add(LoaderMessage.From(MuslMessages.DlopenLoadError, name, error!));
            return null;
        }
        LoadDeps(before, stopAtFirst: true);
        return p;
    }

    /// <summary>
    /// <c>dlopen(name)</c> for a .note.dlopen entry of <paramref name="caller"/>: musl's dlopen always searches as
    /// <c>load_library(file, head)</c> (the main program's rpath, whoever calls), then <c>load_deps</c>.
    /// </summary>
    private LoadedObject DlopenBy(string name, LoadedObject caller)
    {
        int before = _graph.Objects.Count;
        var p = LoadLibrary(name, _graph.Main, null, out string? error);
        if (p is null)
        {
            var missing = new LoadedObject { Name = name, Path = name, Source = SearchSource.NotFound, Loader = caller, Error = error };
            missing.Names.Add(name);
            missing.Tried.AddRange(_lastTried);
            _graph.Objects.Add(missing);
            return missing;
        }
        LoadDeps(before, stopAtFirst: true);
        return p;
    }

    private static LoadGraph Start(LoadRequest request, BinaryFile mainFile, ElfFile main, out MuslLoader loader)
    {
        string argv0 = request.Argv0;
        var mainObj = new LoadedObject { Name = argv0, Path = argv0, RealPath = request.Program, File = main, Source = SearchSource.Main };
        var graph = new LoadGraph { Main = mainObj, Model = Model, TracesWhileLoading = true };
        graph.Own(mainFile.Image);
        graph.Objects.Add(mainObj);
        string ldsoName = main.Interpreter ?? $"/lib/ld-musl-{LdsoArch(main.Header) ?? "unknown"}.so.1";
        ElfFile? ldsoFile = null;
        var r = request.Root.Resolve(ldsoName);
        if (r.Exists)
        {
            try
            {
                var li = BinaryImage.Open(r.HostPath);
                graph.Own(li);
                ldsoFile = ElfFile.Open(li);
            }
            catch (Exception e) when (e is BinaryFormatException or IOException) { ldsoFile = null; }
        }
        var ldso = new LoadedObject { Name = ldsoName, Path = ldsoName, RealPath = r.Exists ? r.RealPath : null, File = ldsoFile, Source = SearchSource.Interpreter, Loader = mainObj };
        ldso.Names.Add(ldsoName);
        graph.Interpreter = ldso;
        string full = Path.GetFullPath(request.Program);
        string real = RootedFileSystem.Host.Resolve(full) is { Exists: true } hr ? hr.RealPath : full;
        bool secure = request.Secure ?? SecureExec.IsSecure(request);
        graph.Secure = secure;
        if (secure) graph.Assumptions.Add("set-user-ID/set-group-ID program: simulated as run by another user (AT_SECURE): musl ignores LD_LIBRARY_PATH and LD_PRELOAD and drops the program's $ORIGIN rpath");
        // $ORIGIN of the main program: /proc/self/exe when the kernel ran it, the path given when ldso did.
        string? origin = request.Trace ? DirName(argv0) : Path.GetDirectoryName(real);
        loader = new MuslLoader(request, graph, main, ldso, origin, secure);
        loader.Run();
        if (request.DlopenNotes) DlopenNoteResolver.Resolve(graph, loader.DlopenBy);
        return graph;
    }

    private static string DirName(string p)
    {
        int s = p.LastIndexOf('/');
        return s < 0 ? "." : s == 0 ? "/" : p[..s];
    }

    private void Run()
    {
        var main = _graph.Main;
        _neededBy[main] = null;
        if (_ldso.File is null) return; // the kernel cannot start it: the exec step reports that
        _graph.TraceLines.Add($"\t{_ldso.Name}");
        _graph.DefaultDirectories = [.. SystemPath().Split([':', '\n'], StringSplitOptions.RemoveEmptyEntries)];
        // load_preload: LD_PRELOAD split on whitespace and ':'; failures are ignored silently.
        if (!_secure && _request.Environment.TryGetValue("LD_PRELOAD", out var preload))
            foreach (var name in preload.Split([' ', '\t', '\n', ':'], StringSplitOptions.RemoveEmptyEntries))
                LoadLibrary(name, null, MuslSearch.Preload, out _);
        LoadDeps(0, stopAtFirst: false);
    }

    /// <summary>
    /// ldso/dynlink.c <c>load_deps</c>: walks the list from <paramref name="from"/> as it grows; at start-up every
    /// missing library is reported and loading goes on; at run time (dlopen) the first one ends it.
    /// </summary>
    private void LoadDeps(int from, bool stopAtFirst)
    {
        for (int i = from; i < _graph.Objects.Count; i++)
        {
            var p = _graph.Objects[i];
            if (p.Elf?.Dynamic is not { } dyn || p == _ldso) continue;
            foreach (var name in dyn.Needed)
            {
                var dep = LoadLibrary(name, p, null, out string? error);
                if (dep is null)
                {
                    var message = LoaderMessage.From(MuslMessages.LoadError, name, error!, p.Path);
                    var missing = new LoadedObject { Name = name, Path = name, Source = SearchSource.NotFound, Loader = p, Error = error, ErrorMessage = message };
                    missing.Tried.AddRange(_lastTried);
                    p.Needed.Add((name, missing));
                    _graph.Errors.Add(message);
                    if (stopAtFirst) return;
                    continue;
                }
                p.Needed.Add((name, dep));
            }
        }
    }

    private List<Candidate> _lastTried = [];

    private static readonly string[] Reserved = ["c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."];

    /// <summary>ldso/dynlink.c <c>load_library</c>. Returns null with the strerror text when it fails.</summary>
    private LoadedObject? LoadLibrary(string name, LoadedObject? neededBy, SearchSource? preloadSource, out string? error)
    {
        error = null;
        _lastTried = [];
        if (name.Length == 0) { error = "Invalid argument"; return null; }
        bool isSelf = false;
        if (name.StartsWith("lib", StringComparison.Ordinal))
        {
            foreach (var r in Reserved)
            {
                if (string.CompareOrdinal(name, 3, r, 0, r.Length) != 0) continue;
                if (_reportedReserved.Add(r)) _graph.TraceLines.Add($"\t{name} => {_ldso.Name}");
                isSelf = true;
                break;
            }
        }
        if (name == _ldso.Name) isSelf = true;
        if (isSelf)
        {
            if (!_ldsoInList) { _ldsoInList = true; _graph.Objects.Add(_ldso); _neededBy[_ldso] = neededBy; }
            if (!_ldso.Names.Contains(name)) _ldso.Names.Add(name);
            return _ldso;
        }

        string? pathname = null;
        RootedPath found = default;
        var tried = _lastTried;
        if (name.Contains('/'))
        {
            string p = name.StartsWith('/') ? name : _request.WorkingDirectory.TrimEnd('/') + "/" + name;
            found = Resolve(p);
            tried.Add(new Candidate(name, SearchSource.DirectPath, null, found.Exists ? CandidateOutcome.Taken : CandidateOutcome.Missing));
            if (!found.Exists) { error = "No such file or directory"; return null; }
            pathname = name;
        }
        else
        {
            foreach (var o in _graph.Objects)
                if (_shortName.TryGetValue(o, out var sn) && sn == name) return o;
            if (name.Length > NAME_MAX) { error = "File name too long"; return null; }
            int fd = -1;
            if (!_secure && _request.Environment.TryGetValue("LD_LIBRARY_PATH", out var llp))
                fd = PathOpen(name, llp, MuslSearch.LdLibraryPath, null, out pathname, out found);
            for (var p = neededBy; fd == -1 && p is not null; p = _neededBy.GetValueOrDefault(p))
            {
                string? rpath = FixupRpath(p);
                if (rpath is not null) fd = PathOpen(name, rpath, p.Elf?.Dynamic?.RunPath is not null ? MuslSearch.RunPath : MuslSearch.RPath, p.Path, out pathname, out found);
            }
            if (fd == -1)
                fd = PathOpen(name, SystemPath(), MuslSearch.SystemDirectory, null, out pathname, out found);
            if (fd != 0) { error = "No such file or directory"; return null; }
        }

        // Reuse by (st_dev, st_ino): the same file found under another name.
        foreach (var o in _graph.Objects)
        {
            if (o.RealPath != found.RealPath || o.IsMain) continue;
            if (!_shortName.ContainsKey(o) && pathname != name) _shortName[o] = o.Path[(o.Path.LastIndexOf('/') + 1)..];
            return o;
        }
        // map_library: only the size, e_type and the program headers are checked; a wrong class fails there.
        ElfFile? file = null;
        try
        {
            var image = BinaryImage.Open(found.HostPath);
            _graph.Own(image);
            file = ElfFile.Open(image);
        }
        catch (Exception e) when (e is BinaryFormatException or IOException) { file = null; }
        if (file is null || file.Header.Type is not (ET_DYN or ET_EXEC) || file.Header.Class != _main.Header.Class || file.Header.Data != _main.Header.Data)
        {
            tried[^1] = tried[^1] with { Outcome = CandidateOutcome.Fatal, Detail = "Exec format error" };
            error = "Exec format error";
            return null;
        }
        if (file.Header.Machine != _main.Header.Machine)
            _graph.Assumptions.Add($"{pathname} is for {MachineName(file.Header.Machine, file.Header.Class, file.IsBigEndian)}: musl maps it anyway and fails in relocation");
        var obj = new LoadedObject
        {
            Name = name, Path = pathname!, RealPath = found.RealPath, File = file,
            Source = preloadSource ?? tried[^1].Source, IsPreload = preloadSource is not null,
            SourceOwner = tried[^1].Owner, Loader = neededBy ?? _graph.Main,
        };
        obj.Names.Add(name);
        obj.Tried.AddRange(tried);
        _neededBy[obj] = neededBy;
        _shortName[obj] = pathname != name ? name : null;
        _graph.Objects.Add(obj);
        _graph.TraceLines.Add($"\t{name} => {pathname}");
        return obj;
    }

    private RootedPath Resolve(string path)
    {
        var r = _fs.Resolve(path);
        if (!r.Exists && !_fs.IsHost && _mainOrigin is not null && path.StartsWith(_mainOrigin, StringComparison.Ordinal))
            r = RootedFileSystem.Host.Resolve(path);
        return r;
    }

    /// <summary>ldso/dynlink.c <c>path_open</c>: "dir/name" for each element (no slash trimming); 0 found, -1 not found, -2 stop.</summary>
    private int PathOpen(string name, string list, SearchSource source, string? owner, out string? pathname, out RootedPath found)
    {
        pathname = null;
        found = default;
        foreach (var dir in list.Split([':', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = dir + "/" + name;
            if (candidate.Length >= 2 * NAME_MAX + 2) continue;
            string abs = candidate.StartsWith('/') ? candidate : _request.WorkingDirectory.TrimEnd('/') + "/" + candidate;
            var r = Resolve(abs);
            if (r.Exists && Directory.Exists(r.HostPath))
            {
                _lastTried.Add(new Candidate(candidate, source, owner, CandidateOutcome.Fatal, "Is a directory"));
                return -2;
            }
            _lastTried.Add(new Candidate(candidate, source, owner, r.Exists ? CandidateOutcome.Taken : CandidateOutcome.Missing));
            if (r.Exists) { pathname = candidate; found = r; return 0; }
        }
        return -1;
    }

    /// <summary>ldso/dynlink.c <c>fixup_rpath</c>: DT_RUNPATH, else DT_RPATH; only $ORIGIN is expanded, any other '$' drops it.</summary>
    private string? FixupRpath(LoadedObject p)
    {
        var dyn = p.Elf?.Dynamic;
        string? orig = dyn?.RunPath ?? dyn?.RPath;
        if (orig is null || !orig.Contains('$')) return orig;
        // A kernel-mapped program's $ORIGIN cannot be trusted under AT_SECURE; nor can a relative origin.
        if (_secure && p.IsMain && !_request.Trace) return null;
        string origin = p.IsMain ? (_mainOrigin ?? ".") : DirName(p.Path);
        if (_secure && !origin.StartsWith('/')) return null;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < orig.Length; i++)
        {
            if (orig[i] != '$') { sb.Append(orig[i]); continue; }
            if (string.CompareOrdinal(orig, i, "${ORIGIN}", 0, 9) == 0) { sb.Append(origin); i += 8; }
            else if (string.CompareOrdinal(orig, i, "$ORIGIN", 0, 7) == 0) { sb.Append(origin); i += 6; }
            else return null;
        }
        return sb.ToString();
    }

    /// <summary>The system path: &lt;prefix&gt;/etc/ld-musl-ARCH.path (prefix: above the loader's directory), else the built-in default.</summary>
    private string SystemPath()
    {
        if (_sysPath is not null) return _sysPath;
        string name = _ldso.Name;
        string prefix = "";
        if (name.StartsWith('/'))
        {
            int t = 0, z = 0;
            for (int i = 0; i < name.Length; i++) if (name[i] == '/') { z = t; t = i; }
            prefix = name[..z];
        }
        string file = $"{prefix}/etc/ld-musl-{LdsoArch(_main.Header)}.path";
        var r = _fs.Resolve(file);
        if (r.Exists) _sysPath = _fs.ReadText(file) ?? "";
        else _sysPath = "/lib:/usr/local/lib:/usr/lib";
        return _sysPath;
    }
}
