using LinkDoctor.IO;
using LinkDoctor.Loaders;

namespace LinkDoctor.Rewriting;

/// <summary>
/// The edits of one <c>patch</c> call. They are applied in this fixed order, whatever the order on the command
/// line (as patchelf applies its own): interpreter, SONAME, the search-path edits (remove, set, add, shrink,
/// convert), then NEEDED (remove, replace, add), then the stack flag.
/// </summary>
public sealed record PatchOperations
{
    /// <summary>PT_INTERP.</summary>
    public string? SetInterpreter { get; init; }
    /// <summary>DT_SONAME (shared libraries and PIEs, i.e. ET_DYN).</summary>
    public string? SetSoname { get; init; }
    /// <summary>Remove DT_RPATH and DT_RUNPATH.</summary>
    public bool RemoveRPath { get; init; }
    /// <summary>Write DT_RPATH with this value; a DT_RUNPATH is removed (patchelf --force-rpath --set-rpath).</summary>
    public string? SetRPath { get; init; }
    /// <summary>Write DT_RUNPATH with this value; a DT_RPATH is removed (patchelf --set-rpath).</summary>
    public string? SetRunPath { get; init; }
    /// <summary>Directories appended to the search path in effect (DT_RUNPATH if present, else DT_RPATH, else a new DT_RUNPATH).</summary>
    public IReadOnlyList<string> AddRPath { get; init; } = [];
    /// <summary>Keep only the directories that provide a needed library (patchelf --shrink-rpath).</summary>
    public bool ShrinkRPath { get; init; }
    public bool RPathToRunPath { get; init; }
    public bool RunPathToRPath { get; init; }
    public IReadOnlyList<string> RemoveNeeded { get; init; } = [];
    public IReadOnlyList<(string Old, string New)> ReplaceNeeded { get; init; } = [];
    /// <summary>New DT_NEEDED entries, placed first, in this order.</summary>
    public IReadOnlyList<string> AddNeeded { get; init; } = [];
    /// <summary>Clear PF_X of PT_GNU_STACK (adding a non-executable PT_GNU_STACK when there is none).</summary>
    public bool ClearExecStack { get; init; }

    public bool IsEmpty => SetInterpreter is null && SetSoname is null && !RemoveRPath && SetRPath is null && SetRunPath is null
        && AddRPath.Count == 0 && !ShrinkRPath && !RPathToRunPath && !RunPathToRPath && RemoveNeeded.Count == 0
        && ReplaceNeeded.Count == 0 && AddNeeded.Count == 0 && !ClearExecStack;

    /// <summary>Options that contradict each other; null when the set is consistent.</summary>
    public string? Conflict()
    {
        if (SetRPath is not null && SetRunPath is not null) return "--set-rpath and --set-runpath contradict each other (each removes the other tag)";
        if (RemoveRPath && (SetRPath is not null || SetRunPath is not null || AddRPath.Count > 0 || ShrinkRPath || RPathToRunPath || RunPathToRPath))
            return "--remove-rpath contradicts the other search-path options";
        if (RPathToRunPath && RunPathToRPath) return "--rpath-to-runpath and --runpath-to-rpath contradict each other";
        foreach (var (o, n) in ReplaceNeeded)
            if (o.Length == 0 || n.Length == 0) return "--replace-needed expects OLD=NEW with both names non-empty";
        foreach (var n in AddNeeded.Concat(RemoveNeeded))
            if (n.Length == 0) return "a library name may not be empty";
        if (SetSoname is { Length: 0 }) return "--set-soname expects a non-empty name";
        if (SetInterpreter is { Length: 0 }) return "--set-interpreter expects a non-empty path";
        foreach (var s in new[] { SetInterpreter, SetSoname, SetRPath, SetRunPath }.Concat(AddRPath).Concat(AddNeeded).Concat(ReplaceNeeded.Select(r => r.New)))
            if (s is not null && s.Contains('\0')) return "names and paths may not contain NUL";
        return null;
    }
}

/// <summary>One file to patch, and how.</summary>
public sealed record PatchRequest
{
    /// <summary>The file as given. Followed if it is a symbolic link (the link itself stays; see <see cref="ElfPatcher"/>).</summary>
    public required string File { get; init; }
    public required PatchOperations Operations { get; init; }
    /// <summary>Write here instead of replacing <see cref="File"/> (an existing OUT, even a symbolic link, is replaced).</summary>
    public string? Output { get; init; }
    /// <summary>Plan, lay out, emit and verify in memory, but write nothing.</summary>
    public bool DryRun { get; init; }
    /// <summary>
    /// <c>--root</c>: the loader simulation runs there and <c>--shrink-rpath</c> looks for libraries there. A FILE that
    /// lies inside it is resolved inside it (symbolic links re-rooted, never leaving it). Null: the host.
    /// </summary>
    public RootedFileSystem? Root { get; init; }
    /// <summary>Loader options for the before/after simulation (environment, loader); Program and Root are set per file.</summary>
    public LoadRequest? Loader { get; init; }
    /// <summary>
    /// fsync the new file and its directory before and after the rename (default), so a crash leaves either the old
    /// or the new file on disk; off, a batch run is several times faster and the replace is still atomic for other processes.
    /// </summary>
    public bool Sync { get; init; } = true;
    /// <summary>Newly unresolved libraries (or interpreter) after the edit are warnings instead of failures.</summary>
    public bool AllowUnresolved { get; init; }
}

/// <summary>One change a patch makes (or would make), as shown to the user.</summary>
public sealed record PatchChange(string What, string? Before, string? After)
{
    public override string ToString() => (Before, After) switch
    {
        (null, null) => What,
        (null, { } a) => $"{What}: + '{a}'",
        ({ } b, null) => $"{What}: - '{b}'",
        ({ } b, { } a) => $"{What}: '{b}' -> '{a}'",
    };
}

/// <summary>The outcome for one file.</summary>
public sealed record PatchResult
{
    public required string File { get; init; }
    /// <summary>The file that was (or would be) written: the link target of a symbolic link, or the output.</summary>
    public string? Target { get; init; }
    public IReadOnlyList<PatchChange> Changes { get; init; } = [];
    /// <summary>How the file was laid out to make room (tables moved, a segment added, bytes added).</summary>
    public IReadOnlyList<string> Layout { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    /// <summary>Why nothing was written; the original is untouched.</summary>
    public string? Error { get; init; }
    public bool DryRun { get; init; }
    /// <summary>False for a no-op edit (nothing to write, or a byte-identical copy for --output).</summary>
    public bool Changed { get; init; }
}
