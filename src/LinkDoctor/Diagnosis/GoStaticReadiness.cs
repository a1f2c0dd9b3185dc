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
public static class GoStaticReadiness
{
    /// <summary>glibc functions that go through NSS (nss/getXXbyYY_r.c, nss/getXXent_r.c, inet/getaddrinfo via nss_hosts, grp/initgroups.c).</summary>
    private static readonly string[] NssNet = ["getaddrinfo", "getnameinfo", "gethostbyname", "gethostbyname_r", "gethostbyname2_r", "gethostbyaddr", "gethostbyaddr_r", "getservbyname", "getservbyname_r", "getservbyport_r", "getprotobyname_r"];
    private static readonly string[] NssUser = ["getpwnam_r", "getpwuid_r", "getpwnam", "getpwuid", "getgrgid_r", "getgrnam_r", "getgrgid", "getgrnam", "getgrouplist", "initgroups", "getpwent", "getgrent", "getspnam_r"];
    private static readonly string[] Dl = ["dlopen", "dlmopen"];

    public static GoStaticReport Analyze(GoBinary bin, GoBinaryReport report)
    {
        var elf = bin.Elf;
        bool dynamic = elf?.Dynamic is not null;
        string libc = elf is null ? "unknown" : bin.ArchiveMember is not null ? "unknown" : LibcFlavour.Detect(elf, isGo: true).Flavour;
        // What the program uses from libc: imports when dynamic; defined functions of the symbol table when static.
        var uses = new HashSet<string>(StringComparer.Ordinal);
        if (dynamic) uses.UnionWith(bin.DynamicImports.Select(n => n.Split('@')[0]));
        else if (elf?.Symbols is { } syms)
            for (int i = 1; i < syms.Count; i++)
            {
                var s = syms[i];
                if (s.Type == STT_FUNC && s.IsDefined && s.Binding != STB_LOCAL) uses.Add(syms.GetName(s));
            }
        // A relocatable go.o (c-archive) names what it calls as undefined symbols.
        if (elf is { Header.Type: ET_REL } && elf.Symbols is { } rs)
            for (int i = 1; i < rs.Count; i++)
            {
                var s = rs[i];
                if (!s.IsDefined && s.Binding != STB_LOCAL) uses.Add(rs.GetName(s));
            }

        var findings = new List<GoStaticFinding>();
        var notes = new List<string>();
        bool musl = libc == LibcFlavour.Musl;
        bool hasSqlite = bin.HasFunctionPrefix("github.com/mattn/go-sqlite3.", out _);
        bool sqliteLoadExtension = hasSqlite && (bin.HasFunctionPrefix("github.com/mattn/go-sqlite3._Cfunc_sqlite3_enable_load_extension", out _)
            || bin.HasFunctionPrefix("github.com/mattn/go-sqlite3._Cfunc_sqlite3_load_extension", out _)
            || uses.Contains("sqlite3_load_extension") || FunctionOrSymbol(bin, "unixDlOpen") || FunctionOrSymbol(bin, "sqlite3_load_extension"));
        string problem = dynamic
            ? "glibc links it statically only with a warning: at run time it still loads the shared libraries of the glibc version used for linking"
            : "this static program still loads shared libraries of the glibc it was linked with at run time";
        if (!musl)
        {
            foreach (var f in NssNet.Where(uses.Contains))
            {
                bool cgoNet = report.Net?.Value == "cgo";
                findings.Add(new GoStaticFinding(f, problem + " (NSS: libnss_files, libnss_dns)",
                    cgoNet ? "net" : "C code",
                    cgoNet ? report.Net!.Evidence : "imported, but no cgo function of package net calls it",
                    cgoNet ? "netgo" : null,
                    cgoNet ? "build with -tags netgo (Go's own DNS resolver, reading /etc/hosts, /etc/resolv.conf and /etc/nsswitch.conf itself)" : "remove the C caller or link against musl"));
            }
            foreach (var f in NssUser.Where(uses.Contains))
            {
                bool cgoUser = report.OsUser?.Value == "cgo";
                findings.Add(new GoStaticFinding(f, problem + " (NSS: libnss_files, libnss_systemd, libnss_sss …)",
                    cgoUser ? "os/user" : "C code",
                    cgoUser ? report.OsUser!.Evidence : "imported, but no cgo function of package os/user calls it",
                    cgoUser ? "osusergo" : null,
                    cgoUser ? "build with -tags osusergo (Go reads /etc/passwd and /etc/group itself; LDAP/SSSD users are not seen)" : "remove the C caller or link against musl"));
            }
            foreach (var f in Dl.Where(uses.Contains))
            {
                if (report.Plugin?.Value == "dlopen")
                    findings.Add(new GoStaticFinding(f, problem + "; a static program cannot load Go plugins", "plugin", report.Plugin.Evidence, null,
                        "stop importing package plugin (find who imports it: go mod why plugin; e.g. containerd ≥ 1.7.25 has the no_dynamic_plugins tag)"));
                if (sqliteLoadExtension)
                    findings.Add(new GoStaticFinding(f, problem + "; SQLite extensions cannot be loaded by a static program", "github.com/mattn/go-sqlite3",
                        "sqlite3's loadable extensions are compiled in (sqlite3_load_extension, unixDlOpen in sqlite3-binding.c)", "sqlite_omit_load_extension",
                        "build with -tags sqlite_omit_load_extension (defines SQLITE_OMIT_LOAD_EXTENSION)"));
                if (report.Plugin?.Value != "dlopen" && !sqliteLoadExtension)
                    findings.Add(new GoStaticFinding(f, problem, "C code", "imported; no known Go package explains it", null, "find the C code that calls it (the cgo packages of the build), or link against musl"));
            }
        }
        if (dynamic && report.Cgo?.Value == "off")
            notes.Add("cgo is off: build with CGO_ENABLED=0 and the Go linker writes a static binary by itself");
        if (musl) notes.Add("musl has no NSS and its static dlopen fails cleanly: a static musl link needs no tags");
        if (!dynamic) notes.Add(findings.Count == 0 ? "statically linked and needs no shared libraries at run time" : "statically linked, but the functions below still load shared libraries at run time");
        var tags = findings.Where(f => f.Tag is not null).Select(f => f.Tag!).Distinct().ToList();
        string ldflags = "-linkmode external -extldflags \"-static\"";
        if (hasSqlite) notes.Add("go-sqlite3 needs libm in a static link on some systems: -extldflags \"-static -lm\"");
        string? command = dynamic && report.Cgo?.Value == "on"
            ? $"CGO_ENABLED=1 go build{(tags.Count > 0 ? $" -tags '{string.Join(' ', tags)}'" : "")} -ldflags '{ldflags}'"
            : null;
        if (dynamic && report.Cgo?.Value == "on") notes.Add("or link against musl (e.g. CC=musl-gcc, or build on Alpine) to avoid glibc's static-link limits");
        bool ready = findings.Count == 0;
        return new GoStaticReport
        {
            Linkage = dynamic ? "dynamic" : "static",
            Libc = libc,
            Ready = ready,
            Findings = findings,
            Tags = tags,
            Ldflags = dynamic && report.Cgo?.Value == "on" ? ldflags : null,
            Command = command,
            Notes = notes,
        };
    }

    private static bool FunctionOrSymbol(GoBinary bin, string name) =>
        bin.Functions.Contains(name) || bin.Executable.TryFindSymbol(System.Text.Encoding.UTF8.GetBytes(name), out _, out _);
}
