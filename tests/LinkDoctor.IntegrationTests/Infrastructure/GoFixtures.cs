namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>
/// Go binaries built at test time with Debian's go1.19 (offline: GOPROXY=off, GOFLAGS=-mod=mod; one GOCACHE shared
/// by the Go recipes under the fixtures cache), and real Go binaries from npm built by newer Go releases.
/// </summary>
public static class GoFixtures
{
    /// <summary>The environment every Go recipe starts with.</summary>
    public const string GoEnv = """
        export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local GOTELEMETRY=off
        export HOME="$OUT/../home" GOCACHE="$OUT/../../go-build-cache" GOPATH="$OUT/../gopath"
        mkdir -p "$HOME" "$GOCACHE"
        """;

    private const string PluginScript = GoEnv + """

        # --- modules shared by the plugins and their hosts ---
        mkdir -p dep1 dep2 shared
        printf 'module example.com/dep\n\ngo 1.19\n' > dep1/go.mod; cp dep1/go.mod dep2/go.mod
        cat > dep1/dep.go <<'G'
        package dep

        //go:noinline
        func Value() int { return 1 }
        G
        sed 's/return 1/return 2/' dep1/dep.go > dep2/dep.go
        cat > dep1/extra_on.go <<'G'
        //go:build extra

        package dep

        //go:noinline
        func Extra() string { return "on" }
        G
        cat > dep1/extra_off.go <<'G'
        //go:build !extra

        package dep

        //go:noinline
        func Extra() string { return "off" }
        G
        cp dep1/extra_*.go dep2/
        printf 'module example.com/shared\n\ngo 1.19\n' > shared/go.mod
        # Inlinable, so its body is part of the export data (and of the package hash).
        printf 'package shared\n\nfunc Name() string { return "A" }\n' > shared/shared.go

        mod() { # dir module-path dep-dir
          mkdir -p "$1"
          printf 'module %s\n\ngo 1.19\n\nrequire (\n\texample.com/dep v0.0.0\n\texample.com/shared v0.0.0\n)\n\nreplace example.com/dep => ../%s\n\nreplace example.com/shared => ../shared\n' "$2" "$3" > "$1/go.mod"
        }
        plugin_src() { # dir
          cat > "$1/main.go" <<'G'
        package main

        import (
        	"example.com/dep"
        	"example.com/shared"
        )

        func Hello() string { return shared.Name() + dep.Extra() }

        var Count = dep.Value()
        G
        }

        # A plugin built while package shared still said "A" (its source then changes).
        mod plugsrc example.com/plugsrc dep1; plugin_src plugsrc
        (cd plugsrc && CGO_ENABLED=1 go build -buildmode=plugin -o "$OUT/plug-src.so" .)
        printf 'package shared\n\nfunc Name() string { return "B" }\n' > shared/shared.go

        # The host: opens each argument with plugin.Open and prints OK or the error, one line each.
        mod host example.com/host dep1
        cat > host/main.go <<'G'
        package main

        import (
        	"fmt"
        	"os"
        	"plugin"

        	"example.com/dep"
        	"example.com/shared"
        )

        func main() {
        	_ = shared.Name() + dep.Extra()
        	_ = dep.Value()
        	for _, p := range os.Args[1:] {
        		if _, err := plugin.Open(p); err != nil {
        			fmt.Println(err)
        		} else {
        			fmt.Println("OK")
        		}
        	}
        }
        G
        (cd host && CGO_ENABLED=1 go build -o "$OUT/host" . && CGO_ENABLED=0 go build -o "$OUT/host-nocgo" .)
        mod plugok example.com/plugok dep1; plugin_src plugok
        (cd plugok && CGO_ENABLED=1 go build -buildmode=plugin -o "$OUT/plug-ok.so" .)
        cp "$OUT/plug-ok.so" "$OUT/plug-copy.so"
        mod plugdep example.com/plugdep dep2; plugin_src plugdep
        (cd plugdep && CGO_ENABLED=1 go build -buildmode=plugin -o "$OUT/plug-dep.so" .)
        mod plugtags example.com/plugtags dep1; plugin_src plugtags
        (cd plugtags && CGO_ENABLED=1 go build -tags extra -buildmode=plugin -o "$OUT/plug-tags.so" .)
        mod pluggc example.com/pluggc dep1; plugin_src pluggc
        (cd pluggc && CGO_ENABLED=1 go build -gcflags=all=-l -buildmode=plugin -o "$OUT/plug-gcflags.so" .)
        # A plugin that needs a C library which is gone at run time.
        mod plugc example.com/plugc dep1; plugin_src plugc
        # (outside the package directory: cgo would compile a .c file there into the plugin itself)
        mkdir -p cmissing
        printf 'int missing_value(void) { return 7; }\n' > cmissing/missing.c
        gcc -shared -fPIC -o cmissing/libgomissing.so cmissing/missing.c
        cat > plugc/c.go <<'G'
        package main

        // #cgo LDFLAGS: -L${SRCDIR}/../cmissing -lgomissing
        // int missing_value(void);
        import "C"

        var Missing = int(C.missing_value())
        G
        (cd plugc && CGO_ENABLED=1 go build -buildmode=plugin -o "$OUT/plug-cdep.so" .)
        rm cmissing/libgomissing.so

        """;

    private const string ModesScript = GoEnv + """

        # --- executables and libraries of every build mode ---
        mkdir -p pure netuser cs
        printf 'module example.com/pure\n\ngo 1.19\n' > pure/go.mod
        printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' > pure/main.go
        (cd pure && CGO_ENABLED=0 go build -o "$OUT/pure" . && CGO_ENABLED=0 go build -ldflags='-s -w' -o "$OUT/pure-stripped" .)
        (cd pure && CGO_ENABLED=0 go build -buildmode=pie -o "$OUT/pure-pie" .)
        printf 'module example.com/netuser\n\ngo 1.19\n' > netuser/go.mod
        cat > netuser/main.go <<'G'
        package main

        import (
        	"fmt"
        	"net"
        	"os/user"
        )

        func main() {
        	u, err := user.Current()
        	a, _ := net.LookupHost("localhost")
        	fmt.Println(u != nil, err, len(a))
        }
        G
        (cd netuser && CGO_ENABLED=1 go build -o "$OUT/netuser" . \
          && CGO_ENABLED=1 go build -ldflags='-s -w' -o "$OUT/netuser-stripped" . \
          && CGO_ENABLED=1 go build -buildmode=pie -o "$OUT/netuser-pie" . \
          && CGO_ENABLED=1 go build -ldflags='-linkmode external -extldflags "-static"' -o "$OUT/netuser-static" . 2> "$OUT/netuser-static.ld.txt" \
          && CGO_ENABLED=1 go build -tags 'netgo osusergo' -ldflags='-linkmode external -extldflags "-static"' -o "$OUT/netuser-static-netgo" . 2> "$OUT/netuser-static-netgo.ld.txt")
        printf 'module example.com/cs\n\ngo 1.19\n' > cs/go.mod
        cat > cs/main.go <<'G'
        package main

        // #include <stdlib.h>
        import "C"
        import "os/user"

        //export Add
        func Add(a, b C.int) C.int { return a + b }

        //export Greet
        func Greet(name *C.char) *C.char { return C.CString("hi " + C.GoString(name)) }

        //export Sum
        func Sum(xs []int32) int64 { var s int64; for _, x := range xs { s += int64(x) }; return s }

        func main() { _, _ = user.Current() }
        G
        (cd cs && CGO_ENABLED=1 go build -buildmode=c-shared -o "$OUT/libcs.so" . && CGO_ENABLED=1 go build -buildmode=c-archive -o "$OUT/libca.a" . \
          && CGO_ENABLED=1 go build -o "$OUT/cgo" .)
        cp "$OUT/libcs.h" "$OUT/libcs-stale.h"
        # The library moves on: Add takes longs, Mul is new, Greet is gone; the old header stays behind.
        sed -i 's/func Add(a, b C.int) C.int/func Add(a, b C.long) C.long/; s/^\/\/export Greet$//' cs/main.go
        printf '\n//export Mul\nfunc Mul(a, b C.int) C.int { return a * b }\n' >> cs/main.go
        (cd cs && CGO_ENABLED=1 go build -buildmode=c-shared -o "$OUT/libcs2.so" .)
        """;

    private const string CrossScript = GoEnv + """

        mkdir -p pure
        printf 'module example.com/pure\n\ngo 1.19\n' > pure/go.mod
        printf 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n' > pure/main.go
        for t in linux/arm64 linux/386 linux/s390x linux/mips linux/ppc64le darwin/arm64 darwin/amd64 windows/amd64 windows/386; do
          (cd pure && CGO_ENABLED=0 GOOS=${t%/*} GOARCH=${t#*/} go build -o "$OUT/cross-${t%/*}-${t#*/}$([ ${t%/*} = windows ] && echo .exe)" .)
        done
        # Without the symbol table (-s): the Go readers must find pclntab, moduledata and the version without it.
        (cd pure && CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go build -ldflags=-s -o "$OUT/cross-darwin-arm64-stripped" .)
        (cd pure && CGO_ENABLED=0 GOOS=windows GOARCH=amd64 go build -ldflags=-s -o "$OUT/cross-windows-amd64-stripped.exe" .)
        # A universal file: go1.19 refuses it ("unrecognized file format"), newer Go reads its first slice.
        llvm-lipo-14 -create -output "$OUT/cross-darwin-universal" "$OUT/cross-darwin-amd64" "$OUT/cross-darwin-arm64"
        """;

    /// <summary>Plugins and the hosts that open them (built once, cached).</summary>
    public static string Plugins() => Fixtures.Build("go-plugins", PluginScript);

    /// <summary>Every build mode: exe, pie, static, stripped, c-shared (and a stale header), c-archive.</summary>
    public static string Modes() => Fixtures.Build("go-modes", ModesScript);

    /// <summary>The sources of the build-mode fixtures (the recipe's working directory).</summary>
    public static string ModesSources() => Path.Combine(Path.GetDirectoryName(Modes())!, "src");

    /// <summary>Cross builds: linux/arm64, 386, s390x (big-endian), mips (32-bit big-endian), ppc64le, darwin/arm64 and amd64, windows/amd64 and 386; darwin/arm64 and windows/amd64 also with <c>-ldflags=-s</c>.</summary>
    public static string Cross() => Fixtures.Build("go-xbuild", CrossScript);

    /// <summary>Every fixture directory.</summary>
    public static string[] All() => [Plugins(), Modes(), Cross()];

    private const string SqliteScript = GoEnv + """

        mkdir -p app
        cat > app/go.mod <<'G'
        module example.com/sqliteapp

        go 1.19

        require github.com/mattn/go-sqlite3 v1.14.0

        replace github.com/mattn/go-sqlite3 => /usr/share/gocode/src/github.com/mattn/go-sqlite3
        G
        cat > app/main.go <<'G'
        package main

        import (
        	"database/sql"
        	"fmt"

        	_ "github.com/mattn/go-sqlite3"
        )

        func main() {
        	db, err := sql.Open("sqlite3", ":memory:")
        	fmt.Println(db != nil, err)
        }
        G
        (cd app && CGO_ENABLED=1 go build -o "$OUT/sqlite" .)
        """;

    /// <summary>A program using Debian's go-sqlite3 (golang-github-mattn-go-sqlite3-dev), dynamically linked.</summary>
    public static string Sqlite() => Fixtures.Build("go-sqlite", SqliteScript);

    public static string SqliteSources() => Path.Combine(Path.GetDirectoryName(Sqlite())!, "src");

    /// <summary>
    /// Go binaries shipped in npm packages, built by Go releases newer (and older) than Debian's: lefthook (go1.27,
    /// build info intact, linux x64/arm64 and a Windows arm64 PE), buf (go1.26), esbuild (its release script
    /// strips the build info: go1.26 for linux x64, ia32, s390x; older releases built by go1.16 and go1.17 in the
    /// pre-1.18 pointer format, 32-bit and big-endian), esbuild for darwin/arm64 and win32/x64.
    /// </summary>
    public static readonly string[] NpmPackages =
    [
        "lefthook-linux-x64@2.2.2", "lefthook-linux-arm64@2.2.2", "lefthook-windows-arm64@2.2.2", "@bufbuild/buf-linux-x64@1.74.0",
        "@esbuild/linux-x64@0.28.2", "@esbuild/linux-ia32@0.28.2", "@esbuild/linux-s390x@0.28.2", "@esbuild/darwin-arm64@0.28.2", "@esbuild/win32-x64@0.28.2",
        "esbuild-linux-64@0.8.57", "esbuild-linux-64@0.13.15", "esbuild-linux-32@0.13.15", "esbuild-linux-s390x@0.14.8",
    ];

    /// <summary>Restores <see cref="NpmPackages"/> with <c>npm pack</c> into a test-owned cached folder; returns the folder of unpacked packages.</summary>
    public static string Npm() => Fixtures.Build("go-npm", $$"""
        export npm_config_cache="$OUT/../npm-cache" npm_config_update_notifier=false
        cd "$OUT"
        npm pack --silent {{string.Join(' ', NpmPackages)}} > /dev/null
        for t in *.tgz; do mkdir -p "pkg/${t%.tgz}"; tar xzf "$t" -C "pkg/${t%.tgz}"; rm "$t"; done
        """) + "/pkg";
}
