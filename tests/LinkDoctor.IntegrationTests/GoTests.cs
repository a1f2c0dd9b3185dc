using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Reports;

namespace LinkDoctor.IntegrationTests;

/// <summary>Go binaries built at test time with Debian's Go: detection, build info against `go version -m`, libc and linkage.</summary>
public sealed class GoTests
{
    private const string MainGo = """
        package main

        import "fmt"

        func main() { fmt.Println("hello") }
        """;

    private const string CgoGo = """
        package main

        // #include <stdlib.h>
        import "C"
        import "fmt"

        //export Add
        func Add(a, b C.int) C.int { return a + b }

        func main() { fmt.Println(C.abs(-3)) }
        """;

    private static string Build() => Fixtures.Build("go", """
        export GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local HOME="$OUT/../home" GOCACHE="$OUT/../gocache" GOPATH="$OUT/../gopath"
        mkdir -p pure cgo && mv main.go pure/ && mv cgo.go cgo/
        (cd pure && printf 'module example.com/pure\n\ngo 1.19\n' > go.mod && CGO_ENABLED=0 go build -o "$OUT/pure" .)
        (cd cgo && printf 'module example.com/cgoapp\n\ngo 1.19\n' > go.mod && CGO_ENABLED=1 go build -o "$OUT/cgo" . && CGO_ENABLED=1 go build -buildmode=c-shared -o "$OUT/libcgo.so" .)
        """, ("main.go", MainGo), ("cgo.go", CgoGo));

    [Theory]
    [InlineData("pure", "example.com/pure", "static", "none")]
    [InlineData("cgo", "example.com/cgoapp", "dynamic", "glibc")]
    public void GoBuildInfoMatchesGoVersionM(string name, string module, string linkage, string libc)
    {
        string file = Path.Combine(Build(), name);
        var r = Inspector.Inspect(file, new InspectOptions(Notes: true));
        Assert.Null(r.Error);
        Assert.True(r.Go!.IsGo);
        // `go version -m` prints "FILE: go1.19.8" then "\tpath\tMODULE" …
        var lines = Tool.Run("go", ["version", "-m", file]).Stdout.Split('\n');
        Assert.Equal(lines[0][(lines[0].IndexOf(": ", StringComparison.Ordinal) + 2)..], r.Go.GoVersion);
        Assert.Contains($"\tpath\t{r.Go.ModulePath}", lines);
        Assert.Equal(module, r.Go.ModulePath);
        Assert.Equal((linkage, libc), (r.Linkage!, r.Libc!));
        Assert.NotNull(r.Go.BuildId);
        Assert.Contains(r.Notes!, n => n.Owner == "Go" && n.Type == "GO_BUILDID");
    }

    [Fact]
    public void CgoSharedLibraryExportsAndFlags()
    {
        string lib = Path.Combine(Build(), "libcgo.so");
        var r = Inspector.Inspect(lib, new InspectOptions());
        Assert.Equal("shared-library", r.Type);
        Assert.True(r.Go!.IsGo);
        Assert.Contains("STATIC_TLS", r.Flags!);
        var symbols = SymbolLister.List(lib, new SymbolOptions(DefinedOnly: true));
        Assert.Contains(symbols, s => s.Name == "Add" && s.Type == "FUNC");
        Assert.Contains(symbols, s => s.Name == "crosscall2");
    }
}
