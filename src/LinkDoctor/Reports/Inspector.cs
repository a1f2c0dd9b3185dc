using System.Text;
using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.Go;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Reports;

/// <summary>What <c>inspect</c> should add to the summary.</summary>
public sealed record InspectOptions(bool Dynamic = false, bool Versions = false, bool Notes = false, bool Headers = false);

/// <summary>Builds the <c>inspect</c> report of one file.</summary>
public static class Inspector
{
    /// <summary>The report of a file (of its first slice, for a universal Mach-O file: see <see cref="InspectAll(string, InspectOptions)"/>).</summary>
    public static InspectReport Inspect(string path, InspectOptions options) => InspectAll(path, options)[0];

    /// <summary>One report per object in the file: one, or one per slice of a universal Mach-O file; bad input gives one report with <c>error</c>.</summary>
    public static List<InspectReport> InspectAll(string path, InspectOptions options)
    {
        List<InspectReport>? reports = null;
        string? error = FileErrors.Capture(() =>
        {
            using var image = BinaryImage.Open(path);
            reports = InspectAll(image, options);
        });
        return error is null ? reports! : [new InspectReport { Path = path, Error = error }];
    }

    /// <summary>Inspects bytes already open; bad input becomes a report with <c>error</c>, never an exception.</summary>
    public static InspectReport Inspect(BinaryImage image, InspectOptions options) => InspectAll(image, options)[0];

    /// <summary>Inspects bytes already open, one report per object; bad input becomes one report with <c>error</c>.</summary>
    public static List<InspectReport> InspectAll(BinaryImage image, InspectOptions options)
    {
        List<InspectReport>? reports = null;
        string? error = FileErrors.Capture(() =>
        {
            var file = BinaryFile.Open(image, ownsImage: false);
            var list = new List<InspectReport>(file.Objects.Count);
            foreach (var o in file.Objects) list.Add(Inspect(o, image.Path, options, file.Objects));
            reports = list;
        });
        return error is null ? reports! : [new InspectReport { Path = image.Path, Error = error }];
    }

    /// <summary>The report of one object of any format; <paramref name="siblings"/> are the slices of the same universal file.</summary>
    public static InspectReport Inspect(ILoadableObject o, string path, InspectOptions options, IReadOnlyList<ILoadableObject>? siblings = null) => o switch
    {
        ElfFile elf => Inspect(elf, path, options),
        MachOFile macho => MachOInspector.Inspect(macho, path, options, siblings),
        PeFile pe => PeInspector.Inspect(pe, path, options),
        _ => throw new NotSupportedException($"no inspector for {o.Format}"),
    };

    public static InspectReport Inspect(ElfFile elf, string path, InspectOptions options)
    {
        var h = elf.Header;
        CheckSegmentsInFile(elf);
        var dyn = elf.Dynamic;
        var sections = elf.Sections;
        bool isGo = GoBuildInfo.IsGoBinary(elf, out string goEvidence);
        var libc = LibcFlavour.Detect(elf, isGo);
        var stack = elf.FindProgramHeader(PT_GNU_STACK);
        var tls = elf.FindProgramHeader(PT_TLS);
        bool loadable = h.Type is ET_EXEC or ET_DYN;

        GoReport? go = null;
        if (isGo)
        {
            var info = GoBuildInfo.TryRead(elf);
            go = new GoReport(true, goEvidence, info?.GoVersion, info?.Path, ElfNotes.GoBuildId(elf),
                info is null ? null : info.Settings.GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value));
        }

        var report = new InspectReport
        {
            Path = path,
            Format = "ELF",
            Class = h.Is64 ? "ELF64" : "ELF32",
            Endian = h.IsBigEndian ? "big" : "little",
            Machine = MachineName(h.Machine, h.Class, h.IsBigEndian),
            OsAbi = OsAbiName(h.OsAbi),
            Type = KindName(elf.Kind),
            Interpreter = elf.Interpreter,
            Soname = dyn?.SoName,
            Needed = dyn?.Needed ?? [],
            Rpath = dyn?.RPath,
            Runpath = dyn?.RunPath,
            Libc = libc.Flavour,
            LibcEvidence = libc.Evidence,
            Linkage = Linkage(elf),
            ExecutableStack = !loadable ? null : stack is { } st ? (st.Flags & PF_X) != 0 : true,
            BindNow = dyn?.BindNow ?? false,
            BuildId = ElfNotes.GnuBuildId(elf),
            Stripped = FindType(sections, SHT_SYMTAB) is null,
            Go = go ?? new GoReport(false, null, null, null, null, null),
            Upx = IsUpx(elf),
            Entry = $"0x{h.Entry:x}",
            Flags = dyn is null ? null : [.. ElfDynamicSection.FlagNames(dyn.Flags)],
            Flags1 = dyn is null ? null : [.. ElfDynamicSection.Flag1Names(dyn.Flags1)],
            TextRel = dyn?.TextRel,
            Relro = elf.FindProgramHeader(PT_GNU_RELRO) is not null,
            Tls = tls is { } t ? new TlsReport($"0x{t.FileSize:x}", $"0x{t.MemorySize:x}", $"0x{t.Align:x}") : null,
            AbiTag = ElfNotes.AbiTag(elf),
            DlopenNotes = elf.DlopenNotes is { Count: > 0 } dn ? [.. dn.Select(n => new DlopenNoteReport(n.Feature, n.Description, n.Priority, n.Soname))] : null,
            Versions = options.Versions ? BuildVersions(elf) : null,
            Dynamic = options.Dynamic ? BuildDynamic(elf) : null,
            Notes = options.Notes ? BuildNotes(elf) : null,
            Headers = options.Headers ? BuildHeaders(elf) : null,
        };
        // Anomalies last: every accessor above may have added some.
        return elf.Anomalies.Count == 0 ? report : report with { Anomalies = [.. elf.Anomalies.Select(a => a.ToString())] };
    }

    /// <summary>A loadable segment whose file image lies past the end of the file means a truncated file.</summary>
    private static void CheckSegmentsInFile(ElfFile elf)
    {
        foreach (var ph in elf.ProgramHeaders)
        {
            if (ph.Type is PT_LOAD or PT_DYNAMIC or PT_INTERP or PT_NOTE && ph.FileSize > 0)
                elf.Bytes(ph.Offset, ph.FileSize, $"{SegmentTypeName(ph.Type)} segment {ph.Index}");
        }
    }

    private static ElfSection? FindType(IReadOnlyList<ElfSection> sections, uint type)
    {
        foreach (var s in sections) if (s.Type == type) return s;
        return null;
    }

    public static string OsAbiName(byte osabi) => osabi switch
    {
        0 => "SYSV", 3 => "GNU", 6 => "Solaris", 9 => "FreeBSD", 12 => "OpenBSD", 97 => "ARM", 255 => "Standalone", _ => $"0x{osabi:x}",
    };

    /// <summary>executable, pie-executable, shared-library, bundle, relocatable, core or unknown (the README's <c>type</c>).</summary>
    public static string KindName(ObjectKind kind) => kind switch
    {
        ObjectKind.Executable => "executable",
        ObjectKind.PieExecutable => "pie-executable",
        ObjectKind.SharedLibrary => "shared-library",
        ObjectKind.Bundle => "bundle",
        ObjectKind.Relocatable => "relocatable",
        ObjectKind.Core => "core",
        _ => "unknown",
    };

    /// <summary>dynamic, static, static-pie or none.</summary>
    public static string Linkage(ElfFile elf)
    {
        var h = elf.Header;
        if (h.Type is not (ET_EXEC or ET_DYN)) return "none";
        var dyn = elf.Dynamic;
        if (dyn is null) return "static";
        if (h.Type == ET_DYN && elf.Interpreter is null && dyn.IsPie) return "static-pie";
        return "dynamic";
    }

    private static bool IsUpx(ElfFile elf)
    {
        var head = elf.Image.Span[..Math.Min(elf.Image.Length, 4096)];
        return head.IndexOf("UPX!"u8) >= 0;
    }

    private static VersionsReport BuildVersions(ElfFile elf)
    {
        var v = elf.Versions;
        return new VersionsReport(
            [.. v.Needs.Select(f => new VersionNeedReport(f.File, [.. f.Versions.Select(n => new VersionNeedEntryReport(n.Name, n.Index & VERSYM_VERSION, n.IsHidden, n.IsWeak, $"0x{n.Hash:x8}"))]))],
            [.. v.Definitions.Select(d => new VersionDefinitionReport(d.Name, d.Index, d.IsBase, (d.Flags & VER_FLG_WEAK) != 0, d.Parents, $"0x{d.Hash:x8}"))],
            [.. VersionRequirements.Highest(elf).Select(x => new HighestVersionReport(x.Family, x.Version, x.Library, x.Symbols))]);
    }

    private static List<DynamicEntryReport>? BuildDynamic(ElfFile elf)
    {
        var dyn = elf.Dynamic;
        if (dyn is null) return null;
        var list = new List<DynamicEntryReport>(dyn.Entries.Count);
        foreach (var e in dyn.Entries)
            list.Add(new DynamicEntryReport($"0x{e.Tag:x}", DynamicTagName(e.Tag), $"0x{e.Value:x}", DisplayDynamic(dyn, e)));
        return list;
    }

    /// <summary>The value as readelf -d shows it.</summary>
    private static string DisplayDynamic(ElfDynamicSection dyn, ElfDynamicEntry e) => e.Tag switch
    {
        DT_NEEDED => $"Shared library: [{dyn.GetString(e.Value)}]",
        DT_SONAME => $"Library soname: [{dyn.GetString(e.Value)}]",
        DT_RPATH => $"Library rpath: [{dyn.GetString(e.Value)}]",
        DT_RUNPATH => $"Library runpath: [{dyn.GetString(e.Value)}]",
        DT_AUXILIARY => $"Auxiliary library: [{dyn.GetString(e.Value)}]",
        DT_FILTER => $"Filter library: [{dyn.GetString(e.Value)}]",
        DT_FLAGS => "Flags: " + string.Join(' ', ElfDynamicSection.FlagNames(e.Value)),
        DT_FLAGS_1 => "Flags: " + string.Join(' ', ElfDynamicSection.Flag1Names(e.Value)),
        DT_PLTREL => e.Value == (ulong)DT_RELA ? "RELA" : e.Value == (ulong)DT_REL ? "REL" : $"0x{e.Value:x}",
        DT_PLTRELSZ or DT_RELASZ or DT_RELAENT or DT_STRSZ or DT_SYMENT or DT_RELSZ or DT_RELENT or DT_INIT_ARRAYSZ
            or DT_FINI_ARRAYSZ or DT_PREINIT_ARRAYSZ or DT_RELRSZ or DT_RELRENT or DT_GNU_CONFLICTSZ or DT_GNU_LIBLISTSZ
            or DT_MOVEENT or DT_MOVESZ or DT_SYMINSZ or DT_SYMINENT or DT_PLTPADSZ => $"{e.Value} (bytes)",
        DT_VERDEFNUM or DT_VERNEEDNUM or DT_RELACOUNT or DT_RELCOUNT => e.Value.ToString(),
        _ => $"0x{e.Value:x}",
    };

    private static List<NoteReport> BuildNotes(ElfFile elf)
    {
        var list = new List<NoteReport>();
        foreach (var n in elf.Notes)
        {
            var desc = ElfNotes.Descriptor(elf, n);
            (string type, string text) = (n.Owner, n.Type) switch
            {
                ("GNU", NT_GNU_BUILD_ID) => ("NT_GNU_BUILD_ID", "Build ID: " + Convert.ToHexStringLower(desc)),
                ("GNU", NT_GNU_ABI_TAG) => ("NT_GNU_ABI_TAG", "OS: " + (ElfNotes.AbiTag(elf) ?? "<corrupt>")),
                ("GNU", NT_GNU_PROPERTY_TYPE_0) => ("NT_GNU_PROPERTY_TYPE_0", string.Join("; ", ElfNotes.GnuProperties(elf))),
                ("GNU", NT_GNU_GOLD_VERSION) => ("NT_GNU_GOLD_VERSION", "Version: " + Encoding.UTF8.GetString(ElfFile.CString(desc))),
                ("Go", NT_GO_BUILDID) => ("GO_BUILDID", "Go build ID: " + Encoding.UTF8.GetString(ElfFile.CString(desc))),
                ("stapsdt", 3) => ("NT_STAPSDT", "SystemTap probe descriptor"),
                ("FDO", NT_FDO_DLOPEN_METADATA) => ("FDO_DLOPEN_METADATA", "dlopen metadata: " + Encoding.UTF8.GetString(ElfFile.CString(desc))),
                _ => ($"0x{n.Type:x}", Convert.ToHexStringLower(desc[..Math.Min(desc.Length, 64)])),
            };
            list.Add(new NoteReport(n.Owner, type, n.DescriptorSize, text, n.Source));
        }
        return list;
    }

    private static HeadersReport BuildHeaders(ElfFile elf)
    {
        var h = elf.Header;
        var file = new FileHeaderReport(h.Is64 ? "ELF64" : "ELF32", h.IsBigEndian ? "2's complement, big endian" : "2's complement, little endian",
            h.IdentVersion, OsAbiName(h.OsAbi), h.AbiVersion, TypeName(h.Type), MachineName(h.Machine, h.Class, h.IsBigEndian),
            $"0x{h.Entry:x}", $"0x{h.PhOff:x}", $"0x{h.ShOff:x}", $"0x{h.Flags:x}", h.EhSize, h.PhEntSize, h.PhNum, h.ShEntSize, h.ShNum, h.ShStrNdx);
        var phdrs = elf.ProgramHeaders.Select(p => new ProgramHeaderReport(SegmentTypeName(p.Type), $"0x{p.Offset:x}", $"0x{p.VirtualAddress:x}",
            $"0x{p.PhysicalAddress:x}", $"0x{p.FileSize:x}", $"0x{p.MemorySize:x}", SegmentFlags(p.Flags), $"0x{p.Align:x}")).ToList();
        var sections = elf.Sections.Select(s => new SectionReport(s.Index, s.Name, SectionTypeName(s.Type), $"0x{s.Address:x}", $"0x{s.Offset:x}",
            $"0x{s.Size:x}", $"0x{s.EntSize:x}", SectionFlags(s.Flags), s.Link, s.Info, $"0x{s.AddrAlign:x}")).ToList();
        return new HeadersReport(file, phdrs, sections);
    }

    public static string SegmentFlags(uint f) =>
        $"{((f & PF_R) != 0 ? 'R' : ' ')}{((f & PF_W) != 0 ? 'W' : ' ')}{((f & PF_X) != 0 ? 'E' : ' ')}".TrimEnd();

    public static string SectionTypeName(uint t) => t switch
    {
        SHT_NULL => "NULL", SHT_PROGBITS => "PROGBITS", SHT_SYMTAB => "SYMTAB", SHT_STRTAB => "STRTAB", SHT_RELA => "RELA",
        SHT_HASH => "HASH", SHT_DYNAMIC => "DYNAMIC", SHT_NOTE => "NOTE", SHT_NOBITS => "NOBITS", SHT_REL => "REL",
        SHT_DYNSYM => "DYNSYM", 14 => "INIT_ARRAY", 15 => "FINI_ARRAY", 16 => "PREINIT_ARRAY", 17 => "GROUP",
        SHT_SYMTAB_SHNDX => "SYMTAB SECTION INDICES", 19 => "RELR", SHT_GNU_HASH => "GNU_HASH", SHT_GNU_verdef => "VERDEF",
        SHT_GNU_verneed => "VERNEED", SHT_GNU_versym => "VERSYM", 0x6ffffff5 => "GNU_ATTRIBUTES", 0x70000003 => "ARM_ATTRIBUTES",
        _ => $"0x{t:x}",
    };

    public static string SectionFlags(ulong f)
    {
        var sb = new StringBuilder();
        (ulong bit, char c)[] map = [(0x1, 'W'), (0x2, 'A'), (0x4, 'X'), (0x10, 'M'), (0x20, 'S'), (0x40, 'I'), (0x80, 'L'), (0x100, 'O'), (0x200, 'G'), (0x400, 'T'), (0x800, 'C'), (0x80000000, 'E')];
        foreach (var (bit, c) in map) if ((f & bit) != 0) sb.Append(c);
        return sb.ToString();
    }
}
