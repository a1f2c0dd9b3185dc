using System.Text;
using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Whole logs: real errors interleaved with real unrelated output, the same text as CI systems and log collectors
/// mangle it (timestamps, colour codes, container prefixes), near-misses that must not be reported, and thousands of
/// lines of real, error-free build output (the false-positive count must be 0).
/// </summary>
public sealed class ExplainLogTests(ITestOutputHelper output)
{
    private static ExplainRealTests.RealCase Case(string name) => ExplainRealTests.Cases.Single(c => c.Name == name);

    /// <summary>
    /// Cases whose output holds exactly one error (by how the fixture is made), for logs of known content, each with a
    /// text the line where the error starts contains (the component's own words, not explain's).
    /// </summary>
    private static readonly (string Case, string Marker)[] OneError =
    [
        ("ld-cannot-find", "cannot find -lnosuchlib"), ("ld-undefined", "in function"), ("ld-need-pic", "recompile with -fPIC"),
        ("ld-dso-missing", "undefined reference to symbol"), ("go-c-files", "C source files not allowed"), ("python-cannot-open", "OSError: "),
        ("node-wrong-class", "Error: "), ("java-cannot-open", "UnsatisfiedLinkError"), ("python-static-tls", "OSError: "),
        ("copy-reloc-size", "different size"), ("glibc-private", "symbol lookup error"), ("bash-c-missing-interpreter", "required file not found"),
        ("dash-exec-format", "Exec format error"), ("go-plugin-realpath", "realpath failed"), ("go-cc-not-found", "C compiler"),
        ("lld-undefined", "undefined symbol"), ("ld-multiple", "multiple definition"), ("env-missing-interpreter", "No such file"),
    ];

    private static string[] OneErrorCases => [.. OneError.Select(o => o.Case)];

    /// <summary>Real output of ordinary commands that succeeded: what sits between errors in a log.</summary>
    private static string Unrelated(int i) => (i % 4) switch
    {
        0 => ExplainRealTests.Run("gcc", "--version"),
        1 => ExplainRealTests.Run("ls", "-la", Path.Combine(ExplainFixtures.Build(), "lib")),
        2 => ExplainRealTests.Run("go", "version"),
        _ => ExplainRealTests.Run("uname", "-a"),
    };

    [Fact]
    public void AMixedLogGivesEveryErrorOnceInOrderWithItsClassAndSubjects()
    {
        var log = new StringBuilder();
        var expected = new List<(string Class, int Line, string[] Subjects)>();
        int line = 1;
        for (int i = 0; i < OneError.Length; i++)
        {
            string unrelated = Unrelated(i);
            log.Append(unrelated);
            line += unrelated.Count(c => c == '\n');
            var c = Case(OneError[i].Case);
            string text = c.Produce();
            // Where the error starts in this piece: the first line with the component's words.
            int at = Array.FindIndex(text.Split('\n'), l => l.Contains(OneError[i].Marker, StringComparison.Ordinal)) + 1;
            Assert.True(at > 0, $"{c.Name}: no '{OneError[i].Marker}' in\n{text}");
            expected.Add((c.Class, line + at - 1, c.Subjects));
            log.Append(text);
            if (!text.EndsWith('\n')) log.Append('\n');
            line += text.TrimEnd('\n').Count(ch => ch == '\n') + 1;
        }
        var findings = Explainer.Default.Explain(log.ToString());
        output.WriteLine($"{log.ToString().Split('\n').Length} lines, {findings.Count} findings");
        foreach (var f in findings) output.WriteLine($"line {f.Line}: {f.Class} [{ExplainRealTests.Describe(f.Subjects)}]");
        Assert.Equal(expected.Select(e => (e.Class, e.Line)), findings.Select(f => (f.Class, f.Line)));
        for (int i = 0; i < expected.Count; i++) ExplainRealTests.AssertSubjects(expected[i].Subjects, findings[i].Subjects);

        // Twice the same log: every error once (the same error printed again is the same error).
        var twice = Explainer.Default.Explain(log.ToString() + log);
        Assert.Equal(findings.Select(f => (f.Class, f.Line)), twice.Select(f => (f.Class, f.Line)));
    }

    /// <summary>The ways CI systems and collectors dress a line; each must leave classes, subjects and line numbers unchanged.</summary>
    public static IEnumerable<object[]> Dressings() =>
    [
        ["github-timestamps"], ["ansi-colours"], ["buildkit"], ["cri"], ["syslog"], ["compose"], ["crlf"], ["go-log"], ["all"],
    ];

    private static string Dress(string kind, string line, int i) => kind switch
    {
        "github-timestamps" => $"2024-05-17T10:{i % 60:00}:{i % 60:00}.{i:0000000}Z {line}",
        "ansi-colours" => $"\x1b[1;31m{line}\x1b[0m\x1b[K",
        "buildkit" => $"#12 {i * 0.137:0.000} {line}",
        "cri" => $"2024-05-17T10:00:00.123456789Z stderr F {line}",
        "syslog" => $"May 17 10:00:00 buildhost app[{1000 + i}]: {line}",
        "compose" => $"web-1  | {line}",
        "crlf" => line + "\r",
        "go-log" => $"2024/05/17 10:00:00 {line}",
        _ => $"2024-05-17T10:00:00Z \x1b[33m#7 0.5 {line}\x1b[0m\r",
    };

    [Theory]
    [MemberData(nameof(Dressings))]
    public void TimestampsColoursAndPrefixesChangeNothing(string kind)
    {
        var plain = new StringBuilder();
        foreach (var name in OneErrorCases.Take(12)) plain.Append(Case(name).Produce()).Append('\n');
        string text = plain.ToString();
        var dressed = string.Join('\n', text.Split('\n').Select((l, i) => l.Length == 0 ? l : Dress(kind, l, i)));
        var a = Explainer.Default.Explain(text);
        var b = Explainer.Default.Explain(dressed);
        Assert.Equal(12, a.Count);
        Assert.Equal(a.Select(f => (f.Class, f.Line, ExplainRealTests.Describe(f.Subjects))), b.Select(f => (f.Class, f.Line, ExplainRealTests.Describe(f.Subjects))));
    }

    /// <summary>lld's and clang's own colours (--color-diagnostics), as a terminal-less CI captures them.</summary>
    [Fact]
    public void RealColourCodesFromTheLinker()
    {
        string text = File.ReadAllText(Path.Combine(ExplainFixtures.Build(), "logs", "lld-colour.txt"));
        Assert.Contains("\x1b[", text);
        var f = Assert.Single(Explainer.Default.Explain(text));
        Assert.Equal("linker-cannot-find-library", f.Class);
        Assert.DoesNotContain('\x1b', f.Message);
    }

    /// <summary>Relative and absolute program paths, and the program name as typed, reach the finding as they are.</summary>
    [Fact]
    public void RelativeAndAbsolutePathsAndQuotedNames()
    {
        string dir = ExplainFixtures.Build();
        string abs = Path.Combine(dir, "bin", "noint");
        var env = new Dictionary<string, string?> { ["LANG"] = "C.UTF-8" };
        foreach (var (cmd, args, program) in new (string, string[], string)[]
        {
            ("bash", ["-c", "true; " + abs], abs),
            ("bash", ["-c", "true; ./bin/noint"], "./bin/noint"),
            ("sh", ["-c", "true; bin/noint"], "bin/noint"),
            ("env", ["bin/noint"], "bin/noint"),
        })
        {
            var r = Tool.Run(cmd, args, env, dir);
            var f = Assert.Single(Explainer.Default.Explain(r.Stderr));
            Assert.Equal(("missing-interpreter", program), (f.Class, f.Subjects.File));
        }
        // coreutils quotes with ‘’ in a UTF-8 locale and with '' in C.
        var c = Tool.Run("env", ["bin/noint"], new Dictionary<string, string?> { ["LANG"] = "C", ["LC_ALL"] = "C" }, dir);
        Assert.Contains("'bin/noint'", c.Stderr);
        Assert.Equal("bin/noint", Assert.Single(Explainer.Default.Explain(c.Stderr)).Subjects.File);
        var u = Tool.Run("env", ["bin/noint"], new Dictionary<string, string?> { ["LANG"] = "C.UTF-8", ["LC_ALL"] = "C.UTF-8" }, dir);
        Assert.Contains("‘bin/noint’", u.Stderr);
        Assert.Equal("bin/noint", Assert.Single(Explainer.Default.Explain(u.Stderr)).Subjects.File);
    }

    /// <summary>One dlerror() text, bare and as Python, Node.js, Java and a Go plugin host report it: one class, one library.</summary>
    [Fact]
    public void TheSameDlerrorThroughEveryRuntime()
    {
        string lib = Path.Combine(ExplainFixtures.Build(), "lib", "libneeds.so");
        string[] outputs =
        [
            ExplainRealTests.PythonDlopen(lib),
            ExplainRealTests.Run("node", "-e", $"process.dlopen({{ exports: {{}} }}, '{lib}')"),
            ExplainRealTests.Run("java", "-cp", Path.Combine(ExplainFixtures.Build(), "java"), "Load", lib),
            ExplainRealTests.Run(Path.Combine(ExplainFixtures.BuildGo(), "bin", "runner"), "open", lib),
        ];
        foreach (var text in outputs)
        {
            output.WriteLine(text);
            var f = Assert.Single(Explainer.Default.Explain(text));
            Assert.Equal(("cannot-open-shared-object", "libfoo64.so"), (f.Class, f.Subjects.Library));
            Assert.Contains(f.Component, new[] { "glibc-dlopen", "go-plugin" });
        }
    }

    /// <summary>Real lines that look like loader errors and are not: a missing command, a missing file, a missing package or module.</summary>
    [Fact]
    public void NearMissesAreNotReported()
    {
        var texts = new List<string>
        {
            ExplainRealTests.Run("sh", "-c", "nosuchcommand-xyz"),
            ExplainRealTests.Run("bash", "-c", "nosuchcommand-xyz"),
            ExplainRealTests.Run("ls", "/nonexistent/libfoo.so"),
            ExplainRealTests.Run("cat", "/nonexistent/libfoo.so.1"),
            ExplainRealTests.Run("pkg-config", "--libs", "nosuchlibrary"),
            ExplainRealTests.Run("/usr/bin/python3", "-c", "import nosuchmodule"),
            ExplainRealTests.Run("/usr/bin/python3", "-c", "open('/nonexistent/libfoo.so')"),
            ExplainRealTests.Run("node", "-e", "require('nosuchmodule')"),
            ExplainRealTests.Run("dpkg", "-S", "/nonexistent/libnosuch.so.1"),
            ExplainRealTests.Run("apt-cache", "policy", "nosuchpackage-xyz"),
            ExplainRealTests.Run("go", "version", "-m", "/bin/true"),
            ExplainRealTests.Run("ldd", "/bin/true"),
            ExplainRealTests.Run("ldd", Path.Combine(ExplainFixtures.Build(), "bin", "nss-static")),
            ExplainRealTests.Run("grep", "-r", "undefined reference", "/nonexistent"),
            ExplainRealTests.Run("which", "nosuchcommand-xyz"),
            // Words of the messages in ordinary sentences.
            "checking for libfoo... not found\nNote: the symbol lookup error fix is in 1.2\n-- Could NOT find ZLIB (missing: ZLIB_LIBRARY)\n",
        };
        var reported = texts.SelectMany(t => Explainer.Default.Explain(t)).ToList();
        foreach (var f in reported) output.WriteLine($"reported: {f.Class}: {f.Message}");
        Assert.Empty(reported);
    }

    /// <summary>
    /// Thousands of lines of real, error-free build output produced at test time: verbose gcc compiles and links, make
    /// -d, a CMake configure and verbose build, go build -x -v, dotnet build -v n, apt-get's simulated install, dpkg and
    /// apt-cache listings, ldconfig -p, LD_DEBUG=libs of a program that loads. Not one finding.
    /// </summary>
    [Fact]
    public void NoFalsePositivesOnRealErrorFreeBuildOutput()
    {
        string dir = CleanLogs.Build();
        int lines = 0, total = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*.txt").Order())
        {
            string text = File.ReadAllText(file);
            int n = text.Split('\n').Length;
            var findings = Explainer.Default.Explain(text);
            output.WriteLine($"{Path.GetFileName(file)}: {n} lines, {findings.Count} findings");
            foreach (var f in findings) output.WriteLine($"  line {f.Line}: {f.Class}: {f.Message}");
            lines += n;
            total += findings.Count;
        }
        output.WriteLine($"false positives: {total} in {lines} lines");
        Assert.True(lines >= 3000, $"only {lines} lines of build output");
        Assert.Equal(0, total);
    }

    /// <summary>The error-free logs, made by the real tools (cached by recipe like every fixture).</summary>
    private static class CleanLogs
    {
        private const string Script = """
            export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME="$OUT/../home" GOCACHE="$OUT/../gocache" GOPATH="$OUT/../gopath"
            export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 DOTNET_CLI_HOME="$OUT/../home" LANG=C.UTF-8
            mkdir -p "$HOME"
            w=$(pwd)
            # gcc -v: every compile and the link, with the collect2/ld command lines.
            (mkdir -p c && cd c && for i in 1 2 3 4 5 6; do printf 'int f%d(int x) { return x * %d; }\n' $i $i > f$i.c; gcc -v -O2 -fPIC -c f$i.c -o f$i.o; done
             gcc -v -shared -o libf.so f*.o; printf 'extern int f1(int);\nint main(void) { return f1(0); }\n' > m.c; gcc -v m.c -L. -lf -Wl,-rpath,'$ORIGIN' -o m) > "$OUT/gcc-verbose.txt" 2>&1
            # make -d on a small project.
            (mkdir -p mk && cd mk && printf 'all: prog\nprog: a.o b.o\n\t$(CC) -o $@ $^\n%%.o: %%.c\n\t$(CC) -c -o $@ $<\nclean:\n\trm -f *.o prog\n' > Makefile
             printf 'int b(void);\nint main(void) { return b(); }\n' > a.c; printf 'int b(void) { return 0; }\n' > b.c; make -d) > "$OUT/make-debug.txt" 2>&1
            # CMake: configure and a verbose build of a library and a program.
            (mkdir -p cm && cd cm && printf 'cmake_minimum_required(VERSION 3.16)\nproject(demo C)\nfind_package(Threads)\nadd_library(demo SHARED lib.c)\nadd_executable(app main.c)\ntarget_link_libraries(app demo Threads::Threads m)\n' > CMakeLists.txt
             printf 'int demo(void) { return 0; }\n' > lib.c; printf 'int demo(void);\nint main(void) { return demo(); }\n' > main.c
             cmake -S . -B build && cmake --build build --verbose) > "$OUT/cmake.txt" 2>&1
            # go build -x -v of a cgo program (all of std rebuilt: -a).
            (mkdir -p gomod && cd gomod && printf 'module example.com/clean\n\ngo 1.19\n' > go.mod
             printf 'package main\n\n// int twice(int x) { return 2 * x; }\nimport "C"\nimport "fmt"\n\nfunc main() { fmt.Println(C.twice(21)) }\n' > main.go
             CGO_ENABLED=1 go build -a -x -v -o app .) > "$OUT/go-build-x.txt" 2>&1
            # dotnet build -v n of a small console project (offline: no package references).
            (mkdir -p dn && cd dn && printf '<Project Sdk="Microsoft.NET.Sdk"><PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework></PropertyGroup></Project>\n' > demo.csproj
             printf 'System.Console.WriteLine("hi");\n' > Program.cs; dotnet build -v n; dotnet build --no-incremental -v d) > "$OUT/dotnet-build.txt" 2>&1
            # Package tools.
            (apt-get -s install --reinstall make gcc-12 binutils; apt-cache show libc6 gcc-12 binutils; apt-cache policy libc6 gcc-12 make) > "$OUT/apt.txt" 2>&1
            (dpkg -L libc6 libc6-dev binutils) > "$OUT/dpkg.txt" 2>&1
            ldconfig -p > "$OUT/ldconfig.txt" 2>&1
            (cd c && LD_DEBUG=libs ./m) > "$OUT/ld-debug.txt" 2>&1
            """;

        public static string Build() => Fixtures.Build("explain-clean-logs", Script);
    }
}
