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
    public sealed record Scenario(string Name, string Runner = "glibc", string Program = "bin/main", string[]? Env = null,
        string? Cwd = null, string? Dlopen = null, bool Trace = true);

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

    [Theory]
    [MemberData(nameof(Names))]
    public void WhyAndTreeMatchTheRealLoader(string name)
    {
        var sc = All.Single(s => s.Name == name);
        string dirName = sc.Name.StartsWith("dlopen", StringComparison.Ordinal) ? "dlopen" : sc.Name;
        string dir = Path.Combine(Root(), dirName);
        string program = Path.Combine(dir, sc.Program);
        string cwd = sc.Cwd is null ? dir : Path.Combine(dir, sc.Cwd);
        string argv0 = sc.Cwd is null ? program : "./" + Path.GetFileName(program);
        var env = (sc.Env ?? []).Select(e => e.Replace("{dir}", dir)).ToDictionary(e => e[..e.IndexOf('=')], e => e[(e.IndexOf('=') + 1)..]);
        var procEnv = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null, ["LD_BIND_NOW"] = null };
        foreach (var (k, v) in env) procEnv[k] = v;
        var root = sc.Runner switch { "qemu-aarch64" => new RootedFileSystem(ArmRoot), "qemu-i386" => new RootedFileSystem(I386Root), _ => RootedFileSystem.Host };
        string? dlopenTarget = sc.Dlopen is null ? null : Path.Combine(dir, sc.Dlopen);

        // 1. The real thing.
        ToolResult real = sc.Runner switch
        {
            "qemu-aarch64" => Tool.Run("qemu-aarch64", ["-L", ArmRoot, program], procEnv, cwd, 60_000),
            "qemu-i386" => Tool.Run("qemu-i386", ["-L", I386Root, program], procEnv, cwd, 60_000),
            _ when dlopenTarget is not null => Tool.Run(program, [dlopenTarget], procEnv, cwd, 20_000),
            // Through an interactive bash, so that a missing interpreter gets the words a user sees at a prompt.
            "shell" => Tool.Run("bash", ["--norc", "--noprofile", "-i", "-c", argv0], procEnv, cwd, 20_000),
            _ => Tool.Run(program, [], procEnv, cwd, 20_000),
        };
        // (An interactive bash without a terminal first complains about job control: not part of the answer.)
        string? realFirst = real.Stderr.Split('\n').FirstOrDefault(l => l.Length > 0
            && !(sc.Runner == "shell" && (l.StartsWith("bash: cannot set terminal process group", StringComparison.Ordinal) || l.StartsWith("bash: no job control", StringComparison.Ordinal))));

        // 2. Our prediction.
        var request = new LoadRequest
        {
            Program = dlopenTarget ?? program, ProgramName = dlopenTarget ?? argv0, Root = root, Environment = env,
            WorkingDirectory = cwd,
        };
        var why = StartupSimulator.Simulate(request, dlopen: dlopenTarget is not null);
        string? ourFirst = why.LoaderOutput.FirstOrDefault() ?? why.Later.FirstOrDefault();
        int expectedExit = dlopenTarget is not null ? (why.Starts ? 0 : 1) : why.Starts ? (why.Later.Count > 0 ? 127 : 0) : why.ExitStatus ?? -1;
        output.WriteLine($"real: exit {real.ExitCode}, first stderr line: {realFirst ?? "(none)"}");
        output.WriteLine($"why:  exit {expectedExit}, first line: {ourFirst ?? "(none)"}");
        foreach (var l in why.Explanation) output.WriteLine($"  why: {l}");
        foreach (var l in why.Fixes) output.WriteLine($"  fix: {l}");
        Assert.Equal(realFirst, ourFirst);
        Assert.Equal(real.ExitCode, expectedExit);

        // 3. The trace.
        if (!sc.Trace) return;
        string target = dlopenTarget ?? program;
        var traceEnv = new Dictionary<string, string?>(procEnv) { ["LD_TRACE_LOADED_OBJECTS"] = "1" };
        string realTrace = sc.Runner switch
        {
            "musl" => LoaderGroundTruthTests.NormalizeTrace(Tool.Run("/lib/ld-musl-x86_64.so.1", ["--list", argv0], procEnv, cwd, 20_000).Stdout),
            // qemu -L falls back to host files that are missing under the root, the host's /etc/ld.so.cache among
            // them (its i386 entries point into /lib32); --root never reads outside the root, so the real loader
            // is run with --inhibit-cache to compare like with like.
            "qemu-aarch64" => ForeignTrace("qemu-aarch64", ArmRoot, "/lib/ld-linux-aarch64.so.1", program, procEnv, cwd),
            "qemu-i386" => ForeignTrace("qemu-i386", I386Root, "/lib/ld-linux.so.2", program, procEnv, cwd),
            _ when dlopenTarget is not null => LoaderGroundTruthTests.RealTrace(target, procEnv, cwd: cwd),
            _ => LoaderGroundTruthTests.NormalizeTrace(Tool.Run(target, [], traceEnv, cwd, 20_000).Stdout),
        };
        var traceRequest = request with { Trace = true, ProgramName = sc.Runner == "musl" ? argv0 : request.ProgramName };
        using var g = DynamicLoader.Load(traceRequest);
        string ourTrace = Reports.TreeRenderer.Flat(g);
        output.WriteLine("real trace:\n" + realTrace + "our trace:\n" + ourTrace);
        Assert.Equal(realTrace, ourTrace);
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
            var obj = g.Objects.FirstOrDefault(o => o.Name == lib && o.Tried.Count > 0);
            if (obj is null) continue;
            var ours = obj.Tried.Select(c => c.Path).Where(p => Directory.Exists(Path.GetDirectoryName(p))).ToList();
            Assert.Equal(tried, ours);
            compared++;
        }
        output.WriteLine($"{name}: {compared} searches compared with LD_DEBUG=libs");
        Assert.True(compared > 0 || real.Count == 0);
    }

    private static LoadGraph GlibcLoaderFor(string program, Dictionary<string, string> env, string cwd) =>
        DynamicLoader.Load(new LoadRequest { Program = program, Environment = env, WorkingDirectory = cwd });

    public static IEnumerable<object[]> NativeNames() =>
        All.Where(s => s.Runner == "glibc" && s.Dlopen is null && s.Cwd is null).Select(s => new object[] { s.Name });

    [Fact]
    public void TheSuiteHasAtLeastFortyScenarios() => Assert.True(All.Length >= 40, $"{All.Length} scenarios");
}
