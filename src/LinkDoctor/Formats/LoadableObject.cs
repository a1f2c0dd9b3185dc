using LinkDoctor.IO;

namespace LinkDoctor.Formats;

/// <summary>The container formats LinkDoctor reads.</summary>
public enum BinaryFormat { Elf, MachO, Pe }

/// <summary>What an object is, in terms every format shares.</summary>
public enum ObjectKind
{
    /// <summary>ELF ET_EXEC, Mach-O MH_EXECUTE (non-PIE), a PE image without IMAGE_FILE_DLL.</summary>
    Executable,
    /// <summary>ELF ET_DYN with DF_1_PIE (or an interpreter and no SONAME), Mach-O MH_EXECUTE with MH_PIE.</summary>
    PieExecutable,
    /// <summary>ELF ET_DYN, Mach-O MH_DYLIB, a PE DLL.</summary>
    SharedLibrary,
    /// <summary>Mach-O MH_BUNDLE (loadable with dlopen, not linkable).</summary>
    Bundle,
    /// <summary>ELF ET_REL, Mach-O MH_OBJECT, a COFF object.</summary>
    Relocatable,
    Core,
    Unknown,
}

/// <summary>How an object depends on a library: the flavours of DT_NEEDED, LC_*_DYLIB and PE imports.</summary>
public enum DependencyKind
{
    /// <summary>DT_NEEDED, LC_LOAD_DYLIB, a PE import descriptor: must load, or the object fails.</summary>
    Normal,
    /// <summary>LC_LOAD_WEAK_DYLIB: may be missing.</summary>
    Weak,
    /// <summary>LC_LAZY_LOAD_DYLIB: loaded at first use.</summary>
    Lazy,
    /// <summary>LC_REEXPORT_DYLIB: its exports are this library's exports.</summary>
    Reexport,
    /// <summary>LC_LOAD_UPWARD_DYLIB: a dependency cycle broken upwards.</summary>
    Upward,
    /// <summary>A PE delay-load import: loaded at the first call; missing means a failure later, not at start.</summary>
    DelayLoad,
}

/// <summary>One dependency, in the order the file lists it.</summary>
public readonly record struct Dependency(string Name, DependencyKind Kind = DependencyKind.Normal);

/// <summary>Where an object's own search paths come from.</summary>
public enum SearchPathKind
{
    /// <summary>ELF DT_RPATH (inherited by what the object loads, in glibc).</summary>
    RPath,
    /// <summary>ELF DT_RUNPATH (direct dependencies only, in glibc).</summary>
    RunPath,
    /// <summary>Mach-O LC_RPATH (expands @rpath, searched up the load chain).</summary>
    LcRpath,
}

/// <summary>A search-path list as stored (for ELF the whole colon-separated string; for Mach-O one LC_RPATH each).</summary>
public readonly record struct SearchPath(string Value, SearchPathKind Kind);

/// <summary>A symbol the object needs from elsewhere.</summary>
/// <param name="Version">ELF: the version required (<c>GLIBC_2.34</c>), else null.</param>
/// <param name="Library">Mach-O two-level namespace / PE: the library it is bound to; ELF: the verneed file, if versioned.</param>
/// <param name="Ordinal">PE: imported by ordinal instead of by name.</param>
public readonly record struct ImportedSymbol(string Name, string? Version = null, string? Library = null, bool Weak = false, int? Ordinal = null);

/// <summary>A symbol the object provides to others.</summary>
/// <param name="Forwarder">PE: an export forwarded to another DLL (<c>NTDLL.RtlAllocateHeap</c>).</param>
public readonly record struct ExportedSymbol(string Name, string? Version = null, bool IsDefaultVersion = true, int? Ordinal = null, string? Forwarder = null);

/// <summary>Local damage that did not stop reading: shown to the user with a stable code (<c>ELF022</c>), never dropped.</summary>
public readonly record struct Anomaly(string Code, string Message, long Offset = -1)
{
    public override string ToString() => Offset >= 0 ? $"{Code}: {Message} at offset 0x{Offset:x}" : $"{Code}: {Message}";
}

/// <summary>
/// The format-neutral view of one loadable object (an ELF file, one slice of a Mach-O file, a PE image): what a
/// loader model, <c>check</c> and the reports need without knowing the format. Format views (<c>ElfFile</c>,
/// the Mach-O and PE views) implement it; everything format-specific stays on the view itself.
/// </summary>
public interface ILoadableObject
{
    BinaryFormat Format { get; }
    /// <summary>The bytes the object was read from (a universal file's slices share one image).</summary>
    BinaryImage Image { get; }
    /// <summary>The architecture in the format's own tools' words: <c>x86_64</c>, <c>aarch64</c>, <c>i386</c>, <c>arm64</c>, <c>x86</c>…</summary>
    string Machine { get; }
    bool Is64 { get; }
    bool IsBigEndian { get; }
    ObjectKind Kind { get; }
    /// <summary>ELF PT_INTERP, Mach-O LC_LOAD_DYLINKER; null when there is none (PE has none).</summary>
    string? Interpreter { get; }
    /// <summary>ELF DT_SONAME, Mach-O LC_ID_DYLIB, PE export-directory name.</summary>
    string? InstallName { get; }
    /// <summary>Every library the object names, in file order, with its kind.</summary>
    IReadOnlyList<Dependency> Dependencies { get; }
    /// <summary>The object's own search paths (RPATH/RUNPATH, LC_RPATH), in file order.</summary>
    IReadOnlyList<SearchPath> SearchPaths { get; }
    /// <summary>Undefined symbols the loader must bind.</summary>
    IEnumerable<ImportedSymbol> Imports { get; }
    /// <summary>Symbols offered to other objects.</summary>
    IEnumerable<ExportedSymbol> Exports { get; }
    /// <summary>Local damage found so far (accessors add to it as they read).</summary>
    IReadOnlyList<Anomaly> Anomalies { get; }
}
