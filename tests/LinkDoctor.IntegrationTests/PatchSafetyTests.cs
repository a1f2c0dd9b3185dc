using System.Security.Cryptography;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Rewriting;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>patch</c> never leaves a broken or half-written file: real faults (a read-only file system, a full one, a
/// file-size limit, a rename that fails), symbolic links (followed inside --root only), edits the loader simulation
/// says would break the program (refused, with the reason), no-op edits (byte for byte) and dry runs. After every
/// failure the original is byte-identical and no temporary file is left.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PatchSafetyTests(ITestOutputHelper output)
{
    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll");

    /// <summary>
    /// Runs a fault scenario as a bash script as root with mount(2), or, where that is not allowed, inside a new user and
    /// mount namespace (unshare -rm), where mounting a tmpfs is allowed to anyone. The script prints KEY=VALUE lines.
    /// </summary>
    private static Dictionary<string, string> Scenario(string script)
    {
        var env = new Dictionary<string, string?> { ["LD"] = Cli, ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1" };
        string full = "set -u\n" + script + "\n";
        var r = CanMount.Value ? Tool.Run("/bin/bash", ["-c", full], env) : Tool.Run("unshare", ["-rm", "/bin/bash", "-c", full], env);
        var result = new Dictionary<string, string>();
        foreach (var line in r.Stdout.Split('\n'))
        {
            int eq = line.IndexOf('=');
            if (eq > 0) result[line[..eq]] = line[(eq + 1)..];
        }
        result["stderr"] = r.Stderr;
        return result;
    }

    private static readonly Lazy<bool> CanMount = new(() =>
    {
        string d = PatchHarness.NewScratch("mountprobe");
        try
        {
            if (Tool.Run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", d]).ExitCode != 0) return false;
            Tool.Run("umount", [d]);
            return true;
        }
        finally { Directory.Delete(d); }
    });

    /// <summary>Checks shared by the fault scenarios: exit 2, one line naming the cause, the original intact, no temporary file.</summary>
    private void AssertCleanFailure(Dictionary<string, string> r, string cause)
    {
        output.WriteLine(string.Join("\n", r.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.Equal("2", r["rc"]);
        Assert.Contains(cause, r["err"]);
        Assert.Single(r["err"].Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("linkdoctor: ", r["err"]);
        Assert.Equal(r["before"], r["after"]);
        Assert.Equal("0", r["leftover"]);
    }

    private const string Prologue = """
        B=$(mktemp -d); D=$B
        trap 'umount "$B/m" 2>/dev/null; umount "$B/prog" 2>/dev/null; rm -rf "$B" "$B".out "$B".err "$B"/m.out "$B"/m.err' EXIT
        cp /usr/bin/ls "$D/prog.src"
        """;
    private const string RunPatch = """
        before=$(sha256sum < "$D/prog" | cut -c1-64)
        dotnet "$LD" patch "$D/prog" --add-rpath /opt/linkdoctor/lib --add-needed libz.so.1 > "$D.out" 2> "$D.err"; echo "rc=$?"
        echo "err=$(cat "$D.err")"
        echo "after=$(sha256sum < "$D/prog" | cut -c1-64)"
        echo "before=$before"
        echo "leftover=$(ls -a "$D" | grep -c linkdoctor)"
        """;

    [Fact]
    public void ReadOnlyFileSystemLeavesTheOriginalAlone()
    {
        var r = Scenario(Prologue + "\n" + """
            mkdir "$D/m"; mount -t tmpfs -o size=8m tmpfs "$D/m"; cp "$D/prog.src" "$D/m/prog"
            mount -o remount,ro "$D/m"
            D="$D/m"
            """ + "\n" + RunPatch + "\n" + """
            umount "$D"
            """);
        AssertCleanFailure(r, "Read-only file system");
    }

    [Fact]
    public void FullFileSystemLeavesTheOriginalAlone()
    {
        // Room for the program and a few pages: the new file (the same size, plus the grown tables) cannot be written.
        var r = Scenario(Prologue + "\n" + """
            size=$(( ($(stat -c %s "$D/prog.src") / 4096 + 4) * 4096 ))
            mkdir "$D/m"; mount -t tmpfs -o size=$size tmpfs "$D/m"; cp "$D/prog.src" "$D/m/prog"
            D="$D/m"
            """ + "\n" + RunPatch + "\n" + """
            umount "$D"
            """);
        AssertCleanFailure(r, "No space left on device");
    }

    [Fact]
    public void FileSizeLimitLeavesTheOriginalAlone()
    {
        // RLIMIT_FSIZE (ulimit -f, in KiB) below the program's size: write(2) fails with EFBIG (SIGXFSZ is ignored). The
        // runtime's W^X double mapping sizes a memory file past such a limit, so it is turned off for this run.
        var r = Scenario(Prologue + "\n" + """
            cp "$D/prog.src" "$D/prog"
            limit=$(( $(stat -c %s "$D/prog") / 1024 - 8 ))
            before=$(sha256sum < "$D/prog" | cut -c1-64)
            (trap '' XFSZ; ulimit -f $limit; DOTNET_EnableWriteXorExecute=0 exec dotnet "$LD" patch "$D/prog" --add-rpath /opt/linkdoctor/lib > "$D.out" 2> "$D.err"); echo "rc=$?"
            echo "err=$(cat "$D.err")"
            echo "after=$(sha256sum < "$D/prog" | cut -c1-64)"
            echo "before=$before"
            echo "leftover=$(ls -a "$D" | grep -c linkdoctor)"
            """);
        AssertCleanFailure(r, "File too large");
    }

    [Fact]
    public void FailingRenameLeavesTheOriginalAlone()
    {
        // A file that is a mount point cannot be replaced: rename(2) fails with EBUSY after the new file was written and verified.
        var r = Scenario(Prologue + "\n" + """
            cp "$D/prog.src" "$D/prog"; cp "$D/prog.src" "$D/under"
            mount --bind "$D/under" "$D/prog"
            """ + "\n" + RunPatch + "\n" + """
            umount "$D/prog"
            echo "under=$(cmp -s "$D/under" "$D/prog.src" && echo same)"
            """);
        AssertCleanFailure(r, "Device or resource busy");
        Assert.Equal("same", r["under"]);
    }

    [Fact]
    public void ASymbolicLinkIsFollowedAndStaysALink()
    {
        string dir = PatchHarness.NewScratch("symlink");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "real"));
            string real = Path.Combine(dir, "real", "ls-9.1");
            PatchHarness.Copy("/usr/bin/ls", real);
            File.SetUnixFileMode(real, (UnixFileMode)Convert.ToInt32("750", 8));
            string link = Path.Combine(dir, "ls");
            File.CreateSymbolicLink(link, "real/ls-9.1");
            var r = PatchHarness.Ours(link, new PatchOperations { SetRunPath = "/opt/linkdoctor/lib" });
            Assert.Null(r.Error);
            Assert.Equal(real, r.Target);
            Assert.Contains(r.Warnings, w => w.Contains("symbolic link", StringComparison.Ordinal));
            Assert.Equal("real/ls-9.1", new FileInfo(link).LinkTarget);
            Assert.Equal("/opt/linkdoctor/lib", ElfSummary.Read(real)!.RunPath);
            Assert.Equal(Convert.ToInt32("750", 8), (int)File.GetUnixFileMode(real));

            // A dangling link: nothing to patch, nothing created.
            File.CreateSymbolicLink(Path.Combine(dir, "dangling"), "real/missing");
            var d = PatchHarness.Ours(Path.Combine(dir, "dangling"), new PatchOperations { SetRunPath = "/x" });
            Assert.Contains("does not exist", d.Error);
            Assert.False(File.Exists(Path.Combine(dir, "real", "missing")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Inside --root, links resolve inside the root: an absolute target is re-rooted, ".." stops at the root. A link
    /// that would leave the root on the host reaches a file inside it, or nothing, never the file outside.
    /// </summary>
    [Fact]
    public void SymbolicLinksNeverLeaveTheRoot()
    {
        string dir = PatchHarness.NewScratch("rootlinks");
        try
        {
            string root = Path.Combine(dir, "root"), outside = Path.Combine(dir, "outside", "prog");
            Directory.CreateDirectory(Path.Combine(root, "opt", "app", "bin"));
            Directory.CreateDirectory(Path.GetDirectoryName(outside)!);
            PatchHarness.Copy("/usr/bin/ls", outside);
            string outsideSha = Sha(outside);
            var fs = new RootedFileSystem(root);

            // An absolute link inside the root is re-rooted: the root's own file is patched.
            string inRoot = Path.Combine(root, "opt", "app", "bin", "prog-1.0");
            PatchHarness.Copy("/usr/bin/ls", inRoot);
            File.CreateSymbolicLink(Path.Combine(root, "opt", "app", "bin", "prog"), "/opt/app/bin/prog-1.0");
            var ok = PatchHarness.Ours(Path.Combine(root, "opt", "app", "bin", "prog"), new PatchOperations { AddRPath = ["/opt/app/lib"] }, root: fs, allowUnresolved: true);
            Assert.Null(ok.Error);
            Assert.Equal(inRoot, ok.Target);
            Assert.Equal("/opt/app/lib", ElfSummary.Read(inRoot)!.RunPath);

            // Escapes: an absolute link to the host file, and a relative one with enough ".." to climb out on the host.
            string escapeAbs = Path.Combine(root, "opt", "app", "bin", "abs");
            File.CreateSymbolicLink(escapeAbs, outside);
            string up = string.Concat(Enumerable.Repeat("../", root.Count(c => c == '/') + 3));
            string escapeRel = Path.Combine(root, "opt", "app", "bin", "rel");
            File.CreateSymbolicLink(escapeRel, up + outside.TrimStart('/'));
            Assert.True(File.Exists(escapeRel) && File.Exists(escapeAbs), "on the host, both links reach the outside file");
            foreach (var link in new[] { escapeAbs, escapeRel })
            {
                var r = PatchHarness.Ours(link, new PatchOperations { AddRPath = ["/opt/app/lib"] }, root: fs, allowUnresolved: true);
                output.WriteLine($"{Path.GetFileName(link)} -> {new FileInfo(link).LinkTarget}: {r.Error}");
                Assert.NotNull(r.Error);
                Assert.Contains("inside --root", r.Error);
                Assert.Equal(outsideSha, Sha(outside));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void OutputReplacesALinkInsteadOfFollowingIt()
    {
        string dir = PatchHarness.NewScratch("outlink");
        try
        {
            string victim = Path.Combine(dir, "victim"), output = Path.Combine(dir, "out");
            File.WriteAllText(victim, "not to be touched");
            File.CreateSymbolicLink(output, victim);
            var r = PatchHarness.Ours("/usr/bin/ls", new PatchOperations { AddRPath = ["/opt/x"] }, output: output);
            Assert.Null(r.Error);
            Assert.Null(new FileInfo(output).LinkTarget);
            Assert.Equal("/opt/x", ElfSummary.Read(output)!.RunPath);
            Assert.Equal("not to be touched", File.ReadAllText(victim));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Owner, mode (set-user-ID included) and extended attributes (file capabilities, user attributes) survive; a hard link is reported.</summary>
    [Fact]
    public void OwnerModeAndExtendedAttributesAreKept()
    {
        string dir = PatchHarness.NewScratch("owner");
        try
        {
            string f = Path.Combine(dir, "prog");
            PatchHarness.Copy("/usr/bin/ls", f);
            bool root = Environment.UserName == "root" || Tool.Run("id", ["-u"]).Stdout.Trim() == "0";
            if (root) Tool.Sh($"chown 1234:5678 '{f}'");
            Tool.Sh($"chmod 4751 '{f}'");
            Tool.Sh($"python3 -c 'import os,sys; os.setxattr(sys.argv[1], \"user.linkdoctor\", b\"kept\")' '{f}'");
            if (root && File.Exists("/usr/sbin/setcap")) Tool.Sh($"/usr/sbin/setcap cap_net_raw+ep '{f}'");
            Tool.Sh($"ln '{f}' '{Path.Combine(dir, "second-name")}'");
            string Stat() => Tool.Sh($"stat -c '%u:%g %a' '{f}'").Trim();
            string Xattrs() => Tool.Sh($"python3 -c 'import os,sys; print(sorted((n, os.getxattr(sys.argv[1], n).hex()) for n in os.listxattr(sys.argv[1])))' '{f}'").Trim();
            string stat0 = Stat(), x0 = Xattrs();
            var r = PatchHarness.Ours(f, new PatchOperations { SetRunPath = PatchHarness.LongPath, AddNeeded = ["libz.so.1"] }, allowUnresolved: true);
            Assert.Null(r.Error);
            output.WriteLine($"{stat0} {x0} -> {Stat()} {Xattrs()}");
            Assert.Equal(stat0, Stat());
            Assert.Equal(x0, Xattrs());
            Assert.Contains("user.linkdoctor", x0);
            if (root) Assert.Contains("security.capability", x0);
            Assert.Contains(r.Warnings, w => w.Contains("hard links", StringComparison.Ordinal));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// Edits the loader simulation says would break the program are refused with the reason, the file untouched:
    /// a library that would no longer be found, an added library that is nowhere, an interpreter that does not exist,
    /// and removing a library whose versions the program needs, which glibc answers with an assertion (shown here by
    /// running patchelf's result).
    /// </summary>
    [Fact]
    public void EditsThatWouldBreakTheProgramAreRefused()
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == "x86_64");
        string dir = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("refuse"));
        try
        {
            string prog = Path.Combine(dir, "bin", "main-pie");
            string sha = Sha(prog);
            var cases = new (PatchOperations Ops, string Because)[]
            {
                (new() { SetRunPath = "/nonexistent" }, "libfoo.so.1 would no longer be found"),
                (new() { AddNeeded = ["libnowhere.so.7"] }, "libnowhere.so.7 would not be found"),
                (new() { SetInterpreter = "/nonexistent/ld.so" }, "the interpreter /nonexistent/ld.so does not exist"),
                (new() { RemoveNeeded = ["libm.so.6"] }, "glibc would abort: the version needs name libm.so.6"),
            };
            foreach (var (ops, because) in cases)
            {
                var r = PatchHarness.Ours(prog, ops);
                output.WriteLine(r.Error);
                Assert.Contains(because, r.Error);
                Assert.Contains("nothing replaced", r.Error);
                Assert.Equal(sha, Sha(prog));
                Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(prog)!, ".*linkdoctor*"));
            }
            // The real loader agrees about the last one.
            string copy = prog + ".patchelf";
            PatchHarness.Copy(prog, copy);
            Assert.Equal(0, PatchHarness.Patchelf(copy, "--remove-needed", "libm.so.6").ExitCode);
            var run = t.Run(copy);
            output.WriteLine($"patchelf's result: exit {run.ExitCode}: {run.Stderr.Trim()}");
            Assert.NotEqual(0, run.ExitCode);
            Assert.Contains("_dl_check_map_versions", run.Stderr);

            // --allow-unresolved writes it anyway, and says what it found.
            var forced = PatchHarness.Ours(prog, new PatchOperations { SetRunPath = "/nonexistent" }, allowUnresolved: true);
            Assert.Null(forced.Error);
            Assert.Contains(forced.Warnings, w => w.Contains("libfoo.so.1 would no longer be found", StringComparison.Ordinal));
            Assert.Equal("/nonexistent", ElfSummary.Read(prog)!.RunPath);
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }
    }

    /// <summary>A no-op edit writes nothing (same inode and time), and with --output gives a byte-for-byte copy; a dry run writes nothing.</summary>
    [Fact]
    public void NoOpEditsReproduceTheInputByteForByte()
    {
        var t = PatchFixtures.Targets.Single(x => x.Tag == "x86_64-rpath");
        string dir = PatchFixtures.CopyTarget(t, PatchHarness.NewScratch("noop"));
        try
        {
            int checkedFiles = 0;
            var files = new[] { Path.Combine(dir, "bin", "main-pie"), Path.Combine(dir, "lib", "libfoo.so.1") }
                .Concat(PatchHarness.HostCorpus(programs: 20, libraries: 20).Select(s => s.Path)).ToList();
            foreach (var src in files)
            {
                var s = ElfSummary.Read(src)!;
                var noop = new PatchOperations
                {
                    SetInterpreter = s.Interpreter, SetSoname = s.Type == Formats.Elf.ElfNative.ET_DYN ? s.SoName : null,
                    SetRPath = s.RunPath is null ? s.RPath : null, SetRunPath = s.RunPath,
                    AddNeeded = s.Needed.Take(1).ToList(), RemoveNeeded = ["libnot-needed.so.1"], ClearExecStack = true,
                    AddRPath = (s.RunPath ?? s.RPath)?.Split(':').Where(x => x.Length > 0).Take(1).ToList() ?? [],
                };
                string copy = Path.Combine(dir, "copy-" + Path.GetFileName(src)), outFile = Path.Combine(dir, "out-" + Path.GetFileName(src));
                PatchHarness.Copy(src, copy);
                var info0 = new FileInfo(copy);
                (long ino, DateTime mtime) id0 = (Inode(copy), info0.LastWriteTimeUtc);
                var r = PatchHarness.Ours(copy, noop);
                Assert.True(r.Error is null, $"{src}: {r.Error}");
                Assert.False(r.Changed, $"{src}: {string.Join("; ", r.Changes)}");
                Assert.Equal(id0, (Inode(copy), new FileInfo(copy).LastWriteTimeUtc));
                var o = PatchHarness.Ours(copy, noop, output: outFile);
                Assert.Null(o.Error);
                Assert.Equal(File.ReadAllBytes(src), File.ReadAllBytes(outFile));
                // A dry run of a real change reports it and writes nothing.
                var dry = PatchHarness.Ours(copy, new PatchOperations { SetRunPath = PatchHarness.LongPath, AddNeeded = ["libz.so.1"] }, dryRun: true);
                Assert.Null(dry.Error);
                Assert.True(dry.Changed && dry.DryRun && dry.Changes.Count > 0);
                Assert.Equal(File.ReadAllBytes(src), File.ReadAllBytes(copy));
                Assert.Empty(Directory.GetFiles(dir, ".*linkdoctor*"));
                checkedFiles++;
            }
            output.WriteLine($"{checkedFiles} files: no-op edits wrote nothing, --output copies are byte-identical, dry runs wrote nothing");
        }
        finally { Directory.Delete(Path.GetDirectoryName(dir)!, recursive: true); }

        static long Inode(string path) => long.Parse(Tool.Sh($"stat -c %i '{path}'").Trim());
    }

    /// <summary>The command line: output lines, exit codes, one-line errors.</summary>
    [Fact]
    public void CommandLineExitCodesAndMessages()
    {
        string dir = PatchHarness.NewScratch("cli");
        try
        {
            string f = Path.Combine(dir, "ls");
            PatchHarness.Copy("/usr/bin/ls", f);
            var ok = Tool.LinkDoctor("patch", f, "--add-rpath", "/opt/a", "--add-needed", "libz.so.1");
            Assert.Equal(0, ok.ExitCode);
            Assert.Contains($"{f}: DT_RUNPATH: + '/opt/a'", ok.Stdout);
            Assert.Contains($"{f}: DT_NEEDED: + 'libz.so.1'", ok.Stdout);
            Assert.EndsWith($"{f}: patched\n", ok.Stdout);

            var dry = Tool.LinkDoctor("patch", f, "--set-runpath", PatchHarness.LongPath, "--dry-run");
            Assert.Equal(0, dry.ExitCode);
            Assert.Contains("would be patched (dry run: nothing written)", dry.Stdout);
            Assert.Contains("layout:", dry.Stdout);
            Assert.Equal("/opt/a", ElfSummary.Read(f)!.RunPath);

            var same = Tool.LinkDoctor("patch", f, "--add-rpath", "/opt/a");
            Assert.Equal(0, same.ExitCode);
            Assert.EndsWith($"{f}: unchanged\n", same.Stdout);

            string notElf = Path.Combine(dir, "text");
            File.WriteAllText(notElf, "hello");
            foreach (var (args, message) in new (string[], string)[]
            {
                ([notElf, "--set-rpath", "/x"], $"linkdoctor: {notElf}: not an ELF file (bad magic) at offset 0x0"),
                ([Path.Combine(PatchFixtures.Build(), "static"), "--set-rpath", "/x"], "has no dynamic section (statically linked?): nothing to edit"),
                ([f, "--set-rpath", "/x", "--set-runpath", "/y"], "linkdoctor: --set-rpath and --set-runpath contradict each other"),
                ([f], "linkdoctor: patch: no edit given"),
                ([f, f, "--set-rpath", "/x", "--output", "/tmp/x"], "linkdoctor: --output takes exactly one FILE"),
                ([f, "--replace-needed", "libz.so.1"], "linkdoctor: --replace-needed expects OLD=NEW, got 'libz.so.1'"),
                ([Path.Combine(PatchFixtures.Build(), "x86_64", "bin", "main-nopie"), "--set-soname", "libx.so", "--dry-run"], "--set-soname: this is an executable (ELF type EXEC)"),
                ([Path.Combine(dir, "missing"), "--set-rpath", "/x"], "No such file or directory"),
            })
            {
                var r = Tool.LinkDoctor(["patch", .. args]);
                output.WriteLine($"{string.Join(' ', args)} -> {r.ExitCode}: {r.Stderr.Trim()}");
                Assert.Equal(2, r.ExitCode);
                Assert.Contains(message, r.Stderr);
                Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>
    /// A program that is running can be patched: the new file replaces the old name while the running process keeps
    /// the old inode. patchelf opens the file for writing and fails with ETXTBSY ("Text file busy").
    /// </summary>
    [Fact]
    public void ARunningProgramCanBePatched()
    {
        string dir = PatchHarness.NewScratch("running");
        var started = new List<System.Diagnostics.Process>();
        try
        {
            string ours = Path.Combine(dir, "sleep-ours"), theirs = Path.Combine(dir, "sleep-theirs");
            PatchHarness.Copy("/usr/bin/sleep", ours);
            PatchHarness.Copy("/usr/bin/sleep", theirs);
            foreach (var p in new[] { ours, theirs })
            {
                for (int attempt = 0; ; attempt++)
                {
                    try { started.Add(System.Diagnostics.Process.Start(p, "60")!); break; }
                    catch (System.ComponentModel.Win32Exception e) when (attempt < 20 && e.NativeErrorCode == 26) { Thread.Sleep(50); }
                }
            }
            Thread.Sleep(200);
            var r = PatchHarness.Ours(ours, new PatchOperations { SetRunPath = PatchHarness.LongPath, AddNeeded = ["libz.so.1"] }, allowUnresolved: true);
            Assert.Null(r.Error);
            Assert.Equal(PatchHarness.LongPath, ElfSummary.Read(ours)!.RunPath);
            Assert.Equal(0, PatchHarness.Run(ours, ["0"]).ExitCode);
            var pe = PatchHarness.Patchelf(theirs, "--set-rpath", "/x");
            output.WriteLine($"patchelf on a running program: exit {pe.ExitCode}: {pe.Stderr.Trim()}");
            Assert.NotEqual(0, pe.ExitCode);
            Assert.Contains("Text file busy", pe.Stderr);
        }
        finally
        {
            foreach (var p in started) { try { p.Kill(); p.WaitForExit(); } catch (InvalidOperationException) { } p.Dispose(); }
            Directory.Delete(dir, recursive: true);
        }
    }
}
