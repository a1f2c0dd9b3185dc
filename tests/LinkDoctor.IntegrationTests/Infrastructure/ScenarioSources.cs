namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>Sources and the build script of the loader scenarios: each scenario is a directory under $OUT.</summary>
public static class ScenarioSources
{
    public const string LibOld = """
        int foo_v1(int x) { return x + 1; }
        __asm__(".symver foo_v1,foo@@FOO_1.0");
        int bar(void) { return 7; }
        int shared_data = 42;
        """;
    public const string MapOld = "FOO_1.0 { global: foo; bar; shared_data; local: *; };";
    public const string LibNoBar = """
        int foo_v1(int x) { return x + 1; }
        int foo_v2(int x) { return x + 2; }
        __asm__(".symver foo_v1,foo@FOO_1.0");
        __asm__(".symver foo_v2,foo@@FOO_2.0");
        int shared_data = 42;
        """;
    public const string MapNoBar = "FOO_1.0 { global: foo; shared_data; local: *; }; FOO_2.0 { global: foo; } FOO_1.0;";
    public const string LibNoData = """
        int foo_v1(int x) { return x + 1; }
        int foo_v2(int x) { return x + 2; }
        __asm__(".symver foo_v1,foo@FOO_1.0");
        __asm__(".symver foo_v2,foo@@FOO_2.0");
        int bar(void) { return 7; }
        """;
    public const string MapNoData = "FOO_1.0 { global: foo; bar; local: *; }; FOO_2.0 { global: foo; } FOO_1.0;";
    public const string LibPlain = """
        int foo(int x) { return x + 3; }
        int bar(void) { return 7; }
        int shared_data = 42;
        """;
    public const string LibBar2 = """
        extern int foo(int);
        int bar2(void) { return foo(1); }
        """;
    public const string Main2 = """
        #include <stdio.h>
        extern int bar2(void);
        int main(void) { printf("%d\n", bar2()); return 0; }
        """;
    public const string Pre = "int preloaded(void) { return 1; }";
    public const string MainZ = """
        #include <stdio.h>
        #include <zlib.h>
        int main(void) { printf("%s\n", zlibVersion()); return 0; }
        """;
    public const string MainFooOnly = """
        #include <stdio.h>
        extern int foo(int);
        int main(void) { printf("%d\n", foo(1)); return 0; }
        """;
    public const string LibNeedsMissing = """
        extern int nope_function(void);
        int plugin_entry(void) { return nope_function(); }
        """;
    public const string LibUndefined = """
        extern int undefined_function(void);
        int plugin_entry(void) { return undefined_function(); }
        """;
    public const string DlOpener = """
        #include <dlfcn.h>
        #include <stdio.h>
        int main(int argc, char **argv) {
            void *h = dlopen(argv[1], RTLD_NOW);
            if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
            return 0;
        }
        """;

    public const string LibUsesLibm = """
        double plugin_cos(double x);
        extern double cos(double);
        double plugin_cos(double x) { return cos(x); }
        """;

    public static (string, string)[] All =>
    [
        .. Sources.All, ("libold.c", LibOld), ("libold.map", MapOld), ("libnobar.c", LibNoBar), ("libnobar.map", MapNoBar),
        ("libnodata.c", LibNoData), ("libnodata.map", MapNoData), ("libplain.c", LibPlain), ("libbar2.c", LibBar2), ("main2.c", Main2),
        ("pre.c", Pre), ("mainz.c", MainZ), ("mainfoo.c", MainFooOnly), ("libneedsmissing.c", LibNeedsMissing),
        ("libundefined.c", LibUndefined), ("dlopener.c", DlOpener), ("libusesm.c", LibUsesLibm),
    ];

    /// <summary>
    /// Builds every scenario directory. lib NAME SRC [MAP] [CC] [FLAGS]: a libfoo.so.1-style library;
    /// prog DIR [FLAGS]: main linked against the good libfoo with FLAGS (the library is not copied).
    /// </summary>
    public const string Script = """
        good() { # $1 = output path, $2 = compiler
          ${2:-gcc} -fPIC -shared -o "$1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=lib.map lib.c
        }
        mkdir -p "$OUT/_build" && good "$OUT/_build/libfoo.so.1"
        gcc -fPIC -shared -o "$OUT/_build/libbar2.so" -Wl,-soname,libbar2.so libbar2.c -L"$OUT/_build" -l:libfoo.so.1
        prog() { # $1 = dir, rest = link flags; main links libfoo.so.1 and libm
          local d="$OUT/$1"; shift; mkdir -p "$d/bin"
          gcc -o "$d/bin/main" main.c -L"$OUT/_build" -l:libfoo.so.1 -lm "$@"
        }
        prog2() { # main2 -> libbar2.so -> libfoo.so.1
          local d="$OUT/$1"; shift; mkdir -p "$d/bin"
          gcc -o "$d/bin/main" main2.c -L"$OUT/_build" -l:libbar2.so -Wl,-rpath-link,"$OUT/_build" "$@"
        }

        prog ok-runpath -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/ok-runpath/lib"; good "$OUT/ok-runpath/lib/libfoo.so.1"
        prog missing-lib
        prog ld-library-path; mkdir -p "$OUT/ld-library-path/d"; good "$OUT/ld-library-path/d/libfoo.so.1"
        prog rpath-beats-ldlp -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../a'; mkdir -p "$OUT/rpath-beats-ldlp/a" "$OUT/rpath-beats-ldlp/b"
        good "$OUT/rpath-beats-ldlp/a/libfoo.so.1"; gcc -fPIC -shared -o "$OUT/rpath-beats-ldlp/b/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libold.map libold.c
        prog ldlp-beats-runpath -Wl,-rpath,'$ORIGIN/../a'; mkdir -p "$OUT/ldlp-beats-runpath/a" "$OUT/ldlp-beats-runpath/b"
        good "$OUT/ldlp-beats-runpath/a/libfoo.so.1"; gcc -fPIC -shared -o "$OUT/ldlp-beats-runpath/b/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libold.map libold.c
        prog2 rpath-inherited -Wl,--disable-new-dtags -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/rpath-inherited/lib"
        cp "$OUT/_build/libbar2.so" "$OUT/rpath-inherited/lib/"; good "$OUT/rpath-inherited/lib/libfoo.so.1"
        prog2 runpath-not-inherited -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/runpath-not-inherited/lib"
        cp "$OUT/_build/libbar2.so" "$OUT/runpath-not-inherited/lib/"; good "$OUT/runpath-not-inherited/lib/libfoo.so.1"
        prog origin-braces -Wl,-rpath,'${ORIGIN}/../lib'; mkdir -p "$OUT/origin-braces/lib"; good "$OUT/origin-braces/lib/libfoo.so.1"
        prog lib-dst -Wl,-rpath,'$ORIGIN/../$LIB'; mkdir -p "$OUT/lib-dst/lib/x86_64-linux-gnu"; good "$OUT/lib-dst/lib/x86_64-linux-gnu/libfoo.so.1"
        prog platform-dst -Wl,-rpath,'$ORIGIN/../$PLATFORM'
        for p in x86_64 haswell xeon_phi; do mkdir -p "$OUT/platform-dst/$p"; good "$OUT/platform-dst/$p/libfoo.so.1"; done
        prog preload-ok -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/preload-ok/lib"; good "$OUT/preload-ok/lib/libfoo.so.1"
        gcc -fPIC -shared -o "$OUT/preload-ok/lib/libpre.so" pre.c
        prog preload-missing -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/preload-missing/lib"; good "$OUT/preload-missing/lib/libfoo.so.1"
        mkdir -p "$OUT/ld-so-cache/bin"; gcc -o "$OUT/ld-so-cache/bin/main" mainz.c -lz
        prog hwcaps-subdir -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/hwcaps-subdir/lib/glibc-hwcaps/x86-64-v2"
        good "$OUT/hwcaps-subdir/lib/libfoo.so.1"; good "$OUT/hwcaps-subdir/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1"
        prog legacy-hwcaps-subdir -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/legacy-hwcaps-subdir/lib/x86_64"
        good "$OUT/legacy-hwcaps-subdir/lib/libfoo.so.1"; good "$OUT/legacy-hwcaps-subdir/lib/x86_64/libfoo.so.1"
        prog wrong-class-only -Wl,-rpath,'$ORIGIN/../lib32'; mkdir -p "$OUT/wrong-class-only/lib32"; good "$OUT/wrong-class-only/lib32/libfoo.so.1" i686-linux-gnu-gcc
        prog wrong-class-skipped -Wl,-rpath,'$ORIGIN/../lib32:$ORIGIN/../lib'; mkdir -p "$OUT/wrong-class-skipped/lib32" "$OUT/wrong-class-skipped/lib"
        good "$OUT/wrong-class-skipped/lib32/libfoo.so.1" i686-linux-gnu-gcc; good "$OUT/wrong-class-skipped/lib/libfoo.so.1"
        prog wrong-machine-skipped -Wl,-rpath,'$ORIGIN/../arm:$ORIGIN/../lib'; mkdir -p "$OUT/wrong-machine-skipped/arm" "$OUT/wrong-machine-skipped/lib"
        good "$OUT/wrong-machine-skipped/arm/libfoo.so.1" aarch64-linux-gnu-gcc; good "$OUT/wrong-machine-skipped/lib/libfoo.so.1"
        prog wrong-machine-only -Wl,-rpath,'$ORIGIN/../arm'; mkdir -p "$OUT/wrong-machine-only/arm"; good "$OUT/wrong-machine-only/arm/libfoo.so.1" aarch64-linux-gnu-gcc
        prog junk-on-path -Wl,-rpath,'$ORIGIN/../junk:$ORIGIN/../lib'; mkdir -p "$OUT/junk-on-path/junk" "$OUT/junk-on-path/lib"
        echo "not a library" > "$OUT/junk-on-path/junk/libfoo.so.1"; good "$OUT/junk-on-path/lib/libfoo.so.1"
        prog empty-file-on-path -Wl,-rpath,'$ORIGIN/../junk:$ORIGIN/../lib'; mkdir -p "$OUT/empty-file-on-path/junk" "$OUT/empty-file-on-path/lib"
        : > "$OUT/empty-file-on-path/junk/libfoo.so.1"; good "$OUT/empty-file-on-path/lib/libfoo.so.1"
        for s in bind-now-missing-function:-Wl,-z,now lazy-missing-function: ld-bind-now-env:; do
          n=${s%%:*}; f=${s#*:}; prog $n -Wl,-rpath,'$ORIGIN/../lib' $f; mkdir -p "$OUT/$n/lib"
          gcc -fPIC -shared -o "$OUT/$n/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libnobar.map libnobar.c
        done
        prog missing-data-symbol -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/missing-data-symbol/lib"
        gcc -fPIC -shared -o "$OUT/missing-data-symbol/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libnodata.map libnodata.c
        prog version-not-found -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/version-not-found/lib"
        gcc -fPIC -shared -o "$OUT/version-not-found/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libold.map libold.c
        prog no-version-information -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/no-version-information/lib"
        gcc -fPIC -shared -o "$OUT/no-version-information/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 libplain.c
        mkdir -p "$OUT/unversioned-reference/bin" "$OUT/unversioned-reference/lib"
        gcc -fPIC -shared -o "$OUT/_build/libplain.so.1" -Wl,-soname,libfoo.so.1 libplain.c
        gcc -o "$OUT/unversioned-reference/bin/main" mainfoo.c "$OUT/_build/libplain.so.1" -Wl,-rpath,'$ORIGIN/../lib'; good "$OUT/unversioned-reference/lib/libfoo.so.1"
        prog nodefaultlib-libm -Wl,-rpath,'$ORIGIN/../lib' -Wl,-z,nodefaultlib; mkdir -p "$OUT/nodefaultlib-libm/lib"; good "$OUT/nodefaultlib-libm/lib/libfoo.so.1"
        mkdir -p "$OUT/name-with-slash/bin"; good "$OUT/name-with-slash/bin/libfoo.so.1"
        gcc -fPIC -shared -o "$OUT/_build/libnosoname.so" -Wl,--version-script=lib.map lib.c
        cp "$OUT/_build/libnosoname.so" "$OUT/name-with-slash/bin/libnosoname.so"
        (cd "$OUT/name-with-slash/bin" && gcc -o main "$OLDPWD/main.c" ./libnosoname.so -lm)
        prog ldlp-empty-element-is-cwd; mkdir -p "$OUT/ldlp-empty-element-is-cwd/d"; cp "$OUT/ldlp-empty-element-is-cwd/bin/main" "$OUT/ldlp-empty-element-is-cwd/d/main"
        good "$OUT/ldlp-empty-element-is-cwd/d/libfoo.so.1"
        prog ldlp-relative; mkdir -p "$OUT/ldlp-relative/bin/sub"; good "$OUT/ldlp-relative/bin/sub/libfoo.so.1"
        prog directory-on-path -Wl,-rpath,'$ORIGIN/../junk:$ORIGIN/../lib'; mkdir -p "$OUT/directory-on-path/junk/libfoo.so.1" "$OUT/directory-on-path/lib"
        good "$OUT/directory-on-path/lib/libfoo.so.1"
        prog missing-interpreter -Wl,-rpath,'$ORIGIN/../lib'; patchelf --set-interpreter /nonexistent/ld-linux-x86-64.so.2 "$OUT/missing-interpreter/bin/main"
        prog missing-indirect -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/missing-indirect/lib"
        gcc -fPIC -shared -o "$OUT/missing-indirect/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=lib.map lib.c -L"$OUT/_build" -Wl,--no-as-needed -l:libbar2.so
        mkdir -p "$OUT/dlopen/bin" "$OUT/dlopen/lib"; gcc -o "$OUT/dlopen/bin/dlopener" dlopener.c
        gcc -fPIC -shared -o "$OUT/dlopen/lib/libneedsmissing.so" libneedsmissing.c -L"$OUT/_build" -l:libfoo.so.1 -Wl,--no-as-needed
        patchelf --add-needed libnope.so "$OUT/dlopen/lib/libneedsmissing.so"
        gcc -fPIC -shared -o "$OUT/dlopen/lib/libundefined.so" libundefined.c
        gcc -fPIC -shared -o "$OUT/dlopen/lib/libok.so" pre.c
        gcc -o "$OUT/dlopen/lib/prog" mainfoo.c -L"$OUT/_build" -l:libfoo.so.1

        # A library used without naming libm: dlopen fails with "undefined symbol: cos" (the fix adds NEEDED libm.so.6).
        gcc -fPIC -shared -fno-builtin -o "$OUT/dlopen/lib/libusesm.so" libusesm.c

        # Libraries that exist, but off the search path (the fixes point at them).
        prog lib-off-path; mkdir -p "$OUT/lib-off-path/lib"; good "$OUT/lib-off-path/lib/libfoo.so.1"
        prog indirect-off-path -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/indirect-off-path/lib" "$OUT/indirect-off-path/lib2"
        gcc -fPIC -shared -o "$OUT/indirect-off-path/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=lib.map lib.c -L"$OUT/_build" -Wl,--no-as-needed -l:libbar2.so
        cp "$OUT/_build/libbar2.so" "$OUT/indirect-off-path/lib2/"
        # -z nodefaultlib with nothing searched: errno is 0, so ld.so prints no ": strerror".
        prog nodefaultlib-no-search -Wl,-z,nodefaultlib
        # A program started as ./bin/main: ldd expands $ORIGIN to CWD/./bin, without normalising.
        prog origin-relative-program -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/origin-relative-program/lib"; good "$OUT/origin-relative-program/lib/libfoo.so.1"

        # The exec step: what the kernel refuses before any loader runs (the shell prints it).
        for n in interp-short-script interp-not-elf interp-wrong-machine interp-wrong-class interp-not-executable interp-directory prog-not-executable; do
          prog $n -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/$n/lib"; good "$OUT/$n/lib/libfoo.so.1"
        done
        printf '#!/bin/sh\nexit 3\n' > "$OUT/interp-short-script/ld.sh"; chmod +x "$OUT/interp-short-script/ld.sh"
        patchelf --set-interpreter "$OUT/interp-short-script/ld.sh" "$OUT/interp-short-script/bin/main"
        { printf '#!/bin/sh\n'; for i in $(seq 20); do echo "# a script long enough for the kernel to read a whole ELF header"; done; } > "$OUT/interp-not-elf/ld.sh"
        chmod +x "$OUT/interp-not-elf/ld.sh"; patchelf --set-interpreter "$OUT/interp-not-elf/ld.sh" "$OUT/interp-not-elf/bin/main"
        patchelf --set-interpreter /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 "$OUT/interp-wrong-machine/bin/main"
        patchelf --set-interpreter /usr/i686-linux-gnu/lib/ld-linux.so.2 "$OUT/interp-wrong-class/bin/main"
        cp /lib64/ld-linux-x86-64.so.2 "$OUT/interp-not-executable/ld.so"; chmod 644 "$OUT/interp-not-executable/ld.so"
        patchelf --set-interpreter "$OUT/interp-not-executable/ld.so" "$OUT/interp-not-executable/bin/main"
        mkdir -p "$OUT/interp-directory/ld.so"; patchelf --set-interpreter "$OUT/interp-directory/ld.so" "$OUT/interp-directory/bin/main"
        chmod 644 "$OUT/prog-not-executable/bin/main"

        # AT_SECURE: set-user-ID copies of these are run by another user.
        prog setuid-ldlp-ignored; mkdir -p "$OUT/setuid-ldlp-ignored/d"; good "$OUT/setuid-ldlp-ignored/d/libfoo.so.1"
        prog setuid-origin-dropped -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/setuid-origin-dropped/lib"; good "$OUT/setuid-origin-dropped/lib/libfoo.so.1"
        mkdir -p "$OUT/setuid-system-only/bin"; gcc -o "$OUT/setuid-system-only/bin/main" mainz.c -lz
        mkdir -p "$OUT/setuid-preload-path-ignored/bin"; gcc -o "$OUT/setuid-preload-path-ignored/bin/main" mainz.c -lz
        gcc -fPIC -shared -o "$OUT/setuid-preload-path-ignored/libpre.so" pre.c

        # musl: Debian's musl loader and libraries.
        mus() { local d="$OUT/$1"; shift; mkdir -p "$d/bin"; musl-gcc -o "$d/bin/main" main.c -L"$OUT/_build-musl" -l:libfoo.so.1 "$@"; }
        mkdir -p "$OUT/_build-musl"; good "$OUT/_build-musl/libfoo.so.1" musl-gcc
        mus musl-ok -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/musl-ok/lib"; good "$OUT/musl-ok/lib/libfoo.so.1" musl-gcc
        mus musl-missing-lib
        mus musl-ld-library-path; mkdir -p "$OUT/musl-ld-library-path/d"; good "$OUT/musl-ld-library-path/d/libfoo.so.1" musl-gcc
        mus musl-missing-symbol -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/musl-missing-symbol/lib"
        musl-gcc -fPIC -shared -o "$OUT/musl-missing-symbol/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libnobar.map libnobar.c
        mkdir -p "$OUT/musl-runpath-inherited/bin" "$OUT/musl-runpath-inherited/lib"
        musl-gcc -fPIC -shared -o "$OUT/_build-musl/libbar2.so" -Wl,-soname,libbar2.so libbar2.c -L"$OUT/_build-musl" -l:libfoo.so.1
        musl-gcc -o "$OUT/musl-runpath-inherited/bin/main" main2.c -L"$OUT/_build-musl" -l:libbar2.so -Wl,-rpath,'$ORIGIN/../lib' -Wl,-rpath-link,"$OUT/_build-musl"
        cp "$OUT/_build-musl/libbar2.so" "$OUT/musl-runpath-inherited/lib/"; good "$OUT/musl-runpath-inherited/lib/libfoo.so.1" musl-gcc
        mus musl-wrong-class-first -Wl,-rpath,'$ORIGIN/../lib32:$ORIGIN/../lib'; mkdir -p "$OUT/musl-wrong-class-first/lib32" "$OUT/musl-wrong-class-first/lib"
        good "$OUT/musl-wrong-class-first/lib32/libfoo.so.1" i686-linux-gnu-gcc; good "$OUT/musl-wrong-class-first/lib/libfoo.so.1" musl-gcc
        mus musl-preload -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/musl-preload/lib"; good "$OUT/musl-preload/lib/libfoo.so.1" musl-gcc
        musl-gcc -fPIC -shared -o "$OUT/musl-preload/lib/libpre.so" pre.c
        mkdir -p "$OUT/glibc-on-musl/bin"; cp "$OUT/ok-runpath/bin/main" "$OUT/glibc-on-musl/bin/main"; mkdir -p "$OUT/glibc-on-musl/lib"; good "$OUT/glibc-on-musl/lib/libfoo.so.1"

        # aarch64 against Debian's cross libraries, run with qemu-aarch64 -L /usr/aarch64-linux-gnu.
        arm() { local d="$OUT/$1"; shift; mkdir -p "$d/bin"; aarch64-linux-gnu-gcc -o "$d/bin/main" main.c -L"$OUT/_build-arm" -l:libfoo.so.1 -lm "$@"; }
        mkdir -p "$OUT/_build-arm"; good "$OUT/_build-arm/libfoo.so.1" aarch64-linux-gnu-gcc
        arm arm-ok -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/arm-ok/lib"; good "$OUT/arm-ok/lib/libfoo.so.1" aarch64-linux-gnu-gcc
        arm arm-missing-lib
        arm arm-ld-library-path; good "$OUT/arm-ld-library-path/bin/libfoo.so.1" aarch64-linux-gnu-gcc
        arm arm-version-not-found -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/arm-version-not-found/lib"
        aarch64-linux-gnu-gcc -fPIC -shared -o "$OUT/arm-version-not-found/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=libold.map libold.c
        arm arm-wrong-machine-skipped -Wl,-rpath,'$ORIGIN/../x86:$ORIGIN/../lib'; mkdir -p "$OUT/arm-wrong-machine-skipped/x86" "$OUT/arm-wrong-machine-skipped/lib"
        good "$OUT/arm-wrong-machine-skipped/x86/libfoo.so.1"; good "$OUT/arm-wrong-machine-skipped/lib/libfoo.so.1" aarch64-linux-gnu-gcc

        # i386 (32-bit) against Debian's i686 cross libraries, run with qemu-i386 -L /usr/i686-linux-gnu.
        x86() { local d="$OUT/$1"; shift; mkdir -p "$d/bin"; i686-linux-gnu-gcc -o "$d/bin/main" main.c -L"$OUT/_build-i386" -l:libfoo.so.1 -lm "$@"; }
        mkdir -p "$OUT/_build-i386"; good "$OUT/_build-i386/libfoo.so.1" i686-linux-gnu-gcc
        x86 i386-ok -Wl,-rpath,'$ORIGIN/../lib'; mkdir -p "$OUT/i386-ok/lib"; good "$OUT/i386-ok/lib/libfoo.so.1" i686-linux-gnu-gcc
        x86 i386-wrong-class-skipped -Wl,-rpath,'$ORIGIN/../lib64:$ORIGIN/../lib'; mkdir -p "$OUT/i386-wrong-class-skipped/lib64" "$OUT/i386-wrong-class-skipped/lib"
        good "$OUT/i386-wrong-class-skipped/lib64/libfoo.so.1"; good "$OUT/i386-wrong-class-skipped/lib/libfoo.so.1" i686-linux-gnu-gcc
        x86 i386-missing-lib

        # A program for another machine, run natively: no binfmt_misc handler, Exec format error.
        mkdir -p "$OUT/foreign-machine/bin"; cp "$OUT/arm-ok/bin/main" "$OUT/foreign-machine/bin/main"
        """;
}
