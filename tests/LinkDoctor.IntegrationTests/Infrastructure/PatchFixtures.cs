using LinkDoctor.IO;

namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>One target the patch fixtures are built for: how to compile for it, how to run its programs, its root.</summary>
public sealed record PatchTarget(string Tag, string Cc, string Flags, string? Qemu, string? RootDir, string Strip = "strip")
{
    public RootedFileSystem? Root => RootDir is null ? null : new RootedFileSystem(RootDir);

    /// <summary>Runs a program of this target (natively, or under qemu with the target's root as -L).</summary>
    public ToolResult Run(string program, IReadOnlyList<string>? args = null, IDictionary<string, string?>? env = null) =>
        Qemu is null ? PatchHarness.Run(program, args ?? [], env, timeoutMs: 30_000)
        : PatchHarness.Run(Qemu, ["-L", RootDir!, program, .. args ?? []], env, timeoutMs: 60_000);

    /// <summary>The target's own loader trace of a program (ldd's list, without addresses and the vdso line).</summary>
    public string RealTrace(string program)
    {
        var env = new Dictionary<string, string?> { ["LD_TRACE_LOADED_OBJECTS"] = "1", ["LD_LIBRARY_PATH"] = null, ["LD_PRELOAD"] = null };
        var r = Qemu is null ? PatchHarness.Run(program, [], env, timeoutMs: 30_000)
            : Tool.Run(Qemu, ["-L", RootDir!, "-E", "LD_TRACE_LOADED_OBJECTS=1", program], null, timeoutMs: 60_000);
        return LoaderGroundTruthTests.NormalizeTrace(r.Stdout);
    }
}

/// <summary>
/// Programs and a library built at test time for the patch tests, per target: <c>bin/main-pie</c>,
/// <c>bin/main-nopie</c> (RUNPATH <c>$ORIGIN/../lib</c>) and <c>lib/libfoo.so.1</c> (versioned symbols, TLS), from
/// <see cref="Sources"/>. x86_64 also with lld's layout, with DT_RPATH, with an executable stack and without PT_GNU_STACK.
/// </summary>
public static class PatchFixtures
{
    public static readonly PatchTarget[] Targets =
    [
        new("x86_64", "gcc", "", null, null),
        new("x86_64-lld", "clang-14 -fuse-ld=lld", "", null, null),
        new("x86_64-rpath", "gcc", "-Wl,--disable-new-dtags", null, null),
        new("x86_64-execstack", "gcc", "-Wl,-z,execstack", null, null),
        new("x86_64-nognustack", "clang-14 -fuse-ld=lld", "-Wl,-z,nognustack", null, null),
        new("musl", "musl-gcc", "", null, null),
        new("aarch64", "aarch64-linux-gnu-gcc", "", "qemu-aarch64", ScenarioTests.ArmRoot),
        new("i386", "i686-linux-gnu-gcc", "", "qemu-i386", ScenarioTests.I386Root),
        new("s390x", "s390x-linux-gnu-gcc", "", "qemu-s390x", "/usr/s390x-linux-gnu"),
    ];

    public static string Build() => Fixtures.Build("patch", string.Join("\n", Targets.Select(t => $"""
        mkdir -p "$OUT/{t.Tag}/bin" "$OUT/{t.Tag}/lib"
        {t.Cc} -fPIC -shared -o "$OUT/{t.Tag}/lib/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=lib.map {t.Flags} lib.c
        {t.Cc} -fPIE -pie -o "$OUT/{t.Tag}/bin/main-pie" main.c -L"$OUT/{t.Tag}/lib" -l:libfoo.so.1 -lm -Wl,-rpath,'$ORIGIN/../lib' {t.Flags}
        {t.Cc} -fno-pie -no-pie -o "$OUT/{t.Tag}/bin/main-nopie" main.c -L"$OUT/{t.Tag}/lib" -l:libfoo.so.1 -lm -Wl,-rpath,'$ORIGIN/../lib' {t.Flags}
        {t.Cc} -pthread -o "$OUT/{t.Tag}/bin/stack" stack.c {t.Flags}
        """)) + "\ngcc -static -pthread -o \"$OUT/static\" stack.c\n", [.. Sources.All, ("stack.c", StackC)]);

    /// <summary>
    /// Prints the permissions of its stack and of a thread's stack, as mapped (/proc/self/maps): the kernel maps the
    /// first, glibc (and musl) the second, executable when PT_GNU_STACK asks for it or is missing (glibc's default).
    /// </summary>
    public const string StackC = """
        #include <pthread.h>
        #include <stdio.h>
        #include <string.h>
        static void perms_of(unsigned long addr, char *out) {
            char line[512];
            unsigned long lo, hi;
            FILE *f = fopen("/proc/self/maps", "r");
            while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "%lx-%lx %7s", &lo, &hi, out) == 3 && lo <= addr && addr < hi) break;
            if (f) fclose(f);
        }
        static void *thread(void *out) { int local; perms_of((unsigned long)&local, out); return 0; }
        int main(void) {
            int local;
            char main_perms[8] = "", thread_perms[8] = "";
            pthread_t t;
            perms_of((unsigned long)&local, main_perms);
            pthread_create(&t, 0, thread, thread_perms);
            pthread_join(t, 0);
            printf("%s %s\n", main_perms, thread_perms);
            return 0;
        }
        """;

    /// <summary>A private copy of one target's bin/ and lib/ (the cache stays read-only).</summary>
    public static string CopyTarget(PatchTarget t, string scratch)
    {
        string src = Path.Combine(Build(), t.Tag), dst = Path.Combine(scratch, t.Tag);
        foreach (var sub in new[] { "bin", "lib" })
        {
            Directory.CreateDirectory(Path.Combine(dst, sub));
            foreach (var f in Directory.GetFiles(Path.Combine(src, sub))) PatchHarness.Copy(f, Path.Combine(dst, sub, Path.GetFileName(f)));
        }
        return dst;
    }
}
