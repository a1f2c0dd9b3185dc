using System.Text;
using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>The steps of glibc's search order (elf/dl-load.c), with the labels LD_DEBUG=libs and libtree use.</summary>
public static class GlibcSearch
{
    public static readonly SearchSource Preload = new("Preload", "LD_PRELOAD");
    public static readonly SearchSource EtcPreload = new("EtcPreload", "/etc/ld.so.preload");
    /// <summary>DT_RPATH of the object that needed it, or of one of its loaders.</summary>
    public static readonly SearchSource RPath = new("RPath", "RPATH", HasOwner: true);
    public static readonly SearchSource LdLibraryPath = new("LdLibraryPath", "LD_LIBRARY_PATH");
    /// <summary>DT_RUNPATH of the object that needed it.</summary>
    public static readonly SearchSource RunPath = new("RunPath", "RUNPATH", HasOwner: true);
    public static readonly SearchSource LdSoCache = new("LdSoCache", "ld.so.cache");
    /// <summary>SYSTEM_DIRS.</summary>
    public static readonly SearchSource SystemDirectory = new("SystemDirectory", "default directory");
}

/// <summary>
/// A model of glibc's ld.so (2.36) mapping a program and its dependencies, without running anything:
/// elf/rtld.c <c>dl_main</c> (preloads, the rtld map's place), elf/dl-deps.c <c>_dl_map_object_deps</c>
/// (breadth-first DT_NEEDED), elf/dl-load.c <c>_dl_map_object</c> (name and SONAME reuse, the search order
/// RPATH chain → LD_LIBRARY_PATH → RUNPATH → ld.so.cache → system directories), <c>open_path</c>
/// (hwcaps subdirectories), <c>open_verify</c> (class and machine skips, fatal candidates),
/// <c>_dl_dst_substitute</c> ($ORIGIN, $LIB, $PLATFORM) and, for set-user-ID programs, AT_SECURE
/// (<c>__libc_enable_secure</c>: no LD_LIBRARY_PATH, restricted preloads and $ORIGIN).
/// </summary>
public sealed class GlibcLoader
{
    /// <summary>The glibc model in <see cref="LoaderRegistry"/>.</summary>
    public static ILoaderModel Model { get; } = new GlibcModel();

    // Candidate reasons, glibc's words (the JSON verdict).
    public const string WrongClass = "WrongClass", WrongMachine = "WrongMachine", SameFile = "SameFile", NoDefaultLib = "NoDefaultLib", NotSetUid = "NotSetUid";

    private readonly LoadRequest _request;
    private readonly RootedFileSystem _fs;
    private readonly LoadGraph _graph;
    private readonly ElfFile _mainFile;
    private readonly GlibcPlatform _platform;
    private readonly string _argv0;
    private readonly string? _mainOrigin;
    private readonly string? _outsideRootDir;
    private readonly bool _secure;
    private LdSoCache? _cache;
    private bool _cacheRead;
    private LoadedObject? _rtld;
    /// <summary>errno as ld.so leaves it: "cannot open shared object file" carries the strerror of the last failed call, or none when it is 0.</summary>
    private int _errno;

    private GlibcLoader(LoadRequest request, LoadGraph graph, ElfFile mainFile, string? mainOrigin, string? outsideRootDir, bool secure)
    {
        _request = request;
        _fs = request.Root;
        _graph = graph;
        _mainFile = mainFile;
        _argv0 = request.Argv0;
        _mainOrigin = mainOrigin;
        _outsideRootDir = outsideRootDir;
        _secure = secure;
        _platform = GlibcPlatform.For(mainFile, _fs);
        graph.Assumptions.AddRange(_platform.Assumptions);
        graph.DefaultDirectories = _platform.SystemDirectories;
        graph.LoaderVersion = _platform.GlibcVersion;
    }

    private sealed class GlibcModel : ILoaderModel
    {
        public string Name => "glibc";
        public IMessageCatalog Messages => GlibcMessages.Instance;

        /// <summary>Any ELF object that musl does not claim: glibc is the default Linux loader.</summary>
        public int Claim(ILoadableObject main, RootedFileSystem root) => main is ElfFile ? 10 : 0;

        public LoadGraph Load(LoadRequest request, BinaryFile file, ILoadableObject main) => GlibcLoader.Load(request, file, (ElfFile)main);

        public WhyReport Simulate(LoadRequest request, LoadGraph graph, bool dlopen) => GlibcStartup.Simulate(request, graph, dlopen);
    }

    /// <summary>Maps the program and its dependencies (or, with a host, the host and then the library it dlopens).</summary>
    private static LoadGraph Load(LoadRequest request, BinaryFile file, ElfFile main)
    {
        if (request.Host is not null) return LoadIntoHost(request, file);
        return Start(request, file, main, out _);
    }

    /// <summary>
    /// <c>dlopen(LIB)</c> in a running host (elf/dl-open.c <c>dl_open_worker_begin</c>): the host starts first (its
    /// link map is the global scope), then each earlier RTLD_GLOBAL library and LIB are mapped with the host's main
    /// map as the caller (<c>_dl_map_object (call_map, file, …)</c>: its RPATH/RUNPATH serve a name without '/';
    /// objects already loaded are reused by name, SONAME or file), and their dependencies breadth first
    /// (<c>_dl_map_object_deps</c>), new objects appended to the link map. The first failure is dlerror().
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
            int before = graph.Objects.Count;
            var errors = graph.Errors.Count;
            loader.Dlopen(global);
            if (graph.Errors.Count > errors)
            {
                // A failed dlopen unloads what it mapped (dl_open_worker's error path: _dl_close_worker).
                graph.Errors.RemoveRange(errors, graph.Errors.Count - errors);
                graph.Objects.RemoveRange(before, graph.Objects.Count - before);
            }
        }
        graph.GlobalScopeCount = graph.Objects.Count;
        graph.Opened = loader.Dlopen(request.Program);
        return graph;
    }

    /// <summary>elf/dl-open.c: maps <paramref name="name"/> with the main map as the caller, then its dependencies.</summary>
    private LoadedObject Dlopen(string name)
    {
        var obj = MapObject(name, _graph.Main, null, out bool isNew);
        if (!obj.Found)
        {
            _graph.Errors.Add(obj.ErrorMessage!);
            return obj;
        }
        if (isNew) MapDependencies([obj], dlopen: true);
        return obj;
    }

    /// <summary>
    /// <c>dlopen(name)</c> called from <paramref name="caller"/> (a .note.dlopen entry of it): elf/dl-open.c maps the
    /// name with the caller's map (<c>_dl_map_object (call_map, …)</c>: its RPATH chain or RUNPATH), then its dependencies.
    /// </summary>
    private LoadedObject DlopenBy(string name, LoadedObject caller)
    {
        var obj = MapObject(name, caller, null, out bool isNew);
        if (obj.Found && isNew) MapDependencies([obj], dlopen: true);
        return obj;
    }

    private static LoadGraph Start(LoadRequest request, BinaryFile file, ElfFile main, out GlibcLoader loader)
    {
        var (origin, outside, realPath) = MainOrigin(request);
        bool secure = request.Secure ?? SecureExec.IsSecure(request);
        var mainObj = new LoadedObject { Name = request.Argv0, Path = "", File = main, Source = SearchSource.Main, RealPath = realPath };
        var graph = new LoadGraph { Main = mainObj, Model = Model, Secure = secure };
        graph.Own(file.Image);
        graph.Objects.Add(mainObj);
        if (secure) graph.Assumptions.Add("set-user-ID/set-group-ID program: simulated as run by another user (AT_SECURE): LD_LIBRARY_PATH is ignored, preloads are restricted to set-user-ID libraries in the search path, $ORIGIN only in trusted directories");
        loader = new GlibcLoader(request, graph, main, origin, outside, secure);
        loader.Run();
        if (request.DlopenNotes) DlopenNoteResolver.Resolve(graph, loader.DlopenBy);
        return graph;
    }

    /// <summary>
    /// The main program's $ORIGIN. Run by the kernel, l_name is "" and elf/dl-origin.c <c>_dl_get_origin</c> reads
    /// /proc/self/exe: the directory of the real path. Run as <c>ld.so FILE</c> (ldd, trace mode), elf/dl-object.c
    /// <c>_dl_new_object</c> takes the name as given: an absolute name keeps its directory as written, a relative one
    /// gets the working directory prepended, without normalising (<c>./dir/prog</c> gives <c>CWD/./dir</c>; ldd
    /// turns a bare <c>prog</c> into <c>./prog</c>). A program outside the root (qemu -L style) keeps its host
    /// directory, which the loader may then use; in a foreign root the real path inside the root is used. Also
    /// returns the program's real path inside the root.
    /// </summary>
    private static (string? Origin, string? OutsideRootDir, string RealPath) MainOrigin(LoadRequest request)
    {
        string real = RootedFileSystem.Host.Resolve(Path.GetFullPath(request.Program)) is { Exists: true } r ? r.RealPath : Path.GetFullPath(request.Program);
        string? outside = null;
        if (!request.Root.IsHost)
        {
            string prefix = request.Root.Root.TrimEnd('/') + "/";
            if (real.StartsWith(prefix, StringComparison.Ordinal)) real = "/" + real[prefix.Length..];
            else outside = DirName(real);
        }
        if (request.Trace && request.Root.IsHost)
        {
            string given = request.Argv0.Contains('/') ? request.Argv0 : "./" + request.Argv0;
            return (OriginOf(given, request.WorkingDirectory), null, real);
        }
        return (DirName(real), outside, real);
    }

    private void Run()
    {
        var main = _graph.Main;
        var env = _request.Environment;
        // The rtld map: named by PT_INTERP, answering also to its SONAME; it joins the chain where it is needed.
        // A file without PT_INTERP (a library) is loaded as ldd does it: by the standard loader of its machine.
        if ((_mainFile.Interpreter ?? StandardInterpreter(_mainFile.Header)) is { } interp && OpenCandidate(interp, out var interpFile, out _, out _, out var interpReal) == CandidateOutcome.Taken)
        {
            _rtld = new LoadedObject { Name = interp, Path = interp, RealPath = interpReal, File = interpFile, Source = SearchSource.Interpreter, Loader = main };
            _rtld.Names.Add(interp);
            if (interpFile!.Dynamic?.SoName is { } so) _rtld.Names.Add(so);
            _graph.Interpreter = _rtld;
        }

        var queue = new List<LoadedObject> { main };
        // elf/rtld.c handle_preload_list / do_preload: LD_PRELOAD (split on spaces and colons), then /etc/ld.so.preload.
        // Under AT_SECURE, names with '/' are dropped (dso_name_valid_for_suid) and the rest are searched securely.
        if (env.TryGetValue("LD_PRELOAD", out var preload) && !string.IsNullOrEmpty(preload))
            foreach (var name in preload.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries))
                if (!_secure || !name.Contains('/'))
                    Preload(name, "LD_PRELOAD", GlibcSearch.Preload, queue, secure: _secure);
        if (_fs.ReadText("/etc/ld.so.preload") is { } etcPreload)
        {
            foreach (var line in etcPreload.Split('\n'))
            {
                string l = line;
                int hash = l.IndexOf('#');
                if (hash >= 0) l = l[..hash];
                foreach (var name in l.Split([' ', ':', '\t'], StringSplitOptions.RemoveEmptyEntries))
                    Preload(name, "/etc/ld.so.preload", GlibcSearch.EtcPreload, queue, secure: false);
            }
        }

        if (!MapDependencies(queue, dlopen: false)) return;
        // dl_main keeps the rtld map in the chain only when something needed it (rtld_multiple_ref), right after
        // the object that precedes it in the search list (missing placeholders are not in that list).
        if (_rtld is not null && queue.IndexOf(_rtld) is > 0 and var at)
        {
            _graph.Objects.Remove(_rtld);
            _graph.Objects.Insert(_graph.Objects.IndexOf(queue[at - 1]) + 1, _rtld);
        }
    }

    /// <summary>
    /// elf/dl-deps.c <c>_dl_map_object_deps</c>: breadth first from <paramref name="queue"/>; the first object that
    /// cannot be mapped ends loading (outside trace mode): at start-up as the fatal "error while loading shared
    /// libraries" line, in a dlopen as dlerror()'s text. False when loading ended with an error.
    /// </summary>
    private bool MapDependencies(List<LoadedObject> queue, bool dlopen)
    {
        LoaderMessage Error(LoadedObject target) => dlopen ? target.ErrorMessage! : LoaderMessage.From(GlibcMessages.StartupError, _argv0, target.ErrorMessage!.Text);
        for (int i = 0; i < queue.Count; i++)
        {
            var obj = queue[i];
            var dyn = obj.Elf?.Dynamic;
            if (dyn is null) continue;
            foreach (var raw in dyn.Needed)
            {
                // dl-deps.c expand_dst: DT_NEEDED strings are expanded before _dl_map_object sees them; a program
                // with AT_SECURE may not use a DST there at all.
                LoadedObject target;
                string needed = raw;
                if (raw.Contains('$') && HasKnownDst(raw))
                {
                    string? expanded = _secure ? null : ExpandDst(raw, obj);
                    if (string.IsNullOrEmpty(expanded))
                    {
                        var t = _secure ? GlibcMessages.DstNotAllowedSecure : GlibcMessages.EmptyDst;
                        target = Missing(raw, obj, [], LoaderMessage.From(t, raw), otherClass: false);
                        obj.Needed.Add((raw, target));
                        if (_request.Trace) continue;
                        _graph.Errors.Add(Error(target));
                        return false;
                    }
                    needed = expanded;
                }
                target = MapObject(needed, obj, null, out bool isNew);
                obj.Needed.Add((needed, target));
                if (!target.Found)
                {
                    // ldd's trace mode fakes an entry for anything not found; only a fatal candidate aborts.
                    if (_request.Trace && !target.Tried.Any(c => c.Outcome == CandidateOutcome.Fatal)) continue;
                    _graph.Errors.Add(Error(target));
                    return false;
                }
                if (isNew && !queue.Contains(target)) queue.Add(target);
            }
        }
        return true;
    }

    /// <summary>The PT_INTERP glibc's linker writes for each machine (sysdeps/unix/sysv/linux/*/ldsodefs.h, shlib-versions).</summary>
    public static string? StandardInterpreter(ElfHeader h) => h.Machine switch
    {
        EM_X86_64 => h.Is64 ? "/lib64/ld-linux-x86-64.so.2" : "/libx32/ld-linux-x32.so.2",
        EM_386 => "/lib/ld-linux.so.2",
        EM_AARCH64 => h.IsBigEndian ? "/lib/ld-linux-aarch64_be.so.1" : "/lib/ld-linux-aarch64.so.1",
        EM_ARM => (h.Flags & 0x400) != 0 ? "/lib/ld-linux-armhf.so.3" : "/lib/ld-linux.so.3",
        EM_S390 => h.Is64 ? "/lib/ld64.so.1" : "/lib/ld.so.1",
        EM_PPC64 => h.IsBigEndian ? "/lib64/ld64.so.1" : "/lib64/ld64.so.2",
        EM_PPC => "/lib/ld.so.1",
        EM_RISCV => h.Is64 ? "/lib/ld-linux-riscv64-lp64d.so.1" : "/lib/ld-linux-riscv32-ilp32d.so.1",
        EM_LOONGARCH => "/lib64/ld-linux-loongarch-lp64d.so.1",
        _ => null,
    };

    private void Preload(string name, string from, SearchSource source, List<LoadedObject> queue, bool secure)
    {
        var obj = MapObject(name, _graph.Main, source, out bool isNew, secure);
        if (!obj.Found)
        {
            _graph.Objects.Remove(obj);
            _graph.FailedPreloads.Add(obj);
            // do_preload prints the errstring alone (no objname, no strerror).
            _graph.Warnings.Add(LoaderMessage.From(GlibcMessages.PreloadFailed, name, from, obj.Error!));
            return;
        }
        if (isNew) queue.Add(obj);
    }

    /// <summary>elf/dl-load.c <c>_dl_map_object</c>. <paramref name="preloadSource"/>: the preload list it comes from, if any.</summary>
    private LoadedObject MapObject(string name, LoadedObject loader, SearchSource? preloadSource, out bool isNew, bool secure = false)
    {
        isNew = false;
        // _dl_name_match_p on every loaded object, then its SONAME (which is then added as a name).
        foreach (var o in _graph.Objects.Append(_rtld))
        {
            if (o is null || !o.Found || o.IsMain) continue;
            bool byName = o.Path == name || o.Names.Contains(name);
            if (!byName && o.Elf!.Dynamic?.SoName != name) continue;
            if (!byName) o.Names.Add(name);
            if (o == _rtld && !_graph.Objects.Contains(_rtld)) { _graph.Objects.Add(_rtld); isNew = true; }
            return o;
        }

        var tried = new List<Candidate>();
        string? found = null, foundReal = null;
        Candidate? fatal = null;
        ElfFile? file = null;
        SearchSource source = SearchSource.NotFound;
        string? owner = null;
        bool otherClass = false;

        bool Try(string path, SearchSource src, string? own)
        {
            var v = OpenCandidate(path, out var f, out var detail, out var reason, out var real);
            if (v == CandidateOutcome.Taken && secure && !IsSetUid(path))
            {
                // open_path: a secure preload must itself be set-user-ID, else it is ignored as if missing.
                tried.Add(new Candidate(path, src, own, CandidateOutcome.Refused, "not set-user-ID (a preload of a set-user-ID program must be)", NotSetUid));
                _errno = Errno.ENOENT;
                return false;
            }
            if (v == CandidateOutcome.Taken && _graph.Objects.FirstOrDefault(o => o.Found && !o.IsMain && o.RealPath == real) is { } same)
            {
                tried.Add(new Candidate(path, src, own, CandidateOutcome.Duplicate, $"same file as {same.Path}", SameFile));
                found = path; foundReal = real; file = same.Elf; source = src; owner = own;
                return true;
            }
            var c = new Candidate(path, src, own, v, detail, reason);
            tried.Add(c);
            if (reason == WrongClass) otherClass = true;
            if (v == CandidateOutcome.Fatal) { fatal = c; return true; }
            if (v != CandidateOutcome.Taken) return false;
            found = path; foundReal = real; file = f; source = src; owner = own;
            return true;
        }

        if (name.Contains('/'))
        {
            // Only the DT_NEEDED and dlopen paths expand DSTs here; a preload name is taken as written.
            string? expanded = preloadSource is null ? ExpandDst(name, loader) : name;
            if (string.IsNullOrEmpty(expanded))
                return Missing(name, loader, tried, LoaderMessage.From(CannotOpenTemplate, name), otherClass);
            Try(expanded, SearchSource.DirectPath, null); // l_name keeps the name as written
        }
        else
        {
            bool done = false;
            var loaderDyn = loader.Elf?.Dynamic;
            // RPATH of the loader and of its loaders, then of the main program, unless the loader has RUNPATH.
            if (loaderDyn?.RunPath is null)
            {
                bool mainVisited = false;
                for (var l = loader; l is not null && !done; l = l.Loader)
                {
                    if (l.IsMain) mainVisited = true;
                    done = TryRPath(l, name, Try);
                }
                if (!done && !mainVisited) done = TryRPath(_graph.Main, name, Try);
            }
            // rtld.c process_envvars: LD_LIBRARY_PATH is not read at all under AT_SECURE.
            if (!done && !_secure && _request.Environment.TryGetValue("LD_LIBRARY_PATH", out var llp) && !string.IsNullOrEmpty(llp))
                done = TryDirectories(SplitPath(llp, ":;", _graph.Main), GlibcSearch.LdLibraryPath, null, name, Try);
            if (!done && loaderDyn?.RunPath is { } runpath)
                done = TryDirectories(SplitPath(runpath, ":", loader), GlibcSearch.RunPath, loader.DisplayName, name, Try);
            var flagsOwner = loader.File is not null ? loader : _graph.Main;
            bool nodeflib = flagsOwner.Elf?.Dynamic?.NoDefaultLib == true;
            // The cache is skipped for the secure preloads of an AT_SECURE program.
            if (!done && !secure && LookupCache(name) is { } cached)
            {
                // glibc 2.36 drops an entry in a system directory for a DF_1_NODEFLIB loader (LD_DEBUG still shows it).
                if (nodeflib && IsSystemDirectoryPath(cached))
                    tried.Add(new Candidate(cached, GlibcSearch.LdSoCache, null, CandidateOutcome.Refused, "in a default directory, and the loader has DF_1_NODEFLIB", NoDefaultLib));
                else
                    done = Try(cached, GlibcSearch.LdSoCache, null);
            }
            if (!done && !nodeflib)
                done = TryDirectories(_platform.SystemDirectories, GlibcSearch.SystemDirectory, null, name, Try);
        }

        if (fatal is not null) return Missing(name, loader, tried, LoaderMessage.From(GlibcMessages.BadFile, fatal.Path, fatal.Detail!), otherClass);
        if (found is null)
            return Missing(name, loader, tried, otherClass
                ? LoaderMessage.From(GlibcMessages.WrongClass, name, _mainFile.Is64 ? "ELFCLASS32" : "ELFCLASS64")
                : LoaderMessage.From(CannotOpenTemplate, CannotOpenValues(name)), otherClass);
        _errno = 0; // open_verify: __set_errno (0) once the file is open

        // Same file already loaded under another name: glibc's (st_dev, st_ino) check adds an alias.
        var existing = _graph.Objects.Append(_rtld).FirstOrDefault(o => o is not null && o.Found && !o.IsMain && o.RealPath == foundReal);
        if (existing is not null)
        {
            existing.Names.Add(name);
            existing.Tried.AddRange(tried);
            if (existing == _rtld && !_graph.Objects.Contains(_rtld)) { _graph.Objects.Add(_rtld); isNew = true; }
            return existing;
        }
        var obj = new LoadedObject
        {
            Name = name, Path = found, RealPath = foundReal, File = file,
            Source = preloadSource ?? source, IsPreload = preloadSource is not null,
            SourceOwner = owner, Loader = loader,
        };
        obj.Names.Add(name);
        obj.Tried.AddRange(tried);
        _graph.Objects.Add(obj);
        isNew = true;
        return obj;
    }

    /// <summary>"cannot open shared object file", with ": strerror" only when errno is not 0 (elf/dl-error-skeleton.c).</summary>
    private MessageTemplate CannotOpenTemplate => _errno == 0 ? GlibcMessages.CannotOpenNoErrno : GlibcMessages.CannotOpen;

    private string[] CannotOpenValues(string name) => _errno == 0 ? [name] : [name, Errno.StrError(_errno)];

    private LoadedObject Missing(string name, LoadedObject loader, List<Candidate> tried, LoaderMessage error, bool otherClass)
    {
        // The errstring alone, without "objname: " and ": strerror" (what do_preload prints and the tree shows).
        string errstring = error.Values.TryGetValue("reason", out var reason) ? reason
            : error.Values.TryGetValue("class", out var cls) ? "wrong ELF class: " + cls
            : error.Text[(error.Text.IndexOf(": ", StringComparison.Ordinal) + 2)..];
        if (error.Values.ContainsKey("strerror")) errstring = errstring[..errstring.LastIndexOf(": ", StringComparison.Ordinal)];
        var obj = new LoadedObject { Name = name, Path = name, Source = SearchSource.NotFound, Loader = loader, Error = errstring, ErrorMessage = error };
        obj.Names.Add(name);
        obj.Tried.AddRange(tried);
        // ldd's trace mode keeps a "faked" entry in the chain; a fatal candidate ends everything anyway.
        _graph.Objects.Add(obj);
        return obj;
    }

    private bool TryRPath(LoadedObject l, string name, Func<string, SearchSource, string?, bool> tryOne)
    {
        var dyn = l.Elf?.Dynamic;
        // An object with both tags loses its RPATH (elf/get-dynamic-info.h).
        if (dyn?.RPath is not { } rpath || dyn.RunPath is not null) return false;
        return TryDirectories(SplitPath(rpath, ":", l), GlibcSearch.RPath, l.DisplayName, name, tryOne);
    }

    private bool TryDirectories(IEnumerable<string> dirs, SearchSource source, string? owner, string name, Func<string, SearchSource, string?, bool> tryOne)
    {
        foreach (var dir in dirs)
        {
            // open_path: the glibc-hwcaps subdirectories, the legacy hwcaps subdirectories, then the directory.
            foreach (var sub in Subdirectories(dir))
                if (tryOne(sub + "/" + name, source, owner)) return true;
            if (tryOne(Join(dir, name), source, owner)) return true;
        }
        return false;
    }

    private readonly Dictionary<string, List<string>> _existingSubdirs = new(StringComparer.Ordinal);

    /// <summary>The hwcaps subdirectories of <paramref name="dir"/> that exist (missing ones cannot hold a candidate).</summary>
    private List<string> Subdirectories(string dir)
    {
        if (_existingSubdirs.TryGetValue(dir, out var list)) return list;
        list = [];
        if (_platform.HwcapsSubdirs.Count > 0 && IsDir(Join(dir, "glibc-hwcaps")))
            foreach (var h in _platform.HwcapsSubdirs)
                if (IsDir(Join(dir, $"glibc-hwcaps/{h}"))) list.Add(Join(dir, $"glibc-hwcaps/{h}"));
        foreach (var legacy in _platform.LegacySubdirs)
            if (IsDir(Join(dir, legacy))) list.Add(Join(dir, legacy));
        _existingSubdirs[dir] = list;
        return list;
    }

    /// <summary>"dir/name", or just "name" for the empty (current) directory.</summary>
    private static string Join(string dir, string name) => dir.Length == 0 ? name : dir + "/" + name;

    private bool IsDir(string path) => _fs.IsDirectory(Absolute(path)) || (_outsideRootDir is not null && path.StartsWith(_outsideRootDir, StringComparison.Ordinal) && Directory.Exists(path));

    /// <summary>
    /// elf/dl-load.c <c>fillin_rpath</c>: split, expand DSTs (dropping elements whose DST has no value), trim
    /// trailing slashes. An empty element is the current directory, and relative directories stay relative:
    /// the loader prints the paths as built from them.
    /// </summary>
    private IEnumerable<string> SplitPath(string list, string separators, LoadedObject owner)
    {
        foreach (var element in list.Split(separators.ToCharArray()))
        {
            if (element.Length == 0) { yield return ""; continue; }
            string? e = ExpandDst(element, owner);
            if (string.IsNullOrEmpty(e)) continue;
            while (e.Length > 1 && e.EndsWith('/')) e = e[..^1];
            yield return e;
        }
    }

    private string Absolute(string path) => path.StartsWith('/') ? path : (_request.WorkingDirectory.TrimEnd('/') + "/" + path);

    private static readonly string[] DstNames = ["ORIGIN", "PLATFORM", "LIB"];

    /// <summary>elf/dl-load.c <c>_dl_dst_count</c> &gt; 0: the string names a DST glibc knows.</summary>
    private static bool HasKnownDst(string s)
    {
        for (int i = s.IndexOf('$'); i >= 0; i = s.IndexOf('$', i + 1))
            foreach (var n in DstNames)
                if (DstLength(s, i + 1, n) > 0) return true;
        return false;
    }

    /// <summary>
    /// elf/dl-load.c <c>_dl_dst_substitute</c>: <c>$ORIGIN</c>, <c>$LIB</c>, <c>$PLATFORM</c>, also in braces; the
    /// name must not continue with [A-Za-z0-9_]. An unknown <c>$X</c> stays. A known one without a value: null.
    /// Under AT_SECURE, $ORIGIN is kept only as the whole first component, and for the program's own paths the
    /// result must lie in a trusted (system) directory.
    /// </summary>
    private string? ExpandDst(string s, LoadedObject owner)
    {
        if (!s.Contains('$')) return s;
        var sb = new StringBuilder();
        bool checkTrusted = false;
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$') { sb.Append(s[i]); continue; }
            string? value = null;
            int len = 0;
            foreach (var token in DstNames)
            {
                len = DstLength(s, i + 1, token);
                if (len == 0) continue;
                if (token == "ORIGIN")
                {
                    bool alone = i == 0 && (i + 1 + len == s.Length || s[i + 1 + len] == '/');
                    value = _secure && !alone ? null : Origin(owner);
                    checkTrusted = _secure && owner.IsMain;
                }
                else value = token == "PLATFORM" ? _platform.Platform : _platform.Lib;
                break;
            }
            if (len == 0) { sb.Append('$'); continue; }
            if (value is null) return null;
            sb.Append(value);
            i += len;
        }
        string result = sb.ToString();
        if (checkTrusted && !IsTrustedPath(result)) return null;
        return result;
    }

    /// <summary>elf/dl-load.c <c>is_dst</c>: the length of <c>NAME</c> or <c>{NAME}</c> at <paramref name="at"/>, or 0.</summary>
    private static int DstLength(string s, int at, string name)
    {
        if (at < s.Length && s[at] == '{')
            return string.CompareOrdinal(s, at + 1, name, 0, name.Length) == 0 && at + 1 + name.Length < s.Length && s[at + 1 + name.Length] == '}' ? name.Length + 2 : 0;
        if (at + name.Length > s.Length || string.CompareOrdinal(s, at, name, 0, name.Length) != 0) return 0;
        int next = at + name.Length;
        return next < s.Length && (char.IsAsciiLetterOrDigit(s[next]) || s[next] == '_') ? 0 : name.Length;
    }

    /// <summary>elf/dl-load.c <c>is_trusted_path_normalize</c>: after removing "." and "..", the path lies in a system directory.</summary>
    private bool IsTrustedPath(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/'))
        {
            if (p is "" or ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        string normal = "/" + string.Join('/', parts) + "/";
        return _platform.SystemDirectories.Any(d => normal.StartsWith(d.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    /// <summary>$ORIGIN: the main program's (see <see cref="MainOrigin"/>); for a library, _dl_new_object on the name it was opened by.</summary>
    private string? Origin(LoadedObject o) => o.IsMain ? _mainOrigin : OriginOf(o.Path, _request.WorkingDirectory);

    /// <summary>elf/dl-object.c <c>_dl_new_object</c>: the directory of the name, the working directory prepended when relative, not normalised.</summary>
    private static string OriginOf(string name, string cwd)
    {
        string full = name.StartsWith('/') ? name : cwd.TrimEnd('/') + "/" + name;
        return DirName(full);
    }

    private static string DirName(string p)
    {
        int slash = p.LastIndexOf('/');
        return slash <= 0 ? "/" : p[..slash];
    }

    /// <summary>Parsed caches, one per root and byte order: batch commands load thousands of programs.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<RootedFileSystem, Dictionary<bool, LdSoCache?>> Caches = new();

    private string? LookupCache(string name)
    {
        if (!_cacheRead)
        {
            _cacheRead = true;
            var perRoot = Caches.GetValue(_fs, _ => new Dictionary<bool, LdSoCache?>());
            lock (perRoot)
            {
                if (!perRoot.TryGetValue(_mainFile.IsBigEndian, out _cache))
                {
                    if (_fs.ReadBytes("/etc/ld.so.cache") is { } bytes && LdSoCache.TryParse(bytes, out var cache, out _, _mainFile.IsBigEndian))
                        _cache = cache;
                    perRoot[_mainFile.IsBigEndian] = _cache;
                }
            }
        }
        if (_cache is null || _platform.CacheFlags is not { } flags) return null;
        return _cache.Lookup(name, new LdSoCacheLookupOptions { Flags = flags, HwcapsSubdirs = _platform.HwcapsSubdirs, LegacyHwcaps = _platform.CacheLegacyFilter, X86Isa1 = _platform.X86Isa1 });
    }

    private bool IsSystemDirectoryPath(string path)
    {
        string dir = path[..Math.Max(path.LastIndexOf('/'), 0)];
        return _platform.SystemDirectories.Contains(dir);
    }

    private bool IsSetUid(string path) => _fs.Resolve(Absolute(path)) is { Exists: true } r && SecureExec.HasSetUidBit(r.HostPath);

    /// <summary>
    /// elf/dl-load.c <c>open_verify</c>: Taken; Missing (search goes on); Incompatible (wrong class or machine,
    /// skipped); or Fatal. Keeps errno as ld.so would leave it.
    /// </summary>
    private CandidateOutcome OpenCandidate(string path, out ElfFile? file, out string? detail, out string? reason, out string? realPath)
    {
        file = null;
        detail = null;
        reason = null;
        realPath = null;
        path = Absolute(path);
        var r = _fs.Resolve(path);
        if (!r.Exists && _outsideRootDir is not null && path.StartsWith(_outsideRootDir, StringComparison.Ordinal))
            r = RootedFileSystem.Host.Resolve(path);
        if (!r.Exists)
        {
            _errno = r.Errno;
            detail = r.Errno == Errno.ENOENT ? null : Errno.StrError(r.Errno);
            return CandidateOutcome.Missing;
        }
        // open(2) succeeds on a directory and read(2) fails with EISDIR, which ld.so prints by number (seen on 2.36).
        if (Directory.Exists(r.HostPath)) { detail = "cannot read file data: Error 21"; _errno = Errno.EISDIR; return CandidateOutcome.Fatal; }
        realPath = r.RealPath;
        BinaryImage image;
        try { image = BinaryImage.Open(r.HostPath); }
        catch (UnauthorizedAccessException) { _errno = Errno.EACCES; detail = "Permission denied"; return CandidateOutcome.Missing; }
        catch (IOException e) { detail = "cannot read file data: " + e.Message; return CandidateOutcome.Fatal; }
        var data = image.Span;
        var h = _mainFile.Header;
        int ehdrSize = _mainFile.Is64 ? 64 : 52;
        string? fatal = null;
        var outcome = CandidateOutcome.Taken;
        if (data.Length < ehdrSize) fatal = "file too short";
        else if (!ElfFile.HasElfMagic(data)) fatal = "invalid ELF header";
        else if (data[EI_CLASS] != h.Class) { outcome = CandidateOutcome.Incompatible; reason = WrongClass; }
        else if (data[EI_DATA] != h.Data) fatal = h.IsBigEndian ? "ELF file data encoding not big-endian" : "ELF file data encoding not little-endian";
        else if (data[EI_VERSION] != EV_CURRENT) fatal = "ELF file version ident does not match current one";
        else if (data[EI_OSABI] is not (ELFOSABI_SYSV or ELFOSABI_GNU)) fatal = "ELF file OS ABI invalid";
        else if (data[EI_ABIVERSION] != 0 && !(data[EI_OSABI] == ELFOSABI_GNU && data[EI_ABIVERSION] < 2)) fatal = "ELF file ABI version invalid";
        else if (data[(EI_ABIVERSION + 1)..EI_NIDENT].ContainsAnyExcept((byte)0)) fatal = "nonzero padding in e_ident";
        if (fatal is null && outcome == CandidateOutcome.Taken)
        {
            ElfFile? f = null;
            try { f = ElfFile.Open(image); }
            catch (BinaryFormatException e) { fatal = e.Message; }
            if (f is not null)
            {
                if (f.Header.Version != EV_CURRENT) fatal = "ELF file version does not match current one";
                else if (f.Header.Machine != h.Machine) { outcome = CandidateOutcome.Incompatible; reason = WrongMachine; detail = $"wrong machine ({f.Machine})"; }
                else if (f.Header.Type is not (ET_DYN or ET_EXEC)) fatal = "only ET_DYN and ET_EXEC can be loaded";
                else if (f.Header.PhEntSize != (_mainFile.Is64 ? 56 : 32)) fatal = "ELF file's phentsize not the expected size";
                else { file = f; _graph.Own(image); _errno = 0; return CandidateOutcome.Taken; }
            }
        }
        // Everything read from the image is taken before it is unmapped.
        if (reason == WrongClass) detail = $"wrong ELF class ({(data[EI_CLASS] == ELFCLASS32 ? "ELFCLASS32" : "ELFCLASS64")})";
        image.Dispose();
        if (fatal is not null) { detail = fatal; _errno = 0; return CandidateOutcome.Fatal; }
        _errno = Errno.ENOENT; // open_verify sets ENOENT for a skipped other-class or other-machine file
        return outcome;
    }
}
