using LinkDoctor.Formats.MachO;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Reports;

/// <summary>
/// <c>symbols</c> of a Mach-O image: the export trie (table <c>exports</c>, like <c>dyld_info -exports</c>) and the
/// imports with their library (table <c>imports</c>: bind opcodes, chained fixups, or the undefined symbols of the
/// symbol table), and with <c>--all</c> the nlist symbol table (table <c>symtab</c>, like <c>nm -m</c>).
/// </summary>
public static class MachOSymbolLister
{
    public static void Add(List<SymbolReport> list, MachOFile m, string path, SymbolOptions options)
    {
        string? slice = m.IsSlice ? m.Machine : null;
        ulong baseAddress = m.BaseAddress;
        if (!options.UndefinedOnly)
        {
            int i = 0;
            foreach (var e in m.TrieExports)
            {
                ulong value = e.IsReexport || e.Kind == MachOExportKind.Absolute ? e.Address : baseAddress + e.Address;
                string section = e.IsReexport ? "REEXPORT" : e.Kind == MachOExportKind.Absolute ? "ABS"
                    : m.SectionContaining(new VirtualAddress(value)) is { } s ? $"{s.SegmentName},{s.Name}"
                    : m.SegmentContaining(new VirtualAddress(value))?.Name ?? "?";
                list.Add(new SymbolReport
                {
                    Path = path, Slice = slice, Table = "exports", Index = i++, Name = e.Name, Defined = true,
                    Binding = e.IsWeakDefinition ? "WEAK" : "GLOBAL",
                    Type = e.Kind switch { MachOExportKind.ThreadLocal => "TLS", MachOExportKind.Absolute => "ABS", _ => e.IsStubAndResolver ? "RESOLVER" : "NOTYPE" },
                    Visibility = "DEFAULT", Section = section, Value = value, Size = 0,
                    Library = e.IsReexport ? m.LibraryName(e.LibraryOrdinal) : null,
                    Forwarder = e.IsReexport ? $"{m.LibraryName(e.LibraryOrdinal)}:{(string.IsNullOrEmpty(e.ImportName) ? e.Name : e.ImportName)}" : null,
                });
            }
        }
        if (!options.DefinedOnly)
        {
            int i = 0;
            foreach (var imp in m.Imports)
            {
                list.Add(new SymbolReport
                {
                    Path = path, Slice = slice, Table = "imports", Index = i++, Name = imp.Name, Defined = false,
                    Binding = imp.Weak ? "WEAK" : "GLOBAL", Type = "NOTYPE", Visibility = "DEFAULT", Section = "UND", Value = 0, Size = 0,
                    Library = imp.Library ?? OrdinalName(m, imp.Name),
                });
            }
        }
        if (options.All)
        {
            foreach (var s in m.Symbols)
            {
                if (options.DefinedOnly && s.IsUndefined) continue;
                if (options.UndefinedOnly && !s.IsUndefined) continue;
                list.Add(new SymbolReport
                {
                    Path = path, Slice = slice, Table = "symtab", Index = s.Index, Name = s.Name, Defined = !s.IsUndefined,
                    Binding = s.IsStab ? "STAB" : s.IsExternal ? (s.IsPrivateExternal ? "PEXT" : ((s.Desc & (N_WEAK_REF | N_WEAK_DEF)) != 0 ? "WEAK" : "GLOBAL")) : "LOCAL",
                    Type = s.IsStab ? $"0x{s.Type:x2}" : s.TypeField switch { N_UNDF => "UNDF", N_ABS => "ABS", N_SECT => "SECT", N_PBUD => "PBUD", N_INDR => "INDR", _ => $"0x{s.TypeField:x}" },
                    Visibility = s.IsPrivateExternal ? "HIDDEN" : "DEFAULT",
                    Section = s.IsUndefined ? "UND" : s.Section == 0 ? "ABS" : s.Section.ToString(),
                    Value = s.Value, Size = 0,
                    Library = s.IsUndefined && (m.Header.Flags & MH_TWOLEVEL) != 0 ? m.LibraryName(s.LibraryOrdinal) ?? SpecialOrdinal(s.LibraryOrdinal) : null,
                });
            }
        }
    }

    /// <summary>The special library ordinal's meaning, for an import that has no library.</summary>
    private static string? OrdinalName(MachOFile m, string name)
    {
        foreach (var b in m.Bindings)
            if (b.Name == name && b.LibraryOrdinal <= 0) return SpecialBindOrdinal(b.LibraryOrdinal);
        return null;
    }

    private static string SpecialBindOrdinal(int ordinal) => ordinal switch
    {
        BIND_SPECIAL_DYLIB_SELF => "this-image",
        BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE => "main-executable",
        BIND_SPECIAL_DYLIB_FLAT_LOOKUP => "flat-namespace",
        BIND_SPECIAL_DYLIB_WEAK_LOOKUP => "weak",
        _ => $"ordinal {ordinal}",
    };

    private static string SpecialOrdinal(int nlistOrdinal) => nlistOrdinal switch
    {
        SELF_LIBRARY_ORDINAL => "this-image",
        EXECUTABLE_ORDINAL => "main-executable",
        DYNAMIC_LOOKUP_ORDINAL => "flat-namespace",
        _ => $"ordinal {nlistOrdinal}",
    };
}
