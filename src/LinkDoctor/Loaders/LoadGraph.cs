using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders;

/// <summary>Where a library was found (libtree's <c>how_t</c>, named after the loader's own debug labels).</summary>
public enum SearchSource
{
    /// <summary>The main program itself.</summary>
    Main,
    /// <summary>PT_INTERP: the loader itself.</summary>
    Interpreter,
    /// <summary>LD_PRELOAD.</summary>
    Preload,
    /// <summary>/etc/ld.so.preload.</summary>
    EtcPreload,
    /// <summary>A name containing '/': opened as given, no search.</summary>
    DirectPath,
    /// <summary>DT_RPATH of the object that needed it, or of one of its loaders.</summary>
    RPath,
    /// <summary>LD_LIBRARY_PATH.</summary>
    LdLibraryPath,
    /// <summary>DT_RUNPATH of the object that needed it.</summary>
    RunPath,
    /// <summary>/etc/ld.so.cache.</summary>
    LdSoCache,
    /// <summary>A default (system) directory: glibc's SYSTEM_DIRS, musl's /etc/ld-musl-ARCH.path or built-in list.</summary>
    SystemDirectory,
    /// <summary>Already loaded (same name, SONAME or file).</summary>
    AlreadyLoaded,
    /// <summary>musl: a reserved libc name (libc.so, libpthread.so.0 …) resolved to musl itself.</summary>
    MuslReserved,
    /// <summary>Not found anywhere.</summary>
    NotFound,
}

/// <summary>What happened to one candidate path.</summary>
public enum CandidateVerdict
{
    Taken,
    /// <summary>No such file (or directory, or not accessible): the search goes on.</summary>
    Missing,
    /// <summary>An ELF file of the other class: glibc skips it (and remembers it for "wrong ELF class").</summary>
    WrongClass,
    /// <summary>An ELF file for another machine: glibc skips it silently.</summary>
    WrongMachine,
    /// <summary>A file that ends the whole search with an error (not ELF, bad header …).</summary>
    Fatal,
    /// <summary>The same file as an object already loaded (glibc's (st_dev, st_ino) check).</summary>
    SameFile,
    /// <summary>An ld.so.cache hit in a default directory, refused because the loader has DF_1_NODEFLIB.</summary>
    NoDefaultLib,
}

/// <summary>One path the loader tried, why it was there and what happened.</summary>
public sealed record Candidate(string Path, SearchSource Source, string? Owner, CandidateVerdict Verdict, string? Detail = null);

/// <summary>An object in the link map: found (with its file) or, as in ldd's trace mode, a placeholder for a missing one.</summary>
public sealed class LoadedObject
{
    public required string Name { get; init; }
    /// <summary>l_name: the path as the loader opened it (empty for the main program run directly).</summary>
    public required string Path { get; init; }
    /// <summary>The canonical path inside the root (symlinks resolved); null when not found.</summary>
    public string? RealPath { get; init; }
    public ElfFile? File { get; init; }
    public required SearchSource Source { get; init; }
    /// <summary>The object whose DT_NEEDED (or preload list) brought this one in (glibc's l_loader).</summary>
    public LoadedObject? Loader { get; init; }
    /// <summary>The RPATH/RUNPATH owner when <see cref="Source"/> is RPath or RunPath.</summary>
    public string? SourceOwner { get; init; }
    public List<Candidate> Tried { get; } = [];
    public List<(string Name, LoadedObject Target)> Needed { get; } = [];
    /// <summary>Every name this object answers to (l_libname: requested names and, once matched, its SONAME).</summary>
    public List<string> Names { get; } = [];
    public bool Found => File is not null;
    public bool IsMain => Source == SearchSource.Main;
    /// <summary>Why it could not be loaded (the loader's errstring), when not found.</summary>
    public string? Error { get; set; }
    /// <summary>A candidate had the other ELF class (glibc then says "wrong ELF class").</summary>
    public bool FoundOtherClass { get; set; }
    public override string ToString() => $"{Name} => {(Found ? Path : "not found")}";
}

/// <summary>The result of simulating a load: the link map in the loader's order, and what went wrong.</summary>
public sealed class LoadGraph : IDisposable
{
    private readonly List<BinaryImage> _images = [];

    public required LoadedObject Main { get; init; }
    public required string Loader { get; init; }            // "glibc" or "musl"
    public required RootedFileSystem FileSystem { get; init; }
    /// <summary>The link-map chain, main program first, in the order the loader's trace prints it.</summary>
    public List<LoadedObject> Objects { get; } = [];
    /// <summary>The interpreter's object, when it is in the link map.</summary>
    public LoadedObject? Interpreter { get; set; }
    /// <summary>A fatal error that ended loading (the first line the loader prints), if any.</summary>
    public string? FatalError { get; set; }
    /// <summary>Warnings printed before or instead of an error (preload failures …), in order.</summary>
    public List<string> Warnings { get; } = [];
    /// <summary>Lines a loader prints as it goes in its list mode (musl's --list prints while loading).</summary>
    public List<string> TraceLines { get; } = [];
    /// <summary>Every error the loader would print, in order (musl reports all; glibc stops at the first).</summary>
    public List<string> Errors { get; } = [];
    /// <summary>Notes about assumptions the model made (unknown hwcaps of a foreign root …).</summary>
    public List<string> Assumptions { get; } = [];

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
    /// <summary>auto, glibc or musl.</summary>
    public string Loader { get; init; } = "auto";
    /// <summary>Current directory inside the root, for relative names and empty LD_LIBRARY_PATH elements.</summary>
    public string WorkingDirectory { get; init; } = "/";
    /// <summary>Trace mode (LD_TRACE_LOADED_OBJECTS / ldd): missing libraries become placeholders and loading goes on.</summary>
    public bool Trace { get; init; }
}
