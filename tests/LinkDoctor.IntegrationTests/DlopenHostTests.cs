using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>why --dlopen LIB --host PROG</c> against the real outcome of loading LIB into a running PROG: a C host that
/// calls <c>dlopen(LIB, RTLD_NOW|RTLD_GLOBAL)</c> (built for glibc and for musl, exporting a symbol with
/// <c>-rdynamic</c>, with an RPATH and a library of its own), <c>node</c>'s <c>process.dlopen</c> on Node-API addons
/// built with gcc against hand-declared <c>napi_*</c> functions, and <c>python3</c>'s <c>ctypes.CDLL</c> on modules
/// calling the Python/C API. The real host prints <c>OK</c> or the dlerror() text; LinkDoctor must predict it
/// exactly (its first line, or that it loads). Without <c>--host</c>, host-API symbols must be named as the host's.
/// </summary>
public sealed class DlopenHostTests(ITestOutputHelper output)
{
    private const string Script = """
        set -e
        cat > host.c <<'C'
        #include <dlfcn.h>
        #include <stdio.h>
        int host_api(int x) { return x + 1; }
        extern int hostdep_fn(void);
        int main(int argc, char **argv) {
            hostdep_fn();
            for (int i = 1; i < argc; i++) {
                void *h = dlopen(argv[i], RTLD_NOW | RTLD_GLOBAL);
                if (!h) { printf("%s\n", dlerror()); return 1; }
            }
            printf("OK\n");
            return 0;
        }
        C
        echo 'int hostdep_fn(void) { return 1; }' > hostdep.c
        echo 'int dep_fn(void) { return 2; }' > dep.c
        echo 'int gone_fn(void) { return 3; }' > gone.c
        echo 'extern int host_api(int); int plug(void) { return host_api(1); }' > needs_host.c
        echo 'int plug(void) { return 0; }' > plain.c
        echo 'extern int nope_fn(void); int plug(void) { return nope_fn(); }' > needs_nope.c
        echo 'extern int dep_fn(void); int plug(void) { return dep_fn(); }' > needs_dep.c
        echo 'extern int hostdep_fn(void); int plug(void) { return hostdep_fn(); }' > needs_hostdep.c
        echo 'extern int gone_fn(void); int plug(void) { return gone_fn(); }' > needs_gone.c
        for cc in gcc musl-gcc; do
          d="$OUT/$cc"; mkdir -p "$d/hostlibs"
          $cc -shared -fPIC -o "$d/hostlibs/libhostdep.so" -Wl,-soname,libhostdep.so hostdep.c
          $cc -shared -fPIC -o "$d/hostlibs/libdep.so" -Wl,-soname,libdep.so dep.c
          # The host finds its own library through DT_RPATH, which a dlopen'd library's dependencies also use (glibc:
          # the caller's l_loader chain; musl: the main program as needed_by).
          $cc -o "$d/host" host.c -rdynamic -L"$d/hostlibs" -lhostdep -Wl,--disable-new-dtags -Wl,-rpath,"$d/hostlibs" -ldl
          for p in needs_host plain needs_nope; do $cc -shared -fPIC -o "$d/$p.so" $p.c; done
          $cc -shared -fPIC -o "$d/needs_dep.so" needs_dep.c -L"$d/hostlibs" -ldep
          $cc -shared -fPIC -o "$d/needs_hostdep.so" needs_hostdep.c -L"$d/hostlibs" -lhostdep
          $cc -shared -fPIC -o libgone.so -Wl,-soname,libgone.so gone.c
          $cc -shared -fPIC -o "$d/needs_gone.so" needs_gone.c -L. -lgone
          rm libgone.so
        done
        cat > addon.c <<'C'
        typedef struct napi_env__ *napi_env;
        typedef struct napi_value__ *napi_value;
        typedef int napi_status;
        extern napi_status napi_create_object(napi_env env, napi_value *result);
        napi_value napi_register_module_v1(napi_env env, napi_value exports) { napi_value o; napi_create_object(env, &o); return exports; }
        C
        cat > addon_nope.c <<'C'
        typedef struct napi_env__ *napi_env;
        typedef struct napi_value__ *napi_value;
        extern int napi_nope_thing(napi_env env);
        napi_value napi_register_module_v1(napi_env env, napi_value exports) { napi_nope_thing(env); return exports; }
        C
        echo 'extern void *PyLong_FromLong(long); void *f(void) { return PyLong_FromLong(1); }' > pyext.c
        echo 'extern void *PyNope_Thing(long); void *f(void) { return PyNope_Thing(1); }' > pyext_nope.c
        gcc -shared -fPIC -o "$OUT/addon.node" addon.c
        gcc -shared -fPIC -o "$OUT/addon_nope.node" addon_nope.c
        gcc -shared -fPIC -o "$OUT/pyext.so" pyext.c
        gcc -shared -fPIC -o "$OUT/pyext_nope.so" pyext_nope.c
        """;

    private const string NodeOpen = "try { process.dlopen({ exports: {} }, process.argv[1], require('os').constants.dlopen.RTLD_NOW); console.log('OK') } catch (e) { console.log(e.message) }";
    private const string PythonOpen = "import ctypes, sys\ntry:\n    ctypes.CDLL(sys.argv[1]); print('OK')\nexcept OSError as e:\n    print(e)";
    private const string Python = "/usr/bin/python3";

    /// <summary>What the real host prints: OK or dlerror().</summary>
    private static string Real(string host, string lib) => host switch
    {
        "node" => Tool.Run("node", ["-e", NodeOpen, lib]).Stdout.Trim(),
        Python => Tool.Run(Python, ["-c", PythonOpen, lib]).Stdout.Trim(),
        _ => Tool.Run(host, [lib]).Stdout.Trim(),
    };

    /// <summary>What LinkDoctor predicts, in the same words: OK, or the first line (dlerror()).</summary>
    private static (string Line, LinkDoctor.IntegrationTests.Infrastructure.ToolResult Raw) Predicted(string? host, string lib)
    {
        var r = host is null ? Tool.LinkDoctor("why", "--dlopen", lib) : Tool.LinkDoctor("why", "--dlopen", "--host", host, lib);
        Assert.True(r.ExitCode is 0 or 1, r.Stderr);
        return (r.ExitCode == 0 ? "OK" : r.Stdout.Split('\n')[0], r);
    }

    [Fact]
    public void PredictsTheRealHost()
    {
        string dir = Fixtures.Build("dlopen-host", Script);
        string node = Tool.Run("sh", ["-c", "command -v node"]).Stdout.Trim();
        var cases = new List<(string Host, string Lib)>();
        foreach (var libc in new[] { "gcc", "musl-gcc" })
            foreach (var p in new[] { "needs_host", "plain", "needs_nope", "needs_dep", "needs_hostdep", "needs_gone" })
                cases.Add((Path.Combine(dir, libc, "host"), Path.Combine(dir, libc, p + ".so")));
        cases.Add((node, Path.Combine(dir, "addon.node")));
        cases.Add((node, Path.Combine(dir, "addon_nope.node")));
        cases.Add((Python, Path.Combine(dir, "pyext.so")));
        cases.Add((Python, Path.Combine(dir, "pyext_nope.so")));
        // A symbol only the C host defines, opened into python3, which does not.
        cases.Add((Python, Path.Combine(dir, "gcc", "needs_host.so")));
        int ok = 0, failing = 0;
        foreach (var (host, lib) in cases)
        {
            string real = Real(host == node ? "node" : host, lib);
            var (ours, raw) = Predicted(host, lib);
            output.WriteLine($"{Path.GetFileName(host)} {lib[(dir.Length + 1)..]}: {real}");
            Assert.True(real == ours, $"{host} {lib}: real \"{real}\", predicted \"{ours}\"\n{raw.Stdout}");
            if (real == "OK") ok++; else failing++;
        }
        output.WriteLine($"{cases.Count} host/library pairs (glibc and musl C hosts, node, python3) predicted exactly: {ok} load, {failing} fail");
        Assert.True(ok >= 6 && failing >= 6);
    }

    /// <summary>
    /// Opened alone, a Node addon and a Python extension reference symbols nothing on the system defines: LinkDoctor names
    /// the host that provides them (and the addon loads in that host, checked for real), while a symbol of no known
    /// host API stays an error, and one that even the host lacks fails there.
    /// </summary>
    [Fact]
    public void HostApisWithoutHost()
    {
        string dir = Fixtures.Build("dlopen-host", Script);
        foreach (var (lib, host, hostName) in new[] { ("addon.node", "node", "node"), ("pyext.so", Python, "python3") })
        {
            string path = Path.Combine(dir, lib);
            var (line, raw) = Predicted(null, path);
            Assert.Equal("OK", line);
            Assert.Contains($"provided by the host process ({hostName}", raw.Stdout);
            Assert.Equal("OK", Real(host, path));
        }
        // A symbol no host API claims: still an undefined symbol, as in any process that lacks it.
        var (plainLine, _) = Predicted(null, Path.Combine(dir, "gcc", "needs_host.so"));
        Assert.Equal(Real(Python, Path.Combine(dir, "gcc", "needs_host.so")), plainLine);
    }
}
