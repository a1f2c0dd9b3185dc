using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The first promise: no command ever runs anything from an inspected file. Programs whose PT_INTERP is a script,
/// whose NEEDED libraries and preloads have constructors, each leave a marker file if anything runs them; every
/// command of the CLI is run on them (as a user runs it, in its own process) and no marker may appear.
/// </summary>
public sealed class NeverExecuteTests(ITestOutputHelper output)
{
    private const string Ctor = """
        #include <fcntl.h>
        #include <unistd.h>
        __attribute__((constructor)) static void mark(void) { int fd = open(MARK, O_CREAT | O_WRONLY, 0644); if (fd >= 0) close(fd); }
        int marker_function(void) { return 1; }
        """;

    private const string Main = """
        extern int marker_function(void);
        int main(void) { return marker_function() - 1; }
        """;

    /// <summary>
    /// $OUT/interp.sh (a PT_INTERP that leaves "interp"), libctor.so ("needed"), libpre.so ("preload"), libplugin.so
    /// ("plugin", NEEDs libctor.so); prog-script-interp (PT_INTERP interp.sh) and prog (the real loader), both NEEDing
    /// libctor.so through RUNPATH $ORIGIN. Markers go to $OUT/markers.
    /// </summary>
    private const string Script = """
        mkdir -p "$OUT/markers"
        printf '#!/bin/sh\ntouch "%s/markers/interp"\n' "$OUT" > "$OUT/interp.sh"; chmod +x "$OUT/interp.sh"
        gcc -fPIC -shared -o "$OUT/libctor.so" -DMARK="\"$OUT/markers/needed\"" ctor.c
        gcc -fPIC -shared -o "$OUT/libpre.so" -DMARK="\"$OUT/markers/preload\"" ctor.c
        gcc -fPIC -shared -o "$OUT/libplugin.so" -DMARK="\"$OUT/markers/plugin\"" ctor.c -L"$OUT" -lctor -Wl,-rpath,'$ORIGIN'
        gcc -o "$OUT/prog" main.c -L"$OUT" -lctor -Wl,-rpath,'$ORIGIN'
        gcc -o "$OUT/prog-script-interp" main.c -L"$OUT" -lctor -Wl,-rpath,'$ORIGIN' -Wl,--dynamic-linker="$OUT/interp.sh"
        """;

    private static string Fixture() => Fixtures.Build("never-execute", Script, ("ctor.c", Ctor), ("main.c", Main));

    /// <summary>Every command and the options that make it read more; later commands join this list as they land.</summary>
    public static IEnumerable<object[]> Commands()
    {
        string[][] perProgram =
        [
            ["inspect"], ["inspect", "--dynamic", "--versions", "--notes", "--headers", "--json"], ["symbols"], ["symbols", "--all", "--json"],
            ["tree"], ["tree", "--flat"], ["tree", "--json", "--verbose"], ["tree", "--format", "dot"],
            ["why"], ["why", "--json"], ["why", "--env", "LD_PRELOAD={out}/libpre.so"], ["why", "--env", "LD_BIND_NOW=1", "--env", "LD_LIBRARY_PATH={out}"],
            ["check", "--target", "debian-12"], ["check", "--root", "/"],
            ["go"], ["go", "--short"], ["go", "--details", "--json"], ["go", "--static"],
            ["patch", "--dry-run", "--add-rpath", "/opt/x", "--add-needed", "libz.so.1"], ["patch", "--set-interpreter", "/lib64/ld-linux-x86-64.so.2", "--output", "{out}/markers-out/patched"],
            ["patch", "--dry-run", "--change", "libctor.so", "libx.so", "--delete-rpath", "/x"], ["patch", "--set-id", "x", "--output", "{out}/markers-out/patched-macho"],
            ["bundle", "--out", "{out}/markers-out/bundle"], ["bundle", "--json", "--target", "manylinux2014", "--include", "libctor*", "--out", "{out}/markers-out/bundle-json"],
            ["explain", "--json", "./prog: error while loading shared libraries: libctor.so: cannot open shared object file: No such file or directory", "--env", "LD_PRELOAD={out}/libpre.so", "--file"],
        ];
        foreach (var program in new[] { "prog-script-interp", "prog" })
            foreach (var c in perProgram) yield return [program, c];
        yield return ["libplugin.so", new[] { "why", "--dlopen" }];
        yield return ["libplugin.so", new[] { "why", "--dlopen", "--json", "--env", "LD_PRELOAD={out}/libpre.so" }];
        yield return ["libplugin.so", new[] { "tree", "--json" }];
        yield return ["libplugin.so", new[] { "plugin-check", "{out}/prog" }];
        // Opened into a host: the host (its script interpreter, its libraries and preloads) is read, never run.
        yield return ["libplugin.so", new[] { "why", "--dlopen", "--host", "{out}/prog-script-interp" }];
        yield return ["libplugin.so", new[] { "why", "--dlopen", "--json", "--host", "{out}/prog", "--env", "LD_PRELOAD={out}/libpre.so" }];
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void NoCommandRunsTheInterpreterTheLibrariesOrThePreloads(string program, string[] command)
    {
        string outDir = Fixture();
        string markers = Path.Combine(outDir, "markers");
        lock (typeof(NeverExecuteTests))
        {
            foreach (var m in Directory.EnumerateFiles(markers)) File.Delete(m);
            Directory.CreateDirectory(Path.Combine(outDir, "markers-out"));
            var args = command.Select(a => a.Replace("{out}", outDir)).Append(Path.Combine(outDir, program)).ToArray();
            var r = Tool.LinkDoctor(args);
            output.WriteLine($"linkdoctor {string.Join(' ', args)}: exit {r.ExitCode}\n{r.Stdout}{r.Stderr}");
            Assert.True(r.ExitCode is 0 or 1 or 2 && !r.Stderr.Contains("Unhandled", StringComparison.Ordinal), $"exit {r.ExitCode}: {r.Stderr}");
            var left = Directory.EnumerateFiles(markers).Select(Path.GetFileName).ToList();
            Assert.True(left.Count == 0, $"linkdoctor {string.Join(' ', command)} ran code from the inspected files: markers {string.Join(", ", left)}");
        }
    }

    /// <summary>The markers do work: running the programs for real leaves them (so an empty marker directory means something).</summary>
    [Fact]
    public void TheMarkersAppearWhenTheFilesAreRun()
    {
        string outDir = Fixture();
        string markers = Path.Combine(outDir, "markers");
        lock (typeof(NeverExecuteTests))
        {
            foreach (var m in Directory.EnumerateFiles(markers)) File.Delete(m);
            Tool.Run(Path.Combine(outDir, "prog"), [], new Dictionary<string, string?> { ["LD_PRELOAD"] = Path.Combine(outDir, "libpre.so") });
            Tool.Run("bash", ["-c", Path.Combine(outDir, "interp.sh")]);
            Assert.Equal(["interp", "needed", "preload"], Directory.EnumerateFiles(markers).Select(f => Path.GetFileName(f)).Order().ToArray());
        }
    }

    /// <summary>
    /// PE and Mach-O: a DLL whose DllMain leaves a marker (through Wine's Z: drive, were binfmt_misc ever to hand the
    /// file to Wine) under an exe that imports it, and Mach-O files (which nothing here can run) under every command
    /// line the dyld and Windows models added: tree (--json, --flat, --verbose), why (--json, --dlopen, --env), --root.
    /// </summary>
    private static string PeFixture() => Fixtures.Build("never-execute-pe", """
        mkdir -p "$OUT/markers" "$OUT/root/app"
        x86_64-w64-mingw32-gcc -shared -o "$OUT/root/app/mark.dll" mark.c -DMARK="\"Z:$OUT/markers/dllmain\"" -Wl,--out-implib,libmark.a
        x86_64-w64-mingw32-gcc -o "$OUT/root/app/prog.exe" prog.c -L. -lmark
        clang-14 --target=arm64-apple-macos11 -c m.c -o m.o
        ld64.lld-14 -arch arm64 -platform_version macos 11.0 12.0 -o "$OUT/root/app/macho" m.o libSystem.tbd -rpath @executable_path
        """,
        ("mark.c", "#include <windows.h>\nBOOL WINAPI DllMain(HINSTANCE h, DWORD r, LPVOID p) { if (r == DLL_PROCESS_ATTACH) CloseHandle(CreateFileA(MARK, GENERIC_WRITE, 0, 0, CREATE_ALWAYS, 0, 0)); return TRUE; }\n__declspec(dllexport) int marked(void) { return 1; }\n"),
        ("prog.c", "__declspec(dllimport) int marked(void);\nint main(void) { return marked(); }\n"),
        ("m.c", "int puts(const char *);\nint main(void) { return puts(\"x\"); }\n"),
        ("libSystem.tbd", "--- !tapi-tbd\ntbd-version: 4\ntargets: [ arm64-macos ]\ninstall-name: '/usr/lib/libSystem.B.dylib'\nexports:\n  - targets: [ arm64-macos ]\n    symbols: [ _puts, dyld_stub_binder ]\n...\n"));

    public static IEnumerable<object[]> ForeignCommands()
    {
        string[][] lines =
        [
            ["tree"], ["tree", "--json", "--verbose"], ["tree", "--flat"], ["tree", "--root", "{out}/root"], ["tree", "--json", "--root", "{out}/root"],
            ["why"], ["why", "--json", "--root", "{out}/root"], ["why", "--root", "{out}/root", "--env", "PATH=C:\\app", "--env", "DYLD_LIBRARY_PATH=/app"],
            ["why", "--dlopen", "--root", "{out}/root"], ["inspect", "--json"], ["symbols"], ["check", "--target", "macos-11.0-arm64"],
        ];
        foreach (var program in new[] { "root/app/prog.exe", "root/app/mark.dll", "root/app/macho" })
            foreach (var l in lines) yield return [program, l];
    }

    [Theory]
    [MemberData(nameof(ForeignCommands))]
    public void NoCommandRunsAPeOrMachOFile(string program, string[] command)
    {
        string outDir = PeFixture();
        string markers = Path.Combine(outDir, "markers");
        lock (typeof(NeverExecuteTests))
        {
            var args = command.Select(a => a.Replace("{out}", outDir)).Append(Path.Combine(outDir, program)).ToArray();
            var r = Tool.LinkDoctor(args);
            output.WriteLine($"linkdoctor {string.Join(' ', args)}: exit {r.ExitCode}\n{r.Stdout}{r.Stderr}");
            Assert.True(r.ExitCode is 0 or 1 or 2 && !r.Stderr.Contains("Unhandled", StringComparison.Ordinal), $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Empty(Directory.EnumerateFiles(markers));
        }
    }
}
