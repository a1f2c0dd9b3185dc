using System.Text.RegularExpressions;
using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The Windows loader model against a real PE loader: Wine 8 (Debian's wine64) runs mingw-w64 programs laid out in a
/// temporary directory, with a throwaway prefix made once (cached like the fixtures). What Wine reports — the
/// <c>err:module:import_dll</c> line naming the missing DLL, the NTSTATUS of <c>LdrInitializeThunk</c>, the program's
/// own output, the exit code (Wine's Unix exit status is the NTSTATUS's low byte: 0xC0000135 gives 53) — is compared
/// with what <c>why</c> predicts. The model's root is a directory whose <c>windows</c> is the prefix's (a symbolic
/// link), so System32 is Wine's own. Where Wine differs from Windows, the test says so and cites Microsoft Learn
/// "Dynamic-link library search order" (learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order).
/// </summary>
public sealed class WineScenarioTests(ITestOutputHelper output)
{
    private static string Programs() => Fixtures.Build("wine-scenarios", """
        G=$(dirname "$(x86_64-w64-mingw32-gcc -print-libgcc-file-name)")
        W=x86_64-w64-mingw32-gcc
        $W -shared -o "$OUT/lib.dll" lib.c lib.def
        $W -shared -DOLD -o "$OUT/libold.dll" lib.c libold.def
        x86_64-w64-mingw32-dlltool -d lib.def -l liblib.a
        i686-w64-mingw32-gcc -shared -o "$OUT/lib32.dll" lib.c lib.def
        $W -o "$OUT/app.exe" app.c -L. -llib
        $W -o "$OUT/app2.exe" app2.c -L. -llib
        $W -o "$OUT/app4.exe" app4.c -L. -llib
        $W -shared -o "$OUT/mid.dll" mid.c -L. -llib
        $W -o "$OUT/app3.exe" app3.c "$OUT/mid.dll"
        $W -shared -o "$OUT/ldsysonly.dll" sysonly.c -Wl,--out-implib,libldsysonly.a
        $W -o "$OUT/sysapp.exe" sysapp.c -L. -lldsysonly
        $W -o "$OUT/ws.exe" ws.c -lws2_32
        $W -shared -o "$OUT/bogus.dll" sysonly.c
        x86_64-w64-mingw32-dlltool -d synch.def -l libsynch.a
        x86_64-w64-mingw32-dlltool -d depr.def -l libdepr.a
        $W -o "$OUT/apiset.exe" apiset.c -L. -lsynch
        $W -o "$OUT/depr.exe" apiset.c -L. -ldepr
        $W -o "$OUT/host.exe" host.c
        $W -shared -o "$OUT/plug.dll" plug.c -L. -llib
        llvm-dlltool-14 -m i386:x86-64 -d delayed.def -l libdelayed.a
        clang-14 --target=x86_64-w64-windows-gnu -fuse-ld=lld-14 -L"$G" -O1 -o "$OUT/delay.exe" dmain.c -L. -ldelayed -Wl,-delayload=delayed.dll
        """,
        ("lib.c", "int f(void) { return 1; }\nint g(void) { return 2; }\n#ifndef OLD\nint h(void) { return 3; }\n#endif\n"),
        ("lib.def", "LIBRARY lib.dll\nEXPORTS\n  f\n  g @5 NONAME\n  h\n"),
        ("libold.def", "LIBRARY lib.dll\nEXPORTS\n  f @1\n  g @7 NONAME\n"),
        ("app.c", "#include <stdio.h>\nint f(void); int g(void); int h(void);\nint main(void) { printf(\"started %d\\n\", f() + g() + h()); fflush(stdout); return 0; }\n"),
        ("app2.c", "#include <stdio.h>\nint f(void); int g(void);\nint main(void) { printf(\"started %d\\n\", f() + g()); fflush(stdout); return 0; }\n"),
        ("app4.c", "#include <stdio.h>\nint f(void); int h(void);\nint main(void) { printf(\"started %d\\n\", f() + h()); fflush(stdout); return 0; }\n"),
        ("mid.c", "int f(void);\n__declspec(dllexport) int mid(void) { return f(); }\n"),
        ("app3.c", "#include <stdio.h>\n__declspec(dllimport) int mid(void);\nint main(void) { printf(\"started %d\\n\", mid()); fflush(stdout); return 0; }\n"),
        ("sysonly.c", "__declspec(dllexport) int sysonly(void) { return 8; }\n"),
        ("sysapp.c", "#include <stdio.h>\n__declspec(dllimport) int sysonly(void);\nint main(void) { printf(\"started %d\\n\", sysonly()); fflush(stdout); return 0; }\n"),
        ("ws.c", "#include <stdio.h>\n#include <winsock2.h>\nint main(void) { printf(\"started %d\\n\", (int)ntohs(0x100)); fflush(stdout); return 0; }\n"),
        ("synch.def", "LIBRARY api-ms-win-core-synch-l1-2-0.dll\nEXPORTS\n  Sleep\n"),
        ("depr.def", "LIBRARY api-ms-win-deprecated-apis-legacy-l1-1-0.dll\nEXPORTS\n  Sleep\n"),
        ("apiset.c", "#include <stdio.h>\n__declspec(dllimport) void __stdcall Sleep(unsigned long);\nint main(void) { Sleep(0); printf(\"started\\n\"); fflush(stdout); return 0; }\n"),
        ("host.c", "#include <windows.h>\n#include <stdio.h>\nint main(int argc, char **argv) { HMODULE h = LoadLibraryExA(argv[1], NULL, LOAD_WITH_ALTERED_SEARCH_PATH); printf(\"handle %d error %lu\\n\", h != NULL, h ? 0 : GetLastError()); fflush(stdout); return h ? 0 : 3; }\n"),
        ("plug.c", "int f(void);\n__declspec(dllexport) int plug(void) { return f(); }\n"),
        ("delayed.def", "LIBRARY delayed.dll\nEXPORTS\n  delayed_fn\n"),
        ("dmain.c", "#include <stdio.h>\nint delayed_fn(void);\nint main(void) { printf(\"before\\n\"); fflush(stdout); return delayed_fn(); }\n"));

    /// <summary>
    /// A Wine prefix made once (wineboot is slow) and kept with the fixtures; scenarios only add uniquely named files to
    /// it, and remove them. A persistent wineserver (it exits by itself 30 s after its last client) keeps Wine's
    /// services up between the runs, which makes each run a fraction of a second instead of several.
    /// </summary>
    private static string Prefix() => PrefixOnce.Value;

    private static readonly Lazy<string> PrefixOnce = new(() =>
    {
        string prefix = BuildPrefix();
        // Detached from our pipes: the daemon would hold them open for its whole life.
        Tool.Run("/bin/sh", ["-c", "wineserver -p30 </dev/null >/dev/null 2>&1"], new Dictionary<string, string?> { ["WINEPREFIX"] = prefix });
        return prefix;
    });

    private static string BuildPrefix() => Path.Combine(Fixtures.Build("wine-prefix", """
        export WINEPREFIX="$OUT/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
        wineboot --init >/dev/null 2>&1 || true
        wineserver -w
        test -f "$OUT/prefix/drive_c/windows/system32/kernel32.dll"
        """), "prefix");

    private sealed record WineRun(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>"Library X (which is needed by …) not found" or "Loading library X … failed (error S)".</summary>
        public string? MissingDll => Regex.Match(Stderr, @"err:module:import_dll (?:Library|Loading library) (\S+) \(which is needed by") is { Success: true } m ? m.Groups[1].Value : null;
        public string? Status => Regex.Match(Stderr, @"LdrInitializeThunk Importing dlls for .* failed, status ([0-9a-f]+)") is { Success: true } m ? "0x" + m.Groups[1].Value : null;
    }

    /// <summary>Runs a program under Wine in <paramref name="dir"/> (no debugger: winedbg disabled, so an unhandled exception just ends the process).</summary>
    private WineRun Wine(string dir, string program, string? winePath = null, params string[] args)
    {
        var env = new Dictionary<string, string?>
        {
            ["WINEPREFIX"] = Prefix(), ["WINEDEBUG"] = "-all,err+module", ["WINEDLLOVERRIDES"] = "winedbg.exe=d;mscoree,mshtml=",
            ["WINEPATH"] = winePath, ["DISPLAY"] = null, ["WAYLAND_DISPLAY"] = null,
        };
        var r = Tool.Run("wine", [program, .. args], env, dir, timeoutMs: 120_000);
        output.WriteLine($"wine {program}: exit {r.ExitCode}\n{r.Stdout}{string.Join("\n", r.Stderr.Split('\n').Where(l => l.Contains("err:") || l.Contains("wine:")))}");
        return new WineRun(r.ExitCode, r.Stdout, r.Stderr);
    }

    /// <summary>A scenario directory: "windows" is the prefix's (a symbolic link), the files are placed under it.</summary>
    private static string Layout(params (string From, string To)[] files)
    {
        string root = Path.Combine(Path.GetTempPath(), "ld-wine-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        File.CreateSymbolicLink(Path.Combine(root, "windows"), Path.Combine(Prefix(), "drive_c", "windows"));
        foreach (var (from, to) in files)
        {
            string dest = Path.Combine(root, to.TrimStart('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(Path.Combine(Programs(), from), dest);
        }
        return root;
    }

    private WhyReport Why(string root, string program, bool dlopen = false, params (string, string)[] env)
    {
        var report = StartupSimulator.Simulate(new LoadRequest
        {
            Program = Path.Combine(root, program.TrimStart('/')), ProgramName = program, Root = new RootedFileSystem(root),
            Environment = env.ToDictionary(e => e.Item1, e => e.Item2),
        }, dlopen);
        output.WriteLine($"why {program}: starts={report.Starts} exit={report.ExitStatus}\n{string.Join("\n", report.LoaderOutput)}\n  later: {string.Join(" | ", report.Later)}\n  fixes: {string.Join(" | ", report.Fixes)}");
        return report;
    }

    private static LoadGraph Tree(string root, string program, params (string, string)[] env) => DynamicLoader.Load(new LoadRequest
    {
        Program = Path.Combine(root, program.TrimStart('/')), ProgramName = program, Root = new RootedFileSystem(root), Trace = true,
        Environment = env.ToDictionary(e => e.Item1, e => e.Item2),
    });

    private static string Source(LoadGraph g, string name) =>
        TreeRenderer.Describe(g.Objects.First(o => o.Found && o.Names.Contains(name, StringComparer.OrdinalIgnoreCase)));

    private const int StatusDllNotFound = unchecked((int)0xC0000135);

    /// <summary>1. The application directory: the DLL next to the program.</summary>
    [Fact]
    public void ApplicationDirectory()
    {
        string root = Layout(("app.exe", "/app/app.exe"), ("lib.dll", "/app/lib.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app.exe");
        var why = Why(root, "/app/app.exe");
        Assert.Equal(wine.ExitCode == 0 && wine.Stdout.Contains("started 6"), why.Starts);
        Assert.True(why.Starts);
        using var g = Tree(root, "/app/app.exe");
        Assert.Equal("application directory", Source(g, "lib.dll"));
    }

    /// <summary>
    /// 2. PATH, searched last. Wine builds the Windows PATH from its registry and WINEPATH, not from the Unix PATH
    /// (WINEPATH=Z:\dir is the same Windows directory the model is given as PATH=C:\dir inside its root).
    /// </summary>
    [Fact]
    public void PathDirectory()
    {
        string root = Layout(("app.exe", "/app/bin/app.exe"), ("lib.dll", "/libs/lib.dll"));
        var wine = Wine(Path.Combine(root, "app/bin"), "app.exe", winePath: "Z:" + Path.Combine(root, "libs").Replace('/', '\\'));
        var why = Why(root, "/app/bin/app.exe", false, ("PATH", @"C:\libs"));
        Assert.True(wine.ExitCode == 0 && why.Starts);
        using var g = Tree(root, "/app/bin/app.exe", ("PATH", @"C:\libs"));
        Assert.Equal("PATH", Source(g, "lib.dll"));
        // Without it: both fail on lib.dll.
        var wine2 = Wine(Path.Combine(root, "app/bin"), "app.exe");
        var why2 = Why(root, "/app/bin/app.exe");
        Assert.Equal("lib.dll", wine2.MissingDll);
        Assert.Equal("0xc0000135", wine2.Status);
        Assert.Equal("lib.dll", why2.Messages[0].Values["library"]);
        Assert.Equal(StatusDllNotFound, why2.ExitStatus);
        Assert.Equal(StatusDllNotFound & 0xff, wine2.ExitCode);
    }

    /// <summary>3. System32 (the prefix's system32, case-insensitively "Windows/System32").</summary>
    [Fact]
    public void System32()
    {
        string sys = Path.Combine(Prefix(), "drive_c", "windows", "system32", "ldsysonly.dll");
        File.Copy(Path.Combine(Programs(), "ldsysonly.dll"), sys, overwrite: true);
        try
        {
            string root = Layout(("sysapp.exe", "/app/sysapp.exe"));
            var wine = Wine(Path.Combine(root, "app"), "sysapp.exe");
            var why = Why(root, "/app/sysapp.exe");
            Assert.True(wine.Stdout.Contains("started 8") && why.Starts);
            using var g = Tree(root, "/app/sysapp.exe");
            Assert.Equal("System32", Source(g, "ldsysonly.dll"));
        }
        finally { File.Delete(sys); }
    }

    /// <summary>4. An API set contract: api-ms-win-core-synch-l1-2-0.dll is not a file; the schema maps it to kernelbase.dll.</summary>
    [Fact]
    public void ApiSetResolvesToItsHost()
    {
        string root = Layout(("apiset.exe", "/app/apiset.exe"));
        var wine = Wine(Path.Combine(root, "app"), "apiset.exe");
        var why = Why(root, "/app/apiset.exe");
        Assert.True(wine.Stdout.Contains("started") && why.Starts);
        using var g = Tree(root, "/app/apiset.exe");
        var o = g.Objects.First(x => x.Names.Contains("api-ms-win-core-synch-l1-2-0.dll"));
        Assert.EndsWith("kernelbase.dll", o.Path, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>5. A contract the schema lists with no host (api-ms-win-deprecated-apis-legacy-l1-1-0): a missing DLL for both.</summary>
    [Fact]
    public void ApiSetWithoutHost()
    {
        string root = Layout(("depr.exe", "/app/depr.exe"));
        var wine = Wine(Path.Combine(root, "app"), "depr.exe");
        var why = Why(root, "/app/depr.exe");
        Assert.Equal("api-ms-win-deprecated-apis-legacy-l1-1-0.dll", wine.MissingDll);
        Assert.Equal(wine.MissingDll, why.Messages[0].Values["library"]);
        Assert.Equal(StatusDllNotFound, why.ExitStatus);
    }

    /// <summary>
    /// 6. KnownDLLs: a ws2_32.dll in the application directory (a DLL without ntohs) is never used. Windows takes the
    /// known DLL from \KnownDlls ("Dynamic-link library search order": known DLLs come before the application
    /// directory); Wine gets the same result because it prefers its builtin ws2_32 (its own load order, not the
    /// KnownDLLs list), so this agrees for a Wine DLL and says nothing about a third-party DLL on the list.
    /// </summary>
    [Fact]
    public void KnownDllBeatsTheApplicationDirectory()
    {
        string root = Layout(("ws.exe", "/app/ws.exe"), ("bogus.dll", "/app/ws2_32.dll"));
        var wine = Wine(Path.Combine(root, "app"), "ws.exe");
        var why = Why(root, "/app/ws.exe");
        Assert.True(wine.Stdout.Contains("started 1") && why.Starts);
        using var g = Tree(root, "/app/ws.exe");
        Assert.Equal("KnownDLLs", Source(g, "ws2_32.dll"));
    }

    /// <summary>
    /// 7. A missing delay-load DLL does not stop the start: the program runs until its first call into it, where the
    /// delay-load helper raises 0xC06D007E (Wine: "Unhandled exception 0xc06d007e"; exit status 0x7E).
    /// </summary>
    [Fact]
    public void MissingDelayLoadFailsLater()
    {
        string root = Layout(("delay.exe", "/app/delay.exe"));
        var wine = Wine(Path.Combine(root, "app"), "delay.exe");
        var why = Why(root, "/app/delay.exe");
        Assert.Contains("before", wine.Stdout);
        Assert.Contains("c06d007e", wine.Stderr);
        Assert.True(why.Starts);
        Assert.Contains(why.Later, l => l.StartsWith("delayed.dll (delay-loaded by /app/delay.exe): not found"));
    }

    /// <summary>
    /// 8. An import by name the DLL does not export. Windows refuses the start: STATUS_ENTRYPOINT_NOT_FOUND (0xC0000139,
    /// "The procedure entry point h could not be located…"). Wine differs: it binds the import to a stub and the
    /// program dies at the first call ("Call from … to unimplemented function lib.dll.h"). Both name the same function.
    /// </summary>
    [Fact]
    public void MissingImportByName()
    {
        string root = Layout(("app4.exe", "/app/app4.exe"), ("libold.dll", "/app/lib.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app4.exe");
        var why = Why(root, "/app/app4.exe");
        Assert.Contains("unimplemented function lib.dll.h", wine.Stderr);
        Assert.DoesNotContain("started", wine.Stdout);
        Assert.Equal("The procedure entry point h could not be located in the dynamic link library lib.dll.", why.LoaderOutput[0]);
        Assert.Equal(unchecked((int)0xC0000139), why.ExitStatus);
    }

    /// <summary>
    /// 9. An import by ordinal the DLL does not export (the older lib.dll exports g as ordinal 7 and leaves slot 5 empty; the program imports ordinal 5). Wine binds it
    /// to a stub ("unimplemented function lib.dll.5" at the first call).
    /// Windows: STATUS_ORDINAL_NOT_FOUND (0xC0000138). Wine does not refuse the start either (it binds the slot and
    /// the program runs). The model's answer is checked against the export table as llvm-readobj prints it.
    /// </summary>
    [Fact]
    public void MissingImportByOrdinal()
    {
        string root = Layout(("app2.exe", "/app/app2.exe"), ("libold.dll", "/app/lib.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app2.exe");
        var why = Why(root, "/app/app2.exe");
        Assert.Null(wine.Status);
        Assert.Contains("unimplemented function lib.dll.5", wine.Stderr);
        var exports = Tool.Run("llvm-readobj-14", ["--coff-exports", Path.Combine(root, "app/lib.dll")]).Stdout;
        Assert.Matches(@"Ordinal: 5\n  Name: \n  RVA: 0x0\n", exports);
        Assert.Contains("Ordinal: 7\n", exports);
        Assert.Equal("The ordinal 5 could not be located in the dynamic link library lib.dll.", why.LoaderOutput[0]);
        Assert.Equal(unchecked((int)0xC0000138), why.ExitStatus);
    }

    /// <summary>
    /// 10. An i686 lib.dll next to an x64 program. Windows maps the first file of the name and fails with
    /// STATUS_INVALID_IMAGE_FORMAT (0xC000007B). Wine reports the same status for the DLL ("Loading library lib.dll …
    /// failed (error c000007b)") but ends the start with STATUS_DLL_NOT_FOUND.
    /// </summary>
    [Fact]
    public void WrongMachine()
    {
        string root = Layout(("app.exe", "/app/app.exe"), ("lib32.dll", "/app/lib.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app.exe");
        var why = Why(root, "/app/app.exe");
        Assert.Contains("failed (error c000007b)", wine.Stderr);
        Assert.Equal("lib.dll", wine.MissingDll);
        Assert.Equal("The application was unable to start correctly (0xc000007b).", why.LoaderOutput[0]);
        Assert.Equal(unchecked((int)0xC000007B), why.ExitStatus);
    }

    /// <summary>11. A missing DLL: STATUS_DLL_NOT_FOUND for both, naming the DLL.</summary>
    [Fact]
    public void MissingDll()
    {
        string root = Layout(("app.exe", "/app/app.exe"), ("lib.dll", "/elsewhere/lib.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app.exe");
        var why = Why(root, "/app/app.exe");
        Assert.Equal(("lib.dll", "0xc0000135"), (wine.MissingDll, wine.Status));
        Assert.Equal("The code execution cannot proceed because lib.dll was not found.", why.LoaderOutput[0]);
        // The fix copies the DLL next to the program; Wine then starts it.
        var copy = why.Remedies.SelectMany(r => r.Actions ?? []).First(a => a.Commands?[0][0] == "cp").Commands![0];
        Tool.Run("cp", copy.Skip(1));
        Assert.Contains("started 6", Wine(Path.Combine(root, "app"), "app.exe").Stdout);
        Assert.True(Why(root, "/app/app.exe").Starts);
    }

    /// <summary>12. A DLL missing one level down (app3.exe → mid.dll → lib.dll): both name lib.dll, needed by mid.dll.</summary>
    [Fact]
    public void MissingTransitiveDll()
    {
        string root = Layout(("app3.exe", "/app/app3.exe"), ("mid.dll", "/app/mid.dll"));
        var wine = Wine(Path.Combine(root, "app"), "app3.exe");
        var why = Why(root, "/app/app3.exe");
        Assert.Equal("lib.dll", wine.MissingDll);
        Assert.Matches(@"needed by L""[^""]*mid\.dll""", wine.Stderr);
        Assert.Equal("lib.dll", why.Messages[0].Values["library"]);
        Assert.Contains(why.Explanation, e => e.Contains("imported by /app/mid.dll"));
    }

    /// <summary>
    /// 13. LoadLibraryExW(plugin, LOAD_WITH_ALTERED_SEARCH_PATH) (Node.js addons, older Python extensions): the
    /// plugin's own directory is searched for its imports. With lib.dll there it loads; without, GetLastError is 126.
    /// </summary>
    [Fact]
    public void AlteredSearchPathDlopen()
    {
        string root = Layout(("host.exe", "/app/host.exe"), ("plug.dll", "/app/plugins/plug.dll"), ("lib.dll", "/app/plugins/lib.dll"));
        string plugin = "Z:" + Path.Combine(root, "app/plugins/plug.dll").Replace('/', '\\');
        var wine = Wine(Path.Combine(root, "app"), "host.exe", null, plugin);
        var why = Why(root, "/app/plugins/plug.dll", dlopen: true);
        Assert.Contains("handle 1 error 0", wine.Stdout);
        Assert.True(why.Starts);
        File.Delete(Path.Combine(root, "app/plugins/lib.dll"));
        var wine2 = Wine(Path.Combine(root, "app"), "host.exe", null, plugin);
        var why2 = Why(root, "/app/plugins/plug.dll", dlopen: true);
        Assert.Contains("handle 0 error 126", wine2.Stdout);
        Assert.Equal("The specified module could not be found.", why2.LoaderOutput[0]);
    }

    /// <summary>The CLI: tree --json names the Windows steps; why exits 1 with the dialog text.</summary>
    [Fact]
    public void Cli()
    {
        string root = Layout(("apiset.exe", "/app/apiset.exe"), ("app.exe", "/app/app.exe"));
        var t = Tool.LinkDoctor("tree", "--json", "--root", root, Path.Combine(root, "app/apiset.exe"));
        Assert.Equal(0, t.ExitCode);
        Assert.Contains("\"source\": \"API set\"", t.Stdout);
        Assert.Contains("\"source\": \"KnownDLLs\"", t.Stdout);
        var w = Tool.LinkDoctor("why", "--root", root, Path.Combine(root, "app/app.exe"));
        Assert.Equal(1, w.ExitCode);
        Assert.Contains("The code execution cannot proceed because lib.dll was not found.", w.Stdout);
    }
}
