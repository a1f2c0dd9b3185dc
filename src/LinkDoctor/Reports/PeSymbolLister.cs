using LinkDoctor.Formats.Pe;

namespace LinkDoctor.Reports;

/// <summary>
/// <c>symbols</c> of a PE image: the export table (table <c>exports</c>: ordinal, RVA, name, forwarder, like
/// <c>dumpbin /exports</c>), the import table (<c>imports</c>) and the delay-load imports (<c>delay-imports</c>),
/// each function with its DLL and its hint or ordinal. PE images keep no other symbol table the loader reads.
/// </summary>
public static class PeSymbolLister
{
    public static void Add(List<SymbolReport> list, PeFile pe, string path, SymbolOptions options)
    {
        if (!options.UndefinedOnly && pe.ExportDirectory is { } ed)
        {
            int i = 0;
            foreach (var e in ed.Entries)
            {
                if (e.Rva == 0) continue;
                list.Add(new SymbolReport
                {
                    Path = path, Table = "exports", Index = i++, Name = e.Name ?? "", Defined = true, Binding = "GLOBAL",
                    Type = e.Forwarder is not null ? "FORWARD" : "NOTYPE", Visibility = "DEFAULT",
                    Section = e.Forwarder is not null ? "FWD" : pe.SectionContaining(new Rva(e.Rva))?.Name ?? "?",
                    Value = e.Rva, Size = 0, Ordinal = e.Ordinal, Forwarder = e.Forwarder,
                });
            }
        }
        if (!options.DefinedOnly)
        {
            foreach (var (table, dlls) in new[] { ("imports", pe.ImportTable), ("delay-imports", pe.DelayImportTable) })
            {
                int i = 0;
                foreach (var dll in dlls)
                    foreach (var f in dll.Functions)
                        list.Add(new SymbolReport
                        {
                            Path = path, Table = table, Index = i++, Name = f.Name ?? "", Defined = false, Binding = dll.DelayLoad ? "WEAK" : "GLOBAL",
                            Type = "NOTYPE", Visibility = "DEFAULT", Section = "UND", Value = 0, Size = 0, Library = dll.Name,
                            Ordinal = f.Ordinal, Hint = f.Name is null ? null : f.Hint,
                        });
            }
        }
    }
}
