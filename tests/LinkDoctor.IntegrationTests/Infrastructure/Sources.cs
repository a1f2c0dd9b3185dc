namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>C sources shared by fixtures: a versioned library and a program that uses it.</summary>
public static class Sources
{
    public const string LibC = """
        #include <stdio.h>
        __thread int tls_counter;
        int shared_data = 42;
        int foo_v1(int x) { return x + 1; }
        int foo_v2(int x) { return x + 2; }
        __asm__(".symver foo_v1,foo@FOO_1.0");
        __asm__(".symver foo_v2,foo@@FOO_2.0");
        int bar(void) { tls_counter++; return printf("bar\n"); }
        __attribute__((visibility("protected"))) int prot(void) { return 3; }
        __attribute__((weak)) int weak_def(void) { return 4; }
        """;

    public const string LibMap = """
        FOO_1.0 { global: foo; bar; shared_data; tls_counter; prot; weak_def; local: *; };
        FOO_2.0 { global: foo; } FOO_1.0;
        """;

    public const string MainC = """
        #include <stdio.h>
        #include <math.h>
        extern int foo(int);
        extern int bar(void);
        extern int shared_data;
        __attribute__((weak)) extern int maybe_missing(void);
        int main(int argc, char **argv) {
            (void)argv;
            if (maybe_missing) maybe_missing();
            printf("%d %d %d %f\n", foo(argc), bar(), shared_data, sqrt((double)argc));
            return 0;
        }
        """;

    public static readonly (string, string)[] All = [("lib.c", LibC), ("lib.map", LibMap), ("main.c", MainC)];

    /// <summary>Builds libfoo.so.1 and main with compiler <paramref name="cc"/> and extra link flags, into $OUT/<paramref name="tag"/>.</summary>
    public static string BuildScript(string cc, string tag, string ldflags = "", string cflags = "") => $"""
        mkdir -p "$OUT/{tag}"
        {cc} {cflags} -fPIC -shared -o "$OUT/{tag}/libfoo.so.1" -Wl,-soname,libfoo.so.1 -Wl,--version-script=lib.map {ldflags} lib.c
        {cc} {cflags} -o "$OUT/{tag}/main" main.c -L"$OUT/{tag}" -l:libfoo.so.1 -lm -Wl,-rpath,'$ORIGIN/../lib:/opt/x' {ldflags}
        """;
}
