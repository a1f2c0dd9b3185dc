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
        if (r.Headers is { } h) WriteHeaders(w, h);
        if (r.Dynamic is { } d) WriteDynamic(w, d);
        if (r.Versions is { } v) WriteVersions(w, v);
        if (r.Notes is { } notes) WriteNotes(w, notes);
        if (r.Anomalies is { Count: > 0 } an)
            foreach (var a in an) Field(w, "anomaly", a);
    }

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
        string? table = null;
        foreach (var s in symbols)
        {
            if (s.Error is not null) continue;
            if (withHeader && s.Table != table)
            {
                table = s.Table;
                w.WriteLine($"{s.Path} ({s.Table}):");
            }
            string name = s.Name + (s.Version is null ? "" : (s.DefaultVersion == true ? "@@" : "@") + s.Version);
            w.WriteLine($"{s.Value:x16} {s.Size,6} {s.Type,-7} {s.Binding,-6} {s.Visibility,-9} {s.Section,4} {name}");
        }
    }
}
