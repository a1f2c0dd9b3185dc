using LinkDoctor.Diagnosis;
using LinkDoctor.Diagnosis.Explain;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Messages of components that do not run here: macOS dyld and the Windows loader, read with
/// <see cref="MessageCatalogs.All"/> (their catalogues land from other branches; until then the pending ones). Each
/// input is the component's format string from its source or documentation, cited, with plausible values in its
/// holes; the surrounding text is how the message reaches users (dyld's "dyld[pid]: " from halt(), Python's OSError,
/// Node's Error, .NET's DllNotFoundException, a CI job's exit code). Go's plugin messages that are hard to provoke
/// here (another version of a package, the runtime's throws) are taken from Go 1.19.8's source the same way.
/// </summary>
public sealed class ExplainForeignTests(ITestOutputHelper output)
{
    /// <param name="Text">The message as a user sees it.</param>
    /// <param name="Source">Where its format string is.</param>
    public sealed record Foreign(string Name, string Class, string Component, string Text, string Source, string[] Subjects);

    public static readonly Foreign[] Cases =
    [
        // dyld 4 (apple-oss-distributions/dyld dyld-1378).
        new("dyld-library-not-loaded", "dyld-library-not-loaded", "dyld",
            "dyld[52714]: Library not loaded: @rpath/libfoo.1.dylib\n  Referenced from: <6A1B7C2D-0E3F-3A4B-9C8D-7E6F5A4B3C2D> /Users/dev/app/bin/app\n  Reason: tried: '/Users/dev/app/bin/../lib/libfoo.1.dylib' (no such file), '/usr/local/lib/libfoo.1.dylib' (no such file), '/usr/lib/libfoo.1.dylib' (no such file, not in dyld cache)",
            "dyld/JustInTimeLoader.cpp:525 \"Library not loaded: %s\\n  Referenced from: <%s> %s%s\\n  Reason: %s\"; dyld/Loader.cpp:951 \"tried: '%s' (%s)\", :1126 \"'%s' (no such file%s)\"; dyld/DyldRuntimeState.cpp:833 \"dyld[%d]: \"",
            ["library=@rpath/libfoo.1.dylib", "file=/Users/dev/app/bin/app"]),
        new("dyld-flat-symbol-not-found", "dyld-flat-symbol-not-found", "dyld",
            "dyld[9313]: symbol not found in flat namespace '_PyExc_TypeError'",
            "dyld/Loader.cpp Loader::resolveSymbol (BIND_SPECIAL_DYLIB_FLAT_LOOKUP) \"symbol not found in flat namespace '%s'\"", ["symbol=_PyExc_TypeError"]),
        new("dyld-incompatible-architecture", "dyld-incompatible-architecture", "dyld",
            "dyld[3121]: Library not loaded: /opt/homebrew/opt/openssl@3/lib/libssl.3.dylib\n  Referenced from: <0C5B1A2E-11D4-3B67-8F1A-2C3D4E5F6A7B> /usr/local/bin/tool\n  Reason: tried: '/opt/homebrew/opt/openssl@3/lib/libssl.3.dylib' (mach-o file, but is an incompatible architecture (have 'arm64', need 'x86_64')), '/System/Volumes/Preboot/Cryptexes/OS/opt/homebrew/opt/openssl@3/lib/libssl.3.dylib' (no such file)",
            "dyld/JustInTimeLoader.cpp:525; common/MachOFile.cpp:1809 \"mach-o file, but is an incompatible architecture (have '%s', need '%s')\"",
            ["library=/opt/homebrew/opt/openssl@3/lib/libssl.3.dylib", "file=/usr/local/bin/tool"]),
        new("dyld-symbol-not-found", "dyld-symbol-not-found", "dyld",
            "dyld[8812]: Symbol not found: _foo_new_api\n  Referenced from: <6A1B7C2D-0E3F-3A4B-9C8D-7E6F5A4B3C2D> /Users/dev/app/bin/app\n  Expected in:     <0E1D2C3B-4A59-3687-A5B4-C3D2E1F0A9B8> /usr/local/lib/libfoo.1.dylib",
            "dyld/Loader.cpp:3175 \"Symbol not found: %s\\n  Referenced from: <%s> %s%s\\n  Expected in:     <%s> %s\"",
            ["symbol=_foo_new_api", "file=/Users/dev/app/bin/app", "library=/usr/local/lib/libfoo.1.dylib"]),
        // dyld 2 (dyld-852), still what older macOS prints.
        new("dyld2-library-not-loaded", "dyld-library-not-loaded", "dyld",
            "dyld: Library not loaded: @rpath/libfoo.dylib\n  Referenced from: /Users/dev/app/bin/app\n  Reason: image not found",
            "dyld-852 src/ImageLoader.cpp:820 \"Library not loaded: %s\\n  Referenced from: %s\\n  Reason: %s\"; src/dyld2.cpp:4160 \"image not found\"",
            ["library=@rpath/libfoo.dylib", "file=/Users/dev/app/bin/app"]),
        new("dyld2-symbol-not-found", "dyld-symbol-not-found", "dyld",
            "dyld: Symbol not found: _OBJC_CLASS_$_NSNewThing\n  Referenced from: /Applications/App.app/Contents/MacOS/App\n  Expected in: /System/Library/Frameworks/AppKit.framework/Versions/C/AppKit",
            "dyld-852 src/ImageLoaderMachO.cpp:1942 \"Symbol not found: %s\\n  Referenced from: %s%s\\n  Expected in: %s\\n\"",
            ["symbol=_OBJC_CLASS_$_NSNewThing", "library=/System/Library/Frameworks/AppKit.framework/Versions/C/AppKit"]),
        // dlopen() through Python's ctypes.
        new("dyld-dlopen-python", "dyld-library-not-loaded", "dyld",
            "OSError: dlopen(libfoo.dylib, 0x0006): tried: 'libfoo.dylib' (no such file), '/usr/local/lib/libfoo.dylib' (no such file), '/usr/lib/libfoo.dylib' (no such file, not in dyld cache), 'libfoo.dylib' (no such file)",
            "dyld/DyldAPIs.cpp:1426 setErrorString (\"dlopen(%s, 0x%04X): %s\", …); CPython Modules/_ctypes/callproc.c py_dl_open (OSError)",
            ["file=libfoo.dylib"]),
        new("dyld-dlopen-arch", "dyld-incompatible-architecture", "dyld",
            "Error: dlopen(/Users/dev/app/node_modules/sharp/build/Release/sharp.node, 0x0001): tried: '/Users/dev/app/node_modules/sharp/build/Release/sharp.node' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64e' or 'arm64'))",
            "dyld/DyldAPIs.cpp:1426; common/MachOFile.cpp:1809; Node.js src/node_binding.cc DLOpen (Error)",
            ["file=/Users/dev/app/node_modules/sharp/build/Release/sharp.node"]),

        // Windows (learn.microsoft.com System Error Codes (0-499); [MS-ERREF] 2.3.1).
        new("windows-126-python", "windows-module-not-found", "windows",
            "OSError: [WinError 126] The specified module could not be found",
            "System Error Codes: ERROR_MOD_NOT_FOUND 126 (0x7E) \"The specified module could not be found.\"; CPython strips the final period", []),
        new("windows-126-dotnet", "windows-module-not-found", "windows",
            "Unhandled exception. System.DllNotFoundException: Unable to load DLL 'e_sqlite3' or one of its dependencies: The specified module could not be found. (0x8007007E)",
            "System Error Codes: ERROR_MOD_NOT_FOUND 126 (0x7E); .NET DllNotFoundException", []),
        new("windows-126-node", "windows-module-not-found", "windows",
            "Error: The specified module could not be found.\r\n\\\\?\\C:\\app\\node_modules\\better-sqlite3\\build\\Release\\better_sqlite3.node",
            "System Error Codes: ERROR_MOD_NOT_FOUND 126 (0x7E); Node.js DLOpen", []),
        new("windows-127", "windows-procedure-not-found", "windows",
            "OSError: [WinError 127] The specified procedure could not be found",
            "System Error Codes: ERROR_PROC_NOT_FOUND 127 (0x7F) \"The specified procedure could not be found.\"", []),
        new("windows-193", "windows-bad-exe-format", "windows",
            "OSError: [WinError 193] %1 is not a valid Win32 application",
            "System Error Codes: ERROR_BAD_EXE_FORMAT 193 (0xC1) \"%1 is not a valid Win32 application.\"", []),
        new("windows-c0000138-dialog", "windows-entry-point-not-found", "windows",
            "The ordinal 345 could not be located in the dynamic link library LIBEAY32.dll.",
            "[MS-ERREF] 2.3.1 0xC0000138 STATUS_ORDINAL_NOT_FOUND \"{Ordinal Not Found} The ordinal %ld could not be located in the dynamic link library %hs.\"", ["library=LIBEAY32.dll"]),
        new("windows-c0000135-dialog", "windows-dll-not-found", "windows",
            "The code execution cannot proceed because libstdc++-6.dll was not found. Reinstalling the program may fix this problem.",
            "Windows hard-error dialog for STATUS_DLL_NOT_FOUND", ["library=libstdc++-6.dll"]),
        new("windows-c0000135-erref", "windows-dll-not-found", "windows",
            "{Unable To Locate Component} This application has failed to start because VCRUNTIME140.dll was not found. Reinstalling the application may fix this problem.",
            "[MS-ERREF] 2.3.1 0xC0000135 STATUS_DLL_NOT_FOUND", ["library=VCRUNTIME140.dll"]),
        new("windows-c0000135-exit", "windows-dll-not-found", "windows",
            "Error: Process completed with exit code -1073741515.",
            "[MS-ERREF] 2.3.1 0xC0000135 as a signed exit code, as GitHub Actions reports it", []),
        new("windows-c0000135-status", "windows-dll-not-found", "windows",
            "test.exe exited with status 0xC0000135",
            "[MS-ERREF] 2.3.1 0xC0000135 STATUS_DLL_NOT_FOUND", []),
        new("windows-entry-point", "windows-entry-point-not-found", "windows",
            "The procedure entry point ucrtbase.terminate could not be located in the dynamic link library api-ms-win-crt-runtime-l1-1-0.dll.",
            "[MS-ERREF] 2.3.1 0xC0000139 STATUS_ENTRYPOINT_NOT_FOUND \"… The procedure entry point %hs could not be located in the dynamic link library %hs.\"",
            ["symbol=ucrtbase.terminate", "library=api-ms-win-crt-runtime-l1-1-0.dll"]),
        new("windows-c000007b-dialog", "windows-invalid-image-format", "windows",
            "The application was unable to start correctly (0xc000007b). Click OK to close the application.",
            "Windows {Application Error} dialog with STATUS_INVALID_IMAGE_FORMAT", []),
        new("windows-c000007b-erref", "windows-invalid-image-format", "windows",
            "{Bad Image} C:\\app\\zlib1.dll is either not designed to run on Windows or it contains an error. Try installing the program again using the original installation media or contact your system administrator or the software vendor for support. Error status 0xc000012f.",
            "[MS-ERREF] 2.3.1 0xC000007B STATUS_INVALID_IMAGE_FORMAT", ["file=C:\\app\\zlib1.dll"]),
        new("windows-c000007b-exit", "windows-invalid-image-format", "windows",
            "Error: Process completed with exit code -1073741701.",
            "[MS-ERREF] 2.3.1 0xC000007B as a signed exit code", []),

        // Go 1.19.8 (/usr/lib/go/src): messages not provoked by ExplainRealTests.
        new("go-plugin-different-version", "go-plugin-package-mismatch", "go-plugin",
            "panic: plugin.Open(\"./plugins/auth\"): plugin was built with a different version of package example.com/shared/config",
            "src/runtime/plugin.go:54 \"plugin was built with a different version of package \" + pkghash.modulename; src/plugin/plugin_dlopen.go:84",
            ["file=./plugins/auth", "package=example.com/shared/config"]),
        new("go-plugin-could-not-find-symbol", "go-plugin-symbol-not-found", "go-plugin",
            "plugin.Open(\"/opt/app/p\"): could not find symbol example.com/p..inittask: /opt/app/p.so: undefined symbol: example.com/p..inittask",
            "src/plugin/plugin_dlopen.go:119 `plugin.Open(\"` + name + `\"): could not find symbol ` + symName + `: ` + C.GoString(cErr)",
            ["file=/opt/app/p", "symbol=example.com/p..inittask"]),
        new("go-plugin-empty-pluginpath", "go-plugin-empty-pluginpath", "go-plugin", "fatal error: runtime: plugin has empty pluginpath", "src/runtime/plugin.go:23", []),
        new("go-plugin-overlap", "go-plugin-moduledata-overlap", "go-plugin", "fatal error: plugin: new module data overlaps with previous moduledata", "src/runtime/plugin.go:48", []),
        new("go-plugin-bad-symtab", "go-plugin-bad-symbol-table", "go-plugin", "fatal error: runtime: plugin has bad symbol table", "src/runtime/plugin.go:122", []),
        new("go-plugin-abi", "go-plugin-abi-mismatch", "go-plugin", "abi mismatch detected between example.com/app and example.com/lib\nfatal error: abi mismatch", "src/runtime/symtab.go:641", ["package=example.com/lib"]),

        // glibc ≤ 2.29 (the check went away in 2.30, f0b2132b35): both wordings.
        new("glibc-link-time-reference", "relocation-link-time-reference", "glibc-ld.so",
            "./app: relocation error: /usr/lib/libssl.so.1.0.0: symbol BIO_test_flags version OPENSSL_1.0.0 not defined in file libcrypto.so.1.0.0 with link time reference",
            "glibc 2.29 elf/dl-lookup.c _dl_lookup_symbol_x \"symbol %s version %s not defined in file %s with link time reference%s\"",
            ["file=/usr/lib/libssl.so.1.0.0", "symbol=BIO_test_flags", "version=OPENSSL_1.0.0", "library=libcrypto.so.1.0.0"]),
        new("glibc-link-time-reference-private", "glibc-private-mismatch", "glibc-ld.so",
            "/usr/bin/python3: relocation error: /opt/glibc/lib/libc.so.6: symbol _dl_starting_up, version GLIBC_PRIVATE not defined in file ld-linux-x86-64.so.2 with link time reference",
            "glibc ≤ 2.17 elf/dl-lookup.c (\"symbol \", undef_name, \", version \", version->name, \" not defined in file \" …)",
            ["symbol=_dl_starting_up", "version=GLIBC_PRIVATE", "library=ld-linux-x86-64.so.2"]),
        new("glibc-empty-dst", "empty-dst", "glibc-ld.so",
            "./app: error while loading shared libraries: $PLATFORM/libfoo.so: empty dynamic string token substitution",
            "glibc elf/dl-deps.c expand_dst: _dl_signal_error (0, __str, NULL, N_(\"empty dynamic string token substitution\"))", ["library=$PLATFORM/libfoo.so"]),
        // Container runtimes (runc 1.1 libcontainer/system/linux.go Exec; runc ≤ 1.0 standard_init_linux.go).
        new("runc-exec-format", "exec-format-error", "exec",
            "exec /usr/local/bin/docker-entrypoint.sh: exec format error", "runc 1.1 libcontainer/system/linux.go: &os.PathError{Op: \"exec\", Path: cmd, Err: err}",
            ["file=/usr/local/bin/docker-entrypoint.sh"]),
        new("runc-missing-interpreter", "missing-interpreter", "exec",
            "exec /app/server: no such file or directory", "runc 1.1 libcontainer/system/linux.go", ["file=/app/server"]),
        new("runc-old", "exec-format-error", "exec",
            "standard_init_linux.go:228: exec user process caused: exec format error", "runc ≤ 1.0 libcontainer/standard_init_linux.go", []),
    ];

    public static IEnumerable<object[]> Names() => Cases.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Names))]
    public void ReadsTheComponentsOwnWords(string name)
    {
        var c = Cases.Single(x => x.Name == name);
        output.WriteLine($"{c.Text}\n(source: {c.Source})");
        var findings = Explainer.Default.Explain(c.Text);
        foreach (var f in findings) output.WriteLine($"{f.Component} {f.Class} [{ExplainRealTests.Describe(f.Subjects)}]\n  cause: {f.Cause}");
        var found = Assert.Single(findings);
        Assert.Equal((c.Class, c.Component), (found.Class, found.Component));
        ExplainRealTests.AssertSubjects(c.Subjects, found.Subjects);
    }

    /// <summary>The foreign catalogues are read through MessageCatalogs.All: every pending template is there (no registered catalogue covers dyld, windows or go-plugin yet) or a registered one replaced it.</summary>
    [Fact]
    public void ForeignCatalogsComeFromTheRegistry()
    {
        var components = MessageCatalogs.All.SelectMany(c => c.Messages).Select(m => m.Component).ToHashSet();
        Assert.Contains("dyld", components);
        Assert.Contains("windows", components);
        Assert.Contains("go-plugin", components);
        Assert.All(MessageCatalogs.All.SelectMany(c => c.Messages), m => Assert.False(string.IsNullOrWhiteSpace(m.Source), m.Id));
    }

    /// <summary>
    /// When the real dyld catalogue lands under ids of its own, the rules still apply: they bind by component and a
    /// literal of the message, not only by id, and the parser needs no change.
    /// </summary>
    [Fact]
    public void RulesBindToACatalogueThatLandsUnderOtherIds()
    {
        var landed = new MessageTemplate("dyld.missing-dependency", "dyld", "Library not loaded: {library}\n  Referenced from: <{uuid}> {file}\n  Reason: {reason}", "dyld/JustInTimeLoader.cpp");
        var explainer = new Explainer([landed], ExplainRules.All);
        var f = Assert.Single(explainer.Explain(Cases.Single(c => c.Name == "dyld-incompatible-architecture").Text));
        Assert.Equal("dyld-incompatible-architecture", f.Class);
        var g = Assert.Single(explainer.Explain(Cases.Single(c => c.Name == "dyld-library-not-loaded").Text));
        Assert.Equal("dyld-library-not-loaded", g.Class);
        // A template no rule knows still yields a finding (class from its id), so a new catalogue is never silent.
        var unknown = new MessageTemplate("windows.some-new-message", "windows", "The loader refused {file} for a reason of its own", "docs");
        var u = Assert.Single(new Explainer([unknown], ExplainRules.All).Explain("Error: The loader refused C:\\x.dll for a reason of its own"));
        Assert.Equal(("windows-some-new-message", "windows"), (u.Class, u.Component));
    }
}
