using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The loader scenario suite: programs built at test time, each RUN with the real loader (glibc natively,
/// Debian's musl, aarch64 under qemu-aarch64 -L). For each, <c>why</c>'s first line must equal the real first
/// stderr line, its predicted exit status the real one, and <c>tree --flat</c> the real loader's trace.
/// </summary>
public sealed class ScenarioTests(ITestOutputHelper output)
{
    /// <param name="Runner">glibc (run natively), shell (through an interactive bash), setuid (a set-user-ID root copy run
    /// by nobody), musl, qemu-aarch64, qemu-i386.</param>
    /// <param name="Argv0">The program as typed, relative to the working directory (default: its absolute path, or ./NAME with Cwd).</param>
    public sealed record Scenario(string Name, string Runner = "glibc", string Program = "bin/main", string[]? Env = null,
        string? Cwd = null, string? Dlopen = null, bool Trace = true, string? Argv0 = null);

    public static readonly Scenario[] All =
    [
        new("ok-runpath"),
        new("missing-lib"),
        new("ld-library-path", Env: ["LD_LIBRARY_PATH={dir}/d"]),
        new("rpath-beats-ldlp", Env: ["LD_LIBRARY_PATH={dir}/b"]),
        new("ldlp-beats-runpath", Env: ["LD_LIBRARY_PATH={dir}/b"]),
        new("rpath-inherited"),
        new("runpath-not-inherited"),
        new("origin-braces"),
        new("lib-dst"),
        new("platform-dst"),
        new("preload-ok", Env: ["LD_PRELOAD={dir}/lib/libpre.so"]),
        new("preload-missing", Env: ["LD_PRELOAD=libnope-preload.so"]),
        new("ld-so-cache"),
        new("hwcaps-subdir"),
        new("legacy-hwcaps-subdir"),
        new("wrong-class-only"),
        new("wrong-class-skipped"),
        new("wrong-machine-skipped"),
        new("wrong-machine-only"),
        new("junk-on-path"),
        new("empty-file-on-path"),
        new("directory-on-path"),
        new("bind-now-missing-function"),
        new("lazy-missing-function"),
        new("ld-bind-now-env", Env: ["LD_BIND_NOW=1"]),
        new("missing-data-symbol"),
        new("version-not-found"),
        new("no-version-information"),
        new("unversioned-reference"),
        new("nodefaultlib-libm"),
        new("name-with-slash", Cwd: "bin"),
        new("ldlp-empty-element-is-cwd", Program: "d/main", Cwd: "d", Env: ["LD_LIBRARY_PATH=:/nonexistent"]),
        new("ldlp-relative", Cwd: "bin", Env: ["LD_LIBRARY_PATH=sub"]),
        new("missing-interpreter", Runner: "shell", Trace: false),
        new("missing-indirect"),
        new("dlopen-missing-dependency", Program: "bin/dlopener", Dlopen: "lib/libneedsmissing.so"),
        new("dlopen-undefined-symbol", Program: "bin/dlopener", Dlopen: "lib/libundefined.so"),
        new("dlopen-ok", Program: "bin/dlopener", Dlopen: "lib/libok.so"),
        new("dlopen-pie", Program: "bin/dlopener", Dlopen: "lib/prog", Trace: false),
        new("dlopen-missing-file", Program: "bin/dlopener", Dlopen: "lib/libdoesnotexist.so", Trace: false),
        new("dlopen-missing-libm", Program: "bin/dlopener", Dlopen: "lib/libusesm.so"),
        new("lib-off-path"),
        new("indirect-off-path"),
        new("nodefaultlib-no-search"),
        new("origin-relative-program", Cwd: ".", Argv0: "./bin/main"),
        new("interp-short-script", Runner: "shell", Trace: false),
        new("interp-not-elf", Runner: "shell", Trace: false),
        new("interp-wrong-machine", Runner: "shell", Trace: false),
        new("interp-wrong-class", Runner: "shell", Trace: false),
        new("interp-not-executable", Runner: "shell", Trace: false),
        new("interp-directory", Runner: "shell", Trace: false),
        new("prog-not-executable", Runner: "shell", Trace: false),
        new("foreign-machine", Runner: "shell", Trace: false),
        new("setuid-ldlp-ignored", Runner: "setuid", Env: ["LD_LIBRARY_PATH={dir}/d"], Trace: false),
        new("setuid-origin-dropped", Runner: "setuid", Trace: false),
        new("setuid-system-only", Runner: "setuid", Trace: false),
        new("setuid-preload-path-ignored", Runner: "setuid", Env: ["LD_PRELOAD={dir}/libpre.so"], Trace: false),
        new("musl-ok", Runner: "musl"),
        new("musl-missing-lib", Runner: "musl"),
        new("musl-ld-library-path", Runner: "musl", Env: ["LD_LIBRARY_PATH={dir}/d"]),
        new("musl-missing-symbol", Runner: "musl"),
        new("musl-runpath-inherited", Runner: "musl"),
        new("musl-preload", Runner: "musl", Env: ["LD_PRELOAD={dir}/lib/libpre.so"]),
        new("musl-wrong-class-first", Runner: "musl"),
        new("arm-ok", Runner: "qemu-aarch64"),
        new("arm-missing-lib", Runner: "qemu-aarch64"),
        // --root is strict (qemu -L would also fall back to host paths); the program's own directory is the exception.
        new("arm-ld-library-path", Runner: "qemu-aarch64", Env: ["LD_LIBRARY_PATH={dir}/bin"]),
        new("arm-version-not-found", Runner: "qemu-aarch64"),
        new("arm-wrong-machine-skipped", Runner: "qemu-aarch64"),
        new("i386-ok", Runner: "qemu-i386"),
        new("i386-wrong-class-skipped", Runner: "qemu-i386"),
        new("i386-missing-lib", Runner: "qemu-i386"),
    ];

    public static IEnumerable<object[]> Names() => All.Select(s => new object[] { s.Name });

    private static string Root() => Fixtures.Build("scenarios", ScenarioSources.Script, ScenarioSources.All);

    public const string ArmRoot = "/usr/aarch64-linux-gnu";
    public const string I386Root = "/usr/i686-linux-gnu";

    /// <summary>One scenario ready to run: where it is, how it is started, and in which world.</summary>
    public sealed record Run(Scenario Sc, string Dir, string Program, string Cwd, string Argv0, Dictionary<string, string> Env,
        Dictionary<string, string?> ProcEnv, RootedFileSystem Root, string? DlopenTarget)
    {
        public LoadRequest Request => new()
        {
            Program = DlopenTarget ?? Program, ProgramName = DlopenTarget ?? Argv0, Root = Root, Environment = Env, WorkingDirectory = Cwd,
        };
    }

    /// <summary>
    /// Prepares a scenario in <paramref name="dir"/> (the cached fixture, or a copy of it). A setuid scenario is
    /// copied into a directory other users can reach and its program made set-user-ID root.
    /// </summary>
    public static Run Prepare(Scenario sc, string dir)
    {
        if (sc.Runner == "setuid")
        {
            string copy = Path.Combine(Path.GetTempPath(), "linkdoctor-setuid-" + Guid.NewGuid().ToString("n")[..8]);
            Tool.Sh($"cp -a '{dir}' '{copy}' && chmod -R a+rX '{copy}' && chmod 755 '{copy}' && chown root:root '{copy}/{sc.Program}' && chmod 4755 '{copy}/{sc.Program}'");
            dir = copy;
        }
        string program = Path.Combine(dir, sc.Program);
        string cwd = sc.Cwd is null ? dir : Path.GetFullPath(Path.Combine(dir, sc.Cwd));
        string argv0 = sc.Argv0 ?? (sc.Cwd is null ? program : "./" + Path.GetFileName(program));
        var env = (sc.Env ?? []).Select(e => e.Replace("{dir}", dir)).ToDictionary(e => e[..e.IndexOf('=')], e => e[(e.IndexOf('=') + 1)..]);
        var procEnv = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["LD_BIND_NOW"] = null };
        foreach (var (k, v) in env) procEnv[k] = v;
        var root = sc.Runner switch { "qemu-aarch64" => new RootedFileSystem(ArmRoot), "qemu-i386" => new RootedFileSystem(I386Root), _ => RootedFileSystem.Host };
        string? dlopenTarget = sc.Dlopen is null ? null : Path.Combine(dir, sc.Dlopen);
        return new Run(sc, dir, program, cwd, argv0, env, procEnv, root, dlopenTarget);
    }

    public static string DirectoryOf(Scenario sc) => Path.Combine(Root(), sc.Name.StartsWith("dlopen", StringComparison.Ordinal) ? "dlopen" : sc.Name);

    /// <summary>Runs the real thing; returns its exit status and first stderr line.</summary>
    public static (int Exit, string? FirstLine, ToolResult Result) RunReal(Run r, IDictionary<string, string?>? extraEnv = null)
    {
        var env = new Dictionary<string, string?>(r.ProcEnv);
        if (extraEnv is not null) foreach (var (k, v) in extraEnv) env[k] = v;
        ToolResult real = r.Sc.Runner switch
        {
            "qemu-aarch64" => Tool.Run("qemu-aarch64", ["-L", ArmRoot, r.Program], env, r.Cwd, 60_000),
            "qemu-i386" => Tool.Run("qemu-i386", ["-L", I386Root, r.Program], env, r.Cwd, 60_000),
            _ when r.DlopenTarget is not null => Tool.Run(r.Program, [r.DlopenTarget], env, r.Cwd, 20_000),
            // Through an interactive bash, so that a missing interpreter gets the words a user sees at a prompt.
            "shell" => Tool.Run("bash", ["--norc", "--noprofile", "-i", "-c", r.Argv0], env, r.Cwd, 20_000),
            // Another user runs a set-user-ID root program: the kernel sets AT_SECURE.
            "setuid" => Tool.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", r.Program], env, r.Cwd, 20_000),
            _ => Tool.Run(r.Program, [], env, r.Cwd, 20_000),
        };
        // (An interactive bash without a terminal first complains about job control: not part of the answer.)
        string? first = real.Stderr.Split('\n').FirstOrDefault(l => l.Length > 0
            && !(r.Sc.Runner == "shell" && (l.StartsWith("bash: cannot set terminal process group", StringComparison.Ordinal) || l.StartsWith("bash: no job control", StringComparison.Ordinal))));
        return (real.ExitCode, first, real);
    }

    /// <summary>The exit status the real run has when <paramref name="why"/> is right (a dlopen test program exits 1 on failure).</summary>
    public static int ExpectedExit(Run r, WhyReport why) =>
        r.DlopenTarget is not null ? (why.Starts ? 0 : 1) : why.Starts ? (why.Later.Count > 0 ? 127 : 0) : why.ExitStatus ?? -1;

    [Theory]
    [MemberData(nameof(Names))]
    public void WhyAndTreeMatchTheRealLoader(string name)
    {
        var sc = All.Single(s => s.Name == name);
        var r = Prepare(sc, DirectoryOf(sc));
        try
        {
            // 1. The real thing.
            var (realExit, realFirst, _) = RunReal(r);

            // 2. Our prediction.
            var why = StartupSimulator.Simulate(r.Request, dlopen: r.DlopenTarget is not null);
            string? ourFirst = why.LoaderOutput.FirstOrDefault() ?? why.Later.FirstOrDefault();
            int expectedExit = ExpectedExit(r, why);
            output.WriteLine($"real: exit {realExit}, first stderr line: {realFirst ?? "(none)"}");
            output.WriteLine($"why:  exit {expectedExit}, first line: {ourFirst ?? "(none)"}");
            foreach (var l in why.Explanation) output.WriteLine($"  why: {l}");
            foreach (var l in why.Fixes) output.WriteLine($"  fix: {l}");
            Assert.Equal(realFirst, ourFirst);
            Assert.Equal(realExit, expectedExit);

            // 3. The trace: as ldd runs it (ld.so FILE; musl's --list), which is what tree --flat promises.
            if (!sc.Trace) return;
            string realTrace = sc.Runner switch
            {
                "musl" => LoaderGroundTruthTests.NormalizeTrace(Tool.Run("/lib/ld-musl-x86_64.so.1", ["--list", r.Argv0], r.ProcEnv, r.Cwd, 20_000).Stdout),
                // qemu -L falls back to host files that are missing under the root, the host's /etc/ld.so.cache among
                // them (its i386 entries point into /lib32); --root never reads outside the root, so the real loader
                // is run with --inhibit-cache to compare like with like.
                "qemu-aarch64" => ForeignTrace("qemu-aarch64", ArmRoot, "/lib/ld-linux-aarch64.so.1", r.Program, r.ProcEnv, r.Cwd),
                "qemu-i386" => ForeignTrace("qemu-i386", I386Root, "/lib/ld-linux.so.2", r.Program, r.ProcEnv, r.Cwd),
                _ => LoaderGroundTruthTests.RealTrace(r.DlopenTarget ?? r.Argv0, r.ProcEnv, cwd: r.Cwd),
            };
            using var g = DynamicLoader.Load(r.Request with { Trace = true, ProgramName = sc.Runner == "musl" || r.DlopenTarget is null ? r.Argv0 : r.Request.ProgramName });
            string ourTrace = Reports.TreeRenderer.Flat(g);
            output.WriteLine("real trace:\n" + realTrace + "our trace:\n" + ourTrace);
            Assert.Equal(realTrace, ourTrace);
        }
        finally
        {
            if (sc.Runner == "setuid") Directory.Delete(r.Dir, recursive: true);
        }
    }

    /// <summary>
    /// The real foreign loader's trace under qemu: <c>qemu -L ROOT -E LD_TRACE_LOADED_OBJECTS=1 ROOT/LDSO --inhibit-cache FILE</c>.
    /// qemu's own program path is not redirected by -L, so ld.so is named by its host path; it then calls itself
    /// that, where a kernel-started program would name it by PT_INTERP: that one line is mapped back.
    /// </summary>
    public static string ForeignTrace(string qemu, string root, string ldso, string file, IDictionary<string, string?>? env = null, string? cwd = null) =>
        LoaderGroundTruthTests.NormalizeTrace(Tool.Run(qemu, ["-L", root, "-E", "LD_TRACE_LOADED_OBJECTS=1", root + ldso, "--inhibit-cache", file], env, cwd, 60_000).Stdout)
            .Replace($"\t{root}{ldso}\n", $"\t{ldso}\n").Replace($"\t{ldso} => {root}{ldso}\n", $"\t{ldso}\n");

    /// <summary>
    /// Why each candidate was taken or skipped: the paths glibc tried (LD_DEBUG=libs, "trying file=") for each
    /// library it searched must be the candidates LinkDoctor records, in order. Paths in directories that do not
    /// exist are left out on both sides (LinkDoctor probes only existing hwcaps subdirectories).
    /// </summary>
    [Theory]
    [MemberData(nameof(NativeNames))]
    public void CandidatesMatchLdDebug(string name)
    {
        var sc = All.Single(s => s.Name == name);
        string dir = Path.Combine(Root(), sc.Name);
        string program = Path.Combine(dir, sc.Program);
        var env = (sc.Env ?? []).Select(e => e.Replace("{dir}", dir)).ToDictionary(e => e[..e.IndexOf('=')], e => e[(e.IndexOf('=') + 1)..]);
        var procEnv = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["LD_BIND_NOW"] = null, ["LD_DEBUG"] = "libs" };
        foreach (var (k, v) in env) procEnv[k] = v;
        var real = new Dictionary<string, List<string>>();
        List<string>? current = null;
        foreach (var line in Tool.Run(program, [], procEnv, dir, 20_000).Stderr.Split('\n'))
        {
            int f = line.IndexOf("find library=", StringComparison.Ordinal);
            if (f >= 0)
            {
                string lib = line[(f + 13)..line.IndexOf(" [", f, StringComparison.Ordinal)];
                current = real.ContainsKey(lib) ? null : real[lib] = [];
                continue;
            }
            int t = line.IndexOf("trying file=", StringComparison.Ordinal);
            if (t >= 0 && current is not null)
            {
                string path = line[(t + 12)..];
                if (Directory.Exists(Path.GetDirectoryName(path))) current.Add(path);
            }
        }
        using var g = GlibcLoaderFor(program, env, dir);
        int compared = 0;
        foreach (var (lib, tried) in real)
        {
            var obj = g.Objects.Concat(g.FailedPreloads).FirstOrDefault(o => o.Name == lib && !o.IsMain && o.Source != SearchSource.Interpreter);
            if (obj is null) continue;
            var ours = obj.Tried.Select(c => c.Path).Where(p => Directory.Exists(Path.GetDirectoryName(p))).ToList();
            Assert.Equal(tried, ours);
            compared++;
        }
        output.WriteLine($"{name}: {compared} of {real.Count} searches compared with LD_DEBUG=libs");
        // Every program here searches at least for libc.so.6: no LD_DEBUG output means the comparison did not happen.
        Assert.True(real.Count > 0, "LD_DEBUG=libs printed no search");
        Assert.Equal(real.Count, compared);
    }

    private static LoadGraph GlibcLoaderFor(string program, Dictionary<string, string> env, string cwd) =>
        DynamicLoader.Load(new LoadRequest { Program = program, Environment = env, WorkingDirectory = cwd });

    public static IEnumerable<object[]> NativeNames() =>
        All.Where(s => s.Runner == "glibc" && s.Dlopen is null && s.Cwd is null).Select(s => new object[] { s.Name });

    [Fact]
    public void TheSuiteHasAtLeastFortyScenarios() => Assert.True(All.Length >= 40, $"{All.Length} scenarios");
}
