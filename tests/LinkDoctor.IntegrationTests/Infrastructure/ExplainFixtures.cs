namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>
/// What explain's tests make the real components print: failing links (GNU ld, gold, lld), failing go builds, and
/// the binaries that make the loaders, shells and runtimes fail when they are run (built here, run by the tests).
/// The failing builds' output is kept in $OUT/logs/NAME.txt (a build log is what users paste).
/// </summary>
public static class ExplainFixtures
{
    private const string Main = "extern int foo(void);\nint main(void) { return foo(); }\n";
    private const string NonPic = "static const char *msg = \"hi\";\nconst char *get(void) { return msg; }\nint counter;\nint *pc(void) { return &counter; }\n";
    private const string Foo = "int foo(void) { return 1; }\n";
    private const string DefA = "int x = 1;\nint foo(void) { return x; }\n";
    private const string DefB = "int x = 2;\n";
    private const string Nss = "#include <pwd.h>\n#include <netdb.h>\nint main(void) { getpwnam(\"root\"); gethostbyname(\"localhost\"); return 0; }\n";
    private const string DsoMain = "extern double half_root(double);\n#include <math.h>\nint main(void) { return (int)sqrt(half_root(8.0)); }\n";
    private const string DsoLib = "#include <math.h>\ndouble half_root(double x) { return sqrt(x) / 2; }\n";
    private const string Ok = "int main(void) { return 0; }\n";
    private const string Nope = "int nope(void) { return 1; }\n";
    private const string Needs = "extern int nope(void);\nint entry(void) { return nope(); }\n";
    private const string Tls = "__thread char big[1 << 20] __attribute__((tls_model(\"initial-exec\")));\nchar *get(void) { return big; }\n";
    private const string CopyLib4 = "int arr[4] = {1, 2, 3, 4};\n";
    private const string CopyLib8 = "int arr[8] = {1, 2, 3, 4};\n";
    private const string CopyMain = "#include <stdio.h>\nextern int arr[4];\nint main(void) { printf(\"%d\\n\", arr[0]); return 0; }\n";
    private const string Priv = "int foo(void) { return 1; }\nint bar(void) { return 2; }\n";
    private const string PrivMain = "extern int foo(void);\nint main(void) { return foo() - 1; }\n";
    private const string Java = "public class Load { public static void main(String[] a) { if (a[0].startsWith(\"/\")) System.load(a[0]); else System.loadLibrary(a[0]); } }\n";

    /// <summary>
    /// logs/: every failing link. lib/: libneeds.so (NEEDs the absent libfoo64.so), libexecstack.so, libbigtls.so,
    /// libosabi.so (EI_OSABI poked to FreeBSD), libreloc.so (a GLOB_DAT relocation poked to type 0xc8), libcr.so (arr
    /// grown after crm was linked), libpriv.so (GLIBC_PRIVATE without foo after privmain was linked against foo).
    /// l32/libfoo.so: i386. bin/: noint (PT_INTERP /lib/ld-nothere.so.2), armprog (aarch64), notexec (mode 644),
    /// nopie (ET_EXEC), crm, privmain, relocmain, dstmain (NEEDED $ORIGIN/../lib/libcr.so). java/Load.class.
    /// </summary>
    public const string Script = """
        mkdir -p "$OUT/logs" "$OUT/lib" "$OUT/l32" "$OUT/bin" "$OUT/java"
        log() { local name=$1; shift; "$@" > "$OUT/logs/$name.txt" 2>&1 || true; }
        # The static linkers.
        log ld-cannot-find gcc main.c -lnosuchlib -o "$OUT/a.out"
        log ld-cannot-find-file gcc main.c /nonexistent/start.o -o "$OUT/a.out"
        log ld-undefined gcc main.c -o "$OUT/a.out"
        log gold-cannot-find gcc -fuse-ld=gold main.c -lnosuchlib -o "$OUT/a.out"
        log gold-undefined gcc -fuse-ld=gold main.c -o "$OUT/a.out"
        log lld-cannot-find clang-14 -fuse-ld=lld main.c -lnosuchlib -o "$OUT/a.out"
        log lld-undefined clang-14 -fuse-ld=lld main.c -o "$OUT/a.out"
        gcc -c -fno-pic nonpic.c -o "$OUT/nonpic.o"
        log ld-need-pic gcc -shared "$OUT/nonpic.o" -o "$OUT/a.so"
        log gold-need-pic gcc -fuse-ld=gold -shared "$OUT/nonpic.o" -o "$OUT/a.so"
        log lld-need-pic clang-14 -fuse-ld=lld -shared "$OUT/nonpic.o" -o "$OUT/a.so"
        i686-linux-gnu-gcc -shared -fPIC foo.c -o "$OUT/l32/libfoo.so"
        log ld-skipping gcc main.c -L"$OUT/l32" -lfoo -o "$OUT/a.out"
        log gold-skipping gcc -fuse-ld=gold main.c -L"$OUT/l32" -lfoo -o "$OUT/a.out"
        log lld-incompatible clang-14 -fuse-ld=lld main.c -L"$OUT/l32" -lfoo -o "$OUT/a.out"
        log ld-multiple gcc main.c defa.c defb.c -o "$OUT/a.out"
        log gold-multiple gcc -fuse-ld=gold main.c defa.c defb.c -o "$OUT/a.out"
        log lld-duplicate clang-14 -fuse-ld=lld main.c defa.c defb.c -o "$OUT/a.out"
        log ld-static-warning gcc -static nss.c -o "$OUT/bin/nss-static"
        log gold-static-warning gcc -fuse-ld=gold -static nss.c -o "$OUT/bin/nss-static-gold"
        gcc -shared -fPIC dsolib.c -o "$OUT/lib/libhalf.so" -lm
        log ld-dso-missing gcc dsomain.c -L"$OUT/lib" -lhalf -o "$OUT/a.out"
        aarch64-linux-gnu-gcc -c ok.c -o "$OUT/arm.o"
        log ld-wrong-format gcc main.c "$OUT/arm.o" -o "$OUT/a.out"
        log lld-colour clang-14 -fuse-ld=lld -fcolor-diagnostics -Wl,--color-diagnostics main.c -lnosuchlib -o "$OUT/a.out"

        # Programs and libraries that fail when run or loaded.
        gcc -shared -fPIC nope.c -o "$OUT/lib/libfoo64.so"
        gcc -shared -fPIC needs.c -o "$OUT/lib/libneeds.so" -L"$OUT/lib" -Wl,--no-as-needed -lfoo64 && rm "$OUT/lib/libfoo64.so"
        gcc -shared -fPIC foo.c -o "$OUT/lib/libexecstack.so" -Wl,-z,execstack
        gcc -shared -fPIC tls.c -o "$OUT/lib/libbigtls.so"
        cp "$OUT/lib/libexecstack.so" "$OUT/lib/libosabi.so"; printf '\x09' | dd of="$OUT/lib/libosabi.so" bs=1 seek=7 conv=notrunc 2>/dev/null
        # A linker script where a library is expected: longer than an ELF header, not ELF.
        printf '/* GNU ld script\n   Use the shared library, but some functions are only in\n   the static library.  */\nGROUP ( libfoo.so.1 libfoo_nonshared.a )\n' > "$OUT/lib/libscript.so"
        gcc -shared -fPIC foo.c -o "$OUT/lib/libreloc.so"
        off=$(readelf -SW "$OUT/lib/libreloc.so" | awk '/\.rela\.dyn/ {print $5}')
        idx=$(readelf -rW "$OUT/lib/libreloc.so" | awk '/rela.dyn/ {f = 1; next} f && /R_X86_64/ {i++; if ($3 == "R_X86_64_GLOB_DAT") {print i - 1; exit}}')
        printf '\xc8' | dd of="$OUT/lib/libreloc.so" bs=1 seek=$((0x$off + idx * 24 + 8)) conv=notrunc 2>/dev/null
        gcc ok.c -o "$OUT/bin/relocmain" -Wl,--no-as-needed "$OUT/lib/libreloc.so" -Wl,-rpath,'$ORIGIN/../lib'
        gcc ok.c -o "$OUT/bin/noint" -Wl,--dynamic-linker=/lib/ld-nothere.so.2
        aarch64-linux-gnu-gcc ok.c -o "$OUT/bin/armprog"
        gcc ok.c -o "$OUT/bin/notexec"; chmod 644 "$OUT/bin/notexec"
        gcc -no-pie ok.c -o "$OUT/bin/nopie"
        gcc -shared -fPIC copylib4.c -o "$OUT/lib/libcr.so"
        gcc copymain.c -L"$OUT/lib" -lcr -Wl,-rpath,'$ORIGIN/../lib' -o "$OUT/bin/crm"
        gcc -shared -fPIC copylib8.c -o "$OUT/lib/libcr.so"
        echo 'GLIBC_PRIVATE { global: foo; bar; local: *; };' > priv1.map
        gcc -shared -fPIC priv.c -Wl,--version-script=priv1.map -Wl,-soname,libpriv.so -o "$OUT/lib/libpriv.so"
        gcc privmain.c -L"$OUT/lib" -lpriv -Wl,-rpath,'$ORIGIN/../lib' -o "$OUT/bin/privmain"
        echo 'GLIBC_PRIVATE { global: bar; local: *; };' > priv2.map
        gcc -shared -fPIC priv.c -Wl,--version-script=priv2.map -Wl,-soname,libpriv.so -o "$OUT/lib/libpriv.so"
        gcc ok.c -o "$OUT/bin/dstmain" -L"$OUT/lib" -Wl,--no-as-needed -lcr && patchelf --replace-needed libcr.so '$ORIGIN/../lib/libcr.so' "$OUT/bin/dstmain"
        javac -d "$OUT/java" Load.java
        """;

    public static string Build() => Fixtures.Build("explain-real", Script,
        ("main.c", Main), ("nonpic.c", NonPic), ("foo.c", Foo), ("defa.c", DefA), ("defb.c", DefB), ("nss.c", Nss),
        ("dsomain.c", DsoMain), ("dsolib.c", DsoLib), ("ok.c", Ok), ("needs.c", Needs), ("nope.c", Nope), ("tls.c", Tls), ("copylib4.c", CopyLib4),
        ("copylib8.c", CopyLib8), ("copymain.c", CopyMain), ("priv.c", Priv), ("privmain.c", PrivMain), ("Load.java", Java));

    private const string CgoMain = "package main\n\n// int add(int a, int b) { return a + b; }\nimport \"C\"\nimport \"fmt\"\n\nfunc main() { fmt.Println(C.add(1, 2)) }\n";
    private const string UnknownC = "package main\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc main() { C.no_such_function() }\n";
    private const string PureMain = "package main\n\nfunc main() {}\n";
    private const string Runner = """
        package main

        import (
        	"fmt"
        	"os"
        	"os/exec"
        	"plugin"
        )

        // runner exec PROG: prints os/exec's error. runner open PATH...: plugin.Open each; the last error panics.
        func main() {
        	switch os.Args[1] {
        	case "exec":
        		if err := exec.Command(os.Args[2]).Run(); err != nil {
        			fmt.Fprintln(os.Stderr, err)
        			os.Exit(1)
        		}
        	case "open":
        		var last error
        		for _, p := range os.Args[2:] {
        			if _, err := plugin.Open(p); err != nil {
        				fmt.Fprintln(os.Stderr, err)
        				last = err
        			}
        		}
        		if last != nil {
        			panic(last)
        		}
        	case "lookup":
        		p, err := plugin.Open(os.Args[2])
        		if err != nil {
        			panic(err)
        		}
        		if _, err := p.Lookup(os.Args[3]); err != nil {
        			panic(err)
        		}
        	}
        }
        """;
    private const string Plugin = "package main\n\nvar V int\n\nfunc F() int { return V }\n";

    /// <summary>
    /// logs/: go build with cgo off, with C files and no cgo, with a C compiler that does not exist, with a C name that
    /// is not declared, -race without cgo. bin/runner (cgo, imports plugin), bin/runner-nocgo (CGO_ENABLED=0),
    /// plugins/p.so and a copy p2.so.
    /// </summary>
    public const string GoScript = """
        export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME="$OUT/../home" GOCACHE="$OUT/../../go-build-cache" GOPATH="$OUT/../gopath"
        mkdir -p "$OUT/logs" "$OUT/bin" "$OUT/plugins"
        log() { local name=$1; shift; "$@" > "$OUT/logs/$name.txt" 2>&1 || true; }
        mod() { mkdir -p "$1"; printf 'module example.com/%s\n\ngo 1.19\n' "$1" > "$1/go.mod"; }
        mod cgoonly; cp cgomain.go cgoonly/main.go
        (cd cgoonly && log go-build-constraints env CGO_ENABLED=0 go build -o "$OUT/bin/x" .)
        (cd cgoonly && log go-cc-not-found env CGO_ENABLED=1 CC=no-such-cc go build -o "$OUT/bin/x" .)
        mod cfiles; cp puremain.go cfiles/main.go; echo 'int helper(void) { return 1; }' > cfiles/helper.c
        (cd cfiles && log go-c-files env CGO_ENABLED=1 go build -o "$OUT/bin/x" .)
        mod unknownc; cp unknownc.go unknownc/main.go
        (cd unknownc && log go-unknown-c-name env CGO_ENABLED=1 go build -o "$OUT/bin/x" .)
        mod race; cp puremain.go race/main.go
        (cd race && log go-race-without-cgo env CGO_ENABLED=0 go build -race -o "$OUT/bin/x" .)
        mod plug; cp plugin.go plug/main.go
        (cd plug && log go-plugin-without-cgo env CGO_ENABLED=0 go build -buildmode=plugin -o "$OUT/plugins/nocgo.so" .)
        (cd plug && CGO_ENABLED=1 go build -buildmode=plugin -o "$OUT/plugins/p.so" .) && cp "$OUT/plugins/p.so" "$OUT/plugins/p2.so"
        mod runner; cp runner.go runner/main.go
        (cd runner && CGO_ENABLED=1 go build -o "$OUT/bin/runner" . && CGO_ENABLED=0 go build -o "$OUT/bin/runner-nocgo" .)
        """;

    public static string BuildGo() => Fixtures.Build("explain-go", GoScript,
        ("cgomain.go", CgoMain), ("unknownc.go", UnknownC), ("puremain.go", PureMain), ("runner.go", Runner), ("plugin.go", Plugin));
}
