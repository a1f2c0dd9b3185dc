using LinkDoctor.IO;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Formats.Pe;

/// <summary>
/// The PE format's entry in <see cref="BinaryFile.Readers"/>. The magic is "MZ"; a DOS program without a PE header
/// then gives a one-line error.
/// </summary>
public sealed class PeFormatReader : IBinaryFormatReader
{
    public static PeFormatReader Instance { get; } = new();
    public BinaryFormat Format => BinaryFormat.Pe;
    public int MagicLength => 2;
    public bool Matches(ReadOnlySpan<byte> head) => PeFile.HasDosMagic(head);
    public IReadOnlyList<ILoadableObject> Read(BinaryImage image) => [PeFile.Open(image)];
}

/// <summary>PeFile as a format-neutral <see cref="ILoadableObject"/>.</summary>
public sealed partial class PeFile
{
    public ObjectKind Kind =>
        (FileHeader.Characteristics & IMAGE_FILE_DLL) != 0 ? ObjectKind.SharedLibrary
        : (FileHeader.Characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) != 0 ? ObjectKind.Executable
        : ObjectKind.Unknown;

    /// <summary>PE images have no interpreter: the kernel maps them and ntdll's loader snaps the imports.</summary>
    public string? Interpreter => null;

    /// <summary>The export directory's Name (what the DLL was linked as).</summary>
    public string? InstallName => ExportDirectory?.Name;

    /// <summary>The import descriptors' DLLs (Normal), then the delay-load descriptors' (DelayLoad), each in table order.</summary>
    public IReadOnlyList<Dependency> Dependencies =>
        [.. ImportTable.Select(d => new Dependency(d.Name)), .. DelayImportTable.Select(d => new Dependency(d.Name, DependencyKind.DelayLoad))];

    /// <summary>PE images carry no search paths (the search order belongs to the process: application directory, System32, PATH…).</summary>
    public IReadOnlyList<SearchPath> SearchPaths => [];

    /// <summary>
    /// Every imported function with its DLL; one imported by ordinal has the name <c>#N</c> and <see cref="ImportedSymbol.Ordinal"/>
    /// N. Delay-load imports are marked weak: a missing one fails at the first call, not at load.
    /// </summary>
    public IEnumerable<ImportedSymbol> Imports
    {
        get
        {
            foreach (var dll in ImportTable.Concat(DelayImportTable))
                foreach (var f in dll.Functions)
                    yield return new ImportedSymbol(f.Name ?? $"#{f.Ordinal}", null, dll.Name, dll.DelayLoad, f.Ordinal);
        }
    }

    /// <summary>Every used slot of the export address table (an RVA of 0 is an unused ordinal), under each of its names, or by ordinal alone.</summary>
    public IEnumerable<ExportedSymbol> Exports
    {
        get
        {
            if (ExportDirectory is not { } ed) yield break;
            foreach (var e in ed.Entries)
            {
                if (e.Rva == 0) continue;
                if (e.Names.Count == 0) yield return new ExportedSymbol($"#{e.Ordinal}", Ordinal: e.Ordinal, Forwarder: e.Forwarder);
                foreach (var n in e.Names) yield return new ExportedSymbol(n, Ordinal: e.Ordinal, Forwarder: e.Forwarder);
            }
        }
    }
}
