using System.Text.Json;
using System.Text.RegularExpressions;
using LinkDoctor.Formats;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>linkdoctor go</c> against the real <c>go version -m</c> (Debian's go1.19): every Go binary on this machine,
/// every fixture, and Go binaries from npm built by newer and older Go releases; byte for byte, stdout and stderr,
/// and the exit status.
/// </summary>
public sealed class GoVersionTests(ITestOutputHelper output)
{
    private static readonly string[] MachineDirs = [.. new[] { "/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec", "/usr/local", "/opt" }.Where(Directory.Exists)];

    /// <summary>Formats a registered reader can open; files of other formats give a linkdoctor line and are left out of the comparison.</summary>
    private static readonly HashSet<BinaryFormat> Readable = [.. BinaryFile.Readers.Select(r => r.Format)];

    /// <summary>
    /// Runs both tools on the same operands. Files our build cannot read (Mach-O, PE until their readers are
    /// registered) are named on our stderr with "linkdoctor:" and dropped from go's output before comparing.
    /// </summary>
    private (int Compared, int Skipped) Compare(string[] args, bool modules = true, string? cwd = null)
    {
        var go = Tool.Run("go", ["version", .. modules ? new[] { "-m" } : [], .. args], workingDirectory: cwd);
        var ours = Tool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"), "go", .. modules ? Array.Empty<string>() : ["--short"], .. args], workingDirectory: cwd);
        var skipped = ours.Stderr.Split('\n').Where(l => l.StartsWith("linkdoctor: ", StringComparison.Ordinal))
            .Select(l => l["linkdoctor: ".Length..]).Select(l => l[..l.LastIndexOf(": ", StringComparison.Ordinal)]).ToHashSet();
        foreach (var s in skipped)
        {
            // Only formats without a reader may be skipped.
            string file = Path.IsPathRooted(s) || cwd is null ? s : Path.Combine(cwd, s);
            var head = new byte[64];
            using (var fs = File.OpenRead(file)) head = head[..fs.Read(head)];
            var reader = BinaryFile.Identify(head);
            Assert.True(reader is null || !Readable.Contains(reader.Format), $"{s} was skipped although its format is readable");
        }
        string goOut = DropFiles(go.Stdout, skipped), goErr = DropLines(go.Stderr, skipped);
        string ourErr = string.Join("", ours.Stderr.Split('\n').Where(l => !l.StartsWith("linkdoctor: ", StringComparison.Ordinal)).Select(l => l + "\n"))[..^1];
        Assert.Equal(goOut, ours.Stdout);
        Assert.Equal(goErr, ourErr);
        if (skipped.Count == 0) Assert.Equal(go.ExitCode, ours.ExitCode);
        else Assert.Equal(2, ours.ExitCode);
        // Files printed: lines that start with an operand (a damaged version string may itself hold newlines).
        int n = ours.Stdout.Split('\n').Count(l => l.Length > 0 && l[0] != '\t' && args.Any(a => l.StartsWith(a == "." ? "" : a, StringComparison.Ordinal) && l.Contains(": ")));
        return (n, skipped.Count);
    }

    private static string DropFiles(string stdout, HashSet<string> files)
    {
        if (files.Count == 0) return stdout;
        var kept = new List<string>();
        bool skipping = false;
        foreach (var line in stdout.Split('\n'))
        {
            if (line.Length == 0) skipping = false; // the end of the output
            else if (line[0] != '\t') skipping = files.Any(f => line.StartsWith(f + ": ", StringComparison.Ordinal));
            if (!skipping) kept.Add(line);
        }
        return string.Join('\n', kept);
    }

    private static string DropLines(string stderr, HashSet<string> files) =>
        files.Count == 0 ? stderr : string.Join('\n', stderr.Split('\n').Where(l => !files.Any(f => l.StartsWith(f + ": ", StringComparison.Ordinal))));

    [Fact]
    public void EveryGoBinaryOnTheMachine()
    {
        var (n, skipped) = Compare(MachineDirs);
        output.WriteLine($"go version -m over {string.Join(' ', MachineDirs)}: {n} Go binaries identical ({skipped} files of unread formats)");
        Assert.True(n >= 20, $"only {n} Go binaries found (Debian's go1.19 alone has more)");
        Compare(["/usr/lib/go-1.19"], modules: false);
    }

    [Fact]
    public void EveryFixture()
    {
        var dirs = GoFixtures.All();
        var (n, skipped) = Compare(dirs);
        int m = 0, s = 0;
        foreach (var dir in dirs)
        {
            // Operands named one by one: non-executable plugins and archives, the header, directories, missing files.
            var names = Directory.GetFiles(dir).Order(StringComparer.Ordinal).Select(Path.GetFileName).ToArray();
            m += Compare([.. names!, "nope", "libcs.h/x", "."], cwd: dir).Compared;
            s += Compare([.. names!], modules: false, cwd: dir).Compared;
        }
        output.WriteLine($"fixtures: {n} Go binaries in the directory walk, {m} named one by one (and \".\"), identical to go version -m ({skipped} of unread formats); --short: {s}");
        Assert.True(n >= 15);
    }

    [Fact]
    public void GoBinariesFromNpm()
    {
        string dir = GoFixtures.Npm();
        var (n, skipped) = Compare([dir]);
        var files = Directory.GetFiles(dir, "*", SearchOption.AllDirectories).Where(f => f.Contains("/bin/") || f.EndsWith(".exe")).Order(StringComparer.Ordinal).ToArray();
        var (m, _) = Compare(files);
        output.WriteLine($"npm: {n} Go binaries with build info in the walk, {m} named one by one ({files.Length} files, {skipped} of unread formats), identical to go version -m");
        Assert.True(n >= 6);
    }

    /// <summary>
    /// Build info damaged in every way a file can be (each header byte, the varint lengths, truncation):
    /// the same output as go1.19 for each copy, never a crash or a hang.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void DamagedBuildInfoAgainstGo()
    {
        string src = Path.Combine(GoFixtures.Modes(), "pure");
        string npm = GoFixtures.Npm();
        string old = Directory.GetFiles(npm, "esbuild", SearchOption.AllDirectories).First(f => f.Contains("esbuild-linux-32-0.13.15"));
        string dir = Path.Combine(Path.GetTempPath(), "ld-go-damage-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            var rng = new Random(1234);
            int made = 0;
            foreach (var original in new[] { src, old })
            {
                byte[] bytes = File.ReadAllBytes(original);
                int at = FindMagic(bytes);
                Assert.True(at > 0);
                void Write(string name, byte[] b)
                {
                    string p = Path.Combine(dir, $"{made++:D3}-{name}");
                    File.WriteAllBytes(p, b);
                    File.SetUnixFileMode(p, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
                for (int i = 0; i < 48; i++)
                {
                    var b = (byte[])bytes.Clone();
                    b[at + i] = (byte)rng.Next(256);
                    Write($"poke{i}", b);
                    var c = (byte[])bytes.Clone();
                    c[at + i] ^= 0x80;
                    Write($"flip{i}", c);
                }
                foreach (int cut in new[] { at + 8, at + 20, at + 33, at + 40, bytes.Length / 2, 64, 15 })
                    Write($"cut{cut}", bytes[..cut]);
                var shifted = (byte[])bytes.Clone();
                Array.Copy(bytes, at, shifted, at + 48, 32); // a copy of the header at a misaligned place further on
                shifted[at] = 0;
                Write("moved", shifted);
            }
            var (n, _) = Compare([dir]);
            output.WriteLine($"{made} damaged copies: identical to go1.19 ({n} still read as Go binaries)");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    internal static int FindMagic(byte[] b)
    {
        byte[] magic = [0xff, .. " Go buildinf:"u8];
        for (int i = 0; i + magic.Length <= b.Length; i += 16)
            if (b.AsSpan(i, magic.Length).SequenceEqual(magic)) return i;
        return -1;
    }

    /// <summary>
    /// Build info removed (the magic zeroed, as release scripts do): <c>go version</c> gives up; LinkDoctor recovers
    /// runtime.buildVersion through the pclntab and moduledata (or the symbol table) and says so. The expected
    /// version is what <c>go version</c> printed for the intact file.
    /// </summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void RecoveredVersionWithoutBuildInfo()
    {
        string modes = GoFixtures.Modes(), cross = GoFixtures.Cross(), plugins = GoFixtures.Plugins();
        string dir = Path.Combine(Path.GetTempPath(), "ld-go-zeroed-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            var names = new[] { "pure", "pure-stripped", "pure-pie", "netuser", "netuser-stripped", "netuser-pie", "netuser-static", "cross-linux-arm64", "cross-linux-386", "cross-linux-s390x", "cross-linux-mips", "cross-linux-ppc64le", "host",
                "cross-darwin-arm64", "cross-darwin-amd64", "cross-darwin-arm64-stripped", "cross-windows-amd64.exe", "cross-windows-386.exe", "cross-windows-amd64-stripped.exe" };
            var copies = new List<(string Copy, string Expected)>();
            foreach (var name in names)
            {
                string original = Path.Combine(name.StartsWith("cross") ? cross : name == "host" ? plugins : modes, name);
                string expected = Tool.Run("go", ["version", original]).Stdout.Trim().Split(": ")[1];
                byte[] b = File.ReadAllBytes(original);
                int at = FindMagic(b);
                Array.Clear(b, at, 14);
                string copy = Path.Combine(dir, name);
                File.WriteAllBytes(copy, b);
                File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                Assert.Contains("not a Go executable", Tool.Run("go", ["version", copy]).Stderr);
                copies.Add((copy, expected));
            }
            var reports = GoJson(copies.Select(c => c.Copy).ToArray());
            foreach (var (copy, expected) in copies)
            {
                var r = reports.Single(x => x.GetProperty("path").GetString() == copy);
                Assert.True(r.GetProperty("versionRecovered").GetBoolean(), copy);
                Assert.Equal(expected, r.GetProperty("goVersion").GetString());
                string source = r.GetProperty("goVersionSource").GetString()!;
                Assert.StartsWith("runtime.buildVersion", source);
                output.WriteLine($"{Path.GetFileName(copy)}: {expected} recovered from {source}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// esbuild's release strips the build info (and the symbol tables): the version recovered through moduledata equals
    /// the one a plain byte scan finds, on ELF (three architectures), Mach-O and PE.
    /// </summary>
    [Fact]
    public void RecoveredVersionOfNpmBinariesWithoutBuildInfo()
    {
        var files = Directory.GetFiles(GoFixtures.Npm(), "esbuild*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) is "esbuild" or "esbuild.exe")
            .Where(f => f.Contains("@esbuild") || f.Contains("esbuild-linux-x64-0.28") || f.Contains("esbuild-linux-ia32") || f.Contains("esbuild-linux-s390x-0.28")
                || f.Contains("esbuild-darwin-arm64-0.28") || f.Contains("esbuild-win32-x64-0.28")).ToArray();
        Assert.NotEmpty(files);
        var reports = GoJson(files);
        int n = 0;
        foreach (var f in files)
        {
            var r = reports.Single(x => x.GetProperty("path").GetString() == f);
            Assert.Contains("not a Go executable", Tool.Run("go", ["version", f]).Stderr);
            // Independent truth: the first "go1.N.M" string in the file (the only Go version string esbuild carries).
            var m = Regex.Match(File.ReadAllText(f, System.Text.Encoding.Latin1), @"go1\.\d+(\.\d+)?");
            Assert.True(m.Success);
            Assert.Equal(m.Value, r.GetProperty("goVersion").GetString());
            Assert.Equal("runtime.buildVersion via moduledata", r.GetProperty("goVersionSource").GetString());
            n++;
            output.WriteLine($"{f}: {m.Value} via moduledata");
        }
        Assert.True(n >= 5, $"{n} esbuild binaries (ELF, Mach-O, PE)");
    }

    internal static List<JsonElement> GoJson(params string[] args)
    {
        var r = Tool.LinkDoctor(["go", "--json", .. args]);
        Assert.True(r.ExitCode is 0 or 1, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        return [.. doc.RootElement.EnumerateArray().Select(e => e.Clone())];
    }
}
