using System.Security.Cryptography;
using System.Text;

namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>
/// Binaries built at test time by real toolchains, cached by the hash of their recipe (sources + build script),
/// so a warm run reuses them. The cache lives in $LINKDOCTOR_FIXTURES or ~/.cache/linkdoctor/fixtures.
/// A recipe writes its outputs into $OUT; it runs with the sources in the current directory.
/// </summary>
public static class Fixtures
{
    public static string CacheRoot { get; } = Environment.GetEnvironmentVariable("LINKDOCTOR_FIXTURES")
        ?? Path.Combine(Environment.GetEnvironmentVariable("HOME") ?? Path.GetTempPath(), ".cache", "linkdoctor", "fixtures");

    private static readonly Dictionary<string, Lazy<string>> Built = new();

    /// <summary>Builds (or reuses) the recipe and returns its output directory.</summary>
    public static string Build(string name, string script, params (string File, string Content)[] sources)
    {
        var sb = new StringBuilder(script);
        foreach (var (f, c) in sources.OrderBy(s => s.File, StringComparer.Ordinal)) sb.Append('\0').Append(f).Append('\0').Append(c);
        string hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())))[..16];
        string dir = Path.Combine(CacheRoot, $"{name}-{hash}");
        Lazy<string> lazy;
        lock (Built)
        {
            if (!Built.TryGetValue(dir, out lazy!))
                Built[dir] = lazy = new Lazy<string>(() => BuildNow(dir, script, sources));
        }
        return lazy.Value;
    }

    /// <summary>Builds in place (outputs keep their final absolute paths), under a lock file shared with other test processes.</summary>
    private static string BuildNow(string dir, string script, (string File, string Content)[] sources)
    {
        string outDir = Path.Combine(dir, "out");
        string done = Path.Combine(dir, ".done");
        if (File.Exists(done)) return outDir;
        Directory.CreateDirectory(CacheRoot);
        using var lockFile = AcquireLock(dir + ".lock");
        if (File.Exists(done)) return outDir;
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.CreateDirectory(Path.Combine(dir, "src"));
        Directory.CreateDirectory(outDir);
        foreach (var (f, c) in sources)
        {
            string p = Path.Combine(dir, "src", f);
            Directory.CreateDirectory(Path.GetDirectoryName(p)!);
            File.WriteAllText(p, c);
        }
        Tool.Sh(script, Path.Combine(dir, "src"), new Dictionary<string, string?> { ["OUT"] = outDir });
        File.WriteAllText(done, "");
        return outDir;
    }

    private static FileStream AcquireLock(string path)
    {
        for (int i = 0; ; i++)
        {
            try { return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
            catch (IOException) when (i < 6000) { Thread.Sleep(100); }
        }
    }
}
