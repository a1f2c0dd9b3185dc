using LinkDoctor.Formats.Elf;
using LinkDoctor.Reports;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// Static-link readiness of a cgo binary: the libc functions that glibc marks with a link warning
/// ("Using 'X' in statically linked applications requires at runtime the shared libraries from the glibc
/// version used for linking": NSS lookups, dlopen), each traced to the Go package that calls it, with the
/// build tags that replace it (net: <c>netgo</c>, os/user: <c>osusergo</c>, go-sqlite3:
/// <c>sqlite_omit_load_extension</c>, plugin: none but dropping it) and the flags for a static external link.
/// A static binary gets the same list as what it still needs at run time.
/// </summary>
public static partial class GoStaticReadiness
{
    /// <summary>glibc functions that go through NSS (nss/getXXbyYY_r.c, nss/getXXent_r.c, inet/getaddrinfo via nss_hosts, grp/initgroups.c).</summary>
    private static readonly string[] NssNet = ["getaddrinfo", "gethostbyname", "gethostbyname_r", "gethostbyname2", "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "gethostent_r", "getservbyname", "getservbyname_r", "getservbyport", "getservbyport_r", "getprotobyname", "getprotobyname_r", "getnetbyname_r"];
    private static readonly string[] NssUser = ["getpwnam_r", "getpwuid_r", "getpwnam", "getpwuid", "getgrgid_r", "getgrnam_r", "getgrgid", "getgrnam", "getgrouplist", "initgroups", "getpwent", "getgrent", "getspnam_r"];
    private static readonly string[] Dl = ["dlopen", "dlmopen"];

    /// <summary>The libc functions with link warnings that the C part of a standard package calls.</summary>
    private static readonly (string Package, string[] Functions)[] PackageCCalls =
    [
        ("os/user", ["getpwuid_r", "getpwnam_r", "getgrgid_r", "getgrnam_r", "getgrouplist"]),
        ("net", ["getaddrinfo"]),
        ("plugin", ["dlopen"]),
    ];

    public static GoStaticReport Analyze(GoBinary bin, GoBinaryReport report)
    {
        var elf = bin.Elf;
        bool dynamic = elf?.Dynamic is not null;
        string libc = elf is null || bin.ArchiveMember is not null ? "unknown" : LibcFlavour.Detect(elf, isGo: true).Flavour;
        bool musl = libc == LibcFlavour.Musl;
        var problem = new HashSet<string>(NssNet.Concat(NssUser).Concat(Dl), StringComparer.Ordinal);

        // Who calls what: fn -> (origin, evidence, tag, fix). Most precise first: cgo's own call wrappers.
        var calls = new Dictionary<string, (string Origin, string Evidence)>(StringComparer.Ordinal);
        foreach (var f in bin.Functions)
        {
            var m = CgoCall().Match(f);
            if (!m.Success) continue;
            string fn = m.Groups["fn"].Value;
            if (!problem.Contains(fn) && fn.StartsWith("my", StringComparison.Ordinal) && problem.Contains(fn[2..])) fn = fn[2..]; // os/user's mygetpwuid_r wrappers
            if (problem.Contains(fn)) calls.TryAdd(fn, (m.Groups["pkg"].Value, $"cgo call {f}"));
        }
        bool hasSqlite = bin.HasFunctionPrefix("github.com/mattn/go-sqlite3.", out _);
        bool sqliteBundledExtensions = hasSqlite && (FunctionOrSymbol(bin, "unixDlOpen") || FunctionOrSymbol(bin, "sqlite3_load_extension"));
        // A package's cgo object is linked whole by the external linker: every C call in it counts, used or not
        // (go1.19 src/os/user/cgo_lookup_cgo.go and getgrouplist_unix.go; src/net/cgo_unix.go; src/plugin/plugin_dlopen.go).
        foreach (var (pkg, cfns) in PackageCCalls)
            if (bin.HasFunctionPrefix(pkg + "._C", out var wrapper))
                foreach (var fn in cfns) calls.TryAdd(fn, (pkg, $"{pkg}'s cgo object is linked ({wrapper}) and calls {fn}"));
        if (report.Plugin?.Value == "dlopen") calls.TryAdd("dlopen", ("plugin", report.Plugin.Evidence));
        if (sqliteBundledExtensions) calls.TryAdd("dlopen", ("github.com/mattn/go-sqlite3", "the bundled SQLite has loadable extensions (sqlite3_load_extension, unixDlOpen in sqlite3-binding.c)"));

        var imports = new HashSet<string>(StringComparer.Ordinal);
        if (dynamic) imports.UnionWith(bin.DynamicImports.Select(n => n.Split('@')[0]));
        if (elf is { Header.Type: ET_REL } && elf.Symbols is { } rs)
            for (int i = 1; i < rs.Count; i++)
            {
                var sym = rs[i];
                if (!sym.IsDefined && sym.Binding != STB_LOCAL) imports.Add(rs.GetName(sym));
            }

        var findings = new List<GoStaticFinding>();
        var notes = new List<string>();
        string problemText = dynamic
            ? "glibc links it statically only with a warning: at run time it still loads the shared libraries of the glibc version used for linking"
            : "this static program still loads shared libraries of the glibc it was linked with at run time";
        if (!musl)
        {
            // The program's own calls (cgo wrappers; imports when dynamic).
            var fns = calls.Keys.Concat(imports.Where(problem.Contains)).Distinct().OrderBy(f => f, StringComparer.Ordinal);
            foreach (var fn in fns)
            {
                var (origin, evidence) = calls.TryGetValue(fn, out var c) ? c : ("C code", "imported, but no Go package's cgo call explains it");
                findings.Add(Finding(fn, problemText, origin, evidence, hasSqlite));
            }
            // The C libraries it needs: a static link pulls their archives in, with their calls.
            if (dynamic && elf?.Dynamic is { } dyn)
                foreach (var lib in dyn.Needed.Where(n => !LibcFamily(n)))
                {
                    if (FindLibrary(lib, elf) is not { } libPath) { notes.Add($"{lib} (NEEDED) was not found on this machine: its calls are not checked"); continue; }
                    try
                    {
                        using var image = IO.BinaryImage.Open(libPath);
                        var libElf = ElfFile.Open(image);
                        var libImports = libElf.Imports.Select(i => i.Name).Where(problem.Contains).Distinct().Order(StringComparer.Ordinal).ToList();
                        string archive = Path.ChangeExtension(Path.Combine(Path.GetDirectoryName(libPath)!, lib.Split(".so")[0]), ".a");
                        foreach (var fn in libImports)
                        {
                            string who = hasSqlite && lib.StartsWith("libsqlite3", StringComparison.Ordinal) ? $"{lib} (the system SQLite that github.com/mattn/go-sqlite3 links with USE_LIBSQLITE3)" : $"{lib} (NEEDED)";
                            string fix = hasSqlite && lib.StartsWith("libsqlite3", StringComparison.Ordinal)
                                ? "the system libsqlite3 is compiled with loadable extensions and no Go tag removes that: build go-sqlite3's bundled SQLite (upstream module, without -tags libsqlite3) with -tags sqlite_omit_load_extension, or link a libsqlite3 built with SQLITE_OMIT_LOAD_EXTENSION; the warning is harmless if the program never loads extensions"
                                : $"a static link pulls {Path.GetFileName(archive)} in with this call: use a build of {lib} without it, or link against musl";
                            findings.Add(new GoStaticFinding(fn, problemText, who, $"{libPath} imports {fn}{(File.Exists(archive) ? $"; {archive} is what a static link uses" : "")}", null, fix));
                        }
                    }
                    catch (Exception e) when (Reports.FileErrors.Describe(e) is not null) { notes.Add($"{libPath}: cannot be read"); }
                }
        }
        if (dynamic && report.Cgo?.Value == "off")
            notes.Add("cgo is off: build with CGO_ENABLED=0 and the Go linker writes a static binary by itself");
        if (musl) notes.Add("musl has no NSS and its static dlopen fails cleanly: a static musl link needs no tags");
        if (!dynamic) notes.Add(findings.Count == 0 ? "statically linked and needs no shared libraries at run time" : "statically linked, but the functions below still load shared libraries at run time");
        var tags = findings.Where(f => f.Tag is not null).Select(f => f.Tag!).Distinct().ToList();
        // libsqlite3.a calls libm (log, exp …), which a shared libsqlite3 brought along by itself.
        string ldflags = hasSqlite ? "-linkmode external -extldflags \"-static -lm\"" : "-linkmode external -extldflags \"-static\"";
        bool cgoDynamic = dynamic && report.Cgo?.Value == "on";
        string? command = cgoDynamic ? $"CGO_ENABLED=1 go build{(tags.Count > 0 ? $" -tags '{string.Join(' ', tags)}'" : "")} -ldflags '{ldflags}'" : null;
        if (cgoDynamic) notes.Add("or link against musl (e.g. CC=musl-gcc, or build on Alpine) to avoid glibc's static-link limits");
        return new GoStaticReport
        {
            Linkage = dynamic ? "dynamic" : "static",
            Libc = libc,
            Ready = findings.Count == 0,
            Findings = findings,
            Tags = tags,
            Ldflags = cgoDynamic ? ldflags : null,
            Command = command,
            Notes = notes,
        };
    }

    private static GoStaticFinding Finding(string fn, string problemText, string origin, string evidence, bool hasSqlite) => origin switch
    {
        "net" => new GoStaticFinding(fn, problemText + " (NSS: libnss_files, libnss_dns)", origin, evidence, "netgo",
            "build with -tags netgo (Go's own DNS resolver, reading /etc/hosts, /etc/resolv.conf and /etc/nsswitch.conf itself)"),
        "os/user" => new GoStaticFinding(fn, problemText + " (NSS: libnss_files, libnss_systemd, libnss_sss …)", origin, evidence, "osusergo",
            "build with -tags osusergo (Go reads /etc/passwd and /etc/group itself; LDAP/SSSD users are not seen)"),
        "plugin" => new GoStaticFinding(fn, problemText + "; a static program cannot load Go plugins", origin, evidence, null,
            "stop importing package plugin (find who imports it: go mod why plugin; e.g. containerd ≥ 1.7.25 has the no_dynamic_plugins tag)"),
        "github.com/mattn/go-sqlite3" => new GoStaticFinding(fn, problemText + "; SQLite extensions cannot be loaded by a static program", origin, evidence, "sqlite_omit_load_extension",
            "build with -tags sqlite_omit_load_extension (defines SQLITE_OMIT_LOAD_EXTENSION for the bundled SQLite)"),
        _ => new GoStaticFinding(fn, problemText, origin, evidence, null, "find the C code that calls it (the cgo packages of the build), or link against musl"),
    };

    /// <summary>cgo's call wrappers in the pclntab: <c>net._C2func_getaddrinfo</c>, <c>os/user._Cfunc_mygetpwuid_r.abi0</c>.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<pkg>[^ ]+?)\._C2?func_(?<fn>\w+?)(\.abi0)?$")]
    private static partial System.Text.RegularExpressions.Regex CgoCall();

    /// <summary>glibc's own libraries: a static link uses libc.a, which carries the warnings checked above.</summary>
    private static bool LibcFamily(string soname) =>
        soname.StartsWith("libc.so", StringComparison.Ordinal) || soname.StartsWith("libm.so", StringComparison.Ordinal) || soname.StartsWith("libpthread.so", StringComparison.Ordinal)
        || soname.StartsWith("libdl.so", StringComparison.Ordinal) || soname.StartsWith("librt.so", StringComparison.Ordinal) || soname.StartsWith("libresolv.so", StringComparison.Ordinal)
        || soname.StartsWith("ld-linux", StringComparison.Ordinal) || soname.StartsWith("ld-musl", StringComparison.Ordinal) || soname.StartsWith("libc.musl", StringComparison.Ordinal);

    /// <summary>A NEEDED library in this machine's default directories for the binary's architecture.</summary>
    private static string? FindLibrary(string soname, ElfFile elf)
    {
        string triple = Packages.DebianArch(elf) switch { "amd64" => "x86_64-linux-gnu", "arm64" => "aarch64-linux-gnu", "i386" => "i386-linux-gnu", var a => a + "-linux-gnu" };
        foreach (var dir in new[] { $"/lib/{triple}", $"/usr/lib/{triple}", "/lib64", "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib" })
        {
            string p = Path.Combine(dir, soname);
            if (File.Exists(p)) return p;
        }
        return null;
    }

    private static bool FunctionOrSymbol(GoBinary bin, string name) =>
        bin.Functions.Contains(name) || bin.Executable.TryFindSymbol(System.Text.Encoding.UTF8.GetBytes(name), out _, out _);
}
