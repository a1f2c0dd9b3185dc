using System.Collections.Concurrent;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Rewriting;
using Xunit.Abstractions;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>patch</c> against Debian's patchelf 0.14.3, one operation at a time, over real programs from /usr/bin and
/// libraries from /usr/lib (copies): the result's dynamic section, interpreter and version-needs names (readelf)
/// must be patchelf's; the result's <c>tree --flat</c> must be the real loader's trace of it; and programs that
/// are safe to run must still print their <c>--version</c> as before.
/// </summary>
public sealed class PatchDifferentialTests(ITestOutputHelper output)
{
    /// <summary>One operation, how patchelf 0.14.3 spells it for a given file, and which files it applies to.</summary>
    public sealed record DiffOp(string Name, Func<ElfSummary, bool> Applies, Func<ElfSummary, PatchOperations> Ours, Func<ElfSummary, string[]> Patchelf);

    private const string HostLibc = "/lib/x86_64-linux-gnu/libc.so.6";
    private const string LongInterp = "/lib/x86_64-linux-gnu/../../lib64/ld-linux-x86-64.so.2";

    private static bool RPathOnly(ElfSummary s) => s.RPath is not null && s.RunPath is null;

    public static readonly DiffOp[] Ops =
    [
        // --set-rpath writes DT_RPATH: patchelf needs --force-rpath for that.
        new("set-rpath", s => s.IsDynamic, _ => new() { SetRPath = "/opt/linkdoctor/lib" }, _ => ["--force-rpath", "--set-rpath", "/opt/linkdoctor/lib"]),
        new("set-rpath-long", s => s.IsDynamic, _ => new() { SetRPath = PatchHarness.LongPath }, _ => ["--force-rpath", "--set-rpath", PatchHarness.LongPath]),
        new("set-runpath-long", s => s.IsDynamic, _ => new() { SetRunPath = PatchHarness.LongPath }, _ => ["--set-rpath", PatchHarness.LongPath]),
        // --add-rpath keeps the tag in effect (patchelf turns a lone DT_RPATH into DT_RUNPATH unless forced).
        new("add-rpath", s => s.IsDynamic, _ => new() { AddRPath = ["/opt/linkdoctor/added"] },
            s => RPathOnly(s) ? ["--force-rpath", "--add-rpath", "/opt/linkdoctor/added"] : ["--add-rpath", "/opt/linkdoctor/added"]),
        new("remove-rpath", s => s.RPath is not null || s.RunPath is not null, _ => new() { RemoveRPath = true }, _ => ["--remove-rpath"]),
        new("shrink-rpath", s => s.RPath is not null ^ s.RunPath is not null, _ => new() { ShrinkRPath = true },
            s => RPathOnly(s) ? ["--force-rpath", "--shrink-rpath"] : ["--shrink-rpath"]),
        new("runpath-to-rpath", s => s.RunPath is not null && s.RPath is null, _ => new() { RunPathToRPath = true }, s => ["--force-rpath", "--set-rpath", s.RunPath!]),
        new("set-interpreter", s => s.Interpreter is not null, _ => new() { SetInterpreter = LongInterp }, _ => ["--set-interpreter", LongInterp]),
        new("set-soname", s => s.Type == ET_DYN && s.Interpreter is null, _ => new() { SetSoname = "libpatched-by-linkdoctor.so.9" }, _ => ["--set-soname", "libpatched-by-linkdoctor.so.9"]),
        new("add-needed", s => s.IsDynamic && !s.Needed.Contains("libz.so.1"), _ => new() { AddNeeded = ["libz.so.1"] }, _ => ["--add-needed", "libz.so.1"]),
        // A library without version needs (with them, glibc would abort; patch refuses that, see PatchSafetyTests).
        new("remove-needed", s => s.Needed.Any(n => !s.VerneedFiles.Contains(n)),
            s => new() { RemoveNeeded = [s.Needed.Last(n => !s.VerneedFiles.Contains(n))] },
            s => ["--remove-needed", s.Needed.Last(n => !s.VerneedFiles.Contains(n))]),
        // An absolute name for libc: glibc loads it directly and its version needs must follow (vn_file).
        new("replace-needed", s => s.Needed.Contains("libc.so.6"), _ => new() { ReplaceNeeded = [("libc.so.6", HostLibc)] }, _ => ["--replace-needed", "libc.so.6", HostLibc]),
    ];

    /// <summary>Programs whose --version prints and exits, touching nothing.</summary>
    private static readonly HashSet<string> SafeToRun =
    [
        "ls", "cat", "cp", "mv", "date", "du", "df", "head", "tail", "sort", "uniq", "wc", "tr", "cut", "paste", "join", "od", "base64", "md5sum",
        "sha256sum", "stat", "touch", "mkdir", "rmdir", "ln", "readlink", "realpath", "basename", "dirname", "env", "id", "uname", "tee", "seq",
        "printf", "expr", "factor", "numfmt", "split", "csplit", "tac", "nl", "fold", "fmt", "pr", "comm", "cksum", "sum", "shuf", "dd", "install",
        "chmod", "chown", "sync", "nproc", "pathchk", "pinky", "runcon", "stdbuf", "timeout", "truncate", "tsort", "unexpand", "expand", "who",
        "whoami", "yes", "b2sum", "sha1sum", "sha512sum", "ptx", "dircolors", "mktemp", "grep", "sed", "gzip", "tar", "find", "xargs", "diff",
        "cmp", "readelf", "objdump", "nm", "strip", "objcopy", "size", "strings", "patchelf", "make", "gawk", "bash", "dash", "file", "less",
        "xz", "bzip2", "zstd", "gpgv", "curl", "wget", "python3.11", "perl", "git", "ld.bfd", "as", "addr2line", "c++filt", "elfedit", "gprof",
    ];

    private static List<ElfSummary>? _corpus;
    private static List<ElfSummary> Corpus() => _corpus ??= PatchHarness.HostCorpus(programs: 130, libraries: 100, SafeToRun);

    public static IEnumerable<object[]> OpNames() => Ops.Select(o => new object[] { o.Name });

    [Theory]
    [MemberData(nameof(OpNames))]
    public void AgreesWithPatchelfOnHostFiles(string opName)
    {
        var op = Ops.Single(o => o.Name == opName);
        var files = Corpus().Where(op.Applies).ToList();
        Assert.True(files.Count >= (opName is "runpath-to-rpath" or "shrink-rpath" or "remove-rpath" ? 5 : 60),
            $"{opName}: only {files.Count} files apply");
        string dir = PatchHarness.NewScratch("diff-" + opName);
        try
        {
            var problems = new ConcurrentBag<string>();
            var pairs = new ConcurrentBag<(ElfSummary Src, string Ours, string Theirs)>();
            var layouts = new ConcurrentDictionary<string, int>();
            Parallel.ForEach(files.Select((f, i) => (f, i)), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, x =>
            {
                var (s, i) = x;
                // Each copy keeps its name (programs print it) in a directory of its own.
                string ours = Path.Combine(dir, "ours", $"{i:d3}", Path.GetFileName(s.Path)), theirs = Path.Combine(dir, "theirs", $"{i:d3}", Path.GetFileName(s.Path));
                Directory.CreateDirectory(Path.GetDirectoryName(ours)!);
                Directory.CreateDirectory(Path.GetDirectoryName(theirs)!);
                PatchHarness.Copy(s.Path, ours);
                PatchHarness.Copy(s.Path, theirs);
                var pe = PatchHarness.Patchelf(theirs, op.Patchelf(s));
                var r = PatchHarness.Ours(ours, op.Ours(s), allowUnresolved: true, sync: false);
                if (pe.ExitCode != 0) { problems.Add($"{s.Path}: patchelf failed: {pe.Stderr.Trim()}"); return; }
                if (r.Error is not null) { problems.Add($"{s.Path}: linkdoctor failed: {r.Error}"); return; }
                foreach (var l in r.Layout) layouts.AddOrUpdate(Kind(l), 1, (_, n) => n + 1);
                pairs.Add((s, ours, theirs));
            });
            var facts = PatchHarness.ReadelfFacts([.. pairs.SelectMany(p => new[] { p.Ours, p.Theirs })]);
            int agree = 0, traced = 0, ran = 0;
            foreach (var (s, ours, theirs) in pairs)
            {
                var a = facts.GetValueOrDefault(ours) ?? [];
                var b = facts.GetValueOrDefault(theirs) ?? [];
                if (a.SequenceEqual(b)) agree++;
                else problems.Add($"{s.Path}: readelf differs\n--- linkdoctor\n{string.Join("\n", a.Except(b))}\n--- patchelf\n{string.Join("\n", b.Except(a))}");
            }
            // The loader's own view of every result, and the programs that are safe to run.
            Parallel.ForEach(pairs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, p =>
            {
                // A program is traced as the kernel starts it (its PT_INTERP loads it); ld.so PROG would name the
                // loader by its own path when a patched PT_INTERP spells it differently.
                string real = p.Src.Interpreter is null ? PatchHarness.RealTrace(p.Ours) : LoaderGroundTruthTests.RealTrace(p.Ours, loader: null);
                string mine = PatchHarness.OurTrace(p.Ours);
                if (real != mine) problems.Add($"{p.Src.Path}: tree --flat of the result differs from the real loader\n--- real\n{real}--- linkdoctor\n{mine}");
                else Interlocked.Increment(ref traced);
                if (p.Src.Type == ET_DYN && p.Src.Interpreter is null || !SafeToRun.Contains(Path.GetFileName(p.Src.Path)) || opName == "remove-needed") return;
                var before = Tool.Run(p.Src.Path, ["--version"], timeoutMs: 10_000);
                var after = PatchHarness.Run(p.Ours, ["--version"], timeoutMs: 10_000);
                if (after.ExitCode != before.ExitCode || after.Stdout.Replace(p.Ours, "PROG") != before.Stdout.Replace(p.Src.Path, "PROG"))
                    problems.Add($"{p.Src.Path}: --version of the result: exit {after.ExitCode}, stderr {after.Stderr.Trim()}");
                else Interlocked.Increment(ref ran);
            });
            output.WriteLine($"{opName}: {files.Count} files; readelf agrees with patchelf on {agree}; tree --flat equals the real loader on {traced}; {ran} programs still run");
            foreach (var (k, n) in layouts.OrderBy(k => k.Key)) output.WriteLine($"  layout: {k}: {n}");
            foreach (var p in problems.Take(20)) output.WriteLine(p);
            Assert.True(problems.IsEmpty, $"{problems.Count} problems; first:\n{string.Join("\n", problems.Take(3))}");
            Assert.True(ran > 0 || opName == "remove-needed" || files.All(f => !SafeToRun.Contains(Path.GetFileName(f.Path))), "no program was run");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The kind of a layout line, without offsets, for the summary.</summary>
    private static string Kind(string line) => System.Text.RegularExpressions.Regex.Replace(line, @"\(.*?\)|0x[0-9a-f]+|\d+", "").Trim();
}
