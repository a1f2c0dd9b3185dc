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
        return FileWalker.Expand(CorpusRoots.Where(Directory.Exists), recursive: true, errors);
    }

    [Fact]
    public void EveryElfFileUnderUsrAgreesWithReadelf()
    {
        var files = CorpusFiles();
        Assert.True(files.Count > 1000, $"expected thousands of ELF files, found {files.Count}");
        var report = Differential.Compare(files, output);
        foreach (var m in report.Mismatches) output.WriteLine(m);
        output.WriteLine($"readelf corpus: {report.Agree} of {report.Compared} ELF files agree ({report.Symbols} dynamic symbols compared)");
        Assert.True(report.Mismatches.Count == 0,
            $"{report.Mismatches.Count} of {report.Compared} files differ from readelf; first:\n" + string.Join("\n", report.Mismatches.Take(10)));
    }
}

public sealed record DifferentialReport(int Compared, int Agree, long Symbols, List<string> Mismatches);

public static class Differential
{
    /// <summary>Compares our facts with readelf's for each file (readelf run in batches, two at a time).</summary>
    public static DifferentialReport Compare(IReadOnlyList<string> files, ITestOutputHelper? output = null, Func<string, string>? readelfPathFor = null)
    {
        var batches = files.Chunk(250).ToList();
        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
        long symbols = 0;
        int agree = 0;
        Parallel.ForEach(batches, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, batch =>
        {
            var refPaths = batch.Select(f => readelfPathFor?.Invoke(f) ?? f).ToList();
            var theirs = ElfFacts.FromReadelf(refPaths);
            foreach (var (f, refPath) in batch.Zip(refPaths))
            {
                ElfFacts ours;
                try { ours = ElfFacts.FromLinkDoctor(f); }
                catch (Exception e) { mismatches.Add($"{f}: linkdoctor failed: {e.Message}"); continue; }
                if (!theirs.TryGetValue(refPath, out var t)) { mismatches.Add($"{f}: readelf printed nothing"); continue; }
                Interlocked.Add(ref symbols, ours.Lines.Count(l => l.StartsWith("sym ", StringComparison.Ordinal)));
                string? diff = FirstDifference(ours.Lines, t.Lines);
                if (diff is null) Interlocked.Increment(ref agree);
                else mismatches.Add($"{f}: {diff}");
            }
        });
        return new DifferentialReport(files.Count, agree, symbols, [.. mismatches.OrderBy(m => m, StringComparer.Ordinal)]);
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
