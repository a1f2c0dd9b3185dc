using System.Text;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Rewriting;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// In the spirit of patchelf's tests/property-rewrite.sh: programs linked with random layouts (page sizes, separate
/// code, RELRO, hash styles, build-ids, new or old tags, packed relative relocations, CET, PIE or not; GNU ld, gold or
/// lld; C or C++ with exceptions; sometimes with a payload appended) get a random sequence of edits, and after every
/// edit the program must still print exactly "42", with eager binding, loader warnings on and nothing on stderr, and
/// an appended payload must survive; at the end it is stripped and run again. A fixed seed and a few dozen cases keep it fast; LINKDOCTOR_PROPERTY_SEED and
/// LINKDOCTOR_PROPERTY_CASES run others.
/// </summary>
public sealed class PatchPropertyTests(ITestOutputHelper output)
{
    private const string DepC = """
        static __thread int tls_counter;
        __attribute__((constructor)) static void init(void) { tls_counter++; }
        int dep_value(void) { return 42 + tls_counter - tls_counter; }
        """;
    private const string DepMap = "LIBDEP_1.0 { global: dep_value; local: *; };\n";
    private const string MainC = """
        #include <stdio.h>
        int dep_value(void);
        int main(void);
        static void *const reltab[] = { (void *)dep_value, (void *)main, (void *)reltab };
        int main(void) { if (!reltab[2]) return 1; printf("%d", dep_value()); return 0; }
        """;
    private const string MainCpp = """
        #include <cstdio>
        extern "C" int dep_value();
        int main() { int r = 0; try { throw dep_value(); } catch (int v) { r = v; } printf("%d", r); return 0; }
        """;

    private static readonly string[] Layouts =
    [
        "-Wl,-z,max-page-size=0x1000", "-Wl,-z,max-page-size=0x4000", "-Wl,-z,max-page-size=0x200000", "-Wl,-z,separate-code",
        "-Wl,-z,noseparate-code", "-Wl,-z,relro,-z,now", "-Wl,-z,norelro", "-Wl,--hash-style=sysv", "-Wl,--hash-style=gnu",
        "-Wl,--hash-style=both", "-Wl,--build-id=none", "-Wl,--build-id=sha1", "-Wl,-z,noexecstack", "-Wl,--enable-new-dtags",
        "-Wl,--disable-new-dtags", "-Wl,-z,pack-relative-relocs", "-fcf-protection=full", "",
    ];
    private static readonly (string C, string Cxx, string Name)[] Linkers =
        [("gcc", "clang++-14", "bfd"), ("gcc -fuse-ld=gold", "clang++-14 -fuse-ld=gold", "gold"), ("clang-14 -fuse-ld=lld", "clang++-14 -fuse-ld=lld", "lld")];

    private sealed record Variant(int Index, string Pie, string Layout1, string Layout2, string Linker, bool Cxx, bool Trailer);

    /// <summary>The variants of one seed, chosen in C# (so the fixture recipe, and its cache key, follow the seed).</summary>
    private static List<Variant> Variants(int seed, int count)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(i => new Variant(i, rng.Next(2) == 0 ? "-pie -fPIE" : "-no-pie -fno-pie",
            Layouts[rng.Next(Layouts.Length)], Layouts[rng.Next(Layouts.Length)], Linkers[rng.Next(Linkers.Length)].Name, rng.Next(2) == 0, rng.Next(2) == 0))];
    }

    private static string Build(List<Variant> variants)
    {
        var sb = new StringBuilder("""
            gcc -O0 -shared -fPIC -Wl,-soname,libdep.so.0 -Wl,--version-script=dep.map -o "$OUT/libdep.so.0" dep.c

            """);
        foreach (var v in variants)
        {
            var l = Linkers.Single(x => x.Name == v.Linker);
            string cc = v.Cxx ? l.Cxx : l.C, src = v.Cxx ? "main.cpp" : "main.c";
            // A linker may reject a layout option (gold has no -z separate-code): that case is skipped, as in property-rewrite.sh.
            sb.Append($"""
                {cc} -O0 {v.Pie} {v.Layout1} {v.Layout2} -o "$OUT/app{v.Index}" {src} -L"$OUT" -l:libdep.so.0 -Wl,-rpath,'$ORIGIN' 2>/dev/null || touch "$OUT/app{v.Index}.skip"

                """);
        }
        return Fixtures.Build("patch-property", sb.ToString(), ("dep.c", DepC), ("dep.map", DepMap), ("main.c", MainC), ("main.cpp", MainCpp));
    }

    [Fact]
    public void RandomLayoutsTimesRandomEditsStillRun()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("LINKDOCTOR_PROPERTY_SEED"), out var s) ? s : 20240611;
        int count = int.TryParse(Environment.GetEnvironmentVariable("LINKDOCTOR_PROPERTY_CASES"), out var c) ? c : 36;
        var variants = Variants(seed, count);
        string built = Build(variants);
        string scratch = PatchHarness.NewScratch("property");
        string longName = new('r', 200);
        int tested = 0, skipped = 0, edits = 0;
        var failures = new List<string>();
        try
        {
            foreach (var v in variants)
            {
                string src = Path.Combine(built, $"app{v.Index}");
                if (File.Exists(src + ".skip")) { skipped++; continue; }
                string d = Path.Combine(scratch, $"c{v.Index}");
                Directory.CreateDirectory(d);
                string app = Path.Combine(d, "app");
                PatchHarness.Copy(src, app);
                PatchHarness.Copy(Path.Combine(built, "libdep.so.0"), Path.Combine(d, "libdep.so.0"));
                PatchHarness.Copy(Path.Combine(built, "libdep.so.0"), Path.Combine(d, "libextra.so.0"));
                File.CreateSymbolicLink(Path.Combine(d, $"lib{longName}.so.0"), "libextra.so.0");
                // Libraries resolve through LD_LIBRARY_PATH, so edits of the search path exercise the rewrite, not findability.
                string libPath = d;
                var env = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = libPath };
                if (!RunsCleanly(app, libPath, out var why)) { skipped++; continue; }
                int trailerCount = 0;
                if (v.Trailer)
                {
                    using (var f = new FileStream(app, FileMode.Append))
                        for (int i = 0; i < 65536 / 12; i++) f.Write("PROPTRAILER\n"u8);
                    trailerCount = Count(app);
                }
                var rng = new Random(seed ^ (v.Index * 7919));
                string dep = "libdep.so.0";
                string? interp = ElfSummary.Read(app)!.Interpreter;
                var log = new List<string>();
                string? broke = null;
                int n = rng.Next(1, 7);
                for (int o = 0; o < n && broke is null; o++)
                {
                    PatchOperations? ops = rng.Next(11) switch
                    {
                        0 => new() { SetRunPath = (rng.Next(2) == 0 ? "/lib/x" : "/lib/" + longName) + ":" + d },
                        1 => new() { SetRPath = (rng.Next(2) == 0 ? "/lib/x" : "/lib/" + longName) + ":" + d },
                        2 => new() { AddRPath = [rng.Next(2) == 0 ? "/lib/y" : "/lib/" + longName + "/y"] },
                        3 => new() { RemoveRPath = true },
                        4 => new() { ShrinkRPath = true },
                        5 => interp is null ? null : new() { SetInterpreter = interp },
                        6 => new() { AddNeeded = [rng.Next(2) == 0 ? "libextra.so.0" : $"lib{longName}.so.0"] },
                        7 => new() { RemoveNeeded = ["libextra.so.0"] },
                        8 => Replace(rng, ref dep, d, longName),
                        9 => new() { ClearExecStack = true },
                        _ => rng.Next(2) == 0 ? new() { RPathToRunPath = true } : new() { RunPathToRPath = true },
                    };
                    if (ops is null) continue;
                    log.Add(Describe(ops));
                    var r = PatchHarness.Ours(app, ops, env: env, sync: false);
                    edits++;
                    if (r.Error is not null) broke = $"patch failed: {r.Error}";
                    else if (!RunsCleanly(app, libPath, out why)) broke = $"the program is broken: {why}";
                    else if (v.Trailer && Count(app) < trailerCount) broke = "the appended payload was lost";
                }
                if (broke is null)
                {
                    // Finally strip (BFD's objcopy rewrites the whole layout from the section and segment tables) and run again.
                    var st = Tool.Run("strip", ["-o", app + ".stripped", app]);
                    if (st.ExitCode != 0) broke = $"strip failed: {st.Stderr.Trim()}";
                    else if (!RunsCleanly(app + ".stripped", libPath, out why)) broke = $"the stripped program is broken: {why}";
                }
                tested++;
                if (broke is not null)
                {
                    failures.Add($"case {v.Index} ({v.Linker}{(v.Cxx ? " C++" : "")} {v.Pie} '{v.Layout1} {v.Layout2}'{(v.Trailer ? " +payload" : "")}): {broke}\n  edits: {string.Join(" ; ", log)}");
                    Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "linkdoctor-property-failures"));
                    File.Copy(app, Path.Combine(Path.GetTempPath(), "linkdoctor-property-failures", $"seed{seed}-case{v.Index}"), overwrite: true);
                }
            }
            output.WriteLine($"seed {seed}: {tested - failures.Count} of {tested} cases passed ({edits} edits, each followed by a run), {skipped} skipped (the linker refused the layout or the program did not run before patching)");
            foreach (var f in failures) output.WriteLine(f);
            Assert.True(tested >= count / 2, $"only {tested} of {count} cases could be built and run");
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(3)));
        }
        finally { Directory.Delete(scratch, recursive: true); }
    }

    private static PatchOperations? Replace(Random rng, ref string dep, string dir, string longName)
    {
        // "dep.so.0" is a tail of "libdep.so.0": the string table already holds it.
        string[] choices = ["dep.so.0", "renamed.so.0", $"lib{longName}-dep.so.0"];
        string next = choices[rng.Next(choices.Length)];
        if (next == dep) return null;
        string link = Path.Combine(dir, next);
        if (!File.Exists(link)) File.CreateSymbolicLink(link, "libdep.so.0");
        var ops = new PatchOperations { ReplaceNeeded = [(dep, next)] };
        dep = next;
        return ops;
    }

    private static string Describe(PatchOperations o) => string.Join(" ", new[]
    {
        o.SetRunPath is { } a ? $"--set-runpath {Short(a)}" : null, o.SetRPath is { } b ? $"--set-rpath {Short(b)}" : null,
        o.AddRPath.Count > 0 ? $"--add-rpath {Short(o.AddRPath[0])}" : null, o.RemoveRPath ? "--remove-rpath" : null,
        o.ShrinkRPath ? "--shrink-rpath" : null, o.SetInterpreter is { } i ? $"--set-interpreter {i}" : null,
        o.AddNeeded.Count > 0 ? $"--add-needed {Short(o.AddNeeded[0])}" : null, o.RemoveNeeded.Count > 0 ? $"--remove-needed {o.RemoveNeeded[0]}" : null,
        o.ReplaceNeeded.Count > 0 ? $"--replace-needed {Short(o.ReplaceNeeded[0].Old)}={Short(o.ReplaceNeeded[0].New)}" : null,
        o.ClearExecStack ? "--clear-execstack" : null, o.RPathToRunPath ? "--rpath-to-runpath" : null, o.RunPathToRPath ? "--runpath-to-rpath" : null,
    }.Where(x => x is not null));

    private static string Short(string s) => s.Length > 40 ? s[..20] + "…" + s[^12..] : s;

    private static int Count(string file)
    {
        var bytes = File.ReadAllBytes(file);
        int n = 0;
        for (int i = bytes.AsSpan().IndexOf("PROPTRAILER"u8); i >= 0;)
        {
            n++;
            int next = bytes.AsSpan(i + 1).IndexOf("PROPTRAILER"u8);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return n;
    }

    /// <summary>patchelf's oracle: exit 0, exactly "42" on stdout, nothing on stderr, with LD_BIND_NOW=1 and LD_WARN=1.</summary>
    private static bool RunsCleanly(string app, string libPath, out string why)
    {
        var r = PatchHarness.Run(app, [], new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = libPath, ["LD_BIND_NOW"] = "1", ["LD_WARN"] = "1" },
            workingDirectory: "/", timeoutMs: 10_000);
        why = $"exit {r.ExitCode}, stdout '{r.Stdout}', stderr '{r.Stderr.Trim()}'";
        return r.ExitCode == 0 && r.Stdout == "42" && r.Stderr.Length == 0;
    }
}
