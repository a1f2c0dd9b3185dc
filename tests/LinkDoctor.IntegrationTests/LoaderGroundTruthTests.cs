using LinkDoctor.Formats.Elf;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Ground truth, whole machine: for every dynamically linked x86_64 program and library under /usr/bin,
/// /usr/sbin, /usr/lib and /usr/libexec, <c>tree --flat</c> must equal the real loader's trace
/// (<c>LD_TRACE_LOADED_OBJECTS=1 ld.so FILE</c>, as ldd runs it), minus load addresses and the vdso line.
/// </summary>
public sealed class LoaderGroundTruthTests(ITestOutputHelper output)
{
    public const string HostLoader = "/lib64/ld-linux-x86-64.so.2";

    /// <summary>The real loader's list, as ldd prints it, without "(0x…)" and the vdso.</summary>
    public static string RealTrace(string file, IDictionary<string, string?>? env = null, string? loader = HostLoader, string? cwd = null)
    {
        var e = new Dictionary<string, string?> { ["LD_TRACE_LOADED_OBJECTS"] = "1", ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["LD_BIND_NOW"] = null };
        if (env is not null) foreach (var (k, v) in env) e[k] = v;
        var r = loader is null ? Tool.Run(file, [], e, cwd, 20_000) : Tool.Run(loader, [file], e, cwd, 20_000);
        return NormalizeTrace(r.Stdout);
    }

    public static string NormalizeTrace(string stdout)
    {
        var lines = stdout.Split('\n').Where(l => l.Length > 0 && !l.Contains("linux-vdso.so") && !l.Contains("linux-gate.so"))
            .Select(l => System.Text.RegularExpressions.Regex.Replace(l, @" \(0x[0-9a-f]+\)$", ""));
        return string.Concat(lines.Select(l => l + "\n"));
    }

    public static string OurTrace(string file, RootedFileSystem? root = null, IReadOnlyDictionary<string, string>? env = null, string? cwd = null)
    {
        using var g = DynamicLoader.Load(new LoadRequest
        {
            Program = file, Trace = true, Root = root ?? RootedFileSystem.Host,
            Environment = env ?? new Dictionary<string, string>(), WorkingDirectory = cwd ?? "/",
        });
        return TreeRenderer.Flat(g);
    }

    /// <summary>Dynamic x86_64 objects the host loader would load: chosen from scanelf's view, not ours.</summary>
    private static bool IsCandidate(CorpusFile f) =>
        f.Machine == "EM_X86_64" && f.Class == "ELFCLASS64" && f.Type is "ET_DYN" or "ET_EXEC" && f.Needed.Count > 0 && f.Interpreter is null or HostLoader;

    /// <summary>
    /// Any root: every shared library of Debian's aarch64 and i686 cross roots, resolved with <c>--root</c> on this
    /// x86_64 machine, against the real foreign loader under qemu (<c>qemu-ARCH -L ROOT -E LD_TRACE_LOADED_OBJECTS=1
    /// /lib/ld.so --inhibit-cache LIB</c>: qemu would otherwise read the host's /etc/ld.so.cache, which lies outside the root).
    /// </summary>
    [Theory]
    [InlineData("qemu-aarch64", ScenarioTests.ArmRoot, "/lib/ld-linux-aarch64.so.1")]
    [InlineData("qemu-i386", ScenarioTests.I386Root, "/lib/ld-linux.so.2")]
    public void TreeFlatEqualsTheRealLoaderInForeignRoots(string qemu, string rootDir, string loader)
    {
        var root = new RootedFileSystem(rootDir);
        // The libraries with NEEDED entries, as scanelf (not LinkDoctor) sees them.
        var libs = Tool.Run("scanelf", ["-B", "-F", "%n;%F", .. Directory.EnumerateFiles(Path.Combine(rootDir, "lib"), "*.so*")
                .Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint))]).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(';', 2)).Where(p => p.Length == 2 && p[0].Length > 0)
            .Select(p => p[1]).Order(StringComparer.Ordinal).ToList();
        Assert.True(libs.Count >= 10, $"{libs.Count} libraries in {rootDir}");
        int agree = 0;
        var mismatches = new List<string>();
        foreach (var lib in libs)
        {
            string inRoot = "/lib/" + Path.GetFileName(lib);
            string real = ScenarioTests.ForeignTrace(qemu, rootDir, loader, inRoot);
            string ours = OurTrace(lib, root);
            if (real == ours) agree++;
            else mismatches.Add($"{lib}:\n--- real\n{real}--- linkdoctor\n{ours}");
        }
        output.WriteLine($"{rootDir}: {agree} of {libs.Count} libraries give the real loader's exact list");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(5)));
    }

    [Fact]
    public void TreeFlatEqualsTheRealLoaderForEveryDynamicObjectUnderUsr()
    {
        var files = Corpus.All.Where(IsCandidate).Select(f => f.Path).ToList();
        Assert.True(files.Count > 1000, $"expected thousands of dynamic x86_64 objects, found {files.Count}");
        var mismatches = new System.Collections.Concurrent.ConcurrentBag<string>();
        int agree = 0;
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, f =>
        {
            string real = RealTrace(f);
            string ours;
            try { ours = OurTrace(f); }
            catch (Exception e) { mismatches.Add($"{f}: linkdoctor failed: {e.GetType().Name}: {e.Message}"); return; }
            if (real == ours) Interlocked.Increment(ref agree);
            else mismatches.Add($"{f}:\n--- real\n{real}--- linkdoctor\n{ours}");
        });
        output.WriteLine($"loader ground truth: {agree} of {files.Count} dynamic objects give the real loader's exact list");
        foreach (var m in mismatches.Take(30)) output.WriteLine(m);
        Assert.True(mismatches.IsEmpty, $"{mismatches.Count} of {files.Count} differ; first:\n" + string.Join("\n", mismatches.Take(5)));
    }
}
