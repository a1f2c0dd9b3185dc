using System.Text.RegularExpressions;
using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// dyld scenarios on real Mach-O files (clang-14 + ld64.lld-14, arm64, macOS 11 with SDK 12, so "pre2022" binaries
/// with the classic fallback paths) laid out in a fake root. macOS cannot run here, so every expected result is derived
/// from dyld's source (apple-oss-distributions/dyld, dyld-1378) and written in the test, with the function it comes
/// from; the UUIDs in the messages come from llvm-objdump's view of each file.
/// </summary>
public sealed class DyldScenarioTests(ITestOutputHelper output)
{
    private static string Fixture() => Fixtures.Build("dyld-scenarios", """
        T="-arch arm64 -platform_version macos 11.0 12.0"
        cc() { clang-14 --target=arm64-apple-macos11 -O1 -c "$1" -o "$2"; }
        cc bar.c bar.o; cc foo.c foo.o; cc foo2.c foo2.o; cc main.c main.o; cc main2.c main2.o; cc main3.c main3.o; cc inner.c inner.o; cc re.c re.o; cc abs.c abs.o
        ld64.lld-14 $T -dylib -install_name @rpath/libbar.dylib -o "$OUT/libbar.dylib" bar.o libSystem.tbd
        ld64.lld-14 $T -dylib -install_name @rpath/libfoo.dylib -rpath @loader_path/../private -o "$OUT/libfoo.dylib" foo.o "$OUT/libbar.dylib" libSystem.tbd
        ld64.lld-14 $T -dylib -install_name @rpath/libfoo.dylib -o "$OUT/libfoo-new.dylib" foo2.o libSystem.tbd
        ld64.lld-14 $T -o "$OUT/main" main.o "$OUT/libfoo.dylib" libSystem.tbd -rpath @executable_path/../lib
        ld64.lld-14 $T -o "$OUT/main2" main2.o "$OUT/libfoo-new.dylib" libSystem.tbd -rpath @executable_path/../lib
        ld64.lld-14 $T -o "$OUT/main3" main3.o "$OUT/libfoo-new.dylib" libSystem.tbd -rpath @executable_path/../lib
        ld64.lld-14 -arch arm64 -platform_version macos 11.0 14.0 -o "$OUT/main-sdk14" main.o "$OUT/libfoo.dylib" libSystem.tbd
        ld64.lld-14 $T -dylib -install_name /opt/abs/libabs.dylib -o "$OUT/libabs.dylib" abs.o libSystem.tbd
        ld64.lld-14 $T -dylib -install_name @loader_path/libabs.dylib -o "$OUT/libabs-loader.dylib" abs.o libSystem.tbd
        ld64.lld-14 $T -dylib -install_name @executable_path/../Frameworks/libabs.dylib -o "$OUT/libabs-exec.dylib" abs.o libSystem.tbd
        printf 'int abs_fn(void);\nint main(void){return abs_fn();}\n' > mabs.c; cc mabs.c mabs.o
        ld64.lld-14 $T -o "$OUT/main-abs" mabs.o "$OUT/libabs.dylib" libSystem.tbd
        ld64.lld-14 $T -o "$OUT/main-loader" mabs.o "$OUT/libabs-loader.dylib" libSystem.tbd
        ld64.lld-14 $T -o "$OUT/main-exec" mabs.o "$OUT/libabs-exec.dylib" libSystem.tbd
        ld64.lld-14 $T -o "$OUT/main-weak" mabs.o "$OUT/libabs.dylib" -weak_library maybe.tbd libSystem.tbd
        mkdir -p sr/opt/re
        ld64.lld-14 $T -dylib -install_name /opt/re/libinner.dylib -o sr/opt/re/libinner.dylib inner.o libSystem.tbd
        cp sr/opt/re/libinner.dylib "$OUT/libinner.dylib"
        ld64.lld-14 $T -syslibroot sr -dylib -install_name @rpath/libouter.dylib -reexport_library sr/opt/re/libinner.dylib -o "$OUT/libouter.dylib" abs.o libSystem.tbd
        ld64.lld-14 $T -syslibroot sr -o "$OUT/main-re" re.o "$OUT/libouter.dylib" libSystem.tbd -rpath @executable_path
        clang-14 --target=x86_64-apple-macos11 -O1 -c foo.c -o foo-x86.o
        ld64.lld-14 -arch x86_64 -platform_version macos 11.0 12.0 -dylib -install_name @rpath/libfoo.dylib -o "$OUT/libfoo-x86_64.dylib" foo-x86.o libSystem.tbd -undefined dynamic_lookup
        """,
        ("libSystem.tbd", """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ x86_64-macos, arm64-macos ]
            install-name:    '/usr/lib/libSystem.B.dylib'
            current-version: 1311
            exports:
              - targets:         [ x86_64-macos, arm64-macos ]
                symbols:         [ _puts, dyld_stub_binder ]
            ...

            """),
        ("maybe.tbd", """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ arm64-macos ]
            install-name:    '@rpath/libmaybe.dylib'
            exports:
              - targets:         [ arm64-macos ]
                symbols:         [ _maybe ]
            ...

            """),
        ("bar.c", "int bar(void) { return 9; }\n"),
        ("foo.c", "int bar(void);\nint foo(void) { return bar() + 1; }\n"),
        ("foo2.c", "int foo(void) { return 1; }\nint foo2(void) { return 2; }\n"),
        ("main.c", "int foo(void);\nint puts(const char *);\nint main(void) { puts(\"hi\"); return foo(); }\n"),
        ("main2.c", "int foo(void);\nint foo2(void);\nint (*volatile fp)(void) = foo2;\nint main(void) { return foo() + fp(); }\n"),
        ("main3.c", "int foo(void);\nint foo2(void);\nint main(void) { return foo() + foo2(); }\n"),
        ("abs.c", "int abs_fn(void) { return 4; }\n"),
        ("inner.c", "int inner(void) { return 5; }\n"),
        ("re.c", "int inner(void);\nint main(void) { return inner(); }\n"));

    /// <summary>A fresh fake root with the fixture files placed at the given paths.</summary>
    private static string Root(params (string From, string To)[] files)
    {
        string root = Path.Combine(Path.GetTempPath(), "ld-dyld-" + Guid.NewGuid().ToString("N")[..10]);
        foreach (var (from, to) in files)
        {
            string dest = Path.Combine(root, to.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(Fixture(), from), dest);
        }
        return root;
    }

    /// <summary>LC_UUID as llvm-objdump prints it (dyld's Loader::getUuidStr prints the same upper-case form).</summary>
    private static string Uuid(string file)
    {
        var r = Tool.Run("llvm-objdump-14", ["--macho", "--private-headers", file]);
        return Regex.Match(r.Stdout, @"uuid ([0-9A-F-]{36})").Groups[1].Value;
    }

    private WhyReport Why(string root, string program, bool dlopen = false, params (string, string)[] env)
    {
        var request = new LoadRequest
        {
            Program = Path.Combine(root, program.TrimStart('/')), ProgramName = program, Root = new RootedFileSystem(root),
            Environment = env.ToDictionary(e => e.Item1, e => e.Item2),
        };
        var report = StartupSimulator.Simulate(request, dlopen);
        output.WriteLine($"{program}: starts={report.Starts} exit={report.ExitStatus}\n{string.Join("\n", report.LoaderOutput)}\n  fixes: {string.Join(" | ", report.Fixes)}");
        return report;
    }

    private static LoadGraph Tree(string root, string program, params (string, string)[] env) => DynamicLoader.Load(new LoadRequest
    {
        Program = Path.Combine(root, program.TrimStart('/')), ProgramName = program, Root = new RootedFileSystem(root), Trace = true,
        Environment = env.ToDictionary(e => e.Item1, e => e.Item2),
    });

    private static string Source(LoadGraph g, string name) => TreeRenderer.Describe(g.Objects.First(o => o.Name == name && o.Found));

    /// <summary>
    /// @rpath across the load chain (Loader::forEachResolvedAtPathVar walks options.rpathStack from the image itself
    /// up to the main executable): libbar is needed by libfoo, whose LC_RPATH @loader_path/../private has no libbar,
    /// so the main executable's @executable_path/../lib serves. libSystem comes from the shared cache.
    /// </summary>
    [Fact]
    public void RpathAcrossTheLoadChainAndTheSharedCache()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo.dylib", "/app/lib/libfoo.dylib"), ("libbar.dylib", "/app/lib/libbar.dylib"));
        using var g = Tree(root, "/app/bin/main");
        Assert.Equal("LC_RPATH of /app/bin/main", Source(g, "@rpath/libfoo.dylib"));
        Assert.Equal("LC_RPATH of /app/bin/main", Source(g, "@rpath/libbar.dylib"));
        var bar = g.Objects.First(o => o.Name == "@rpath/libbar.dylib");
        // expandAtLoaderPath copies the image path up to its last slash and appends the rest: no normalisation.
        Assert.Equal(["/app/lib/../private/libbar.dylib", "/app/lib/libbar.dylib"], bar.Tried.Select(c => c.Path).ToArray());
        Assert.Equal("LC_RPATH of /app/lib/libfoo.dylib", bar.Tried[0].Source.Describe(bar.Tried[0].Owner));
        Assert.Equal("dyld shared cache", Source(g, "/usr/lib/libSystem.B.dylib"));
        var report = Why(root, "/app/bin/main");
        Assert.True(report.Starts);
        var json = LoadGraphReport.From("/app/bin/main", g);
        Assert.Contains(json.Objects!, o => o.Name == "/usr/lib/libSystem.B.dylib" && o.Found && o.Source == "dyld shared cache");
    }

    /// <summary>
    /// A missing @rpath dylib (JustInTimeLoader::loadDependents: "Library not loaded: %s\n  Referenced from: &lt;%s&gt; %s%s\n
    /// Reason: %s"): the LC_RPATH expansion, then — a pre-2022 binary with no DYLD_FALLBACK_LIBRARY_PATH —
    /// forEachDylibFallback's /usr/local/lib and /usr/lib; only /usr/lib/ says ", not in dyld cache" (mightBeInSharedCache).
    /// </summary>
    [Fact]
    public void MissingRpathDylibListsEveryPathTried()
    {
        string root = Root(("main", "/app/bin/main"));
        var r = Why(root, "/app/bin/main");
        Assert.False(r.Starts);
        Assert.Equal(134, r.ExitStatus);
        Assert.Equal($"dyld[PID]: Library not loaded: @rpath/libfoo.dylib\n  Referenced from: <{Uuid(Path.Combine(root, "app/bin/main"))}> /app/bin/main\n  Reason: tried: " +
                     "'/app/lib/libfoo.dylib' (no such file), '/usr/local/lib/libfoo.dylib' (no such file), '/usr/lib/libfoo.dylib' (no such file, not in dyld cache)",
            r.LoaderOutput[0]);
    }

    /// <summary>A binary built with the macOS 14 SDK is not "pre2022" (enforceFormat(sdkOnOrAfter2022)): no fallbacks, and with no LC_RPATH getLoader says "no LC_RPATH's found".</summary>
    [Fact]
    public void NoRpathAndNoFallbacksForANewSdk()
    {
        string root = Root(("main-sdk14", "/app/bin/main"));
        var r = Why(root, "/app/bin/main");
        Assert.EndsWith("\n  Reason: no LC_RPATH's found", r.LoaderOutput[0]);
        Assert.Contains(r.Fixes, f => f.Contains("-add_rpath"));
    }

    /// <summary>DYLD_LIBRARY_PATH comes first, by leaf name (forEachPathVariant: _dylibPathOverridesEnv before the path itself).</summary>
    [Fact]
    public void DyldLibraryPathWinsOverRpath()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo.dylib", "/app/lib/libfoo.dylib"), ("libfoo.dylib", "/override/libfoo.dylib"), ("libbar.dylib", "/app/lib/libbar.dylib"));
        using var g = Tree(root, "/app/bin/main", ("DYLD_LIBRARY_PATH", "/override"));
        Assert.Equal("/override/libfoo.dylib", g.Objects.First(o => o.Name == "@rpath/libfoo.dylib").Path);
        Assert.Equal("DYLD_LIBRARY_PATH", Source(g, "@rpath/libfoo.dylib"));
    }

    /// <summary>DYLD_FALLBACK_LIBRARY_PATH replaces the default /usr/local/lib:/usr/lib (forEachDylibFallback).</summary>
    [Fact]
    public void FallbackLibraryPathReplacesTheDefault()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo.dylib", "/fb/libfoo.dylib"), ("libbar.dylib", "/fb/libbar.dylib"), ("libfoo.dylib", "/usr/local/lib/libfoo.dylib"));
        using var g = Tree(root, "/app/bin/main", ("DYLD_FALLBACK_LIBRARY_PATH", "/fb"));
        Assert.Equal("/fb/libfoo.dylib", g.Objects.First(o => o.Name == "@rpath/libfoo.dylib").Path);
        Assert.Equal("DYLD_FALLBACK_LIBRARY_PATH", Source(g, "@rpath/libfoo.dylib"));
    }

    /// <summary>Without the variable, a pre-2022 binary falls back to /usr/local/lib (FallbackPathMode::classic).</summary>
    [Fact]
    public void DefaultFallbackUsrLocalLib()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo.dylib", "/usr/local/lib/libfoo.dylib"), ("libbar.dylib", "/usr/local/lib/libbar.dylib"));
        using var g = Tree(root, "/app/bin/main");
        Assert.Equal("/usr/local/lib/libfoo.dylib", g.Objects.First(o => o.Name == "@rpath/libfoo.dylib").Path);
        Assert.True(Why(root, "/app/bin/main").Starts);
    }

    /// <summary>An absolute install name: the path itself, then the fallbacks by leaf name (forEachPathVariant rawPath, then forEachDylibFallback).</summary>
    [Fact]
    public void MissingAbsoluteInstallName()
    {
        string root = Root(("main-abs", "/app/main"));
        var r = Why(root, "/app/main");
        Assert.Equal($"dyld[PID]: Library not loaded: /opt/abs/libabs.dylib\n  Referenced from: <{Uuid(Path.Combine(root, "app/main"))}> /app/main\n  Reason: tried: " +
                     "'/opt/abs/libabs.dylib' (no such file), '/usr/local/lib/libabs.dylib' (no such file), '/usr/lib/libabs.dylib' (no such file, not in dyld cache)",
            r.LoaderOutput[0]);
        // A copy elsewhere in the root: install_name_tool -change makes dyld find it (applied with LLVM's install_name_tool, then checked again).
        string root2 = Root(("main-abs", "/app/main"), ("libabs.dylib", "/app/libs/libabs.dylib"));
        var r2 = Why(root2, "/app/main");
        var change = r2.Remedies.SelectMany(x => x.Actions ?? []).First(a => a.Commands?[0][0] == "install_name_tool");
        Assert.Equal(["install_name_tool", "-change", "/opt/abs/libabs.dylib", "@loader_path/libs/libabs.dylib"], change.Commands![0].Take(4).ToArray());
        Tool.Run("llvm-install-name-tool-14", change.Commands[0].Skip(1));
        Assert.True(Why(root2, "/app/main").Starts);
    }

    /// <summary>@loader_path is the directory of the image that names the dylib (Loader::expandAtLoaderPath).</summary>
    [Fact]
    public void LoaderPath()
    {
        string root = Root(("main-loader", "/app/main"), ("libabs-loader.dylib", "/app/libabs.dylib"));
        using var g = Tree(root, "/app/main");
        Assert.Equal("@loader_path", Source(g, "@loader_path/libabs.dylib"));
        Assert.Equal("/app/libabs.dylib", g.Objects.First(o => o.Name == "@loader_path/libabs.dylib").Path);
    }

    /// <summary>@executable_path with a leading "/.." folded into the main executable's directory (expandAndNormalizeAtExecutablePath).</summary>
    [Fact]
    public void ExecutablePath()
    {
        string root = Root(("main-exec", "/App.app/Contents/MacOS/main"), ("libabs-exec.dylib", "/App.app/Contents/Frameworks/libabs.dylib"));
        using var g = Tree(root, "/App.app/Contents/MacOS/main");
        var o = g.Objects.First(x => x.Name == "@executable_path/../Frameworks/libabs.dylib");
        Assert.Equal("/App.app/Contents/Frameworks/libabs.dylib", o.Path);
        Assert.Equal("@executable_path", TreeRenderer.Describe(o));
    }

    /// <summary>A missing LC_LOAD_WEAK_DYLIB is fine (depOptions.canBeMissing = depAttrs.weakLink; getLoader clears the error).</summary>
    [Fact]
    public void MissingWeakDylibStarts()
    {
        string root = Root(("main-weak", "/app/main"), ("libabs.dylib", "/opt/abs/libabs.dylib"));
        Assert.True(Why(root, "/app/main").Starts);
        using var g = Tree(root, "/app/main");
        Assert.Contains(g.Main.Needed, n => n.Name == "@rpath/libmaybe.dylib" && !n.Target.Found);
    }

    /// <summary>
    /// A dylib of another version that lacks an imported symbol: Loader::resolveSymbol, two-level namespace by library
    /// ordinal: "Symbol not found: %s\n  Referenced from: &lt;%s&gt; %s%s\n  Expected in:     &lt;%s&gt; %s".
    /// </summary>
    [Fact]
    public void SymbolNotFoundInAnOlderDylib()
    {
        string root = Root(("main2", "/app/bin/main2"), ("libfoo.dylib", "/app/lib/libfoo.dylib"), ("libbar.dylib", "/app/lib/libbar.dylib"));
        var r = Why(root, "/app/bin/main2");
        Assert.False(r.Starts);
        Assert.Equal($"dyld[PID]: Symbol not found: _foo2\n  Referenced from: <{Uuid(Path.Combine(root, "app/bin/main2"))}> /app/bin/main2\n  Expected in:     <{Uuid(Path.Combine(root, "app/lib/libfoo.dylib"))}> /app/lib/libfoo.dylib",
            r.LoaderOutput[0]);
        // Called only (a lazy bind in this opcode-based image): resolveSymbol binds it to missing_symbol_abort, so the
        // program starts and aborts at the first call.
        string root3 = Root(("main3", "/app/bin/main3"), ("libfoo.dylib", "/app/lib/libfoo.dylib"), ("libbar.dylib", "/app/lib/libbar.dylib"));
        var r3 = Why(root3, "/app/bin/main3");
        Assert.True(r3.Starts);
        Assert.Contains(r3.Later, l => l.StartsWith("_foo2 from /app/lib/libfoo.dylib"));
    }

    /// <summary>A symbol found through LC_REEXPORT_DYLIB (Loader::hasExportedSymbol searches re-exported dylibs).</summary>
    [Fact]
    public void ReexportedSymbolResolves()
    {
        string root = Root(("main-re", "/app/main"), ("libouter.dylib", "/app/libouter.dylib"), ("libinner.dylib", "/opt/re/libinner.dylib"));
        Assert.True(Why(root, "/app/main").Starts);
        // Without the re-exported dylib, libouter itself fails to load it.
        string root2 = Root(("main-re", "/app/main"), ("libouter.dylib", "/app/libouter.dylib"));
        Assert.StartsWith("dyld[PID]: Library not loaded: /opt/re/libinner.dylib\n  Referenced from: ", Why(root2, "/app/main").LoaderOutput[0]);
    }

    /// <summary>
    /// An x86_64 dylib for an arm64 process: MachOFile::compatibleSlice "mach-o file, but is an incompatible architecture
    /// (have '%s', need '%s')", appended to the tried list; the search goes on to the fallbacks.
    /// </summary>
    [Fact]
    public void WrongArchitectureIsReportedAndSkipped()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo-x86_64.dylib", "/app/lib/libfoo.dylib"));
        var r = Why(root, "/app/bin/main");
        Assert.Contains("Reason: tried: '/app/lib/libfoo.dylib' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64')), '/usr/local/lib/libfoo.dylib' (no such file)", r.LoaderOutput[0]);
        Assert.Contains(r.Fixes, f => f.Contains("arm64"));
    }

    /// <summary>dlopen(): the dlerror() text "dlopen(%s, 0x%04X): %s" (APIs::dlopen_from) around the dependent's failure.</summary>
    [Fact]
    public void DlopenForm()
    {
        string root = Root(("libfoo.dylib", "/app/lib/libfoo.dylib"));
        var r = Why(root, "/app/lib/libfoo.dylib", dlopen: true);
        Assert.Null(r.ExitStatus);
        Assert.StartsWith($"dlopen(/app/lib/libfoo.dylib, 0x0002): Library not loaded: @rpath/libbar.dylib\n  Referenced from: <{Uuid(Path.Combine(root, "app/lib/libfoo.dylib"))}> /app/lib/libfoo.dylib\n  Reason: tried: '/app/lib/../private/libbar.dylib' (no such file)",
            r.LoaderOutput[0]);
    }

    /// <summary>The CLI on a Mach-O root: tree --json keeps its fields and names the dyld steps; explain reads the message why printed.</summary>
    [Fact]
    public void CliTreeJsonAndExplain()
    {
        string root = Root(("main", "/app/bin/main"), ("libfoo.dylib", "/app/lib/libfoo.dylib"), ("libbar.dylib", "/app/lib/libbar.dylib"));
        var t = Tool.LinkDoctor("tree", "--json", "--root", root, Path.Combine(root, "app/bin/main"));
        Assert.Equal(0, t.ExitCode);
        Assert.Contains($"\"source\": \"LC_RPATH of {Path.Combine(root, "app/bin/main")}\"", t.Stdout);
        Assert.Contains("\"source\": \"dyld shared cache\"", t.Stdout);
        Assert.Contains("\"tried\"", t.Stdout);
        string root2 = Root(("main", "/app/bin/main"));
        var w = Tool.LinkDoctor("why", "--root", root2, Path.Combine(root2, "app/bin/main"));
        Assert.Equal(1, w.ExitCode);
        Assert.Contains("Library not loaded: @rpath/libfoo.dylib", w.Stdout);
    }

    /// <summary>
    /// check --target macos-…: the minimum OS (LC_BUILD_VERSION minos, as llvm-objdump reads it) against the release
    /// (MachOFile::loadableIntoProcess) and the slice for the architecture (MachOFile::compatibleSlice), on a thin and a
    /// universal file.
    /// </summary>
    [Fact]
    public void CheckMacOsTargets()
    {
        string main = Path.Combine(Fixture(), "main");
        string minos = Regex.Match(Tool.Run("llvm-objdump-14", ["--macho", "--private-headers", main]).Stdout, @"minos (\S+)").Groups[1].Value;
        Assert.Equal("11.0", minos);
        Assert.Equal(1, Tool.LinkDoctor("check", "--target", "macos-10.15-arm64", main).ExitCode);
        Assert.Equal(0, Tool.LinkDoctor("check", "--target", "macos-11.0-arm64", main).ExitCode);
        var x86 = Tool.LinkDoctor("check", "--target", "macos-12-x86_64", main);
        Assert.Equal(1, x86.ExitCode);
        Assert.Contains("(have 'arm64', need 'x86_64')", x86.Stdout);
        string universal = Path.Combine(NativeCorpora.MachO(), "main-universal");
        Assert.Equal(0, Tool.LinkDoctor("check", "--target", "macos-12-x86_64", universal).ExitCode);
        Assert.Equal(0, Tool.LinkDoctor("check", "--target", "macos-12-arm64", universal).ExitCode);
    }
}
