using System.Buffers.Binary;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Formats.MachO;

/// <summary>One entry of a universal file's fat_arch (or fat_arch_64) table.</summary>
public readonly record struct MachOFatArch(int Index, uint CpuType, uint CpuSubType, ulong Offset, ulong Size, uint Align)
{
    public string Name => ArchName(CpuType, CpuSubType);
}

/// <summary>
/// The Mach-O format's entry in <see cref="BinaryFile.Readers"/>: thin files (MH_MAGIC, MH_MAGIC_64, either byte
/// order) and universal files (FAT_MAGIC, FAT_MAGIC_64), which give one <see cref="MachOFile"/> per slice.
/// </summary>
public sealed class MachOFormatReader : IBinaryFormatReader
{
    public static MachOFormatReader Instance { get; } = new();
    public BinaryFormat Format => BinaryFormat.MachO;
    /// <summary>8: the fat magic and nfat_arch, which tell a universal file from a Java class file.</summary>
    public int MagicLength => 8;

    public bool Matches(ReadOnlySpan<byte> head) => MachOFile.HasThinMagic(head) || IsUniversal(head);

    /// <summary>
    /// True for a universal (fat) header. 0xCAFEBABE also starts every Java class file, followed by its minor and
    /// major version (major 45 and up); like LLVM's <c>identify_magic</c> and file(1)'s magic, a small nfat_arch (under
    /// 43) means a universal file. FAT_MAGIC_64 has no such twin.
    /// </summary>
    public static bool IsUniversal(ReadOnlySpan<byte> head)
    {
        if (head.Length < 8) return false;
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(head);
        return magic switch
        {
            FAT_MAGIC => BinaryPrimitives.ReadUInt32BigEndian(head[4..]) < 43,
            FAT_CIGAM => BinaryPrimitives.ReadUInt32LittleEndian(head[4..]) < 43,
            FAT_MAGIC_64 or FAT_CIGAM_64 => true,
            _ => false,
        };
    }

    public IReadOnlyList<ILoadableObject> Read(BinaryImage image)
    {
        if (!IsUniversal(image.Span)) return [MachOFile.Open(image)];
        var arches = ReadFatArches(image.Span);
        var slices = new ILoadableObject[arches.Count];
        for (int i = 0; i < arches.Count; i++)
        {
            var a = arches[i];
            var head = image.Span.Slice((int)a.Offset, (int)Math.Min(a.Size, 8));
            if (!MachOFile.HasThinMagic(head))
            {
                string what = head.StartsWith("!<arch>\n"u8) ? "an ar archive (a static library)" : "not a Mach-O image";
                BinaryFormatException.Throw($"slice {i} ({a.Name}) is {what}", (long)a.Offset);
            }
            var slice = MachOFile.Open(image, a.Offset, a.Size, i);
            if (slice.Header.CpuType != a.CpuType)
                slice.AddAnomaly("MACHO050", $"fat_arch {i} says {a.Name} but the slice's header says {slice.Machine}", 4);
            slices[i] = slice;
        }
        return slices;
    }

    /// <summary>
    /// The fat_arch table, checked as LLVM's <c>MachOUniversalBinary</c> constructor checks it: the table fits, every
    /// slice lies inside the file and after the table; two slices of one architecture are an anomaly of the slice.
    /// </summary>
    public static IReadOnlyList<MachOFatArch> ReadFatArches(ReadOnlySpan<byte> data)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(data);
        bool swapped = magic is FAT_CIGAM or FAT_CIGAM_64;
        bool is64 = magic is FAT_MAGIC_64 or FAT_CIGAM_64;
        var r = new SpanReader(data, bigEndian: !swapped);
        uint n = r.U32(4, "nfat_arch");
        if (n == 0) BinaryFormatException.Throw("universal file has no architectures (nfat_arch 0)", 4);
        int entry = is64 ? SIZEOF_FAT_ARCH_64 : SIZEOF_FAT_ARCH;
        var table = r.Table(SIZEOF_FAT_HEADER, n, (ulong)entry, $"fat_arch table ({n} entries)");
        ulong tableEnd = SIZEOF_FAT_HEADER + (ulong)n * (ulong)entry;
        var list = new List<MachOFatArch>((int)n);
        for (int i = 0; i < n; i++)
        {
            var e = table.Slice(i * entry, entry);
            uint cputype = r.U32(e), subtype = r.U32(e[4..]);
            ulong offset = is64 ? r.U64(e[8..]) : r.U32(e[8..]);
            ulong size = is64 ? r.U64(e[16..]) : r.U32(e[12..]);
            uint align = is64 ? r.U32(e[24..]) : r.U32(e[16..]);
            var arch = new MachOFatArch(i, cputype, subtype, offset, size, align);
            long at = SIZEOF_FAT_HEADER + (long)i * entry;
            if (!r.Contains(offset, size))
                BinaryFormatException.Throw($"slice {i} ({arch.Name}: 0x{size:x} bytes at 0x{offset:x}) extends past end of file (size 0x{data.Length:x})", at + 8);
            if (offset < tableEnd)
                BinaryFormatException.Throw($"slice {i} ({arch.Name}) at 0x{offset:x} overlaps the universal headers", at + 8);
            if (size < 4)
                BinaryFormatException.Throw($"slice {i} ({arch.Name}) is too small ({size} bytes) for a Mach-O header", at + (is64 ? 16 : 12));
            list.Add(arch);
        }
        return list;
    }
}

/// <summary>MachOFile as a format-neutral <see cref="ILoadableObject"/>.</summary>
public sealed partial class MachOFile
{
    public ObjectKind Kind => Header.FileType switch
    {
        MH_EXECUTE => (Header.Flags & MH_PIE) != 0 ? ObjectKind.PieExecutable : ObjectKind.Executable,
        MH_DYLIB or MH_DYLIB_STUB or MH_DYLINKER => ObjectKind.SharedLibrary,
        MH_BUNDLE => ObjectKind.Bundle,
        MH_OBJECT => ObjectKind.Relocatable,
        MH_CORE => ObjectKind.Core,
        _ => ObjectKind.Unknown,
    };

    /// <summary>LC_LOAD_DYLINKER (<c>/usr/lib/dyld</c>).</summary>
    public string? Interpreter => Dylinker;

    /// <summary>LC_ID_DYLIB.</summary>
    public string? InstallName => IdDylib?.Name;

    public IReadOnlyList<Dependency> Dependencies => [.. Dylibs.Select(d => new Dependency(d.Name, d.Kind))];

    public IReadOnlyList<SearchPath> SearchPaths => [.. RPaths.Select(p => new SearchPath(p, SearchPathKind.LcRpath))];

    /// <summary>
    /// What dyld binds: the chained-fixups imports, else the bind and lazy-bind opcodes (one entry per symbol and
    /// library; weak-bind entries are coalescing of weak definitions, not imports), else the symbol table's undefined
    /// external symbols with the library ordinal of their n_desc. Library names resolve the two-level-namespace
    /// ordinal; special ordinals (self, main executable, flat lookup) give none.
    /// </summary>
    public IEnumerable<ImportedSymbol> Imports
    {
        get
        {
            var seen = new HashSet<(string, int)>();
            bool any = false;
            foreach (var b in Bindings)
            {
                if (b.Table == MachOBindTable.WeakBind) continue;
                any = true;
                if (seen.Add((b.Name, b.LibraryOrdinal)))
                    yield return new ImportedSymbol(b.Name, null, LibraryName(b.LibraryOrdinal), b.WeakImport);
            }
            if (any || ChainedFixups is not null || DyldInfo is not null) yield break;
            foreach (var s in Symbols)
            {
                if (!s.IsUndefined || !s.IsExternal) continue;
                if (seen.Add((s.Name, s.LibraryOrdinal)))
                    yield return new ImportedSymbol(s.Name, null, (Header.Flags & MH_TWOLEVEL) != 0 ? LibraryName(s.LibraryOrdinal) : null, (s.Desc & N_WEAK_REF) != 0);
            }
        }
    }

    /// <summary>
    /// The export trie's symbols; a re-export carries its origin in <see cref="ExportedSymbol.Forwarder"/> as
    /// <c>install-name:symbol</c>. Without a trie, the external defined symbols of the symbol table.
    /// </summary>
    public IEnumerable<ExportedSymbol> Exports
    {
        get
        {
            if (ExportsTrie is not null || DyldInfo is { ExportSize: > 0 })
            {
                foreach (var e in TrieExports)
                {
                    string? forwarder = e.IsReexport ? $"{LibraryName(e.LibraryOrdinal) ?? $"ordinal {e.LibraryOrdinal}"}:{(string.IsNullOrEmpty(e.ImportName) ? e.Name : e.ImportName)}" : null;
                    yield return new ExportedSymbol(e.Name, Forwarder: forwarder);
                }
                yield break;
            }
            foreach (var s in Symbols)
                if (!s.IsStab && s.IsExternal && !s.IsPrivateExternal && !s.IsUndefined)
                    yield return new ExportedSymbol(s.Name);
        }
    }
}
