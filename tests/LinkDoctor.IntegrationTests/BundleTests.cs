using System.Text.Json;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>bundle</c> and the .note.dlopen metadata: a real program built at test time (gcc and musl-gcc) with a chain of
/// two libraries found through RUNPATH in its build directory, libz, and a plugin named only by a .note.dlopen note,
/// bundled, then checked in a minimal root that has only the C library: by our <c>why --root</c> and by running the
/// root's own loader with <c>--library-path</c>.
/// </summary>
public sealed class BundleTests(ITestOutputHelper output)
{
    /// <summary>The note as the spec lays it out: 4-aligned Elf_Nhdr, owner "FDO", type 0x407c0c0a, a NUL-terminated JSON array.</summary>
    private const string NoteJson = """[{"feature":"plug","description":"the plugin","priority":"recommended","soname":["libplug-old.so.0","libplug.so.1"]}]""";

    private static string NoteAsm(string json) =>
        ".pushsection .note.dlopen,\\\"a\\\",@note\\n.balign 4\\n.long 4\\n.long 2f-1f\\n.long 0x407c0c0a\\n.asciz \\\"FDO\\\"\\n1: .asciz \\\""
        + json.Replace("\"", "\\\\\\\"") + "\\\"\\n2: .balign 4\\n.popsection\\n";

    private static readonly string ProgC = $$"""
        #include <stdio.h>
        #include <dlfcn.h>
        #include <zlib.h>
        int a_value(void);
        __asm__("{{NoteAsm(NoteJson)}}");
        int main(void) {
            void *h = dlopen("libplug.so.1", RTLD_NOW);
            const char *(*f)(void) = h ? (const char *(*)(void))dlsym(h, "plug_name") : 0;
            printf("a=%d plug=%s z=%d\n", a_value(), f ? f() : "missing", zlibVersion()[0] != 0);
            return 0;
        }
        """;

    private static readonly string MuslProgC = ProgC.Replace("#include <zlib.h>\n", "").Replace(" z=%d", "").Replace(", zlibVersion()[0] != 0", "");

    private const string BC = "int b_value(void) { return 40; }\n";
    private const string AC = "int b_value(void);\nint a_value(void) { return b_value() + 2; }\n";
    private const string PlugC = "const char *plug_name(void) { return \"plug-ok\"; }\n";
    private const string Prog2C = "#include <stdio.h>\nint a_value(void);\nint main(void) { printf(\"two=%d\\n\", a_value()); return 0; }\n";

    /// <summary>
    /// $OUT/{glibc,musl}/build: libb.so.1, liba.so.1 (NEEDs libb, RUNPATH the build directory), libplug.so.1, prog
    /// (NEEDs liba and libz, RUNPATH the build directory, a .note.dlopen naming libplug-old.so.0 then libplug.so.1),
    /// prog2 (NEEDs liba); $OUT/glibc/prog-objcopy: the note added by objcopy as a non-allocated section.
    /// </summary>
    private static string Fixture() => Fixtures.Build("bundle", """
        for v in glibc musl; do
          cc=gcc; z=-lz; src=prog.c
          if [ $v = musl ]; then cc=musl-gcc; z=; src=prog-musl.c; fi
          B="$OUT/$v/build"; mkdir -p "$B"
          $cc -shared -fPIC -Wl,-soname,libb.so.1 -o "$B/libb.so.1" b.c
          $cc -shared -fPIC -Wl,-soname,liba.so.1 -o "$B/liba.so.1" a.c -L"$B" -l:libb.so.1 -Wl,-rpath,"$B"
          $cc -shared -fPIC -Wl,-soname,libplug.so.1 -o "$B/libplug.so.1" plug.c
          $cc -o "$B/prog" $src -L"$B" -l:liba.so.1 $z -ldl -Wl,-rpath,"$B"
          $cc -o "$B/prog2" prog2.c -L"$B" -l:liba.so.1 -Wl,-rpath,"$B"
        done
        printf "$(cat note.bin.escaped)" > note.bin
        objcopy --add-section .note.dlopen=note.bin --set-section-flags .note.dlopen=readonly "$OUT/glibc/build/prog2" "$OUT/glibc/prog-objcopy"
        """, ("b.c", BC), ("a.c", AC), ("plug.c", PlugC), ("prog.c", ProgC), ("prog-musl.c", MuslProgC), ("prog2.c", Prog2C),
        ("note.bin.escaped", NoteEscaped(NoteJson)));

    /// <summary>An Elf_Nhdr note (little-endian, 4-aligned) as printf escapes, for objcopy --add-section.</summary>
    private static string NoteEscaped(string json)
    {
        var desc = System.Text.Encoding.UTF8.GetBytes(json + "\0");
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(4u));
        bytes.AddRange(BitConverter.GetBytes((uint)desc.Length));
        bytes.AddRange(BitConverter.GetBytes(0x407c0c0au));
        bytes.AddRange("FDO\0"u8.ToArray());
        bytes.AddRange(desc);
        while (bytes.Count % 4 != 0) bytes.Add(0);
        return string.Concat(bytes.Select(b => $"\\x{b:x2}"));
    }

    /// <summary>A root with nothing but the host's glibc loader and libc.so.6, in the Debian layout.</summary>
    private static string MinimalGlibcRoot()
    {
        string root = Temp("minroot");
        Directory.CreateDirectory(Path.Combine(root, "lib64"));
        Directory.CreateDirectory(Path.Combine(root, "lib/x86_64-linux-gnu"));
        File.Copy(Resolve("/lib64/ld-linux-x86-64.so.2"), Path.Combine(root, "lib64/ld-linux-x86-64.so.2"));
        File.Copy(Resolve("/lib/x86_64-linux-gnu/libc.so.6"), Path.Combine(root, "lib/x86_64-linux-gnu/libc.so.6"));
        Tool.Sh($"chmod 755 '{root}/lib64/ld-linux-x86-64.so.2'");
        return root;
    }

    private static string MinimalMuslRoot()
    {
        string root = Temp("muslroot");
        Directory.CreateDirectory(Path.Combine(root, "lib"));
        File.Copy(Resolve("/lib/ld-musl-x86_64.so.1"), Path.Combine(root, "lib/ld-musl-x86_64.so.1"));
        Tool.Sh($"chmod 755 '{root}/lib/ld-musl-x86_64.so.1'");
        return root;
    }

    private static string Resolve(string p) => new FileInfo(p).ResolveLinkTarget(true)?.FullName ?? p;

    private static string Temp(string tag)
    {
        string d = Path.Combine(Path.GetTempPath(), $"ld-bundle-{tag}-{Guid.NewGuid():N}"[..40]);
        Directory.CreateDirectory(d);
        return d;
    }

    private ToolResult Ld(params string[] args)
    {
        var r = Tool.LinkDoctor(args);
        output.WriteLine($"linkdoctor {string.Join(' ', args)}: exit {r.ExitCode}\n{r.Stdout}{r.Stderr}");
        return r;
    }

    private static Dictionary<string, JsonElement> FilesByName(JsonDocument doc) =>
        doc.RootElement.GetProperty("files").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);

    private static string Reasons(JsonElement f) => string.Join("; ", f.GetProperty("reasons").EnumerateArray().Select(r => r.GetString()));

    [Fact]
    public void AGlibcBundleLoadsInAMinimalRoot_CheckedByWhyAndByTheRootsOwnLoader()
    {
        string build = Path.Combine(Fixture(), "glibc/build");
        string root = MinimalGlibcRoot(), dir = Temp("out");
        try
        {
            // Control: the program as built does not load in the minimal root (its libraries are not there).
            Assert.Equal(1, Ld("why", "--root", root, Path.Combine(build, "prog")).ExitCode);

            var r = Ld("bundle", Path.Combine(build, "prog"), "--out", dir, "--target", root, "--include", "libz.so", "--json");
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Stdout);
            var files = FilesByName(doc);
            Assert.Equal(["liba.so.1", "libb.so.1", "libplug.so.1", "libz.so.1", "prog"], files.Keys.Order(StringComparer.Ordinal).ToArray());
            Assert.Contains("needed by", Reasons(files["liba.so.1"]));
            Assert.Equal("needed by liba.so.1", Reasons(files["libb.so.1"]));
            Assert.StartsWith("dlopen note of", Reasons(files["libplug.so.1"]));
            Assert.Contains("--include libz.so", Reasons(files["libz.so.1"]));
            var skipped = doc.RootElement.GetProperty("skipped").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("reason").GetString()!);
            Assert.Equal("base system: the C library", skipped["libc.so.6"]);
            Assert.DoesNotContain(skipped.Keys, k => k.StartsWith("liba", StringComparison.Ordinal));
            Assert.True(doc.RootElement.GetProperty("verification")[0].GetProperty("loads").GetBoolean());

            // RUNPATH as readelf reads it.
            Assert.Contains("Library runpath: [$ORIGIN/../lib]", Tool.Run("readelf", ["-d", Path.Combine(dir, "bin/prog")]).Stdout);
            foreach (var lib in new[] { "liba.so.1", "libb.so.1", "libplug.so.1", "libz.so.1" })
                Assert.Contains("Library runpath: [$ORIGIN]", Tool.Run("readelf", ["-d", Path.Combine(dir, "lib", lib)]).Stdout);

            // (a) our why --root on the minimal root.
            var why = Ld("why", "--root", root, Path.Combine(dir, "bin/prog"));
            Assert.Equal(0, why.ExitCode);
            // The tree of the bundle in the root: every library but the C library from the bundle, the plugin as optional.
            var tree = Ld("tree", "--root", root, "--json", Path.Combine(dir, "bin/prog"));
            using (var t = JsonDocument.Parse(tree.Stdout))
            {
                var g = t.RootElement[0];
                foreach (var o in g.GetProperty("objects").EnumerateArray().Skip(1))
                {
                    string name = o.GetProperty("name").GetString()!;
                    string? real = o.GetProperty("realPath").GetString();
                    if (name is "libc.so.6" or "/lib64/ld-linux-x86-64.so.2") continue;
                    Assert.StartsWith(Path.Combine(dir, "lib"), real);
                }
                var opt = g.GetProperty("optional")[0];
                Assert.Equal("libplug.so.1", opt.GetProperty("name").GetString());
                Assert.Equal(Path.Combine(dir, "lib/libplug.so.1"), opt.GetProperty("realPath").GetString());
            }

            // (b) the root's own loader, with the root's library directory only.
            string ldso = Path.Combine(root, "lib64/ld-linux-x86-64.so.2"), libdir = Path.Combine(root, "lib/x86_64-linux-gnu");
            var run = Tool.Run(ldso, ["--library-path", libdir, Path.Combine(dir, "bin/prog")]);
            output.WriteLine($"root's loader: exit {run.ExitCode}\n{run.Stdout}{run.Stderr}");
            Assert.Equal("a=42 plug=plug-ok z=1\n", run.Stdout);
            var list = Tool.Run(ldso, ["--library-path", libdir, "--list", Path.Combine(dir, "bin/prog")]);
            foreach (var line in list.Stdout.Split('\n').Where(l => l.Contains("=>")))
                Assert.True(line.Contains(Path.Combine(dir, "bin/../lib/")) || line.Contains(root + "/"), $"not from the bundle or the root: {line}");
        }
        finally { Directory.Delete(root, true); Directory.Delete(dir, true); }
    }

    [Fact]
    public void AMuslBundleLoadsInAMinimalMuslRoot()
    {
        string build = Path.Combine(Fixture(), "musl/build");
        string root = MinimalMuslRoot(), dir = Temp("mout");
        try
        {
            // Control: a copy of the program outside its build directory does not load in the root (musl's model, like
            // qemu -L, lets a program outside the root read its own directory, which is where its RUNPATH points).
            File.Copy(Path.Combine(build, "prog"), Path.Combine(root, "prog-copy"));
            Assert.Equal(1, Ld("why", "--root", root, Path.Combine(root, "prog-copy")).ExitCode);
            var r = Ld("bundle", Path.Combine(build, "prog"), "--out", dir, "--target", root, "--json");
            Assert.Equal(0, r.ExitCode);
            using var doc = JsonDocument.Parse(r.Stdout);
            Assert.Equal(["liba.so.1", "libb.so.1", "libplug.so.1", "prog"], FilesByName(doc).Keys.Order(StringComparer.Ordinal).ToArray());
            Assert.Equal(0, Ld("why", "--root", root, Path.Combine(dir, "bin/prog")).ExitCode);
            var run = Tool.Run(Path.Combine(root, "lib/ld-musl-x86_64.so.1"), [Path.Combine(dir, "bin/prog")]);
            output.WriteLine($"root's loader: exit {run.ExitCode}\n{run.Stdout}{run.Stderr}");
            Assert.Equal("a=42 plug=plug-ok\n", run.Stdout);
        }
        finally { Directory.Delete(root, true); Directory.Delete(dir, true); }
    }

    [Fact]
    public void TwoProgramsShareOneCopyPerSoname_AndAnExcludedLibraryMakesTheVerificationFail()
    {
        string build = Path.Combine(Fixture(), "glibc/build");
        string root = MinimalGlibcRoot(), dir = Temp("two"), dir2 = Temp("excl");
        try
        {
            var r = Ld("bundle", Path.Combine(build, "prog"), Path.Combine(build, "prog2"), "--out", dir, "--target", root, "--include", "libz*", "--json");
            Assert.Equal(0, r.ExitCode);
            using (var doc = JsonDocument.Parse(r.Stdout))
            {
                var names = doc.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
                Assert.Single(names, n => n == "liba.so.1");
                Assert.Equal(2, FilesByName(doc)["liba.so.1"].GetProperty("reasons").GetArrayLength());
                Assert.Equal(2, doc.RootElement.GetProperty("verification").GetArrayLength());
            }
            var run = Tool.Run(Path.Combine(root, "lib64/ld-linux-x86-64.so.2"), ["--library-path", Path.Combine(root, "lib/x86_64-linux-gnu"), Path.Combine(dir, "bin/prog2")]);
            Assert.Equal("two=42\n", run.Stdout);

            // Without libb (excluded, versions ignored) the bundle does not load there: exit 1, and the real loader agrees.
            var x = Ld("bundle", Path.Combine(build, "prog2"), "--out", dir2, "--target", root, "--exclude", "libb.so");
            Assert.Equal(1, x.ExitCode);
            Assert.Contains("excluded by --exclude libb.so", x.Stdout);
            Assert.Contains("NOT verified", x.Stdout);
            Assert.False(File.Exists(Path.Combine(dir2, "lib/libb.so.1")));
            var fail = Tool.Run(Path.Combine(root, "lib64/ld-linux-x86-64.so.2"), ["--library-path", Path.Combine(root, "lib/x86_64-linux-gnu"), Path.Combine(dir2, "bin/prog2")]);
            Assert.NotEqual(0, fail.ExitCode);
            Assert.Contains("libb.so.1", fail.Stderr);
        }
        finally { Directory.Delete(root, true); Directory.Delete(dir, true); Directory.Delete(dir2, true); }
    }

    [Fact]
    public void DlopenNotesAreReadByInspect_FromASegmentAndFromAnObjcopySection_AndLeaveTheLinkMapAlone()
    {
        string outDir = Fixture();
        string[] expectedSonames = ["libplug-old.so.0", "libplug.so.1"];
        foreach (var file in new[] { Path.Combine(outDir, "glibc/build/prog"), Path.Combine(outDir, "glibc/prog-objcopy"), Path.Combine(outDir, "musl/build/prog") })
        {
            // The note bytes as readelf dumps them hold the JSON the recipe wrote.
            var hex = Tool.Run("readelf", ["-x", ".note.dlopen", file]);
            Assert.Contains("FDO", hex.Stdout);
            var r = Ld("inspect", "--json", file);
            using var doc = JsonDocument.Parse(r.Stdout);
            var notes = doc.RootElement[0].GetProperty("dlopenNotes");
            Assert.Equal(1, notes.GetArrayLength());
            Assert.Equal("plug", notes[0].GetProperty("feature").GetString());
            Assert.Equal("recommended", notes[0].GetProperty("priority").GetString());
            Assert.Equal(expectedSonames, notes[0].GetProperty("soname").EnumerateArray().Select(s => s.GetString()!).ToArray());
        }
        // tree shows the plugin as optional (the first alternative is missing, the second found); --flat stays ldd's list.
        string prog = Path.Combine(outDir, "glibc/build/prog");
        var tree = Ld("tree", prog);
        Assert.Contains("optional (dlopen notes):", tree.Stdout);
        Assert.Contains($"libplug.so.1 => {Path.Combine(outDir, "glibc/build/libplug.so.1")}", tree.Stdout);
        var ldd = Tool.Run(prog, [], new Dictionary<string, string?> { ["LD_TRACE_LOADED_OBJECTS"] = "1" });
        Assert.Equal(LoaderGroundTruthTests.NormalizeTrace(ldd.Stdout), Ld("tree", "--flat", prog).Stdout);
        Assert.DoesNotContain("libplug", Ld("tree", "--flat", prog).Stdout);
    }
}
