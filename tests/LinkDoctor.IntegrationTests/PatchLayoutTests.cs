using System.Collections.Concurrent;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Rewriting;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Edits that do not fit in place (an RPATH far longer than the old one, an added NEEDED, a longer interpreter, a
/// renamed library) on PIE and non-PIE programs and on the shared library, for x86_64 (GNU ld and lld layouts),
/// musl, aarch64, i386 and big-endian s390x (built at test time): each result runs and prints what the original
/// printed (natively or under qemu -L), its dynamic section is patchelf's, its loader trace is the real loader's,
/// and after <c>strip</c> it still runs.
/// </summary>
public sealed class PatchLayoutTests(ITestOutputHelper output)
{
    /// <summary>An edit; <see cref="Patchelf"/> is one patchelf call per operation (0.14.3 corrupts strings when one call grows .dynstr twice).</summary>
    private sealed record Edit(string Name, Func<string, PatchOperations> Ours, Func<string, string[][]> Patchelf, bool ChangesInterp = false);

    private static string Longer(string interp) => Path.GetDirectoryName(interp) + "/./" + Path.GetFileName(interp);
    private static readonly string RPath = "$ORIGIN/../lib:" + PatchHarness.LongPath;

    private static readonly Edit[] ProgramEdits =
    [
        new("rpath-long", _ => new() { SetRPath = RPath }, _ => [["--force-rpath", "--set-rpath", RPath]]),
        new("runpath-long", _ => new() { SetRunPath = RPath }, _ => [["--set-rpath", RPath]]),
        new("add-needed", _ => new() { AddNeeded = ["libdl.so.2"] }, _ => [["--add-needed", "libdl.so.2"]]),
        new("interp-long", i => new() { SetInterpreter = Longer(i) }, i => [["--set-interpreter", Longer(i)]], ChangesInterp: true),
        new("all", i => new()
        {
            SetInterpreter = Longer(i), SetRunPath = RPath, AddNeeded = ["libdl.so.2"], ReplaceNeeded = [("libfoo.so.1", "libfoo-renamed.so.1")],
        }, i => [["--set-interpreter", Longer(i)], ["--set-rpath", RPath], ["--replace-needed", "libfoo.so.1", "libfoo-renamed.so.1"], ["--add-needed", "libdl.so.2"]],
            ChangesInterp: true),
    ];

    public static IEnumerable<object[]> TargetTags() => PatchFixtures.Targets.Where(t => !t.Tag.Contains("stack")).Select(t => new object[] { t.Tag });

    [Theory]
    [MemberData(nameof(TargetTags))]
    public void GrownProgramsAndLibrariesRunAgreeWithPatchelfAndSurviveStrip(string tag)
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == tag);
        string scratch = PatchHarness.NewScratch("layout-" + tag);
        try
        {
            var problems = new ConcurrentBag<string>();
            var layouts = new ConcurrentBag<string>();
            int checkedRuns = 0;
            var cases = new List<(string Program, Edit? Edit, bool Library)>();
            foreach (var prog in new[] { "main-pie", "main-nopie" })
            {
                foreach (var e in ProgramEdits) cases.Add((prog, e, false));
                cases.Add((prog, null, true));
            }
            Parallel.ForEach(cases.Select((c, i) => (c, i)), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, x =>
            {
                var ((prog, edit, library), i) = x;
                string mine = PatchFixtures.CopyTarget(t, Path.Combine(scratch, $"ours{i}"));
                string theirs = PatchFixtures.CopyTarget(t, Path.Combine(scratch, $"theirs{i}"));
                File.CreateSymbolicLink(Path.Combine(mine, "lib", "libfoo-renamed.so.1"), "libfoo.so.1");
                File.CreateSymbolicLink(Path.Combine(theirs, "lib", "libfoo-renamed.so.1"), "libfoo.so.1");
                string program = Path.Combine(mine, "bin", prog);
                var baseline = t.Run(program);
                if (baseline.ExitCode != 0 || baseline.Stdout.Length == 0) { problems.Add($"{prog}: the unpatched program does not run: {baseline.Stderr}"); return; }
                string target = library ? Path.Combine(mine, "lib", "libfoo.so.1") : program;
                string theirTarget = library ? Path.Combine(theirs, "lib", "libfoo.so.1") : Path.Combine(theirs, "bin", prog);
                string interp = ElfSummary.Read(program)!.Interpreter!;
                var ops = library ? new PatchOperations { SetRunPath = RPath, AddNeeded = ["libdl.so.2"], SetSoname = "libfoo.so.1.patched" } : edit!.Ours(interp);
                string[][] peCalls = library ? [["--set-soname", "libfoo.so.1.patched"], ["--set-rpath", RPath], ["--add-needed", "libdl.so.2"]] : edit!.Patchelf(interp);
                string what = $"{tag} {(library ? "libfoo.so.1 (for " + prog + ")" : prog + " " + edit!.Name)}";
                var r = PatchHarness.Ours(target, ops, root: t.Root, sync: false);
                if (r.Error is not null) { problems.Add($"{what}: {r.Error}"); return; }
                foreach (var l in r.Layout) layouts.Add($"{what}: {l}");
                var pe = peCalls.Select(a => PatchHarness.Patchelf(theirTarget, a)).FirstOrDefault(x => x.ExitCode != 0);
                if (pe is not null) problems.Add($"{what}: patchelf failed: {pe.Stderr.Trim()}");
                else
                {
                    var facts = PatchHarness.ReadelfFacts([target, theirTarget]);
                    if (!facts[target].SequenceEqual(facts[theirTarget]))
                        problems.Add($"{what}: readelf differs from patchelf's result\n  ours:   {string.Join(" | ", facts[target])}\n  theirs: {string.Join(" | ", facts[theirTarget])}");
                }
                var run = t.Run(program);
                if (run.Stdout != baseline.Stdout || run.ExitCode != 0) { problems.Add($"{what}: the result prints '{run.Stdout.Trim()}' (exit {run.ExitCode}): {run.Stderr.Trim()}"); return; }
                Interlocked.Increment(ref checkedRuns);
                if (!(edit?.ChangesInterp ?? false) || t.Qemu is null)
                {
                    string real = RealTrace(t, program), ours = LoaderGroundTruthTests.OurTrace(program, t.Root);
                    if (real != ours) problems.Add($"{what}: tree --flat differs from the real loader\n--- real\n{real}--- linkdoctor\n{ours}");
                }
                string stripped = target + ".stripped";
                var st = Tool.Run(t.Strip, ["-o", stripped, target]);
                if (st.ExitCode != 0) { problems.Add($"{what}: strip failed: {st.Stderr.Trim()}"); return; }
                File.Move(stripped, target, overwrite: true);
                var again = t.Run(program);
                if (again.Stdout != baseline.Stdout || again.ExitCode != 0) problems.Add($"{what}: after strip the result prints '{again.Stdout.Trim()}' (exit {again.ExitCode}): {again.Stderr.Trim()}");
                else Interlocked.Increment(ref checkedRuns);
            });
            output.WriteLine($"{tag}: {cases.Count} patched files, {checkedRuns} runs (patched, then stripped) print what the original printed");
            foreach (var l in layouts.Order().Take(40)) output.WriteLine("  " + l);
            foreach (var p in problems.Take(10)) output.WriteLine(p);
            Assert.True(problems.IsEmpty, $"{problems.Count} problems; first:\n{string.Join("\n", problems.Take(3))}");
            Assert.Equal(2 * cases.Count, checkedRuns);
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    /// <summary>The target's loader trace: glibc's LD_TRACE_LOADED_OBJECTS (qemu: ld.so --inhibit-cache, as the scenario tests), musl's --list.</summary>
    private static string RealTrace(PatchTarget t, string program)
    {
        if (t.Tag == "musl")
            return LoaderGroundTruthTests.NormalizeTrace(Tool.Run("/lib/ld-musl-x86_64.so.1", ["--list", program], timeoutMs: 30_000).Stdout);
        if (t.Qemu is null) return LoaderGroundTruthTests.RealTrace(program, loader: null);
        string ldso = ElfSummary.Read(program)!.Interpreter!;
        return ScenarioTests.ForeignTrace(t.Qemu, t.RootDir!, ldso, program);
    }

    /// <summary>
    /// --clear-execstack: PF_X goes from PT_GNU_STACK (GNU ld's -z execstack), and a file without PT_GNU_STACK (lld's
    /// -z nognustack: the kernel and glibc then make the stack executable) gets a non-executable one, which needs a
    /// program header slot. The kernel's view is what the program itself reads in /proc/self/maps.
    /// </summary>
    [Theory]
    [InlineData("x86_64-execstack")]
    [InlineData("x86_64-nognustack")]
    public void ClearExecstackMakesTheStackNonExecutable(string tag)
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == tag);
        string dir = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("execstack"));
        try
        {
            string program = Path.Combine(dir, "bin", "stack");
            string before = t.Run(program).Stdout.Trim();
            Assert.EndsWith("rwxp", before); // the thread stack glibc maps
            var r = PatchHarness.Ours(program, new PatchOperations { ClearExecStack = true });
            Assert.Null(r.Error);
            Assert.Contains(r.Changes, c => c.What == "PT_GNU_STACK");
            Assert.Equal("rw-p rw-p", t.Run(program).Stdout.Trim());
            output.WriteLine($"{tag}: stacks before: {before}; {string.Join("; ", r.Changes)}; {string.Join("; ", r.Layout)}");
            var st = Tool.Run("strip", [program]);
            Assert.Equal(0, st.ExitCode);
            Assert.Equal("rw-p rw-p", t.Run(program).Stdout.Trim());
            // Once more: nothing left to do, nothing written.
            var again = PatchHarness.Ours(program, new PatchOperations { ClearExecStack = true });
            Assert.Null(again.Error);
            Assert.False(again.Changed);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }
    }

    /// <summary>Repeated growing edits reuse the segment the first one added: the program header table grows once.</summary>
    [Fact]
    public void RepeatedGrowthReusesTheAddedSegment()
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == "x86_64");
        string dir = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("repeat"));
        try
        {
            string program = Path.Combine(dir, "bin", "main-pie");
            var baseline = t.Run(program);
            var counts = new List<uint>();
            for (int i = 1; i <= 6; i++)
            {
                string rpath = "$ORIGIN/../lib:" + string.Concat(Enumerable.Repeat(PatchHarness.LongPath, i));
                var r = PatchHarness.Ours(program, new PatchOperations { SetRunPath = rpath, AddNeeded = [$"libdl.so.2"] }, sync: false);
                Assert.Null(r.Error);
                Assert.Equal(baseline.Stdout, t.Run(program).Stdout);
                using var image = BinaryImage.Open(program);
                counts.Add(ElfFile.Open(image).Header.PhNum);
                output.WriteLine($"edit {i}: {string.Join("; ", r.Layout)}");
            }
            Assert.True(counts.Distinct().Count() <= 2, $"program header counts: {string.Join(", ", counts)}");
            Assert.True(new FileInfo(program).Length < new FileInfo(Path.Combine(PatchFixtures.Build(), "x86_64", "bin", "main-pie")).Length + 6 * 4 * PatchHarness.LongPath.Length + 3 * 4096,
                "the file grew by more than the strings it holds");
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }
    }

    /// <summary>--rpath-to-runpath and --runpath-to-rpath on GNU ld's DT_RPATH and DT_RUNPATH output, against patchelf's --set-rpath of the same value.</summary>
    [Theory]
    [InlineData("x86_64-rpath", true)]
    [InlineData("x86_64", false)]
    public void ConvertsBetweenRPathAndRunPathAsPatchelf(string tag, bool toRunPath)
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == tag);
        string mine = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("convert"));
        string theirs = PatchFixtures.CopyTarget(t, Path.Combine(Path.GetDirectoryName(mine)!, "theirs"));
        try
        {
            foreach (var f in new[] { "bin/main-pie", "bin/main-nopie" })
            {
                string a = Path.Combine(mine, f), b = Path.Combine(theirs, f);
                var r = PatchHarness.Ours(a, toRunPath ? new PatchOperations { RPathToRunPath = true } : new PatchOperations { RunPathToRPath = true });
                Assert.Null(r.Error);
                var pe = PatchHarness.Patchelf(b, toRunPath ? ["--set-rpath", "$ORIGIN/../lib"] : ["--force-rpath", "--set-rpath", "$ORIGIN/../lib"]);
                Assert.Equal(0, pe.ExitCode);
                var facts = PatchHarness.ReadelfFacts([a, b]);
                Assert.Equal(facts[b], facts[a]);
                Assert.Contains(toRunPath ? "dyn RUNPATH Library runpath: [$ORIGIN/../lib]" : "dyn RPATH Library rpath: [$ORIGIN/../lib]", facts[a]);
                Assert.Equal(t.Run(Path.Combine(Path.Combine(PatchFixtures.Build(), tag), f)).Stdout, t.Run(a).Stdout);
            }
        }
        finally { Directory.Delete(Path.GetDirectoryName(mine)!, recursive: true); }
    }

    private const string GoMain = """
        package main

        // #include <stdlib.h>
        import "C"
        import "fmt"

        func main() { fmt.Println("go", C.abs(-3)) }
        """;

    /// <summary>
    /// Go programs with cgo, linked by the system linker (the default) and by Go's own linker (-linkmode=internal, whose
    /// layout leaves free space after the program header table): grown edits agree with patchelf, run, and survive strip.
    /// </summary>
    [Fact]
    public void GoProgramsGrowRunAndSurviveStrip()
    {
        string built = Fixtures.Build("patch-go", """
            export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME="$OUT/../home" GOCACHE="$OUT/../gocache" GOPATH="$OUT/../gopath"
            printf 'module example.com/patchgo\n\ngo 1.19\n' > go.mod
            CGO_ENABLED=1 go build -o "$OUT/cgo-external" .
            CGO_ENABLED=1 go build -ldflags=-linkmode=internal -o "$OUT/cgo-internal" .
            """, ("main.go", GoMain));
        string scratch = PatchHarness.NewScratch("go");
        try
        {
            var problems = new List<string>();
            int runs = 0;
            foreach (var name in new[] { "cgo-external", "cgo-internal" })
                foreach (var e in ProgramEdits.Where(e => e.Name != "all"))
                {
                    string mine = Path.Combine(scratch, $"{name}-{e.Name}"), theirs = mine + ".patchelf";
                    PatchHarness.Copy(Path.Combine(built, name), mine);
                    PatchHarness.Copy(Path.Combine(built, name), theirs);
                    string interp = ElfSummary.Read(mine)!.Interpreter!;
                    var r = PatchHarness.Ours(mine, e.Ours(interp), sync: false);
                    if (r.Error is not null) { problems.Add($"{name} {e.Name}: {r.Error}"); continue; }
                    output.WriteLine($"{name} {e.Name}: {string.Join("; ", r.Layout)}");
                    foreach (var call in e.Patchelf(interp)) Assert.Equal(0, PatchHarness.Patchelf(theirs, call).ExitCode);
                    var facts = PatchHarness.ReadelfFacts([mine, theirs]);
                    if (!facts[mine].SequenceEqual(facts[theirs])) problems.Add($"{name} {e.Name}: readelf differs from patchelf's result");
                    foreach (var stage in new[] { "patched", "stripped" })
                    {
                        if (stage == "stripped") Assert.Equal(0, Tool.Run("strip", [mine]).ExitCode);
                        var run = PatchHarness.Run(mine, []);
                        if (run.ExitCode != 0 || run.Stdout != "go 3\n") problems.Add($"{name} {e.Name} ({stage}): exit {run.ExitCode}: {run.Stdout}{run.Stderr}");
                        else runs++;
                    }
                }
            output.WriteLine($"{runs} runs of patched and stripped Go programs print what the original printed");
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    /// <summary>
    /// Files without section headers (llvm-objcopy --strip-sections; patchelf refuses them): everything comes from the
    /// program headers and PT_DYNAMIC, and the result is what the same edit gives on the full file, and runs.
    /// </summary>
    [Theory]
    [InlineData("x86_64")]
    [InlineData("aarch64")]
    [InlineData("s390x")]
    public void FilesWithoutSectionHeadersArePatchedToo(string tag)
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == tag);
        string full = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("nosections"));
        string bare = PatchFixtures.CopyTarget(t, Path.Combine(Path.GetDirectoryName(full)!, "bare"));
        try
        {
            File.CreateSymbolicLink(Path.Combine(bare, "lib", "libfoo-renamed.so.1"), "libfoo.so.1");
            foreach (var f in new[] { "bin/main-pie", "bin/main-nopie", "lib/libfoo.so.1" })
                Assert.Equal(0, Tool.Run("llvm-objcopy-14", ["--strip-sections", Path.Combine(bare, f)]).ExitCode);
            foreach (var prog in new[] { "main-pie", "main-nopie" })
            {
                string a = Path.Combine(full, "bin", prog), b = Path.Combine(bare, "bin", prog);
                var baseline = t.Run(b);
                var edit = ProgramEdits.Single(e => e.Name == "all");
                string interp = ElfSummary.Read(a)!.Interpreter!;
                var ra = PatchHarness.Ours(a, edit.Ours(interp) with { ReplaceNeeded = [] }, root: t.Root, sync: false);
                var rb = PatchHarness.Ours(b, edit.Ours(interp) with { ReplaceNeeded = [] }, root: t.Root, sync: false);
                Assert.Null(ra.Error);
                Assert.Null(rb.Error);
                output.WriteLine($"{tag} {prog} without sections: {string.Join("; ", rb.Layout)}");
                var facts = PatchHarness.ReadelfFacts([a, b]);
                Assert.Equal(facts[a].Where(l => !l.StartsWith("verneed", StringComparison.Ordinal)), facts[b].Where(l => !l.StartsWith("verneed", StringComparison.Ordinal)));
                Assert.Equal(baseline.Stdout, t.Run(b).Stdout);
            }
            // The library needs a new program header; without section headers the tables after the program header
            // table can move only when segments describe them (PT_INTERP, PT_NOTE): otherwise a clean refusal.
            string lib = Path.Combine(bare, "lib", "libfoo.so.1");
            byte[] before = File.ReadAllBytes(lib);
            var rl = PatchHarness.Ours(lib, new PatchOperations { SetRunPath = RPath, SetSoname = "libfoo.so.1.patched", AddNeeded = ["libdl.so.2"] }, root: t.Root, sync: false);
            output.WriteLine($"{tag} libfoo.so.1 without sections: {rl.Error ?? string.Join("; ", rl.Layout)}");
            if (rl.Error is not null)
            {
                Assert.Equal("the program header table cannot grow: it is followed by data no header describes", rl.Error);
                Assert.Equal(before, File.ReadAllBytes(lib));
            }
            Assert.Equal(t.Run(Path.Combine(full, "bin", "main-pie")).Stdout, t.Run(Path.Combine(bare, "bin", "main-pie")).Stdout);
        }
        finally { Directory.Delete(Path.GetDirectoryName(full)!, recursive: true); }
    }
}
