using System.Text.RegularExpressions;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Rewriting;

namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>What the patch tests need to know about a file before choosing the edits that apply to it.</summary>
public sealed record ElfSummary(string Path, ushort Type, ushort Machine, string? Interpreter, List<string> Needed, string? RPath, string? RunPath,
    string? SoName, List<string> VerneedFiles, bool HasSections)
{
    public static ElfSummary? Read(string path)
    {
        try
        {
            using var image = BinaryImage.Open(path);
            var elf = ElfFile.Open(image);
            var d = elf.Dynamic;
            return new ElfSummary(path, elf.Header.Type, elf.Header.Machine, elf.Interpreter, [.. d?.Needed ?? []], d?.RPath, d?.RunPath, d?.SoName,
                [.. elf.Versions.Needs.Select(n => n.File)], elf.Header.ShOff != 0);
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { return null; }
    }

    public bool IsDynamic => Needed.Count > 0;
}

/// <summary>Helpers shared by the patch tests: a scratch directory, our patch (in process), patchelf, readelf.</summary>
public static class PatchHarness
{
    /// <summary>A path with 40 components (560 bytes): far longer than any RPATH in the input, and no component longer than NAME_MAX.</summary>
    public static readonly string LongPath = string.Concat(Enumerable.Range(1, 40).Select(i => $"/linkdoctor{i:d2}"));

    public static string NewScratch(string tag)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"linkdoctor-{tag}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static PatchResult Ours(string file, PatchOperations ops, string? output = null, RootedFileSystem? root = null, bool allowUnresolved = false,
        IReadOnlyDictionary<string, string>? env = null, bool sync = true, bool dryRun = false) =>
        ElfPatcher.Patch(new PatchRequest
        {
            File = file, Operations = ops, Output = output, Root = root, AllowUnresolved = allowUnresolved, Sync = sync, DryRun = dryRun,
            Loader = new Loaders.LoadRequest { Program = file, Root = root ?? RootedFileSystem.Host, Environment = env ?? new Dictionary<string, string>() },
        });

    public static ToolResult Patchelf(string file, params string[] args) => Tool.Run("patchelf", [.. args, file], timeoutMs: 60_000);

    /// <summary>
    /// Tool.Run, retried on ETXTBSY: a file another test thread just wrote can still be open for writing in a child
    /// forked before it closed its descriptor (until that child execs).
    /// </summary>
    public static ToolResult Run(string file, IEnumerable<string> args, IDictionary<string, string?>? env = null, string? workingDirectory = null, int timeoutMs = 60_000)
    {
        for (int attempt = 0; ; attempt++)
        {
            try { return Tool.Run(file, args, env, workingDirectory, timeoutMs); }
            catch (System.ComponentModel.Win32Exception e) when (attempt < 20 && e.NativeErrorCode == 26) { Thread.Sleep(50); }
        }
    }

    private static readonly Regex DynLine = new(@"^\s*0x[0-9a-f]+ \(([A-Za-z0-9_]+)\)\s+(.*)$", RegexOptions.Compiled);
    private static readonly HashSet<string> AddressTags = ["STRTAB", "STRSZ", "GNU_HASH", "HASH", "SYMTAB", "VERSYM", "VERNEED", "VERDEF"];

    /// <summary>
    /// readelf -dW of each file, entry by entry, with the addresses of tables a patch may move (DT_STRTAB, DT_STRSZ,
    /// the hash and symbol tables, the version tables) replaced by '*'; plus the interpreter and the version-needs
    /// file names from readelf -lW -V.
    /// </summary>
    public static Dictionary<string, List<string>> ReadelfFacts(IReadOnlyList<string> files)
    {
        var result = new Dictionary<string, List<string>>();
        foreach (var batch in files.Chunk(200))
        {
            var r = Tool.Run("readelf", ["-dlVW", .. batch]);
            string? current = batch.Length == 1 ? batch[0] : null;
            List<string>? lines = current is null ? null : result[current] = [];
            foreach (var raw in r.Stdout.Split('\n'))
            {
                if (raw.StartsWith("File: ", StringComparison.Ordinal))
                {
                    current = raw[6..].Trim();
                    lines = result[current] = [];
                    continue;
                }
                if (lines is null) continue;
                var m = DynLine.Match(raw);
                if (m.Success)
                {
                    string tag = m.Groups[1].Value;
                    lines.Add($"dyn {tag} {(AddressTags.Contains(tag) ? "*" : m.Groups[2].Value.Trim())}");
                    continue;
                }
                int ri = raw.IndexOf("[Requesting program interpreter: ", StringComparison.Ordinal);
                if (ri >= 0) { lines.Add("interp " + raw[(ri + 33)..].TrimEnd(']', ' ')); continue; }
                int fi = raw.IndexOf("  File: ", StringComparison.Ordinal);
                if (fi >= 0 && raw.Contains("Cnt:", StringComparison.Ordinal))
                    lines.Add("verneed " + raw[(fi + 8)..raw.IndexOf("  Cnt:", StringComparison.Ordinal)]);
                if (raw.Contains("GNU_STACK", StringComparison.Ordinal)) lines.Add("stack " + raw.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[^2]);
            }
        }
        // Dynamic entries keep their order; the other facts are compared as sets (program header order is the tool's choice).
        foreach (var k in result.Keys.ToList())
            result[k] = [.. result[k].Where(l => l.StartsWith("dyn ", StringComparison.Ordinal)), .. result[k].Where(l => !l.StartsWith("dyn ", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        return result;
    }

    /// <summary>The real loader's list for a host x86_64 file (ld.so in trace mode, as ldd runs it).</summary>
    public static string RealTrace(string file) => LoaderGroundTruthTests.RealTrace(file);

    public static string OurTrace(string file, RootedFileSystem? root = null) => LoaderGroundTruthTests.OurTrace(file, root);

    public static void Copy(string from, string to)
    {
        File.Copy(from, to, overwrite: true);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(to, File.GetUnixFileMode(from) | UnixFileMode.UserWrite);
    }

    /// <summary>
    /// Host ELF files: dynamically linked x86_64 programs from /usr/bin (the <paramref name="runnable"/> ones first, then
    /// every k-th other in name order) and libraries from /usr/lib, all under 3 MB so the copies stay cheap.
    /// </summary>
    public static List<ElfSummary> HostCorpus(int programs, int libraries, IReadOnlySet<string>? runnable = null)
    {
        static List<ElfSummary> Read(IEnumerable<string> candidates, Func<ElfSummary, bool> ok) =>
            [.. candidates.Where(f => !new FileInfo(f).Attributes.HasFlag(FileAttributes.ReparsePoint) && new FileInfo(f).Length < 3_000_000)
                .Order(StringComparer.Ordinal).Select(ElfSummary.Read).OfType<ElfSummary>().Where(ok)];
        static IEnumerable<ElfSummary> Every(List<ElfSummary> all, int n)
        {
            int step = Math.Max(1, all.Count / Math.Max(n, 1));
            return all.Where((_, i) => i % step == 0).Take(n);
        }
        var progs = Read(Directory.EnumerateFiles("/usr/bin"),
            s => s.Machine == ElfNative.EM_X86_64 && s.IsDynamic && s.Interpreter == LoaderGroundTruthTests.HostLoader && s.HasSections);
        var first = progs.Where(p => runnable?.Contains(Path.GetFileName(p.Path)) == true).Take(programs / 2).ToList();
        var rest = progs.Except(first).ToList();
        var libs = Read(Directory.EnumerateFiles("/usr/lib/x86_64-linux-gnu", "*.so*"),
            s => s.Machine == ElfNative.EM_X86_64 && s.IsDynamic && s.Type == ElfNative.ET_DYN && s.Interpreter is null && s.HasSections);
        return [.. first, .. Every(rest, programs - first.Count), .. Every(libs, libraries)];
    }
}
