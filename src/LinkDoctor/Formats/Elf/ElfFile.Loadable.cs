using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>The ELF format's entry in <see cref="BinaryFile.Readers"/>.</summary>
public sealed class ElfFormatReader : IBinaryFormatReader
{
    public static ElfFormatReader Instance { get; } = new();
    public BinaryFormat Format => BinaryFormat.Elf;
    public int MagicLength => 4;
    public bool Matches(ReadOnlySpan<byte> head) => ElfFile.HasElfMagic(head);
    public IReadOnlyList<ILoadableObject> Read(BinaryImage image) => [ElfFile.Open(image)];
}

/// <summary>ElfFile as a format-neutral <see cref="ILoadableObject"/>: everything here is read from PT_DYNAMIC, never from section headers.</summary>
public sealed partial class ElfFile
{
    public BinaryFormat Format => BinaryFormat.Elf;
    public string Machine => MachineName(Header.Machine, Header.Class, IsBigEndian);
    public string? InstallName => Dynamic?.SoName;

    public ObjectKind Kind
    {
        get
        {
            switch (Header.Type)
            {
                case ET_EXEC: return ObjectKind.Executable;
                case ET_REL: return ObjectKind.Relocatable;
                case ET_CORE: return ObjectKind.Core;
                case ET_DYN:
                    var dyn = Dynamic;
                    if (dyn is { IsPie: true }) return ObjectKind.PieExecutable;
                    // Before DF_1_PIE (binutils < 2.26) a PIE had an interpreter and no SONAME; libc.so.6 has an
                    // interpreter too (it runs as a program), but also a SONAME.
                    if (dyn is { HasFlags1: false, SoName: null } && Interpreter is not null) return ObjectKind.PieExecutable;
                    return ObjectKind.SharedLibrary;
                default: return ObjectKind.Unknown;
            }
        }
    }

    public IReadOnlyList<Dependency> Dependencies => Dynamic is { } d ? [.. d.Needed.Select(n => new Dependency(n))] : [];

    public IReadOnlyList<SearchPath> SearchPaths
    {
        get
        {
            var d = Dynamic;
            var list = new List<SearchPath>(2);
            if (d?.RPath is { } rp) list.Add(new SearchPath(rp, SearchPathKind.RPath));
            if (d?.RunPath is { } ru) list.Add(new SearchPath(ru, SearchPathKind.RunPath));
            return list;
        }
    }

    public IEnumerable<ImportedSymbol> Imports
    {
        get
        {
            if (DynamicSymbols is not { } syms) yield break;
            for (int i = 1; i < syms.Count; i++)
            {
                var s = syms[i];
                if (s.IsDefined || s.Binding == STB_LOCAL) continue;
                var v = Versions.GetSymbolVersion(s);
                string? library = v is { IsReference: true } ? Versions.FindNeed(v.Value.Index)?.File.File : null;
                yield return new ImportedSymbol(syms.GetName(s), v?.Name, library, s.Binding == STB_WEAK);
            }
        }
    }

    public IEnumerable<ExportedSymbol> Exports
    {
        get
        {
            if (DynamicSymbols is not { } syms) yield break;
            for (int i = 1; i < syms.Count; i++)
            {
                var s = syms[i];
                if (!s.IsDefined || s.Binding == STB_LOCAL || s.Visibility is STV_HIDDEN or STV_INTERNAL) continue;
                var v = Versions.GetSymbolVersion(s);
                yield return new ExportedSymbol(syms.GetName(s), v?.Name, v?.IsDefault ?? true);
            }
        }
    }
}
