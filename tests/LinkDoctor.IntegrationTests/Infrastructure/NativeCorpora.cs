using LinkDoctor.Formats;
using LinkDoctor.IO;

namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>
/// Real Mach-O and PE files, made or fetched at test time and cached by recipe hash (never committed):
/// the native assets of NuGet packages (restored with <c>dotnet restore</c> from the NuGet source configured on the
/// machine into a test-owned folder), Go cross builds, mingw-w64 and clang/lld builds.
/// </summary>
public static class NativeCorpora
{
    /// <summary>
    /// NuGet packages whose native assets people ship: SQLite (e_sqlite3: Mach-O thin and chained-fixups, PE x86,
    /// x64, arm, arm64), libsodium (universal x86_64/arm64/arm64e dylibs, PE), SkiaSharp and HarfBuzzSharp for
    /// macOS (universal dylibs) and HarfBuzzSharp for Windows (MSVC-built DLLs with PDB paths).
    /// </summary>
    public static string NuGet() => Fixtures.Build("nuget-native", """
        cat > restore.csproj <<'EOF'
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
          <ItemGroup>
            <PackageReference Include="SQLitePCLRaw.lib.e_sqlite3" Version="2.1.11" ExcludeAssets="all" />
            <PackageReference Include="libsodium" Version="1.0.22" ExcludeAssets="all" />
            <PackageReference Include="SkiaSharp.NativeAssets.macOS" Version="3.119.0" ExcludeAssets="all" />
            <PackageReference Include="HarfBuzzSharp.NativeAssets.macOS" Version="8.3.1.1" ExcludeAssets="all" />
            <PackageReference Include="HarfBuzzSharp.NativeAssets.Win32" Version="8.3.1.1" ExcludeAssets="all" />
          </ItemGroup>
        </Project>
        EOF
        DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 dotnet restore restore.csproj --packages "$OUT/packages" >/dev/null
        """);

    /// <summary>Go cross builds (Debian's go1.19, no cgo): darwin/arm64, darwin/amd64, windows/amd64, windows/386, windows/arm64.</summary>
    public static string Go() => Fixtures.Build("go-cross", """
        export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME="$OUT/../home" GOCACHE="$OUT/../gocache" GOPATH="$OUT/../gopath" CGO_ENABLED=0
        printf 'module example.com/cross\n\ngo 1.19\n' > go.mod
        GOOS=darwin GOARCH=arm64 go build -o "$OUT/hello-darwin-arm64" .
        GOOS=darwin GOARCH=amd64 go build -o "$OUT/hello-darwin-amd64" .
        GOOS=windows GOARCH=amd64 go build -o "$OUT/hello-windows-amd64.exe" .
        GOOS=windows GOARCH=386 go build -o "$OUT/hello-windows-386.exe" .
        GOOS=windows GOARCH=arm64 go build -o "$OUT/hello-windows-arm64.exe" .
        """, ("main.go", """
        package main

        import (
        	"fmt"
        	"os"
        )

        func main() { fmt.Println("hello", len(os.Args)) }
        """));

    /// <summary>
    /// mingw-w64 builds: a DLL whose .def file exports by name, by ordinal only (NONAME), data, and two forwarders;
    /// an exe importing by name and by ordinal; and, with clang + lld (GNU ld writes no delay-import directory),
    /// an exe with a delay-load import (llvm-dlltool makes the short-format import library lld needs).
    /// </summary>
    public static string Mingw() => Fixtures.Build("mingw", """
        G=$(dirname "$(x86_64-w64-mingw32-gcc -print-libgcc-file-name)")
        x86_64-w64-mingw32-gcc -O1 -shared -o "$OUT/mylib.dll" lib.c lib.def -Wl,--out-implib,libmylib.a
        x86_64-w64-mingw32-gcc -O1 -shared -o "$OUT/delayed.dll" delayed.c
        llvm-dlltool-14 -m i386:x86-64 -d delayed.def -l libdelayed.a
        x86_64-w64-mingw32-gcc -O1 -o "$OUT/main.exe" main.c -L. -lmylib -lws2_32
        clang-14 --target=x86_64-w64-windows-gnu -fuse-ld=lld-14 -L"$G" -O1 -DDELAY -o "$OUT/delay.exe" main.c delay.c -L. -lmylib -ldelayed -lws2_32 -Wl,-delayload=delayed.dll
        x86_64-w64-mingw32-gcc -O1 -mwindows -o "$OUT/gui.exe" gui.c
        """,
        ("lib.c", """
            __declspec(dllexport) int add(int a, int b) { return a + b; }
            int hidden_by_ordinal(void) { return 42; }
            int named(void) { return 7; }
            int data_value = 5;
            """),
        ("lib.def", """
            LIBRARY mylib.dll
            EXPORTS
              add
              named @5
              hidden_by_ordinal @7 NONAME
              data_value DATA
              fwd_heap = kernel32.HeapAlloc
              fwd_exit = msvcrt.exit @9
            """),
        ("delayed.c", "__declspec(dllexport) int delayed_fn(void) { return 3; }\n"),
        ("delayed.def", "LIBRARY delayed.dll\nEXPORTS\n  delayed_fn\n"),
        ("main.c", """
            #include <stdio.h>
            #include <winsock2.h>
            int add(int, int);
            int hidden_by_ordinal(void);
            int extra(void);
            int main(void) { printf("%d %d %d\n", add(1, 2), hidden_by_ordinal(), extra()); return (int)ntohs(1) & 0; }
            #ifndef DELAY
            int extra(void) { return 0; }
            #endif
            """),
        ("delay.c", "int delayed_fn(void);\nint extra(void) { return delayed_fn(); }\n"),
        ("gui.c", "#include <windows.h>\nint WINAPI WinMain(HINSTANCE a, HINSTANCE b, LPSTR c, int d) { MessageBoxA(0, \"hi\", \"t\", 0); return 0; }\n"));

    /// <summary>
    /// clang-14 + ld64.lld-14 Mach-O builds without an SDK (a hand-written libSystem .tbd stub): arm64 and x86_64
    /// executables and dylibs (install name with versions, LC_RPATH, a weak dylib, a re-exported dylib (by absolute
    /// install name: lld 14 cannot resolve an @rpath re-export at link time), extra header padding), a bundle, universal files made by llvm-lipo, a 32-bit arm64_32 watchOS dylib and an
    /// x86_64 image old enough for LC_VERSION_MIN_MACOSX.
    /// </summary>
    public static string MachO() => Fixtures.Build("macho-lld", """
        for a in arm64 x86_64; do
          clang-14 --target=$a-apple-macos11 -O1 -c foo.c -o foo-$a.o
          clang-14 --target=$a-apple-macos11 -O1 -c bar.c -o bar-$a.o
          clang-14 --target=$a-apple-macos11 -O1 -c main.c -o main-$a.o
          ld64.lld-14 -arch $a -platform_version macos 11.0 12.0 -dylib -install_name "$OUT/libbar-$a.dylib" -current_version 2.0 -o "$OUT/libbar-$a.dylib" bar-$a.o libSystem.tbd
          ld64.lld-14 -arch $a -platform_version macos 11.0 12.0 -dylib -install_name @rpath/libfoo.dylib -compatibility_version 1.2 -current_version 3.4.5 \
            -reexport_library "$OUT/libbar-$a.dylib" -o "$OUT/libfoo-$a.dylib" foo-$a.o libSystem.tbd
          ld64.lld-14 -arch $a -platform_version macos 11.0 12.0 -o "$OUT/main-$a" main-$a.o "$OUT/libfoo-$a.dylib" -weak_library maybe.tbd libSystem.tbd \
            -rpath @loader_path/../lib -rpath /opt/x -headerpad 0x400
          ld64.lld-14 -arch $a -platform_version macos 11.0 12.0 -bundle -o "$OUT/plugin-$a.bundle" foo-$a.o libSystem.tbd
        done
        llvm-lipo-14 -create "$OUT/main-arm64" "$OUT/main-x86_64" -output "$OUT/main-universal"
        llvm-lipo-14 -create "$OUT/libfoo-arm64.dylib" "$OUT/libfoo-x86_64.dylib" -output "$OUT/libfoo-universal.dylib"
        clang-14 --target=arm64_32-apple-watchos7 -O1 -c foo.c -o foo-32.o
        ld64.lld-14 -arch arm64_32 -platform_version watchos 7.0 7.0 -dylib -install_name /usr/lib/libfoo32.dylib -o "$OUT/libfoo-arm64_32.dylib" foo-32.o libSystem.tbd
        clang-14 --target=x86_64-apple-macos10.9 -O1 -c foo.c -o foo-old.o
        ld64.lld-14 -arch x86_64 -platform_version macos 10.9 10.15 -dylib -install_name /usr/local/lib/libold.dylib -o "$OUT/libold.dylib" foo-old.o libSystem.tbd
        """,
        ("libSystem.tbd", """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ x86_64-macos, arm64-macos, arm64_32-watchos ]
            install-name:    '/usr/lib/libSystem.B.dylib'
            current-version: 1311
            compatibility-version: 1
            exports:
              - targets:         [ x86_64-macos, arm64-macos, arm64_32-watchos ]
                symbols:         [ _printf, _puts, _malloc, _free, dyld_stub_binder, _exit, __tlv_bootstrap ]
            ...

            """),
        ("maybe.tbd", """
            --- !tapi-tbd
            tbd-version:     4
            targets:         [ x86_64-macos, arm64-macos ]
            install-name:    '@rpath/libmaybe.dylib'
            exports:
              - targets:         [ x86_64-macos, arm64-macos ]
                symbols:         [ _maybe ]
            ...

            """),
        ("foo.c", """
            int printf(const char *, ...);
            int foo_value = 3;
            int foo(int x) { printf("x=%d\n", x); return x + foo_value; }
            __attribute__((weak)) int weak_def(void) { return 1; }
            static __thread int tls_counter;
            int bump(void) { return ++tls_counter; }
            """),
        ("bar.c", "int bar(void) { return 9; }\n"),
        ("main.c", """
            int foo(int);
            int bar(void);
            int puts(const char *);
            extern int maybe(void) __attribute__((weak_import));
            int main(void) { puts("hi"); if (maybe) maybe(); return foo(2) + bar(); }
            """));

    /// <summary>Every file under <paramref name="root"/> whose magic is one of <paramref name="formats"/>, sorted.</summary>
    public static List<string> Files(string root, params BinaryFormat[] formats)
    {
        var errors = new List<(string, string)>();
        return FileWalker.Expand([root], recursive: true, errors, formats);
    }
}
