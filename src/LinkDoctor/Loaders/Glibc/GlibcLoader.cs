using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// A model of glibc's ld.so (2.36) mapping a program and its dependencies, without running anything:
/// elf/rtld.c <c>dl_main</c> (preloads, the rtld map's place), elf/dl-deps.c <c>_dl_map_object_deps</c>
/// (breadth-first DT_NEEDED), elf/dl-load.c <c>_dl_map_object</c> (name and SONAME reuse, the search order
/// RPATH chain → LD_LIBRARY_PATH → RUNPATH → ld.so.cache → system directories), <c>open_path</c>
/// (hwcaps subdirectories), <c>open_verify</c> (class and machine skips, fatal candidates) and
/// <c>_dl_dst_substitute</c> ($ORIGIN, $LIB, $PLATFORM).
/// </summary>
public sealed class GlibcLoader
{
    private readonly LoadRequest _request;
    private readonly RootedFileSystem _fs;
    private readonly LoadGraph _graph;
    private readonly ElfFile _mainFile;
    private readonly GlibcPlatform _platform;
    private readonly string _argv0;
    private readonly string? _mainOrigin;
    private readonly string? _outsideRootDir;
    private LdSoCache? _cache;
    private bool _cacheRead;
    private LoadedObject? _rtld;
    /// <summary>AT_SECURE (set-user-ID programs) is not modelled: LinkDoctor simulates an ordinary start.</summary>
    private readonly bool _secure = false;

    private GlibcLoader(LoadRequest request, LoadGraph graph, ElfFile mainFile, string? mainOrigin, string? outsideRootDir)
    {
        _request = request;
        _fs = request.Root;
        _graph = graph;
        _mainFile = mainFile;
        _argv0 = request.ProgramName ?? request.Program;
        _mainOrigin = mainOrigin;
        _outsideRootDir = outsideRootDir;
        _platform = GlibcPlatform.For(mainFile, _fs);
        graph.Assumptions.AddRange(_platform.Assumptions);
    }

    /// <summary>Maps the program and its dependencies. Bad input for the main program throws (BinaryFormatException, IOException).</summary>
    public static LoadGraph Load(LoadRequest request)
    {
        var image = BinaryImage.Open(request.Program);
        ElfFile main;
        try { main = ElfFile.Open(image); }
        catch { image.Dispose(); throw; }
        var (origin, outside) = MainOrigin(request);
        var mainObj = new LoadedObject { Name = request.ProgramName ?? request.Program, Path = "", RealPath = origin is null ? null : origin + "/" + Path.GetFileName(request.Program), File = main, Source = SearchSource.Main };
        var graph = new LoadGraph { Main = mainObj, Loader = "glibc", FileSystem = request.Root };
        graph.Own(image);
        graph.Objects.Add(mainObj);
        var loader = new GlibcLoader(request, graph, main, origin, outside);
        loader.Run();
        return graph;
    }

    /// <summary>
    /// The main program's $ORIGIN: the directory of its real path, as the kernel gives it (/proc/self/exe).
    /// A program outside the root (qemu -L style) keeps its host directory, which the loader may then use.
    /// </summary>
    private static (string? Origin, string? OutsideRootDir) MainOrigin(LoadRequest request)
    {
        string full = Path.GetFullPath(request.Program);
        string real = ResolveHostRealPath(full);
        string root = request.Root.Root;
        if (request.Root.IsHost) return (Path.GetDirectoryName(real), null);
        string prefix = root.TrimEnd('/') + "/";
        if (real.StartsWith(prefix, StringComparison.Ordinal))
            return (Path.GetDirectoryName("/" + real[prefix.Length..]) ?? "/", null);
        string dir = Path.GetDirectoryName(real) ?? "/";
        return (dir, dir);
    }

    private static string ResolveHostRealPath(string path) => RootedFileSystem.Host.Resolve(path) is { Exists: true } r ? r.RealPath : path;

    private void Run()
    {
        var main = _graph.Main;
        var env = _request.Environment;
        // The rtld map: named by PT_INTERP, answering also to its SONAME; it joins the chain where it is needed.
        // A file without PT_INTERP (a library) is loaded as ldd does it: by the standard loader of its machine.
        if ((_mainFile.Interpreter ?? StandardInterpreter(_mainFile.Header)) is { } interp && OpenCandidate(interp, out var interpFile, out _, out var interpReal) == CandidateVerdict.Taken)
        {
            _rtld = new LoadedObject { Name = interp, Path = interp, RealPath = interpReal, File = interpFile, Source = SearchSource.Interpreter, Loader = main };
            _rtld.Names.Add(interp);
            if (interpFile!.Dynamic?.SoName is { } so) _rtld.Names.Add(so);
            _graph.Interpreter = _rtld;
        }

        var queue = new List<LoadedObject> { main };
        // elf/rtld.c handle_preload_list / do_preload: LD_PRELOAD (split on spaces and colons), then /etc/ld.so.preload.
        if (env.TryGetValue("LD_PRELOAD", out var preload) && !string.IsNullOrEmpty(preload))
            foreach (var name in preload.Split([' ', ':'], StringSplitOptions.RemoveEmptyEntries))
                Preload(name, "LD_PRELOAD", SearchSource.Preload, queue);
        if (_fs.ReadText("/etc/ld.so.preload") is { } etcPreload)
        {
            foreach (var line in etcPreload.Split('\n'))
            {
                string l = line;
                int hash = l.IndexOf('#');
                if (hash >= 0) l = l[..hash];
                foreach (var name in l.Split([' ', ':', '\t'], StringSplitOptions.RemoveEmptyEntries))
                    Preload(name, "/etc/ld.so.preload", SearchSource.EtcPreload, queue);
            }
        }

        // elf/dl-deps.c: breadth first; the first object that cannot be mapped ends loading (outside trace mode).
        for (int i = 0; i < queue.Count; i++)
        {
            var obj = queue[i];
            var dyn = obj.File?.Dynamic;
            if (dyn is null) continue;
            foreach (var raw in dyn.Needed)
            {
                // dl-deps.c expand_dst: DT_NEEDED strings are expanded before _dl_map_object sees them.
                string needed = raw.Contains('$') ? ExpandDst(raw, obj) ?? raw : raw;
                var target = MapObject(needed, obj, SearchSource.NotFound, out bool isNew);
                obj.Needed.Add((needed, target));
                if (!target.Found)
                {
                    // ldd's trace mode fakes an entry for anything not found; only a fatal candidate aborts.
                    if (_request.Trace && !target.Tried.Any(c => c.Verdict == CandidateVerdict.Fatal)) continue;
                    _graph.FatalError = $"{_argv0}: error while loading shared libraries: {ErrorString(target)}";
                    return;
                }
                if (isNew && !queue.Contains(target)) queue.Add(target);
            }
        }
        // dl_main keeps the rtld map in the chain only when something needed it (rtld_multiple_ref), right after
        // the object that precedes it in the search list (missing placeholders are not in that list).
        if (_rtld is not null && queue.IndexOf(_rtld) is > 0 and var at)
        {
            _graph.Objects.Remove(_rtld);
            _graph.Objects.Insert(_graph.Objects.IndexOf(queue[at - 1]) + 1, _rtld);
        }
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

    /// <summary>
    /// The loader's "objname: errstring[: strerror]" for an object that could not be mapped: objname is the fatal
    /// candidate's path or the requested name; "cannot open shared object file" carries ENOENT's text.
    /// dlerror() prints exactly this; a failed start prefixes it with "argv0: error while loading shared libraries: ".
    /// </summary>
    public static string ErrorString(LoadedObject o)
    {
        string objname = o.Tried.LastOrDefault(c => c.Verdict == CandidateVerdict.Fatal)?.Path ?? o.Name;
        string errno = o.Error == "cannot open shared object file" ? ": No such file or directory" : "";
        return $"{objname}: {o.Error}{errno}";
    }

    private void Preload(string name, string from, SearchSource source, List<LoadedObject> queue)
    {
        var obj = MapObject(name, _graph.Main, source, out bool isNew);
        if (!obj.Found)
        {
            _graph.Objects.Remove(obj);
            _graph.Warnings.Add($"ERROR: ld.so: object '{name}' from {from} cannot be preloaded ({obj.Error}): ignored.");
            return;
        }
        if (isNew) queue.Add(obj);
    }

    /// <summary>elf/dl-load.c <c>_dl_map_object</c>.</summary>
    private LoadedObject MapObject(string name, LoadedObject loader, SearchSource requestedAs, out bool isNew)
    {
        isNew = false;
        // _dl_name_match_p on every loaded object, then its SONAME (which is then added as a name).
        foreach (var o in _graph.Objects.Append(_rtld))
        {
            if (o is null || !o.Found || o.IsMain) continue;
            bool byName = o.Path == name || o.Names.Contains(name);
            if (!byName && o.File!.Dynamic?.SoName != name) continue;
            if (!byName) o.Names.Add(name);
            if (o == _rtld && !_graph.Objects.Contains(_rtld)) { _graph.Objects.Add(_rtld); isNew = true; }
            return o;
        }

        var tried = new List<Candidate>();
        string? found = null, foundReal = null, fatal = null;
        ElfFile? file = null;
        SearchSource source = SearchSource.NotFound;
        string? owner = null;
        bool otherClass = false;

        bool Try(string path, SearchSource src, string? own)
        {
            var v = OpenCandidate(path, out var f, out var detail, out var real);
            if (v == CandidateVerdict.Taken && _graph.Objects.FirstOrDefault(o => o.Found && !o.IsMain && o.RealPath == real) is { } same)
            {
                tried.Add(new Candidate(path, src, own, CandidateVerdict.SameFile, $"same file as {same.Path}"));
                found = path; foundReal = real; file = same.File; source = src; owner = own;
                return true;
            }
            tried.Add(new Candidate(path, src, own, v, detail));
            if (v == CandidateVerdict.WrongClass) otherClass = true;
            if (v == CandidateVerdict.Fatal) { fatal = detail; return true; }
            if (v != CandidateVerdict.Taken) return false;
            found = path; foundReal = real; file = f; source = src; owner = own;
            return true;
        }

        if (name.Contains('/'))
        {
            string? expanded = ExpandDst(name, loader);
            if (expanded is null) { return Missing(name, loader, tried, "empty dynamic string token substitution", otherClass); }
            Try(expanded, SearchSource.DirectPath, null); // l_name keeps the name as written
        }
        else
        {
            bool done = false;
            var loaderDyn = loader.File?.Dynamic;
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
            if (!done && !_secure && _request.Environment.TryGetValue("LD_LIBRARY_PATH", out var llp) && !string.IsNullOrEmpty(llp))
                done = TryDirectories(SplitPath(llp, ":;", _graph.Main), SearchSource.LdLibraryPath, null, name, Try);
            if (!done && loaderDyn?.RunPath is { } runpath)
                done = TryDirectories(SplitPath(runpath, ":", loader), SearchSource.RunPath, DisplayName(loader), name, Try);
            var flagsOwner = loader.File is not null ? loader : _graph.Main;
            bool nodeflib = flagsOwner.File?.Dynamic?.NoDefaultLib == true;
            if (!done && LookupCache(name) is { } cached)
            {
                // glibc 2.36 opens the cached file first (LD_DEBUG shows it tried) and only then drops an entry
                // in a system directory for a DF_1_NODEFLIB loader.
                if (nodeflib && IsSystemDirectoryPath(cached))
                    tried.Add(new Candidate(cached, SearchSource.LdSoCache, null, CandidateVerdict.NoDefaultLib, "in a default directory, and the loader has DF_1_NODEFLIB"));
                else
                    done = Try(cached, SearchSource.LdSoCache, null);
            }
            if (!done && !nodeflib)
                done = TryDirectories(_platform.SystemDirectories, SearchSource.SystemDirectory, null, name, Try);
        }

        if (fatal is not null) return Missing(name, loader, tried, fatal, otherClass);
        if (found is null) return Missing(name, loader, tried, otherClass ? $"wrong ELF class: {(_mainFile.Is64 ? "ELFCLASS32" : "ELFCLASS64")}" : "cannot open shared object file", otherClass);

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
            Source = requestedAs is SearchSource.Preload or SearchSource.EtcPreload ? requestedAs : source,
            SourceOwner = owner, Loader = loader,
        };
        obj.Names.Add(name);
        obj.Tried.AddRange(tried);
        _graph.Objects.Add(obj);
        isNew = true;
        return obj;
    }

    private LoadedObject Missing(string name, LoadedObject loader, List<Candidate> tried, string error, bool otherClass)
    {
        var obj = new LoadedObject { Name = name, Path = name, Source = SearchSource.NotFound, Loader = loader, Error = error, FoundOtherClass = otherClass };
        obj.Names.Add(name);
        obj.Tried.AddRange(tried);
        // ldd's trace mode keeps a "faked" entry in the chain; a fatal candidate ends everything anyway.
        _graph.Objects.Add(obj);
        return obj;
    }

    private static string DisplayName(LoadedObject o) => o.IsMain ? o.Name : o.Path;

    private bool TryRPath(LoadedObject l, string name, Func<string, SearchSource, string?, bool> tryOne)
    {
        var dyn = l.File?.Dynamic;
        // An object with both tags loses its RPATH (elf/get-dynamic-info.h).
        if (dyn?.RPath is not { } rpath || dyn.RunPath is not null) return false;
        return TryDirectories(SplitPath(rpath, ":", l), SearchSource.RPath, DisplayName(l), name, tryOne);
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

    /// <summary>
    /// elf/dl-load.c <c>_dl_dst_substitute</c>: <c>$ORIGIN</c>, <c>$LIB</c>, <c>$PLATFORM</c>, also in braces; the
    /// name must not continue with [A-Za-z0-9_]. An unknown <c>$X</c> stays. A known one without a value: null.
    /// </summary>
    private string? ExpandDst(string s, LoadedObject owner)
    {
        if (!s.Contains('$')) return s;
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] != '$') { sb.Append(s[i]); continue; }
            string? value = null;
            int len = 0;
            foreach (var (token, getValue) in new (string, Func<string?>)[] { ("ORIGIN", () => Origin(owner)), ("PLATFORM", () => _platform.Platform), ("LIB", () => _platform.Lib) })
            {
                if (Matches(s, i + 1, token, out len)) { value = getValue(); goto found; }
            }
            sb.Append('$');
            continue;
        found:
            if (value is null) return null;
            sb.Append(value);
            i += len;
        }
        return sb.ToString();

        static bool Matches(string s, int at, string name, out int len)
        {
            len = 0;
            if (at < s.Length && s[at] == '{')
            {
                if (string.CompareOrdinal(s, at + 1, name, 0, name.Length) == 0 && at + 1 + name.Length < s.Length && s[at + 1 + name.Length] == '}')
                { len = name.Length + 2; return true; }
                return false;
            }
            if (string.CompareOrdinal(s, at, name, 0, name.Length) != 0 || at + name.Length > s.Length) return false;
            int next = at + name.Length;
            if (next < s.Length && (char.IsAsciiLetterOrDigit(s[next]) || s[next] == '_')) return false;
            len = name.Length;
            return true;
        }
    }

    /// <summary>$ORIGIN: the main program's real directory; for a library, the directory of the path it was opened by.</summary>
    private string? Origin(LoadedObject o)
    {
        if (o.IsMain) return _mainOrigin;
        string p = o.Path;
        int slash = p.LastIndexOf('/');
        return slash switch { < 0 => null, 0 => "/", _ => p[..slash] };
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
        return _cache.Lookup(name, new LdSoCacheLookupOptions { Flags = flags, HwcapsSubdirs = _platform.HwcapsSubdirs, LegacyHwcaps = _platform.CacheLegacyFilter });
    }

    private bool IsSystemDirectoryPath(string path)
    {
        string dir = path[..Math.Max(path.LastIndexOf('/'), 0)];
        return _platform.SystemDirectories.Contains(dir);
    }

    /// <summary>elf/dl-load.c <c>open_verify</c>: Taken, Missing (search goes on), WrongClass/WrongMachine (skipped), or Fatal.</summary>
    private CandidateVerdict OpenCandidate(string path, out ElfFile? file, out string? detail, out string? realPath)
    {
        file = null;
        detail = null;
        realPath = null;
        path = Absolute(path);
        var r = _fs.Resolve(path);
        if (!r.Exists && _outsideRootDir is not null && path.StartsWith(_outsideRootDir, StringComparison.Ordinal))
            r = RootedFileSystem.Host.Resolve(path);
        if (!r.Exists) { detail = r.Errno == RootedFileSystem.ELOOP ? "too many levels of symbolic links" : null; return CandidateVerdict.Missing; }
        // open(2) succeeds on a directory and read(2) fails with EISDIR, which ld.so prints by number (seen on 2.36).
        if (Directory.Exists(r.HostPath)) { detail = "cannot read file data: Error 21"; return CandidateVerdict.Fatal; }
        realPath = r.RealPath;
        BinaryImage image;
        try { image = BinaryImage.Open(r.HostPath); }
        catch (UnauthorizedAccessException) { return CandidateVerdict.Missing; }
        catch (IOException e) { detail = "cannot read file data: " + e.Message; return CandidateVerdict.Fatal; }
        var data = image.Span;
        var h = _mainFile.Header;
        int ehdrSize = _mainFile.Is64 ? 64 : 52;
        string? fatal = null;
        CandidateVerdict verdict = CandidateVerdict.Taken;
        if (data.Length < ehdrSize) fatal = "file too short";
        else if (!ElfFile.HasElfMagic(data)) fatal = "invalid ELF header";
        else if (data[EI_CLASS] != h.Class) verdict = CandidateVerdict.WrongClass;
        else if (data[EI_DATA] != h.Data) fatal = h.IsBigEndian ? "ELF file data encoding not big-endian" : "ELF file data encoding not little-endian";
        else if (data[EI_VERSION] != EV_CURRENT) fatal = "ELF file version ident does not match current one";
        else if (data[EI_OSABI] is not (ELFOSABI_SYSV or ELFOSABI_GNU)) fatal = "ELF file OS ABI invalid";
        else if (data[EI_ABIVERSION] != 0 && !(data[EI_OSABI] == ELFOSABI_GNU && data[EI_ABIVERSION] < 2)) fatal = "ELF file ABI version invalid";
        else if (data[(EI_ABIVERSION + 1)..EI_NIDENT].ContainsAnyExcept((byte)0)) fatal = "nonzero padding in e_ident";
        if (fatal is null && verdict == CandidateVerdict.Taken)
        {
            ElfFile? f = null;
            try { f = ElfFile.Open(image); }
            catch (BinaryFormatException e) { fatal = e.Message; }
            if (f is not null)
            {
                if (f.Header.Version != EV_CURRENT) fatal = "ELF file version does not match current one";
                else if (f.Header.Machine != h.Machine) verdict = CandidateVerdict.WrongMachine;
                else if (f.Header.Type is not (ET_DYN or ET_EXEC)) fatal = "only ET_DYN and ET_EXEC can be loaded";
                else if (f.Header.PhEntSize != (_mainFile.Is64 ? 56 : 32)) fatal = "ELF file's phentsize not the expected size";
                else { file = f; _graph.Own(image); return CandidateVerdict.Taken; }
            }
        }
        // Everything read from the image is taken before it is unmapped.
        if (verdict == CandidateVerdict.WrongClass) detail = data[EI_CLASS] == ELFCLASS32 ? "ELFCLASS32" : "ELFCLASS64";
        if (verdict == CandidateVerdict.WrongMachine) detail = "ELF machine mismatch";
        image.Dispose();
        if (fatal is not null) { detail = fatal; return CandidateVerdict.Fatal; }
        return verdict;
    }
}
