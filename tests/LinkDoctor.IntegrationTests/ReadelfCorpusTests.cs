using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Differential test against binutils readelf over every ELF file of the machine's /usr/bin, /usr/sbin,
/// /usr/lib and /usr/libexec: NEEDED, SONAME, RPATH, RUNPATH, interpreter, the full dynamic symbol list with
/// versions, version needs and definitions must agree exactly.
/// </summary>
public sealed class ReadelfCorpusTests(ITestOutputHelper output)
{
    public static readonly string[] CorpusRoots = ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec"];

    public static List<string> CorpusFiles()
    {
        var errors = new List<(string, string)>();
        return FileWalker.Expand(CorpusRoots.Where(Directory.Exists), recursive: true, errors, [LinkDoctor.Formats.BinaryFormat.Elf]);
    }

    [Fact]
    public void EveryElfFileUnderUsrAgreesWithReadelf()
    {
        var files = CorpusFiles();
        Assert.True(files.Count > 1000, $"expected thousands of ELF files, found {files.Count}");
        var reports = Differential.Compare(files, ElfFacts.FromLinkDoctor, ElfFacts.FromLinkDoctorWithoutSections);
        string[] names = ["as is", "section headers removed"];
        for (int i = 0; i < reports.Length; i++)
        {
            var report = reports[i];
            foreach (var m in report.Mismatches) output.WriteLine($"[{names[i]}] {m}");
            output.WriteLine($"readelf corpus ({names[i]}): {report.Agree} of {report.Compared} ELF files agree ({report.Symbols} dynamic symbols compared)");
        }
        foreach (var (report, name) in reports.Zip(names))
            Assert.True(report.Mismatches.Count == 0,
                $"[{name}] {report.Mismatches.Count} of {report.Compared} files differ from readelf; first:\n" + string.Join("\n", report.Mismatches.Take(10)));
    }
}

public sealed record DifferentialReport(int Compared, int Agree, long Symbols, List<string> Mismatches);

public static class Differential
{
    /// <summary>Compares our facts with readelf's for each file (readelf run in batches, two at a time).</summary>
    public static DifferentialReport Compare(IReadOnlyList<string> files, Func<string, string>? readelfPathFor = null) =>
        Compare(files, readelfPathFor, ElfFacts.FromLinkDoctor)[0];

    public static DifferentialReport[] Compare(IReadOnlyList<string> files, params Func<string, ElfFacts>[] ours) =>
        Compare(files, null, ours);

    /// <summary>Runs readelf once per batch and compares each of our fact producers with it.</summary>
    public static DifferentialReport[] Compare(IReadOnlyList<string> files, Func<string, string>? readelfPathFor, params Func<string, ElfFacts>[] producers)
    {
        var results = new DifferentialReport[producers.Length];
        var state = producers.Select(_ => (Mismatches: new System.Collections.Concurrent.ConcurrentBag<string>(), Counts: new long[2])).ToArray();
        var batches = files.Chunk(250).ToList();
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, batch =>
        {
            var refPaths = batch.Select(f => readelfPathFor?.Invoke(f) ?? f).ToList();
            var theirs = ElfFacts.FromReadelf(refPaths);
            foreach (var (f, refPath) in batch.Zip(refPaths))
            for (int p = 0; p < producers.Length; p++)
            {
                var (mismatches, counts) = state[p];
                ElfFacts ours;
                try { ours = producers[p](f); }
                catch (Exception e) { mismatches.Add($"{f}: linkdoctor failed: {e.Message}"); continue; }
                if (!theirs.TryGetValue(refPath, out var t)) { mismatches.Add($"{f}: readelf printed nothing"); continue; }
                // Compared against readelf of another file (the original of a section-less copy): section
                // symbols can no longer be named after their section.
                if (refPath != f || p > 0) t = t with { Lines = [.. t.Lines.Select(UnnameSectionSymbol)] };
                Interlocked.Add(ref counts[1], ours.Lines.Count(l => l.StartsWith("sym ", StringComparison.Ordinal)));
                string? diff = FirstDifference(ours.Lines, t.Lines);
                if (diff is null) Interlocked.Increment(ref counts[0]);
                else mismatches.Add($"{f}: {diff}");
            }
        });
        for (int p = 0; p < producers.Length; p++)
            results[p] = new DifferentialReport(files.Count, (int)state[p].Counts[0], state[p].Counts[1], [.. state[p].Mismatches.OrderBy(m => m, StringComparer.Ordinal)]);
        return results;
    }

    private static string UnnameSectionSymbol(string line)
    {
        if (!line.StartsWith("sym ", StringComparison.Ordinal) || !line.EndsWith(" def LOCAL SECTION", StringComparison.Ordinal)) return line;
        var parts = line.Split(' ');
        return $"sym {parts[1]}  def LOCAL SECTION";
    }

    public static string? FirstDifference(List<string> ours, List<string> theirs)
    {
        for (int i = 0; i < Math.Max(ours.Count, theirs.Count); i++)
        {
            string? a = i < ours.Count ? ours[i] : null, b = i < theirs.Count ? theirs[i] : null;
            if (a != b) return $"line {i}: linkdoctor «{a ?? "<end>"}» readelf «{b ?? "<end>"}» ({ours.Count} vs {theirs.Count} lines)";
        }
        return null;
    }
}
