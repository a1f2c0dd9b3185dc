using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders;

/// <summary>
/// One step of a loader's search order, where a candidate or an object came from (libtree's <c>how_t</c>).
/// Each loader defines its own steps (<c>GlibcSearch</c>, <c>MuslSearch</c>, …); the ones here every loader has.
/// </summary>
/// <param name="Id">Stable name, used in JSON (<c>RPath</c>, <c>LdSoCache</c>, …).</param>
/// <param name="Label">How the tree and the JSON <c>source</c> of an object say it (<c>ld.so.cache</c>).</param>
/// <param name="HasOwner">The label names the object whose path list it is (<c>RPATH of X</c>).</param>
public sealed record SearchSource(string Id, string Label, bool HasOwner = false)
{
    public string Describe(string? owner) => HasOwner ? $"{Label} of {owner}" : Label;
    public override string ToString() => Id;

    /// <summary>The main program itself.</summary>
    public static readonly SearchSource Main = new("Main", "program");
    /// <summary>The loader itself (PT_INTERP, LC_LOAD_DYLINKER).</summary>
    public static readonly SearchSource Interpreter = new("Interpreter", "interpreter");
    /// <summary>A name containing '/': opened as given, no search.</summary>
    public static readonly SearchSource DirectPath = new("DirectPath", "path as given");
    /// <summary>Not found anywhere.</summary>
    public static readonly SearchSource NotFound = new("NotFound", "not found");
}

/// <summary>What happened to one candidate, in words every loader shares.</summary>
public enum CandidateOutcome
{
    Taken,
    /// <summary>No such file (or directory, or not accessible): the search goes on.</summary>
    Missing,
    /// <summary>A file of the wrong class, machine or platform: skipped, the search goes on.</summary>
    Incompatible,
    /// <summary>A file that ends the whole search with an error (not an object, bad header …).</summary>
    Fatal,
    /// <summary>The same file as an object already loaded.</summary>
    Duplicate,
    /// <summary>Found, but a rule of the loader refuses it (DF_1_NODEFLIB, a secure program …).</summary>
    Refused,
}

/// <summary>One path the loader tried, why it was there and what happened.</summary>
/// <param name="Reason">The loader's own word for the outcome (<c>WrongClass</c>, <c>NoDefaultLib</c>), when it has one.</param>
/// <param name="Detail">What the user sees about it (<c>wrong ELF class (ELFCLASS32)</c>, the fatal errstring).</param>
public sealed record Candidate(string Path, SearchSource Source, string? Owner, CandidateOutcome Outcome, string? Detail = null, string? Reason = null)
{
    /// <summary>The loader's word when it has one, else the generic outcome: the JSON <c>verdict</c>.</summary>
    public string Verdict => Reason ?? Outcome.ToString();
}

/// <summary>An object in the link map: found (with its file) or, as in ldd's trace mode, a placeholder for a missing one.</summary>
public sealed class LoadedObject
{
    public required string Name { get; init; }
    /// <summary>l_name: the path as the loader opened it (empty for the main program run directly).</summary>
    public required string Path { get; init; }
    /// <summary>The canonical path inside the root (symlinks resolved); null when not found.</summary>
    public string? RealPath { get; init; }
    /// <summary>The object, when found.</summary>
    public ILoadableObject? File { get; init; }
    /// <summary>The object as ELF (the glibc and musl models read ELF-specific tables).</summary>
    public ElfFile? Elf => File as ElfFile;
    public required SearchSource Source { get; init; }
    /// <summary>The object whose dependency (or preload list) brought this one in (glibc's l_loader).</summary>
    public LoadedObject? Loader { get; init; }
    /// <summary>The owner of the path list when <see cref="Source"/> has one (RPATH of X).</summary>
    public string? SourceOwner { get; init; }
    /// <summary>Brought in by a preload list (LD_PRELOAD, /etc/ld.so.preload, DYLD_INSERT_LIBRARIES).</summary>
    public bool IsPreload { get; init; }
    public List<Candidate> Tried { get; } = [];
    public List<(string Name, LoadedObject Target)> Needed { get; } = [];
    /// <summary>Every name this object answers to (l_libname: requested names and, once matched, its SONAME).</summary>
    public List<string> Names { get; } = [];
    public bool Found => File is not null;
    public bool IsMain => Source == SearchSource.Main;
    /// <summary>Why it could not be loaded (the loader's errstring), when not found.</summary>
    public string? Error { get; set; }
    /// <summary>The loader's message for the failure, when not found (rendered from its catalogue).</summary>
    public LoaderMessage? ErrorMessage { get; set; }
    /// <summary>How the reports name it: the program as given, else the path it was opened by.</summary>
    public string DisplayName => IsMain ? Name : Path;
    public override string ToString() => $"{Name} => {(Found ? Path : "not found")}";
}

/// <summary>The result of simulating a load: the link map in the loader's order, and what went wrong.</summary>
public sealed class LoadGraph : IDisposable
{
    private readonly List<BinaryImage> _images = [];

    public required LoadedObject Main { get; init; }
    /// <summary>The loader model that produced this graph.</summary>
    public required ILoaderModel Model { get; init; }
    /// <summary>The loader's name (<c>glibc</c>, <c>musl</c>…), as the JSON says it.</summary>
    public string Loader => Model.Name;
    /// <summary>The link-map chain, main program first, in the order the loader's trace prints it.</summary>
    public List<LoadedObject> Objects { get; } = [];
    /// <summary>Preloads that could not be loaded (glibc warns and goes on without them), with what was tried.</summary>
    public List<LoadedObject> FailedPreloads { get; } = [];
    /// <summary>The interpreter's object, when it is in the link map.</summary>
    public LoadedObject? Interpreter { get; set; }
    /// <summary>A fatal error that ended loading (the first line the loader prints), if any.</summary>
    public string? FatalError => Errors.Count > 0 ? Errors[0].Text : null;
    /// <summary>Warnings printed before or instead of an error (preload failures …), in order.</summary>
    public List<LoaderMessage> Warnings { get; } = [];
    /// <summary>Lines a loader prints as it goes in its list mode (musl's --list prints while loading).</summary>
    public List<string> TraceLines { get; } = [];
    /// <summary>The loader's list is <see cref="TraceLines"/> (printed while loading), not the link map printed at the end.</summary>
    public bool TracesWhileLoading { get; init; }
    /// <summary>Every error the loader would print, in order (musl reports all; glibc stops at the first).</summary>
    public List<LoaderMessage> Errors { get; } = [];
    /// <summary>Notes about assumptions the model made (unknown hwcaps of a foreign root …).</summary>
    public List<string> Assumptions { get; } = [];
    /// <summary>The version of the loader (glibc's, read from its banner), when known.</summary>
    public Version? LoaderVersion { get; set; }
    /// <summary>The start was simulated with AT_SECURE (a set-user-ID program run by another user).</summary>
    public bool Secure { get; set; }
    /// <summary>
    /// A dlopen into a running host (<see cref="LoadRequest.Host"/>): the object <c>dlopen</c> mapped (or found
    /// already loaded); null for a program start or a dlopen simulated alone.
    /// </summary>
    public LoadedObject? Opened { get; set; }
    /// <summary>
    /// With a host: how many objects of <see cref="Objects"/> were in the process before this dlopen (the host's link
    /// map and the earlier RTLD_GLOBAL objects): glibc's global scope. The rest are the objects this dlopen added.
    /// </summary>
    public int GlobalScopeCount { get; set; }
    /// <summary>With a host: the host program itself does not start (<see cref="Errors"/> are its start-up errors).</summary>
    public bool HostFailed { get; set; }
    /// <summary>
    /// With <see cref="LoadRequest.DlopenNotes"/>: what each object's .note.dlopen entries resolve to, simulated as a
    /// <c>dlopen</c> by that object after start-up (optional: a miss does not stop the program).
    /// </summary>
    public List<DlopenDependency> DlopenDependencies { get; } = [];
    /// <summary>Objects those dlopens would add (the libraries and their own dependencies); not in <see cref="Objects"/>.</summary>
    public List<LoadedObject> OptionalObjects { get; } = [];
    /// <summary>The loader's default directories (glibc SYSTEM_DIRS, musl's path file), where system libraries live.</summary>
    public IReadOnlyList<string> DefaultDirectories { get; set; } = [];

    internal void Own(BinaryImage image) => _images.Add(image);

    public void Dispose()
    {
        foreach (var i in _images) i.Dispose();
        _images.Clear();
    }
}

/// <summary>What to load and in which world.</summary>
public sealed record LoadRequest
{
    /// <summary>The program or library, as a host path (it may lie outside the root, as with qemu -L).</summary>
    public required string Program { get; init; }
    /// <summary>The name to use as argv[0] in messages (defaults to <see cref="Program"/>).</summary>
    public string? ProgramName { get; init; }
    public RootedFileSystem Root { get; init; } = RootedFileSystem.Host;
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    /// <summary><c>auto</c>, or the name of a loader in <see cref="LoaderRegistry"/>.</summary>
    public string Loader { get; init; } = "auto";
    /// <summary>Current directory inside the root, for relative names and empty LD_LIBRARY_PATH elements.</summary>
    public string WorkingDirectory { get; init; } = "/";
    /// <summary>Trace mode (LD_TRACE_LOADED_OBJECTS / ldd): missing libraries become placeholders and loading goes on.</summary>
    public bool Trace { get; init; }
    /// <summary>The program runs with AT_SECURE (set-user-ID or set-group-ID, run by another user); null: decided from the file's mode.</summary>
    public bool? Secure { get; init; }
    /// <summary>
    /// For a dlopen: the program whose process opens <see cref="Program"/> (a plugin host, <c>node</c>,
    /// <c>python3</c>). Its start is simulated first; the library is then mapped with the host's main map as the
    /// caller and binds against the host's global scope. Null: the library is opened alone.
    /// </summary>
    public string? Host { get; init; }
    /// <summary>
    /// With a <see cref="Host"/>: libraries the host opened earlier with <c>RTLD_GLOBAL</c> (and that are still
    /// loaded), in order; they join the global scope after the host's own objects (a Go host's earlier plugins).
    /// </summary>
    public IReadOnlyList<string> GlobalObjects { get; init; } = [];

    /// <summary>
    /// Also resolve the libraries named by the .note.dlopen metadata of every loaded object, each as a dlopen by its
    /// owner after start-up (<see cref="LoadGraph.DlopenDependencies"/>); the link map itself is unchanged.
    /// </summary>
    public bool DlopenNotes { get; init; }

    public string Argv0 => ProgramName ?? Program;
}

/// <summary>One entry of a .note.dlopen note and what its dlopen would find.</summary>
/// <param name="Owner">The object whose note names the library.</param>
/// <param name="Name">The SONAME alternative that was found (or the last one tried, when none was).</param>
/// <param name="Target">The object (found, or the loader's placeholder for a miss).</param>
public sealed record DlopenDependency(LoadedObject Owner, LinkDoctor.Formats.Elf.DlopenNote Note, string Name, LoadedObject Target);

/// <summary>
/// Resolves the .note.dlopen entries of a finished link map (every loader model uses it): each SONAME alternative in
/// order, until one is found (https://systemd.io/ELF_DLOPEN_METADATA/); the objects added move to
/// <see cref="LoadGraph.OptionalObjects"/> and the errors they caused are dropped, so the start-up result stays as it was.
/// </summary>
internal static class DlopenNoteResolver
{
    /// <param name="open">The loader's dlopen of a name by a caller: the object, found or a placeholder.</param>
    public static void Resolve(LoadGraph graph, Func<string, LoadedObject, LoadedObject> open)
    {
        int objects = graph.Objects.Count, errors = graph.Errors.Count, trace = graph.TraceLines.Count;
        // The list grows as dlopens add objects: their own notes (a plugin's plugins) are followed too.
        for (int i = 0; i < graph.Objects.Count; i++)
        {
            var owner = graph.Objects[i];
            if (owner.Elf is not { } elf || !owner.Found) continue;
            foreach (var note in elf.DlopenNotes)
            {
                LoadedObject? hit = null;
                string? name = null;
                foreach (var so in note.Soname)
                {
                    name = so;
                    hit = open(so, owner);
                    if (hit.Found) break;
                }
                if (hit is not null) graph.DlopenDependencies.Add(new DlopenDependency(owner, note, name!, hit));
            }
        }
        graph.OptionalObjects.AddRange(graph.Objects.Skip(objects));
        graph.Objects.RemoveRange(objects, graph.Objects.Count - objects);
        graph.Errors.RemoveRange(errors, graph.Errors.Count - errors);
        graph.TraceLines.RemoveRange(trace, graph.TraceLines.Count - trace);
    }
}
