using System.Text.Json;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>The text and JSON forms of <c>explain</c>'s findings.</summary>
public static class ExplainRenderer
{
    public static void WriteJson(TextWriter w, IReadOnlyList<ExplainFinding> findings)
    {
        w.Write(JsonSerializer.Serialize(findings.ToList(), ExplainJsonContext.Default.ListExplainFinding));
        w.WriteLine();
    }

    /// <summary>One block per finding: where, who, which class; the message; its subjects; cause, check and fixes; the simulation's verdict.</summary>
    public static void WriteText(TextWriter w, IReadOnlyList<ExplainFinding> findings)
    {
        if (findings.Count == 0)
        {
            w.WriteLine("no loader, linker or plugin error recognised");
            return;
        }
        for (int i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            if (i > 0) w.WriteLine();
            w.WriteLine($"line {f.Line}: {f.Component}: {f.Class}");
            foreach (var l in f.Message.Split('\n')) w.WriteLine($"  | {l}");
            var s = f.Subjects;
            var named = new List<string>();
            if (s.Library is not null) named.Add($"library {s.Library}");
            if (s.Symbol is not null) named.Add($"symbol {s.Symbol}");
            if (s.Version is not null) named.Add($"version {s.Version}");
            if (s.File is not null) named.Add($"file {s.File}");
            if (s.RequiredBy is not null) named.Add($"required by {s.RequiredBy}");
            if (s.Package is not null) named.Add($"package {s.Package}");
            if (named.Count > 0) w.WriteLine($"  about: {string.Join(", ", named)}");
            w.WriteLine($"  cause: {f.Cause}");
            if (f.Check is not null) w.WriteLine($"  check: {f.Check}");
            foreach (var fix in f.Fix) w.WriteLine($"  fix:   {fix}");
            if (f.Correlation is { } c)
            {
                w.WriteLine(c.Reproduced ? "  simulation: reproduces it" : "  simulation: does not reproduce it");
                foreach (var l in c.Simulated) w.WriteLine($"    > {l}");
                foreach (var d in c.Differences) w.WriteLine($"    - {d}");
            }
        }
    }
}
