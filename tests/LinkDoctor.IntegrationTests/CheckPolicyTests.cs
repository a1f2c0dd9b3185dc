using System.Text.Json;
using LinkDoctor.Diagnosis;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// check against manylinux/musllinux policies decides as auditwheel does. auditwheel (Python, PyPI only) cannot run here, so
/// every expected outcome below is derived from its source at the commit the catalogue cites, pypa/auditwheel 86154d1
/// (6.8.1+3), quoted as file:line; the files are built at test time with gcc, s390x-linux-gnu-gcc, clang/lld, musl-gcc and
/// patchelf. (The same fixtures were also given, wrapped in wheels, to that auditwheel by hand: see the branch report.)
/// </summary>
public sealed class CheckPolicyTests
{
    private const string Script = """
        set -e
        cc="gcc -shared -fPIC -O2"
        $cc -o "$OUT/libtls.so" tls.c
        $cc -o "$OUT/librseq.so" rseq.c
        $cc -o "$OUT/libz_strong.so" zstrong.c -l:libz.so.1
        $cc -o "$OUT/libz_weak.so" zweak.c -Wl,--no-as-needed -l:libz.so.1
        mkdir -p stubc && $cc -nostdlib -Wl,-soname,libc.so.6 -o stubc/libc.so.6 stubc.c
        $cc -nostdlib -o "$OUT/libblack_unversioned.so" black.c stubc/libc.so.6
        $cc -o "$OUT/libblack_libc.so" black.c
        $cc -o "$OUT/libprivate.so" private.c
        mkdir -p stubz && $cc -nostdlib -Wl,-soname,libz.so.1 -Wl,--version-script=stubz.map -o stubz/libz.so.1 stubz.c
        $cc -o "$OUT/liblfoo.so" lfoo.c stubz/libz.so.1
        $cc -o "$OUT/libzfoo.so" zfoo.c stubz/libz.so.1
        $cc -o "$OUT/libzmid.so" zmid.c stubz/libz.so.1
        mkdir -p "$OUT/bundled"
        $cc -Wl,-soname,libfoo.so.1 -Wl,--version-script=foo.map -o "$OUT/bundled/libfoo.so.1" foo.c
        $cc -o "$OUT/liboutside.so" usefoo.c "$OUT/bundled/libfoo.so.1"
        $cc -o "$OUT/bundled/libbundled.so" usefoo.c "$OUT/bundled/libfoo.so.1" -Wl,-rpath,'$ORIGIN'
        mkdir -p stubpy && $cc -nostdlib -Wl,-soname,libpython3.11.so.1.0 -o stubpy/libpython3.11.so.1.0 stubpy.c
        $cc -o "$OUT/libpyext.so" pyuse.c stubpy/libpython3.11.so.1.0
        $cc -o "$OUT/libnew.so" new.c
        $cc -Wl,-z,x86-64-v3 -o "$OUT/libv3.so" plain.c
        $cc -o "$OUT/spam.cpython-311-x86_64-linux-gnu.so" spam.c
        $cc -o "$OUT/eggs.so" eggs.c
        $cc -o "$OUT/ham.cpython-311-x86_64-linux-gnu.so" ham.c
        s390x-linux-gnu-gcc -shared -fPIC -O2 -o "$OUT/libtls_s390x.so" tls.c
        clang-14 --target=armv7-linux-gnueabihf -fPIC -O2 -c plain.c -o arm_hf.o && ld.lld-14 -shared arm_hf.o -o "$OUT/libarm_hf.so"
        clang-14 --target=armv7-linux-gnueabi -mfloat-abi=soft -fPIC -O2 -c plain.c -o arm_sf.o && ld.lld-14 -shared arm_sf.o -o "$OUT/libarm_sf.so"
        musl-gcc -shared -fPIC -O2 -o "$OUT/libmusl.so" puts.c
        cp "$OUT/libmusl.so" "$OUT/libmusl_alpine.so" && patchelf --replace-needed libc.so libc.musl-x86_64.so.1 "$OUT/libmusl_alpine.so"
        mkdir -p stubmz && musl-gcc -shared -fPIC -nostdlib -Wl,-soname,libz.so.1 -o stubmz/libz.so.1 stubmz.c
        musl-gcc -shared -fPIC -O2 -o "$OUT/libmuslz.so" zstrong.c stubmz/libz.so.1
        patchelf --replace-needed libc.so libc.musl-x86_64.so.1 "$OUT/libmuslz.so"
        """;

    private static readonly (string, string)[] Sources =
    [
        ("tls.c", "extern __thread int tv;\nint f(void) { return tv; }\n"),   // __tls_get_addr@GLIBC_2.3 from ld-linux-x86-64.so.2
        ("rseq.c", "extern const unsigned int __rseq_size;\nunsigned int f(void) { return __rseq_size; }\n"),   // __rseq_size@GLIBC_2.35, ld.so only
        ("zstrong.c", "extern int uncompress2(unsigned char *, unsigned long *, const unsigned char *, unsigned long *);\n" +
                      "int f(unsigned char *d, unsigned long *dl, const unsigned char *s, unsigned long *sl) { return uncompress2(d, dl, s, sl); }\n"),
        ("zweak.c", "extern int uncompress2(unsigned char *, unsigned long *, const unsigned char *, unsigned long *) __attribute__((weak));\n" +
                    "int f(unsigned char *d, unsigned long *dl, const unsigned char *s, unsigned long *sl) { return uncompress2 ? uncompress2(d, dl, s, sl) : -1; }\n"),
        ("stubc.c", "int __cxa_thread_atexit_impl(void (*f)(void *), void *o, void *d) { return 0; }\n"),
        ("black.c", "extern int __cxa_thread_atexit_impl(void (*)(void *), void *, void *);\nint f(void (*g)(void *), void *o) { return __cxa_thread_atexit_impl(g, o, 0); }\n"),
        ("private.c", "extern void __ctype_init(void);\nvoid f(void) { __ctype_init(); }\n"),
        ("stubz.c", "int zfoo(void) { return 1; }\nint lfoo(void) { return 2; }\nint zmid(void) { return 4; }\n"),
        ("stubz.map", "ZLIB_9.9 { global: zfoo; local: *; };\nLIBFOO_1.0 { global: lfoo; };\nZLIB_1.2.4 { global: zmid; };\n"),
        ("zmid.c", "extern int zmid(void);\nint f(void) { return zmid(); }\n"),
        ("lfoo.c", "extern int lfoo(void);\nint f(void) { return lfoo(); }\n"),
        ("zfoo.c", "extern int zfoo(void);\nint f(void) { return zfoo(); }\n"),
        ("foo.c", "int foo(void) { return 3; }\n"),
        ("foo.map", "FOO_1.0 { global: foo; local: *; };\n"),
        ("usefoo.c", "extern int foo(void);\nint f(void) { return foo(); }\n"),
        ("stubpy.c", "int Py_IsInitialized(void) { return 1; }\n"),
        ("pyuse.c", "extern int Py_IsInitialized(void);\nint f(void) { return Py_IsInitialized(); }\n"),
        ("new.c", "#include <dlfcn.h>\nvoid *f(const char *p) { return dlopen(p, RTLD_NOW); }\n"),     // dlopen@GLIBC_2.34
        ("plain.c", "int f(int x) { return x + 1; }\n"),
        ("spam.c", "extern char PyFPE_jbuf[];\nvoid *PyInit_spam(void) { return PyFPE_jbuf; }\n"),
        ("eggs.c", "__asm__(\".type PyUnicodeUCS2_FromString, @function\");\nextern void *PyUnicodeUCS2_FromString(const char *);\nvoid initeggs(void) { PyUnicodeUCS2_FromString(\"x\"); }\n"),
        ("ham.c", "void *PyInit_ham(void) { return 0; }\n"),
        ("puts.c", "#include <stdio.h>\nint f(void) { return puts(\"x\"); }\n"),
        ("stubmz.c", "int uncompress2(unsigned char *d, unsigned long *dl, const unsigned char *s, unsigned long *sl) { return 0; }\n"),
    ];

    private static string Dir() => Fixtures.Build("check-policy", Script, Sources);

    private static CheckReport Check(string file, string target) =>
        PortabilityChecker.Check(Path.Combine(Dir(), file), TargetCatalog.Find(target) ?? throw new InvalidOperationException(target));

    private static CheckItem Item(CheckReport r, string check) =>
        r.Checks.SingleOrDefault(c => c.Check == check) ?? throw new Xunit.Sdk.XunitException($"no '{check}' check in: {Describe(r)}");

    private static string Describe(CheckReport r) => string.Join(" | ", r.Checks.Select(c => $"{c.Check}={(c.Ok ? "ok" : "FAIL")}: {c.Detail}"));

    private static void Passes(CheckReport r) => Assert.True(r.Ok, Describe(r));

    /// <summary>Fails, and only on <paramref name="check"/>, which names <paramref name="responsible"/> (a symbol or a library).</summary>
    private static void FailsOnlyOn(CheckReport r, string check, string responsible)
    {
        Assert.False(r.Ok);
        Assert.Equal([check], r.Checks.Where(c => !c.Ok).Select(c => c.Check));
        var item = Item(r, check);
        Assert.Contains(responsible, (item.Symbols ?? []).Concat(item.Libraries ?? []));
    }

    [Fact]
    public void TheInterpreterIsAlwaysAllowed()
    {
        // policy/__init__.py:236 filter_libs: `if "ld-linux" in lib or lib in ["ld64.so.2", "ld64.so.1"]: continue`, and
        // elfutils.py:65 elf_find_versioned_symbols skips the version needs of those files.
        var tls = Check("libtls.so", "manylinux_2_17_x86_64");
        Passes(tls);
        Assert.Contains("ld-linux-x86-64.so.2", Item(tls, "libraries").Detail);
        Assert.Contains("GLIBC_2.3 (ld-linux-x86-64.so.2)", Item(tls, "unchecked versions").Detail);
        // Even a version newer than the policy is not looked at when the interpreter provides it (__rseq_size@GLIBC_2.35,
        // which only ld.so defines).
        var rseq = Check("librseq.so", "manylinux2014_x86_64");
        Passes(rseq);
        Assert.Contains("GLIBC_2.35 (ld-linux-x86-64.so.2)", Item(rseq, "unchecked versions").Detail);
        // s390x's interpreter is ld64.so.1 (the TLS helper __tls_get_offset lives there).
        var s390x = Check("libtls_s390x.so", "manylinux2014_s390x");
        Passes(s390x);
        Assert.Contains("ld64.so.1", Item(s390x, "libraries").Detail);
    }

    [Fact]
    public void ABlacklistedSymbolFailsThePolicyThatBlacklistsIt()
    {
        // policy/__init__.py:273-278: for each blacklisted library in DT_NEEDED, elfutils.py:136 filter_undefined_symbols
        // keeps the undefined symbols of blacklisted names; wheel_abi.py:486 blacklist_policy is the highest-priority
        // policy without any. uncompress2 is blacklisted for libz.so.1 up to manylinux_2_31 (not from 2_34 on) and in
        // musllinux; ZLIB_1.2.9 itself is in manylinux_2_28's ZLIB list, so only the blacklist fails there.
        FailsOnlyOn(Check("libz_strong.so", "manylinux_2_28_x86_64"), "blacklisted symbols", "uncompress2@ZLIB_1.2.9");
        Passes(Check("libz_strong.so", "manylinux_2_34_x86_64"));
        // manylinux2014's ZLIB list stops at ZLIB_1.2.5.2: both fail.
        var r2014 = Check("libz_strong.so", "manylinux2014_x86_64");
        Assert.Equal(["ZLIB version", "blacklisted symbols"], r2014.Checks.Where(c => !c.Ok).Select(c => c.Check));
        Assert.Contains("uncompress2@ZLIB_1.2.9", Item(r2014, "ZLIB version").Symbols!);
        // elfutils.py:131 get_undefined_symbols: a weak reference is optional and does not count (auditwheel >= 6.6.0).
        var weak = Check("libz_weak.so", "manylinux_2_28_x86_64");
        Passes(weak);
        Assert.True(Item(weak, "blacklisted symbols").Ok);   // it does NEED libz.so.1 (linked --no-as-needed)
    }

    [Fact]
    public void TheBlacklistIsByNameWhateverTheVersion()
    {
        // __cxa_thread_atexit_impl is blacklisted in libc.so.6 by manylinux_2_5/2_12/2_17 only. Linked against a stub
        // libc.so.6 without versions, the reference carries no version: the blacklist alone fails manylinux2014.
        FailsOnlyOn(Check("libblack_unversioned.so", "manylinux2014_x86_64"), "blacklisted symbols", "__cxa_thread_atexit_impl");
        Passes(Check("libblack_unversioned.so", "manylinux_2_24_x86_64"));
        // Against the real glibc the symbol is __cxa_thread_atexit_impl@GLIBC_2.18: manylinux2014 fails on both counts,
        // manylinux_2_24 (GLIBC_2.18 in its list, no libc blacklist) accepts it.
        var real = Check("libblack_libc.so", "manylinux2014_x86_64");
        Assert.Equal(["GLIBC version", "blacklisted symbols"], real.Checks.Where(c => !c.Ok).Select(c => c.Check));
        Assert.Contains("__cxa_thread_atexit_impl@GLIBC_2.18", Item(real, "blacklisted symbols").Symbols!);
        Passes(Check("libblack_libc.so", "manylinux_2_24_x86_64"));
    }

    [Fact]
    public void VersionNamesAreCheckedAsSetsPerPrefix()
    {
        // policy/__init__.py:212 files each needed version under symbol.partition("_")[0], and :198 requires, for each prefix
        // the policy lists, the needed names to be a subset of the list.
        // GLIBC_PRIVATE is GLIBC, and in no list: no policy accepts it.
        FailsOnlyOn(Check("libprivate.so", "manylinux_2_41_x86_64"), "GLIBC version", "__ctype_init@GLIBC_PRIVATE");
        // A made-up ZLIB_9.9 on the whitelisted libz.so.1 is ZLIB, and not in the list.
        FailsOnlyOn(Check("libzfoo.so", "manylinux_2_41_x86_64"), "ZLIB version", "zfoo@ZLIB_9.9");
        // ZLIB_1.2.4 lies between names of manylinux2014's ZLIB list (ZLIB_1.2.2.4 … ZLIB_1.2.5.2) but is not one of them.
        FailsOnlyOn(Check("libzmid.so", "manylinux2014_x86_64"), "ZLIB version", "zmid@ZLIB_1.2.4");
        // LIBFOO_1.0 from the same library: no policy lists LIBFOO, so it is not checked.
        var lfoo = Check("liblfoo.so", "manylinux2014_x86_64");
        Passes(lfoo);
        Assert.Contains("LIBFOO_1.0 (libz.so.1)", Item(lfoo, "unchecked versions").Detail);
        // A too-new GLIBC_2.34 (dlopen since glibc 2.34) fails manylinux2014, naming the symbol; manylinux_2_34 accepts it.
        FailsOnlyOn(Check("libnew.so", "manylinux2014_x86_64"), "GLIBC version", "dlopen@GLIBC_2.34");
        Passes(Check("libnew.so", "manylinux_2_34_x86_64"));
    }

    [Fact]
    public void LibrariesOutsideTheWhitelistFailUnlessTheyShipWithTheFile()
    {
        // policy/__init__.py:280-290: a needed library outside lib_whitelist is external (ref_policy: linux) unless its real
        // path lies inside the wheel ("RPATH FTW"); LinkDoctor takes $ORIGIN RPATH/RUNPATH entries as inside.
        FailsOnlyOn(Check("liboutside.so", "manylinux_2_41_x86_64"), "libraries", "libfoo.so.1");
        Assert.Contains("foo@FOO_1.0", Item(Check("liboutside.so", "manylinux_2_41_x86_64"), "libraries").Symbols!);
        var bundled = Check("bundled/libbundled.so", "manylinux2014_x86_64");
        Passes(bundled);
        Assert.Contains("libfoo.so.1", Item(bundled, "libraries").Detail);
        // lddtree.py:40 LIBPYTHON_RE: libpython is not skipped by filter_libs (except on Android), so it is external;
        // repair.py:79 removes it ("Linking with libpython is forbidden for manylinux/musllinux wheels").
        FailsOnlyOn(Check("libpyext.so", "manylinux_2_41_x86_64"), "libraries", "libpython3.11.so.1.0");
    }

    [Fact]
    public void MachineLevelRules()
    {
        // lddtree.py:133-147: GNU_PROPERTY_X86_ISA_1_NEEDED above the baseline makes the file x86_64_v3, which the x86_64
        // policies do not cover (wheel_abi.py _get_machine_policy -> linux).
        var v3 = Check("libv3.so", "manylinux_2_41_x86_64");
        Assert.False(v3.Ok);
        Assert.Equal(["isa"], v3.Checks.Where(c => !c.Ok).Select(c => c.Check));
        Assert.Contains("x86-64-v3", Item(v3, "isa").Detail);
    }

    [Fact]
    public void AnArmFileMustBeEabi5HardFloat()
    {
        // lddtree.py:151-155: armv7l needs EF_ARM_EABI_VER5 and EF_ARM_ABI_FLOAT_HARD, else the file is ignored.
        Passes(Check("libarm_hf.so", "manylinux2014_armv7l"));
        var sf = Check("libarm_sf.so", "manylinux2014_armv7l");
        Assert.False(sf.Ok);
        Assert.Equal(["arm ABI"], sf.Checks.Where(c => !c.Ok).Select(c => c.Check));
        Assert.Contains("hard-float", Item(sf, "arm ABI").Detail);
    }

    [Fact]
    public void PythonExtensionRules()
    {
        // elfutils.py:100 elf_is_python_extension (PyInit_<module>, init<module>), :86 elf_references_pyfpe_jbuf,
        // :74 elf_find_ucs2_symbols (Python 2 only, undefined STT_FUNC PyUnicodeUCS2_*); wheel_abi.py:521-522.
        FailsOnlyOn(Check("spam.cpython-311-x86_64-linux-gnu.so", "manylinux_2_41_x86_64"), "python extension", "PyFPE_jbuf");
        FailsOnlyOn(Check("eggs.so", "manylinux_2_41_x86_64"), "python extension", "PyUnicodeUCS2_FromString");
        var ham = Check("ham.cpython-311-x86_64-linux-gnu.so", "manylinux_2_41_x86_64");
        Passes(ham);
        Assert.True(Item(ham, "python extension").Ok);
    }

    [Fact]
    public void Musllinux()
    {
        // policy/__init__.py:330 _fixup_musl_libc_soname: the whitelist's "libc.so" is libc.musl-x86_64.so.1 (Alpine's
        // SONAME). Debian's musl-gcc links "libc.so", which auditwheel therefore counts as external.
        FailsOnlyOn(Check("libmusl.so", "musllinux_1_2_x86_64"), "libraries", "libc.so");
        Passes(Check("libmusl_alpine.so", "musllinux_1_2_x86_64"));
        // musllinux_1_2 has no symbol_versions lists but blacklists uncompress2 in libz.so.1.
        FailsOnlyOn(Check("libmuslz.so", "musllinux_1_2_x86_64"), "blacklisted symbols", "uncompress2");
        // A glibc file is not a musllinux file.
        Assert.Contains(Check("libnew.so", "musllinux_1_2_x86_64").Checks, c => c.Check == "libc" && !c.Ok);
    }

    [Fact]
    public void TheCliReportsTheBlacklistedSymbolInJson()
    {
        string file = Path.Combine(Dir(), "libz_strong.so");
        var r = Tool.LinkDoctor("check", "--json", "--target", "manylinux_2_28_x86_64", file);
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var report = doc.RootElement[0];
        Assert.Equal("manylinux_2_28_x86_64", report.GetProperty("target").GetString());
        Assert.False(report.GetProperty("ok").GetBoolean());
        var black = report.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("check").GetString() == "blacklisted symbols");
        Assert.False(black.GetProperty("ok").GetBoolean());
        Assert.Equal(["uncompress2@ZLIB_1.2.9"], black.GetProperty("symbols").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(0, Tool.LinkDoctor("check", "--target", "manylinux_2_34_x86_64", file).ExitCode);
        var text = Tool.LinkDoctor("check", "--target", "manylinux_2_28_x86_64", file);
        Assert.Contains("FAIL blacklisted symbols", text.Stdout);
    }

    [Fact]
    public void AStricterPolicyThatHoldsIsEnough()
    {
        // policy/__init__.py:214 versioned_symbols_policy returns the first policy, highest priority first, whose lists
        // hold; a prefix a policy does not list is not checked there (:197 `set(required_vers) & set(policy_sym_vers)`).
        // auditwheel's current lists never drop a prefix, so the rule is shown on a copy of manylinux2014 whose stricter
        // neighbour has no ZLIB list: ZLIB_1.2.9 then passes (main_repair.py:232 compares the requested policy with sym_policy).
        var m2014 = TargetCatalog.Find("manylinux2014_x86_64")!;
        var m2010 = TargetCatalog.Find("manylinux2010")!;
        var noZlib = m2010.PolicyVersionNames!.ToDictionary(kv => kv.Key,
            kv => (IReadOnlyDictionary<string, IReadOnlySet<string>>)kv.Value.Where(p => p.Key != "ZLIB").ToDictionary(p => p.Key, p => p.Value));
        var quirk = m2014 with { StricterPolicies = [m2010 with { PolicyVersionNames = noZlib }] };
        string file = Path.Combine(Dir(), "libz_strong.so");
        var r = PortabilityChecker.Check(file, quirk);
        var zlib = Item(r, "ZLIB version");
        Assert.True(zlib.Ok, zlib.Detail);
        Assert.Contains("manylinux2010", zlib.Detail);
        Assert.False(Item(PortabilityChecker.Check(file, m2014), "ZLIB version").Ok);
    }

    [Theory]
    [InlineData("/lib/x86_64-linux-gnu", "x86_64", "ld-linux-x86-64.so.2")]
    [InlineData("/usr/i686-linux-gnu/lib", "i386", "ld-linux.so.2")]
    [InlineData("/usr/aarch64-linux-gnu/lib", "aarch64", "ld-linux-aarch64.so.1")]
    [InlineData("/usr/s390x-linux-gnu/lib", "s390x", "ld64.so.1")]
    public void TheGlibcListsOfManylinux236AreTheVersionsGlibc236Defines(string dir, string machine, string interpreter)
    {
        // The catalogue decodes auditwheel's symbol_versions lists from runs; decoded, manylinux_2_36's GLIBC list must be
        // the GLIBC_ versions this machine's glibc 2.36 (and Debian's cross glibc 2.36) defines, GLIBC_PRIVATE aside.
        var defined = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var lib in new[] { "libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1", "libutil.so.1", "libanl.so.1", "libresolv.so.2", "libnsl.so.1", interpreter })
        {
            string p = Path.Combine(dir, lib);
            if (!File.Exists(p)) continue;
            using var image = BinaryImage.Open(p);
            foreach (var d in Formats.Elf.ElfFile.Open(image).Versions.Definitions)
                if (d.Name.StartsWith("GLIBC_", StringComparison.Ordinal) && d.Name != "GLIBC_PRIVATE") defined.Add(d.Name);
        }
        Assert.Contains("GLIBC_2.36", defined);
        var list = new SortedSet<string>(TargetCatalog.Find("manylinux_2_36")!.PolicyVersionNames![machine]["GLIBC"], StringComparer.Ordinal);
        Assert.Subset(list, defined);
        // auditwheel's aarch64 (and ppc64le) lists also name GLIBC_2.0, which glibc does not define there; nothing else is extra.
        Assert.Subset(new SortedSet<string>(["GLIBC_2.0"]), new SortedSet<string>(list.Except(defined)));
    }
}
