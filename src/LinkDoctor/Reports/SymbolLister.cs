using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Reports;

/// <summary>What <c>symbols</c> lists.</summary>
public sealed record SymbolOptions(bool All = false, bool DefinedOnly = false, bool UndefinedOnly = false);

/// <summary>Lists symbols like <c>nm -D</c> / <c>objdump -T</c>, with versions (<c>name@VER</c>, <c>name@@VER</c>).</summary>
public static class SymbolLister
{
    public static List<SymbolReport> List(string path, SymbolOptions options)
    {
        List<SymbolReport>? list = null;
        string? error = FileErrors.Capture(() =>
        {
            using var image = BinaryImage.Open(path);
            list = List(image, options);
        });
        return error is null ? list! : [new SymbolReport { Path = path, Error = error }];
    }

    /// <summary>Lists the symbols of bytes already open; bad input becomes one entry with <c>error</c>.</summary>
    public static List<SymbolReport> List(BinaryImage image, SymbolOptions options)
    {
        var list = new List<SymbolReport>();
        string path = image.Path;
        string? error = FileErrors.Capture(() =>
        {
            var file = BinaryFile.Open(image, ownsImage: false);
            foreach (var o in file.Objects)
            {
                switch (o)
                {
                    case ElfFile elf:
                        AddTable(list, elf, elf.DynamicSymbols, ".dynsym", path, options);
                        if (options.All) AddTable(list, elf, elf.Symbols, ".symtab", path, options);
                        break;
                    case MachOFile macho:
                        MachOSymbolLister.Add(list, macho, path, options);
                        break;
                    case PeFile pe:
                        PeSymbolLister.Add(list, pe, path, options);
                        break;
                }
            }
        });
        if (error is not null) return [new SymbolReport { Path = path, Error = error }];
        return list;
    }

    private static void AddTable(List<SymbolReport> list, ElfFile elf, ElfSymbolTable? table, string tableName, string path, SymbolOptions options)
    {
        if (table is null) return;
        bool dynamic = table.IsDynamic;
        // Entry 0 is the reserved null symbol; nm and objdump leave it out.
        for (int i = 1; i < table.Count; i++)
        {
            var s = table[i];
            if (options.DefinedOnly && !s.IsDefined) continue;
            if (options.UndefinedOnly && s.IsDefined) continue;
            var version = dynamic ? elf.Versions.GetDisplayVersion(s, table.GetNameBytes(s)) : null;
            list.Add(new SymbolReport
            {
                Path = path,
                Table = tableName,
                Index = i,
                Name = table.GetDisplayName(s),
                Version = version?.Name,
                DefaultVersion = version?.IsDefault ?? false,
                Defined = s.IsDefined,
                Binding = SymbolBindingName(s.Binding),
                Type = SymbolTypeName(s.Type),
                Visibility = VisibilityName(s.Visibility),
                Section = SectionIndexName(s.SectionIndex),
                Value = s.Value,
                Size = s.Size,
            });
        }
    }

    /// <summary>The st_shndx column as readelf prints it: UND, ABS, COM or the number.</summary>
    public static string SectionIndexName(ushort shndx) => shndx switch
    {
        SHN_UNDEF => "UND",
        SHN_ABS => "ABS",
        SHN_COMMON => "COM",
        SHN_XINDEX => "XINDEX",
        _ => shndx.ToString(),
    };
}
