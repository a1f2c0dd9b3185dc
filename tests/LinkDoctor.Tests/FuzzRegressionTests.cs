using System.Buffers.Binary;
using System.Diagnostics;
using LinkDoctor.Fuzz;
using Xunit.Abstractions;

namespace LinkDoctor.Tests;

/// <summary>
/// The deterministic mode of the fuzzing harness (fuzz/): the same targets as the AFL++ campaigns
/// (fuzz/Targets/FuzzTargets.cs, linked into this assembly), run over (a) every crashing input a campaign found,
/// kept under tests/fuzz-regressions/TARGET/, and (b) a seeded mutation run over the seed corpora
/// (fuzz/corpus/TARGET/): bit flips, bytes and words set to interesting values, truncations, chunk duplications and
/// removals. Each input must end in a result or a documented one-line error within a time bound; a watchdog
/// names the input that hangs and the input that crashes is written out for replay
/// (<c>dotnet fuzz/out/replay-TARGET/LinkDoctor.Fuzz.dll TARGET FILE</c>).
/// </summary>
public sealed class FuzzRegressionTests(ITestOutputHelper output)
{
    /// <summary>A generous bound for one input on a loaded 2-core machine; the slowest targets take a few ms.</summary>
    private static readonly TimeSpan PerInput = TimeSpan.FromSeconds(15);

    /// <summary>Mutations per target (the run is seeded, so every run tries the same inputs).</summary>
    private const int MutationsPerTarget = 800;

    private static readonly string RepoRoot = FindRepoRoot();

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "LinkDoctor.slnx"))) return d.FullName;
        throw new InvalidOperationException("LinkDoctor.slnx not found above " + AppContext.BaseDirectory);
    }

    static FuzzRegressionTests() => FuzzTargets.CorpusDirectory = Path.Combine(RepoRoot, "fuzz", "corpus");

    public static IEnumerable<object[]> Targets() => FuzzTargets.Names.Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(Targets))]
    public void RegressionFilesEndInAResultOrAnError(string target)
    {
        string dir = Path.Combine(RepoRoot, "tests", "fuzz-regressions", target);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
        foreach (var file in files) RunGuarded(target, File.ReadAllBytes(file), Path.GetRelativePath(RepoRoot, file));
        // The seeds themselves are regression inputs too (and make the theory fail if the corpus goes missing).
        var seeds = Seeds(target);
        Assert.NotEmpty(seeds);
        foreach (var (name, bytes) in seeds) RunGuarded(target, bytes, name);
        output.WriteLine($"{target}: {files.Length} regression files and {seeds.Count} seeds ended in a result or a one-line error");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SeededMutationsEndInAResultOrAnError(string target)
    {
        var seeds = Seeds(target);
        Assert.NotEmpty(seeds);
        // A fixed seed per target (string.GetHashCode is randomised per process, so not that).
        var rng = new Random(target.Aggregate(0x11D0C, (h, c) => h * 31 + c));
        var sw = Stopwatch.StartNew();
        var kinds = new Dictionary<string, int>();
        for (int i = 0; i < MutationsPerTarget; i++)
        {
            var (name, seed) = seeds[i % seeds.Count];
            var (bytes, what) = Mutate(seed, rng, target);
            kinds[what.Split(' ')[0]] = kinds.GetValueOrDefault(what.Split(' ')[0]) + 1;
            RunGuarded(target, bytes, $"{name} mutation #{i}: {what}");
        }
        output.WriteLine($"{target}: {MutationsPerTarget} mutations of {seeds.Count} seeds in {sw.Elapsed.TotalSeconds:F1}s ({string.Join(", ", kinds.Select(k => $"{k.Key} {k.Value}"))})");
    }

    /// <summary>The seeds of a target, by name (sorted, so the seeded run is the same everywhere).</summary>
    private static List<(string Name, byte[] Bytes)> Seeds(string target)
    {
        string dir = Path.Combine(RepoRoot, "fuzz", "corpus", target);
        return Directory.Exists(dir)
            ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(f => ($"fuzz/corpus/{target}/{Path.GetFileName(f)}", File.ReadAllBytes(f))).ToList()
            : [];
    }

    /// <summary>
    /// Runs one input under a watchdog. A crash (any exception the target does not document for bad input) or a
    /// hang fails the test, naming the input and writing it where a replay can take it.
    /// </summary>
    private static void RunGuarded(string target, byte[] input, string what)
    {
        var task = Task.Factory.StartNew(() => FuzzTargets.Run(target, input), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool finished;
        try { finished = task.Wait(PerInput); }
        catch (AggregateException e)
        {
            string saved = Save(target, input);
            throw new Xunit.Sdk.XunitException($"{target}: {what} crashed (input saved as {saved}): {e.InnerException}");
        }
        if (!finished)
        {
            string saved = Save(target, input);
            throw new Xunit.Sdk.XunitException($"{target}: {what} did not finish within {PerInput.TotalSeconds}s (a hang; input saved as {saved})");
        }
    }

    private static string Save(string target, byte[] input)
    {
        string dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "linkdoctor-fuzz-findings", target)).FullName;
        string path = Path.Combine(dir, Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(input))[..16].ToLowerInvariant());
        File.WriteAllBytes(path, input);
        return path;
    }

    private static readonly ulong[] Interesting =
    [
        0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
        0x100000000, 0x7fffffffffffffff, 0x8000000000000000, ulong.MaxValue, ulong.MaxValue - 1,
    ];

    /// <summary>
    /// One seeded mutation, as AFL's deterministic and havoc stages do them: mostly in the first 4 KiB (the headers
    /// and tables), sometimes anywhere. Byte 0 of the inputs of glibc, musl and patch is a selector: kept as is
    /// half of the time so the mutation reaches the file behind it.
    /// </summary>
    internal static (byte[] Bytes, string What) Mutate(byte[] seed, Random rng, string target)
    {
        bool selector = target is "glibc" or "musl" or "patch" && rng.Next(2) == 0;
        int from = selector ? 1 : 0;
        var b = (byte[])seed.Clone();
        if (b.Length <= from + 1) return (b, "unchanged (too short)");
        int Pos(int width = 1)
        {
            int end = Math.Max(from + 1, b.Length - width + 1);
            int hot = Math.Min(end, from + 4096);
            return rng.Next(4) == 0 ? rng.Next(from, end) : rng.Next(from, hot);
        }
        switch (rng.Next(6))
        {
            case 0:
            {
                int n = 1 + rng.Next(8), first = -1;
                for (int k = 0; k < n; k++)
                {
                    int at = Pos(), bit = rng.Next(8);
                    if (first < 0) first = at;
                    b[at] ^= (byte)(1 << bit);
                }
                return (b, $"bitflip {n} bits from 0x{first:x}");
            }
            case 1:
            {
                int width = new[] { 1, 2, 4, 8 }[rng.Next(4)];
                if (b.Length - from < width) width = 1;
                int at = Pos(width);
                ulong v = Interesting[rng.Next(Interesting.Length)];
                bool be = rng.Next(4) == 0;
                var span = b.AsSpan(at, width);
                switch (width)
                {
                    case 1: span[0] = (byte)v; break;
                    case 2: if (be) BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)v); break;
                    case 4: if (be) BinaryPrimitives.WriteUInt32BigEndian(span, (uint)v); else BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)v); break;
                    default: if (be) BinaryPrimitives.WriteUInt64BigEndian(span, v); else BinaryPrimitives.WriteUInt64LittleEndian(span, v); break;
                }
                return (b, $"interesting {width}-byte {(be ? "BE" : "LE")} 0x{v:x} at 0x{at:x}");
            }
            case 2:
            {
                int len = rng.Next(from, b.Length);
                return (b[..len], $"truncate to {len} bytes");
            }
            case 3:
            {
                int at = Pos(), len = 1 + rng.Next(Math.Min(256, b.Length - at)), to = Pos();
                var chunk = b.AsSpan(at, len).ToArray();
                return ([.. b.AsSpan(0, to), .. chunk, .. b.AsSpan(to)], $"duplicate {len} bytes of 0x{at:x} at 0x{to:x}");
            }
            case 4:
            {
                int at = Pos(), len = 1 + rng.Next(Math.Min(256, b.Length - at));
                return ([.. b.AsSpan(0, at), .. b.AsSpan(at + len)], $"remove {len} bytes at 0x{at:x}");
            }
            default:
            {
                int n = 1 + rng.Next(16), first = -1;
                for (int k = 0; k < n; k++)
                {
                    int at = Pos();
                    if (first < 0) first = at;
                    b[at] = (byte)rng.Next(256);
                }
                return (b, $"random {n} bytes from 0x{first:x}");
            }
        }
    }
}
