using System.Text.Json;

namespace LinkDoctor.Reports;

/// <summary>Plain-text renderings of the reports (the CLI only picks text or JSON).</summary>
public static class TextRenderer
{
    public static void WriteJson(TextWriter w, List<InspectReport> reports) =>
        w.WriteLine(JsonSerializer.Serialize(reports, LinkDoctorJsonContext.Default.ListInspectReport));

    public static void WriteJson(TextWriter w, List<SymbolReport> symbols) =>
        w.WriteLine(JsonSerializer.Serialize(symbols, LinkDoctorJsonContext.Default.ListSymbolReport));

    public static void WriteJson(TextWriter w, List<LoadGraphReport> graphs) =>
        w.WriteLine(JsonSerializer.Serialize(graphs, LinkDoctorJsonContext.Default.ListLoadGraphReport));

    public static void WriteJson(TextWriter w, List<LinkDoctor.Diagnosis.WhyReport> reports) =>
        w.WriteLine(JsonSerializer.Serialize(reports, LinkDoctorJsonContext.Default.ListWhyReport));

    /// <summary>
    /// <c>why</c>: the loader's own lines first (the very first line exactly as the loader prints it), then the
    /// verdict, the explanation and the fixes.
    /// </summary>
    public static void WriteWhy(TextWriter w, LinkDoctor.Diagnosis.WhyReport r, bool several)
    {
        if (several) w.WriteLine($"==> {r.Path}");
        foreach (var line in r.LoaderOutput) w.WriteLine(line);
        if (r.Starts)
            w.WriteLine(r.Later.Count == 0 ? $"linkdoctor: {r.Path} would start ({r.Loader})" : $"linkdoctor: {r.Path} would start, but fail later:");
        else
            w.WriteLine(r.ExitStatus is { } status ? $"linkdoctor: {r.Path} would not start (exit status {status})" : $"linkdoctor: {r.Path} would not load (dlopen fails)");
        foreach (var l in r.Later) w.WriteLine($"  later: {l}");
        foreach (var e in r.Explanation) w.WriteLine($"  why: {e}");
        foreach (var f in r.Fixes) w.WriteLine($"  fix: {f}");
        foreach (var a in r.Assumptions ?? []) w.WriteLine($"  assumed: {a}");
    }

    public static void WriteJson(TextWriter w, List<LinkDoctor.Diagnosis.CheckReport> reports) =>
        w.WriteLine(JsonSerializer.Serialize(reports, LinkDoctorJsonContext.Default.ListCheckReport));

    public static void WriteCheck(TextWriter w, LinkDoctor.Diagnosis.CheckReport r)
    {
        w.WriteLine($"{(r.Ok ? "PASS" : "FAIL")} {r.Path} on {r.Target}");
        foreach (var c in r.Checks)
        {
            w.WriteLine($"  {(c.Ok ? "ok  " : "FAIL")} {c.Check}: {c.Detail}");
            if (!c.Ok && c.Symbols is { Count: > 0 } s)
            {
                foreach (var sym in s.Take(40)) w.WriteLine($"         {sym}");
                if (s.Count > 40) w.WriteLine($"         … {s.Count - 40} more (--json lists them all)");
            }
        }
    }

    private static string Dash(string? s) => string.IsNullOrEmpty(s) ? "-" : s;
    private static string YesNo(bool? b) => b is null ? "-" : b.Value ? "yes" : "no";

    public static void WriteInspect(TextWriter w, InspectReport r)
    {
        if (r.Format == "Mach-O") { WriteInspectMachO(w, r); return; }
        if (r.Format == "PE") { WriteInspectPe(w, r); return; }
        w.WriteLine(r.Path);
        Field(w, "format", $"{r.Class}, {r.Endian}-endian, {r.Machine}, OS/ABI {r.OsAbi}");
        Field(w, "type", r.Type);
        Field(w, "interpreter", Dash(r.Interpreter));
        Field(w, "libc", r.LibcEvidence is { Count: > 0 } ev ? $"{r.Libc} ({string.Join("; ", ev)})" : r.Libc);
        Field(w, "linkage", r.Linkage);
        Field(w, "soname", Dash(r.Soname));
        Field(w, "needed", r.Needed is { Count: > 0 } n ? string.Join(", ", n) : "-");
        Field(w, "rpath", Dash(r.Rpath));
        Field(w, "runpath", Dash(r.Runpath));
        Field(w, "exec stack", YesNo(r.ExecutableStack));
        Field(w, "bind now", YesNo(r.BindNow));
        Field(w, "build-id", Dash(r.BuildId));
        Field(w, "stripped", YesNo(r.Stripped));
        Field(w, "go", r.Go is { IsGo: true } g
            ? $"yes ({string.Join(", ", new[] { g.GoVersion, g.ModulePath, g.Evidence }.Where(x => x is not null))})"
            : "no");
        Field(w, "upx", YesNo(r.Upx));
        if (r.Flags is { Count: > 0 } f) Field(w, "flags", string.Join(' ', f));
        if (r.Flags1 is { Count: > 0 } f1) Field(w, "flags_1", string.Join(' ', f1));
        if (r.TextRel == true) Field(w, "textrel", "yes");
        if (r.Tls is { } tls) Field(w, "tls", $"filesz {tls.FileSize}, memsz {tls.MemorySize}, align {tls.Align}");
        if (r.AbiTag is { } tag) Field(w, "abi tag", tag);
        foreach (var dn in r.DlopenNotes ?? [])
            Field(w, "dlopen note", $"{string.Join(" | ", dn.Soname)} ({dn.Priority}{(dn.Feature is null ? "" : ", " + dn.Feature)}{(dn.Description is null ? "" : ": " + dn.Description)})");
        if (r.Headers is { } h) WriteHeaders(w, h);
        if (r.Dynamic is { } d) WriteDynamic(w, d);
        if (r.Versions is { } v) WriteVersions(w, v);
        if (r.Notes is { } notes) WriteNotes(w, notes);
        if (r.Anomalies is { Count: > 0 } an)
            foreach (var a in an) Field(w, "anomaly", a);
    }

    /// <summary>A Mach-O image (one block per slice of a universal file), in the spirit of the ELF summary and <c>otool -L -l</c>.</summary>
    private static void WriteInspectMachO(TextWriter w, InspectReport r)
    {
        w.WriteLine(r.Slice is null ? r.Path : $"{r.Path} (slice {r.Slice})");
        string universal = r.Architectures is { } a ? $" (universal: {string.Join(", ", a)})" : "";
        Field2(w, "format", $"Mach-O {r.Class}, {r.Endian}-endian, {r.Machine}{universal}");
        Field2(w, "type", r.Type);
        Field2(w, "interpreter", Dash(r.Interpreter));
        Field2(w, "linkage", r.Linkage);
        Field2(w, "install name", r.InstallName is null ? "-" : $"{r.InstallName} (compatibility version {r.CompatibilityVersion}, current version {r.CurrentVersion})");
        if (r.Dylibs is not { Count: > 0 } dylibs) Field2(w, "needed", "-");
        else
            for (int i = 0; i < dylibs.Count; i++)
            {
                var d = dylibs[i];
                string kind = d.Kind == "load" ? "" : $", {d.Kind}";
                Field2(w, i == 0 ? "needed" : "", $"{d.Name} (compatibility version {d.CompatibilityVersion}, current version {d.CurrentVersion}{kind})");
            }
        Field2(w, "rpaths", r.Rpaths is { Count: > 0 } rp ? string.Join(", ", rp) : "-");
        Field2(w, "min os", r.MinOs is null ? "-" : r.Sdk is null ? r.MinOs : $"{r.MinOs} (sdk {r.Sdk})");
        Field2(w, "uuid", Dash(r.Uuid));
        Field2(w, "code signature", YesNo(r.CodeSignature));
        Field2(w, "header padding", $"{r.HeaderPadding} bytes");
        Field2(w, "flags", r.HeaderFlags is { Count: > 0 } f ? string.Join(' ', f) : "-");
        if (r.Entry is not null) Field2(w, "entry", $"{r.Entry} (LC_MAIN entryoff)");
        Field2(w, "imports", $"{r.ImportCount} ({r.FixupFormat})");
        Field2(w, "exports", r.ExportCount?.ToString());
        if (r.MachOHeaders is { } h) WriteMachOHeaders(w, h);
        if (r.Anomalies is { Count: > 0 } an)
            foreach (var x in an) Field2(w, "anomaly", x);
    }

    private static void WriteMachOHeaders(TextWriter w, MachOHeadersReport h)
    {
        w.WriteLine("  mach header:");
        w.WriteLine($"    magic {h.Magic}, cputype {h.CpuType}, cpusubtype {h.CpuSubType}, filetype {h.FileType}, ncmds {h.NCmds}, sizeofcmds {h.SizeOfCmds}, flags {h.Flags}");
        w.WriteLine("  load commands:");
        foreach (var c in h.LoadCommands) w.WriteLine($"    {c.Index,3} {c.Cmd,-28} cmdsize {c.CmdSize,-6} at {c.Offset}");
        w.WriteLine("  segments:");
        foreach (var s in h.Segments)
        {
            w.WriteLine($"    {s.Name,-16} vmaddr {s.VmAddr,-18} vmsize {s.VmSize,-12} fileoff {s.FileOff,-10} filesize {s.FileSize,-10} {s.InitProt}/{s.MaxProt}");
            foreach (var x in s.Sections)
                w.WriteLine($"      {x.Segment + "," + x.Name,-30} addr {x.Address,-18} size {x.Size,-10} offset {x.Offset,-10} align 2^{x.Align} flags {x.Flags}");
        }
    }

    /// <summary>A PE image, in the spirit of the ELF summary and <c>dumpbin /headers /dependents</c>.</summary>
    private static void WriteInspectPe(TextWriter w, InspectReport r)
    {
        w.WriteLine(r.Path);
        Field2(w, "format", $"{r.Class}, {r.Machine}{(r.IsDotNet == true ? ", .NET assembly" : "")}");
        Field2(w, "type", r.Type);
        Field2(w, "subsystem", $"{r.Subsystem} {r.SubsystemVersion}");
        Field2(w, "dll name", Dash(r.InstallName));
        Field2(w, "needed", r.Needed is { Count: > 0 } n ? string.Join(", ", n) : "-");
        Field2(w, "delay-load", r.DelayNeeded is { Count: > 0 } dn ? string.Join(", ", dn) : "-");
        Field2(w, "image base", r.ImageBase);
        Field2(w, "entry", $"{r.Entry} (RVA)");
        Field2(w, "characteristics", r.Characteristics is { Count: > 0 } c ? string.Join(' ', c) : "-");
        Field2(w, "dll chars", r.DllCharacteristics is { Count: > 0 } dc ? string.Join(' ', dc) : "-");
        Field2(w, "pdb", Dash(r.Pdb));
        if (r.Clr is { } clr) Field2(w, "clr", $"runtime {clr.RuntimeVersion}, metadata {clr.MetadataVersion ?? "?"}, {string.Join(' ', clr.Flags)}");
        Field2(w, "signed", YesNo(r.CodeSignature));
        Field2(w, "imports", r.ImportCount?.ToString());
        Field2(w, "exports", r.ExportCount?.ToString());
        if (r.PeHeaders is { } h) WritePeHeaders(w, h);
        if (r.Anomalies is { Count: > 0 } an)
            foreach (var x in an) Field2(w, "anomaly", x);
    }

    private static void WritePeHeaders(TextWriter w, PeHeadersReport h)
    {
        w.WriteLine("  file header:");
        w.WriteLine($"    machine {h.Machine}, {h.NumberOfSections} sections, time stamp {h.TimeDateStamp}");
        w.WriteLine("  optional header:");
        w.WriteLine($"    magic {h.Magic}, linker {h.LinkerVersion}, entry {h.EntryPoint}, image base {h.ImageBase}, section alignment {h.SectionAlignment}, file alignment {h.FileAlignment}");
        w.WriteLine($"    os {h.OperatingSystemVersion}, image {h.ImageVersion}, subsystem {h.SubsystemVersion}, size of image {h.SizeOfImage}, size of headers {h.SizeOfHeaders}, checksum {h.CheckSum}");
        w.WriteLine("  data directories:");
        foreach (var d in h.DataDirectories) w.WriteLine($"    {d.Name,-15} rva {d.Rva,-10} size {d.Size}");
        w.WriteLine("  sections:");
        w.WriteLine($"    {"[Nr]",-5} {"Name",-10} {"VirtSize",-10} {"VirtAddr",-10} {"RawSize",-10} {"RawPtr",-10} Characteristics");
        foreach (var s in h.Sections)
            w.WriteLine($"    [{s.Index,3}] {s.Name,-10} {s.VirtualSize,-10} {s.VirtualAddress,-10} {s.SizeOfRawData,-10} {s.PointerToRawData,-10} {s.Characteristics}");
    }

    /// <summary>The Mach-O and PE summaries' field: a wider label column than ELF's (whose output is fixed by tests).</summary>
    private static void Field2(TextWriter w, string name, string? value) =>
        w.WriteLine($"  {(name.Length == 0 ? "" : name + ":"),-17}{value}");

    private static void Field(TextWriter w, string name, string? value) => w.WriteLine($"  {name + ":",-13}{value}");

    private static void WriteHeaders(TextWriter w, HeadersReport h)
    {
        var f = h.File;
        w.WriteLine("  file header:");
        w.WriteLine($"    class {f.Class}, data {f.Data}, version {f.Version}, OS/ABI {f.OsAbi}, ABI version {f.AbiVersion}");
        w.WriteLine($"    type {f.Type}, machine {f.Machine}, entry {f.Entry}, flags {f.Flags}");
        w.WriteLine($"    phoff {f.PhOff} ({f.PhNum} x {f.PhEntSize}), shoff {f.ShOff} ({f.ShNum} x {f.ShEntSize}), shstrndx {f.ShStrNdx}, ehsize {f.EhSize}");
        w.WriteLine("  program headers:");
        w.WriteLine($"    {"Type",-14} {"Offset",-10} {"VirtAddr",-18} {"FileSiz",-10} {"MemSiz",-10} Flg Align");
        foreach (var p in h.ProgramHeaders)
            w.WriteLine($"    {p.Type,-14} {p.Offset,-10} {p.VirtAddr,-18} {p.FileSize,-10} {p.MemSize,-10} {p.Flags,-3} {p.Align}");
        w.WriteLine("  section headers:");
        w.WriteLine($"    {"[Nr]",-5} {"Name",-24} {"Type",-14} {"Address",-18} {"Offset",-10} {"Size",-10} Flg Lk Inf Al");
        foreach (var s in h.Sections)
            w.WriteLine($"    [{s.Index,3}] {s.Name,-24} {s.Type,-14} {s.Address,-18} {s.Offset,-10} {s.Size,-10} {s.Flags,-3} {s.Link} {s.Info} {s.Align}");
    }

    private static void WriteDynamic(TextWriter w, IReadOnlyList<DynamicEntryReport> entries)
    {
        w.WriteLine($"  dynamic section ({entries.Count} entries):");
        foreach (var e in entries)
            w.WriteLine($"    {e.Tag,-20} {"(" + e.Name + ")",-20} {e.Display}");
    }

    private static void WriteVersions(TextWriter w, VersionsReport v)
    {
        w.WriteLine("  version needs:");
        if (v.Needs.Count == 0) w.WriteLine("    -");
        foreach (var f in v.Needs)
            w.WriteLine($"    {f.File}: {string.Join(' ', f.Versions.Select(x => x.Name + (x.Weak ? " (weak)" : "") + (x.Hidden ? " (hidden)" : "")))}");
        w.WriteLine("  version definitions:");
        if (v.Definitions.Count == 0) w.WriteLine("    -");
        foreach (var d in v.Definitions)
            w.WriteLine($"    {d.Index}: {d.Name}{(d.Base ? " (base)" : "")}{(d.Parents.Count > 0 ? " <- " + string.Join(", ", d.Parents) : "")}");
        w.WriteLine("  highest versions needed:");
        if (v.Highest.Count == 0) w.WriteLine("    -");
        foreach (var x in v.Highest)
            w.WriteLine($"    {x.Version} ({x.Library}): {(x.Symbols.Count == 0 ? "(no symbol; required by the version table)" : string.Join(", ", x.Symbols))}");
    }

    private static void WriteNotes(TextWriter w, IReadOnlyList<NoteReport> notes)
    {
        w.WriteLine("  notes:");
        if (notes.Count == 0) w.WriteLine("    -");
        foreach (var n in notes)
            w.WriteLine($"    {n.Owner,-8} {n.Type,-24} {n.Description}");
    }

    /// <summary>A readelf --dyn-syms-like table, with the version after the name.</summary>
    public static void WriteSymbols(TextWriter w, IReadOnlyList<SymbolReport> symbols, bool withHeader)
    {
        (string? Path, string? Slice, string? Table) table = default;
        foreach (var s in symbols)
        {
            if (s.Error is not null) continue;
            // Mach-O and PE list several tables (exports, imports) even by default: always name them.
            if ((withHeader || s.Table is not (".dynsym" or ".symtab")) && (s.Path, s.Slice, s.Table) != table)
            {
                table = (s.Path, s.Slice, s.Table);
                w.WriteLine(s.Slice is null ? $"{s.Path} ({s.Table}):" : $"{s.Path} [{s.Slice}] ({s.Table}):");
            }
            string name = s.Name + (s.Version is null ? "" : (s.DefaultVersion == true ? "@@" : "@") + s.Version);
            // Mach-O and PE only (ELF symbols have none of these): the ordinal, the library, the forwarder.
            if (s.Ordinal is { } ord) name += $" @{ord}";
            if (s.Library is { } lib) name += $" (from {lib})";
            if (s.Forwarder is { } fwd) name += $" -> {fwd}";
            w.WriteLine($"{s.Value:x16} {s.Size,6} {s.Type,-7} {s.Binding,-6} {s.Visibility,-9} {s.Section,4} {name}");
        }
    }
}
