using System.Text.Json;
using LinkDoctor.Reports;

namespace LinkDoctor.Repair;

/// <summary>The text and JSON forms of a <see cref="BundleReport"/>.</summary>
public static class BundleRenderer
{
    public static void WriteJson(TextWriter w, BundleReport report) =>
        w.WriteLine(JsonSerializer.Serialize(report, LinkDoctorJsonContext.Default.BundleReport));

    public static void Write(TextWriter w, BundleReport r)
    {
        w.WriteLine($"{(r.DryRun ? "would bundle into" : "bundle")} {r.Out} (base system: the C library{(r.Policy is null ? "" : $" and the {r.Policy} allow list")})");
        foreach (var f in r.Files)
        {
            string rel = f.Kind == "program" ? "bin/" + f.Name : "lib/" + f.Name;
            string links = f.Links.Count > 0 ? $", also as {string.Join(", ", f.Links)}" : "";
            w.WriteLine($"  {rel} <- {f.Source} ({string.Join("; ", f.Reasons)}){(f.RunPath is null ? "" : $" RUNPATH {f.RunPath}")}{links}");
        }
        foreach (var s in r.Skipped) w.WriteLine($"  skipped {s.Name} ({s.Source}): {s.Reason}");
        foreach (var m in r.Missing)
            w.WriteLine($"  {(m.Optional ? "optional, not found" : "not found")}: {m.Name} (needed by {m.NeededBy}{(m.Error is null ? "" : ": " + m.Error)})");
        foreach (var v in r.Verification ?? [])
        {
            w.WriteLine(v.Loads
                ? $"verified: {v.Program} loads, {v.FromBundle} librar{(v.FromBundle == 1 ? "y" : "ies")} from the bundle"
                : $"NOT verified: {v.Program}: {v.Error ?? string.Join("; ", v.Problems)}");
            foreach (var p in v.Problems) w.WriteLine($"  {p}");
            foreach (var o in v.OptionalMissing) w.WriteLine($"  optional dlopen dependency not found: {o}");
        }
    }
}
