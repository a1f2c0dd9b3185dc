using System.Text.Json;
using LinkDoctor.Diagnosis;

namespace LinkDoctor.Reports;

/// <summary>Text and JSON for <c>linkdoctor go</c> and <c>linkdoctor plugin-check</c>.</summary>
public static class GoRenderer
{
    public static void WriteJson(TextWriter w, List<GoBinaryReport> reports) =>
        w.WriteLine(JsonSerializer.Serialize(reports, GoJsonContext.Default.ListGoBinaryReport));

    public static void WriteJson(TextWriter w, GoHeaderReport report) =>
        w.WriteLine(JsonSerializer.Serialize(report, GoJsonContext.Default.GoHeaderReport));

    public static void WriteJson(TextWriter w, List<GoPluginCheckReport> reports) =>
        w.WriteLine(JsonSerializer.Serialize(reports, GoJsonContext.Default.ListGoPluginCheckReport));

    /// <summary>
    /// <c>go --details</c>: the <c>go version -m</c> block when there is build info (the same bytes), else the
    /// recovered version; then LinkDoctor's view, indented by two spaces.
    /// </summary>
    public static void WriteDetails(TextWriter w, GoBinaryReport r, bool modules)
    {
        if (!r.IsGo)
        {
            w.WriteLine($"{r.Path}: not a Go binary{(r.GoVersionError is null ? "" : $" ({r.GoVersionError})")}");
            return;
        }
        if (r.Info is { } bi)
        {
            w.Write($"{r.Path}: {bi.GoVersion}\n");
            string mod = bi.ToGoString(includeGoVersion: false);
            if (modules && mod.Length > 0) w.Write("\t" + mod[..^1].Replace("\n", "\n\t") + "\n");
        }
        else
        {
            w.WriteLine($"{r.Path}: {r.GoVersion ?? "unknown Go version"}{(r.VersionRecovered ? $" (recovered from {r.GoVersionSource}; no build info)" : " (no build info)")}");
            if (r.GoVersionError is not null) w.WriteLine($"  go version -m: {r.GoVersionError}");
        }
        void Fact(string label, GoFact? f)
        {
            if (f is not null) w.WriteLine($"  {label,-11} {f.Value} ({f.Evidence})");
        }
        w.WriteLine($"  {"format",-11} {r.Format} {r.Machine}{(r.Pclntab is null ? "" : $", pclntab of {r.Pclntab}")}");
        if (r.GoVersionSource is not null && !r.VersionRecovered) w.WriteLine($"  {"go version",-11} {r.GoVersion} (build info, {r.BuildInfoFormat} format)");
        Fact("build mode", r.BuildMode);
        Fact("cgo", r.Cgo);
        Fact("link mode", r.LinkMode);
        Fact("net", r.Net);
        Fact("os/user", r.OsUser);
        Fact("plugin", r.Plugin);
        if (r.PluginPath is not null) w.WriteLine($"  {"pluginpath",-11} {r.PluginPath}");
        if (r.Exports is { } ex)
        {
            w.WriteLine($"  {"exports",-11} {ex.Count} //export function{(ex.Count == 1 ? "" : "s")}");
            foreach (var e in ex)
                w.WriteLine($"    {e.Prototype ?? e.Name}{(e.Prototype is null ? " (no DWARF prototype)" : "")}{(e.InDynamicSymbols ? "" : " [not in .dynsym]")}");
        }
    }

    /// <summary><c>go --static</c>: the verdict, each finding with its origin and fix, then the advice.</summary>
    public static void WriteStatic(TextWriter w, GoBinaryReport r)
    {
        if (r.Static is not { } s) return;
        string verdict = s.Linkage == "static"
            ? (s.Ready ? "statically linked; needs nothing at run time" : "statically linked, but still needs shared libraries at run time")
            : (s.Ready ? "ready to link statically" : "not ready to link statically");
        w.WriteLine($"{r.Path}: {verdict} ({s.Linkage}, {s.Libc})");
        foreach (var f in s.Findings)
        {
            w.WriteLine($"  {f.Function}: {f.Problem}");
            w.WriteLine($"    from: {f.Origin} ({f.Evidence})");
            w.WriteLine($"    fix:  {f.Fix}");
        }
        if (s.Tags.Count > 0) w.WriteLine($"  tags:    {string.Join(' ', s.Tags)}");
        if (s.Ldflags is not null) w.WriteLine($"  ldflags: {s.Ldflags}");
        if (s.Command is not null) w.WriteLine($"  build:   {s.Command}");
        foreach (var n in s.Notes) w.WriteLine($"  note: {n}");
    }

    /// <summary><c>go --header</c>: one line per difference, then the verdict.</summary>
    public static void WriteHeader(TextWriter w, GoHeaderReport r)
    {
        foreach (var d in r.Differences) w.WriteLine($"{r.Header}: {d.Kind}: {d.Name}: {d.Detail}");
        w.WriteLine(r.Ok
            ? $"{r.Header}: matches {r.Library} ({r.LibraryExports.Count} exported function{(r.LibraryExports.Count == 1 ? "" : "s")}{(r.PrototypesCompared ? ", prototypes compared with DWARF" : ", no DWARF: names only")})"
            : $"{r.Header}: {r.Differences.Count} difference{(r.Differences.Count == 1 ? "" : "s")} with {r.Library}");
    }

    /// <summary><c>plugin-check</c>: per plugin, exactly OK or the error, then the details indented.</summary>
    public static void WritePluginCheck(TextWriter w, GoPluginCheckReport r)
    {
        w.WriteLine(r.Result);
        w.WriteLine($"  plugin: {r.Plugin}{(r.RealPath is not null && r.RealPath != r.Plugin ? $" ({r.RealPath})" : "")}");
        if (r.PluginPath is not null) w.WriteLine($"  pluginpath: {r.PluginPath}");
        foreach (var m in r.Mismatches)
        {
            w.WriteLine($"  package {m.Package}: plugin hash {m.PluginHash}, {m.BoundTo} {m.BoundHash}");
            foreach (var reason in m.Reasons) w.WriteLine($"    because: {reason}");
        }
        foreach (var d in r.Details) w.WriteLine($"  {d}");
    }
}
