using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Every class explain knows, read from text the real component printed on this machine during the test run: the
/// static linkers (GNU ld, gold, lld) and go build failing on fixtures built for it, glibc's loader and dlopen()
/// through Python's ctypes, Node's process.dlopen and Java's System.load, the shells (bash at a prompt and in
/// scripts, dash, env), Go's os/exec and plugin package. The expected class and subjects come from how each
/// fixture is made (the library it lacks, the symbol it drops), never from explain's own output.
/// </summary>
public sealed class ExplainRealTests(ITestOutputHelper output)
{
    /// <param name="Name">Test case name.</param>
    /// <param name="Class">The class the message must be read as.</param>
    /// <param name="Component">Its component.</param>
    /// <param name="Produce">Makes the real component print it; returns everything it printed.</param>
    /// <param name="Subjects">Subjects the finding must have, "subject=value" (value "*X" means: ends with X).</param>
    /// <param name="Also">Other classes the same output may hold (a linker prints several messages).</param>
    public sealed record RealCase(string Name, string Class, string Component, Func<string> Produce, string[] Subjects, string[]? Also = null);

    private static string Dir => ExplainFixtures.Build();
    private static string GoDir => ExplainFixtures.BuildGo();
    private static string Log(string name) => File.ReadAllText(Path.Combine(Dir, "logs", name + ".txt"));
    private static string GoLog(string name) => File.ReadAllText(Path.Combine(GoDir, "logs", name + ".txt"));
    private static string Lib(string name) => Path.Combine(Dir, "lib", name);
    private static string Bin(string name) => Path.Combine(Dir, "bin", name);

    /// <summary>Runs a program and returns what it printed (stdout then stderr), with its working directory at the fixture's bin/.</summary>
    public static string Run(string file, params string[] args)
    {
        var r = Tool.Run(file, args, new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["LANG"] = "C.UTF-8" }, Path.Combine(Dir, "bin"), 60_000);
        return r.Stdout + r.Stderr;
    }

    /// <summary>bin/dstmain made set-user-ID root in a directory other users can reach, run by nobody (AT_SECURE), as ScenarioTests does.</summary>
    private static string RunSetuidDstMain()
    {
        string copy = Path.Combine(Path.GetTempPath(), "linkdoctor-explain-" + Guid.NewGuid().ToString("n")[..8]);
        try
        {
            Tool.Sh($"mkdir -p '{copy}/bin' && cp '{Bin("dstmain")}' '{copy}/bin/' && chmod -R a+rX '{copy}' && chown root:root '{copy}/bin/dstmain' && chmod 4755 '{copy}/bin/dstmain'");
            var r = Tool.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Path.Combine(copy, "bin", "dstmain")], null, copy, 20_000);
            return r.Stdout + r.Stderr;
        }
        finally { Directory.Delete(copy, recursive: true); }
    }

    /// <summary>/usr/bin/python3 (not a pyenv shim), dlopen-ing through ctypes.</summary>
    public static string PythonDlopen(string library, string before = "") =>
        Run("/usr/bin/python3", ["-c", $"import ctypes\n{before}\nctypes.CDLL({Quote(library)})"]);

    private static string Quote(string s) => "'" + s.Replace("\\", "\\\\").Replace("'", "\\'") + "'";

    public static readonly RealCase[] Cases =
    [
        // GNU ld, gold, lld.
        new("ld-cannot-find", "linker-cannot-find-library", "linker", () => Log("ld-cannot-find"), ["library=libnosuchlib.so"]),
        new("ld-cannot-find-file", "linker-cannot-find-file", "linker", () => Log("ld-cannot-find-file"), ["file=/nonexistent/start.o"]),
        new("ld-undefined", "undefined-reference", "linker", () => Log("ld-undefined"), ["symbol=foo"]),
        new("gold-cannot-find", "linker-cannot-find-library", "linker", () => Log("gold-cannot-find"), ["library=libnosuchlib.so"], ["undefined-reference"]),
        new("gold-undefined", "undefined-reference", "linker", () => Log("gold-undefined"), ["symbol=foo"]),
        new("lld-cannot-find", "linker-cannot-find-library", "linker", () => Log("lld-cannot-find"), ["library=libnosuchlib.so"]),
        new("lld-undefined", "undefined-reference", "linker", () => Log("lld-undefined"), ["symbol=foo"]),
        new("ld-need-pic", "relocation-needs-pic", "linker", () => Log("ld-need-pic"), ["file=*nonpic.o"]),
        new("gold-need-pic", "relocation-needs-pic", "linker", () => Log("gold-need-pic"), ["file=*nonpic.o"]),
        new("lld-need-pic", "relocation-needs-pic", "linker", () => Log("lld-need-pic"), []),
        new("ld-skipping", "skipping-incompatible", "linker", () => Log("ld-skipping"), ["file=*l32/libfoo.so"], ["linker-cannot-find-library"]),
        new("gold-skipping", "skipping-incompatible", "linker", () => Log("gold-skipping"), ["file=*l32/libfoo.so"], ["linker-cannot-find-library", "undefined-reference"]),
        new("lld-incompatible", "skipping-incompatible", "linker", () => Log("lld-incompatible"), ["file=*l32/libfoo.so"]),
        new("ld-multiple", "multiple-definition", "linker", () => Log("ld-multiple"), ["symbol=x"]),
        new("gold-multiple", "multiple-definition", "linker", () => Log("gold-multiple"), ["symbol=x"]),
        new("lld-duplicate", "multiple-definition", "linker", () => Log("lld-duplicate"), ["symbol=x"]),
        new("ld-dso-missing", "dso-missing-from-command-line", "linker", () => Log("ld-dso-missing"), ["symbol=sqrt", "version=GLIBC_2.2.5", "library=*libm.so.6"]),
        new("ld-wrong-format", "linker-wrong-format", "linker", () => Log("ld-wrong-format"), ["file=*arm.o"]),
        new("ld-static-warning", "static-link-nss", "glibc-static", () => Log("ld-static-warning"), ["symbol=getpwnam"]),
        new("gold-static-warning", "static-link-nss", "glibc-static", () => Log("gold-static-warning"), ["symbol=getpwnam"]),

        // go build.
        new("go-build-constraints", "go-build-constraints-exclude", "go-build", () => GoLog("go-build-constraints"), ["package=example.com/cgoonly", "file=*cgoonly"]),
        new("go-c-files", "go-c-files-without-cgo", "go-build", () => GoLog("go-c-files"), ["package=example.com/cfiles", "file=helper.c"]),
        new("go-cc-not-found", "go-cgo-compiler-not-found", "go-build", () => GoLog("go-cc-not-found"), []),
        new("go-unknown-c-name", "go-cgo-unknown-name", "go-build", () => GoLog("go-unknown-c-name"), ["symbol=no_such_function"]),
        new("go-race-without-cgo", "go-requires-cgo", "go-build", () => GoLog("go-race-without-cgo"), []),
        new("go-plugin-without-cgo", "go-requires-cgo", "go-build", () => GoLog("go-plugin-without-cgo"), []),

        // glibc's dlopen() as the runtimes report it, and glibc's loader at start-up.
        new("python-cannot-open", "cannot-open-shared-object", "glibc-dlopen", () => PythonDlopen(Lib("libneeds.so")), ["library=libfoo64.so"]),
        new("node-wrong-class", "wrong-elf-class", "glibc-dlopen",
            () => Run("node", "-e", $"process.dlopen({{ exports: {{}} }}, {Quote(Path.Combine(Dir, "l32", "libfoo.so"))})"), ["library=*l32/libfoo.so"]),
        new("java-cannot-open", "cannot-open-shared-object", "glibc-dlopen",
            () => Run("java", "-cp", Path.Combine(Dir, "java"), "Load", Lib("libneeds.so")), ["library=libfoo64.so", "file=*lib/libneeds.so"]),
        // PR_SET_MDWE (65) with PR_MDWE_REFUSE_EXEC_GAIN (1): the process may no longer make its stack executable.
        new("python-execstack", "cannot-enable-executable-stack", "glibc-dlopen",
            () => PythonDlopen(Lib("libexecstack.so"), "ctypes.CDLL(None).prctl(65, 1, 0, 0, 0)"), ["library=*libexecstack.so"]),
        new("python-static-tls", "static-tls-exhausted", "glibc-dlopen", () => PythonDlopen(Lib("libbigtls.so")), ["library=*libbigtls.so"]),
        new("python-invalid-elf-header", "invalid-elf-header", "glibc-dlopen", () => PythonDlopen(Lib("libscript.so")), ["file=*lib/libscript.so"]),
        new("python-os-abi", "bad-elf-file", "glibc-dlopen", () => PythonDlopen(Lib("libosabi.so")), ["file=*libosabi.so"]),
        new("python-executable", "cannot-load-executable", "glibc-dlopen", () => PythonDlopen(Bin("nopie")), ["file=*bin/nopie"]),
        new("copy-reloc-size", "copy-relocation-size-mismatch", "glibc-ld.so", () => Run(Bin("crm")), ["symbol=arr", "file=*crm"]),
        new("glibc-private", "glibc-private-mismatch", "glibc-ld.so", () => Run(Bin("privmain")), ["symbol=foo", "version=GLIBC_PRIVATE"]),
        new("unknown-loader-error", "glibc-load-error", "glibc-ld.so", () => Run(Bin("relocmain")), ["file=*relocmain"]),
        new("ldd-not-found", "ldd-not-found", "glibc-ld.so", () => Run("ldd", Lib("libneeds.so")), ["library=libfoo64.so"]),
        new("setuid-dst", "dst-not-allowed-secure", "glibc-ld.so", RunSetuidDstMain, ["library=$ORIGIN/../lib/libcr.so"]),

        // The shells and process starters.
        new("bash-c-missing-interpreter", "missing-interpreter", "exec", () => Run("bash", "-c", "true; ./noint"), ["file=./noint"]),
        new("dash-missing-interpreter", "missing-interpreter", "exec", () => Run("sh", "-c", "true; ./noint"), ["file=./noint"]),
        new("env-missing-interpreter", "missing-interpreter", "exec", () => Run("env", "./noint"), ["file=./noint"]),
        new("go-exec-missing-interpreter", "missing-interpreter", "exec", () => Run(Path.Combine(GoDir, "bin", "runner"), "exec", Bin("noint")), ["file=*bin/noint"]),
        new("bash-c-exec-format", "exec-format-error", "exec", () => Run("bash", "-c", "true; ./armprog"), ["file=./armprog"]),
        new("dash-exec-format", "exec-format-error", "exec", () => Run("sh", "-c", "true; ./armprog"), ["file=./armprog"]),
        new("python-exec-format", "exec-format-error", "exec", () => Run("/usr/bin/python3", "-c", "import subprocess; subprocess.run(['./armprog'])"), ["file=./armprog"]),
        new("bash-c-permission", "permission-denied", "exec", () => Run("bash", "-c", "true; ./notexec"), ["file=./notexec"]),
        new("dash-permission", "permission-denied", "exec", () => Run("sh", "-c", "true; ./notexec"), ["file=./notexec"]),

        // Go's plugin package (host built with cgo; plugins by the same toolchain).
        new("go-plugin-realpath", "go-plugin-realpath-failed", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "open", "/nonexistent/plugin.so"), ["file=/nonexistent/plugin.so"]),
        new("go-plugin-dlopen", "cannot-open-shared-object", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "open", Lib("libneeds.so")), ["library=libfoo64.so", "file=*libneeds.so"]),
        new("go-plugin-already-loaded", "go-plugin-already-loaded", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "open", Path.Combine(GoDir, "plugins", "p.so"), Path.Combine(GoDir, "plugins", "p2.so")), ["file=*plugins/p2"]),
        new("go-plugin-previous-failure", "go-plugin-previous-failure", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "open", Path.Combine(GoDir, "plugins", "p.so"), Path.Combine(GoDir, "plugins", "p2.so"), Path.Combine(GoDir, "plugins", "p2.so")),
            ["file=*plugins/p2.so"], ["go-plugin-already-loaded"]),
        new("go-plugin-no-module-data", "go-plugin-no-module-data", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "open", Lib("libcr.so")), []),
        new("go-plugin-not-implemented", "go-plugin-not-implemented", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner-nocgo"), "open", Path.Combine(GoDir, "plugins", "p.so")), []),
        new("go-plugin-lookup", "go-plugin-symbol-not-found", "go-plugin",
            () => Run(Path.Combine(GoDir, "bin", "runner"), "lookup", Path.Combine(GoDir, "plugins", "p.so"), "NoSuchSymbol"), ["symbol=NoSuchSymbol"]),
    ];

    public static IEnumerable<object[]> CaseNames() => Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ReadsWhatTheRealComponentPrinted(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        string text = c.Produce();
        output.WriteLine("--- printed\n" + text);
        var findings = Explainer.Default.Explain(text);
        foreach (var f in findings) output.WriteLine($"line {f.Line}: {f.Component} {f.Class} [{Describe(f.Subjects)}] {f.Message}");
        var found = findings.FirstOrDefault(f => f.Class == c.Class);
        Assert.True(found is not null, $"no {c.Class} in [{string.Join(", ", findings.Select(f => f.Class))}]");
        Assert.Equal(c.Component, found!.Component);
        AssertSubjects(c.Subjects, found.Subjects);
        var allowed = new HashSet<string>([c.Class, .. c.Also ?? []]);
        Assert.All(findings, f => Assert.Contains(f.Class, allowed));
        // The line is where the message starts in the input.
        var lines = text.Split('\n');
        Assert.InRange(found.Line, 1, lines.Length);
        Assert.Contains(found.Message.Split('\n')[0].Trim(), LogCleaner.CleanLine(lines[found.Line - 1]), StringComparison.Ordinal);
    }

    public static string Describe(ExplainSubjects s) => string.Join(", ", ExplainSubjects.Names.Where(n => s.Get(n) is not null).Select(n => $"{n}={s.Get(n)}"));

    internal static void AssertSubjects(IEnumerable<string> expected, ExplainSubjects actual)
    {
        foreach (var e in expected)
        {
            string name = e[..e.IndexOf('=')], value = e[(e.IndexOf('=') + 1)..];
            string? got = actual.Get(name);
            if (value.StartsWith('*')) Assert.True(got is not null && got.EndsWith(value[1..], StringComparison.Ordinal), $"{name}: expected …{value[1..]}, got {got ?? "(none)"}");
            else Assert.Equal(value, got);
        }
    }
}
