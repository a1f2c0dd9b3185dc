using LinkDoctor.Formats;
using LinkDoctor.IO;

namespace LinkDoctor.Loaders;

/// <summary>
/// A library the loader takes from somewhere LinkDoctor cannot read: the dyld shared cache, or a Windows system DLL
/// of a system that is not under --root. It is found (the graph has an object for it) but its contents are
/// unknown: it names no dependencies, and symbol checks assume it provides what is asked of it.
/// </summary>
public sealed class SystemImage(string path, BinaryFormat format, string machine) : ILoadableObject
{
    public BinaryFormat Format => format;
    public BinaryImage Image { get; } = BinaryImage.FromBytes(path, []);
    public string Machine => machine;
    public bool Is64 => true;
    public bool IsBigEndian => false;
    public ObjectKind Kind => ObjectKind.SharedLibrary;
    public string? Interpreter => null;
    public string? InstallName => path;
    public IReadOnlyList<Dependency> Dependencies => [];
    public IReadOnlyList<SearchPath> SearchPaths => [];
    public IEnumerable<ImportedSymbol> Imports => [];
    public IEnumerable<ExportedSymbol> Exports => [];
    public IReadOnlyList<Anomaly> Anomalies => [];
}

/// <summary>Paths as the target's process sees them, for the loaders of foreign systems (dyld, Windows).</summary>
internal static class ProcessPaths
{
    /// <summary>The program's path inside the root when it lies there, else its full host path.</summary>
    public static string MainPath(LoadRequest request)
    {
        string hostFull = System.IO.Path.GetFullPath(request.Program);
        if (request.Root.IsHost) return RootedFileSystem.Host.Resolve(hostFull) is { Exists: true } hr ? hr.RealPath : hostFull;
        string prefix = request.Root.Root.TrimEnd('/') + "/";
        return hostFull.StartsWith(prefix, StringComparison.Ordinal) ? "/" + hostFull[prefix.Length..] : hostFull;
    }
}
