using LinkDoctor.Diagnosis;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// What glibc's ld.so and dlerror() print, as data (checked against glibc 2.36, Debian 12). A message has two
/// layers, as in the source: an error <em>string</em> signalled by <c>_dl_signal_error (errcode, objname, …,
/// errstring)</c>, and the <em>line</em> it is printed in: <c>fatal_error</c> at start-up ("%s: %s: %s%s%s%s%s\n":
/// program, occasion, objname, ": ", errstring, ": ", strerror), <c>print_missing_version</c> for version checks,
/// or dlerror() ("%s%s%s", objname, ": ", errstring, then ": %m" when errcode ≠ 0).
/// </summary>
public sealed class GlibcMessages : IMessageCatalog
{
    private const string DlLoad = "glibc elf/dl-load.c";

    // The lines.
    /// <summary>elf/dl-error-skeleton.c <c>fatal_error</c> with the default occasion; <c>{error}</c> is the dlerror-style text.</summary>
    public static readonly MessageTemplate StartupError = new("glibc.startup-error", "glibc-ld.so",
        "{program}: error while loading shared libraries: {error}", "glibc elf/dl-error-skeleton.c fatal_error (\"%s: %s: %s%s%s%s%s\\n\"), occasion N_(\"error while loading shared libraries\")");
    /// <summary>elf/dl-lookup.c <c>_dl_lookup_symbol_x</c>: occasion "symbol lookup error", also for a lazily bound function at its first call.</summary>
    public static readonly MessageTemplate SymbolLookupError = new("glibc.symbol-lookup-error", "glibc-ld.so",
        "{program}: symbol lookup error: {error}", "glibc elf/dl-lookup.c _dl_lookup_symbol_x, _dl_signal_cexception (0, &exception, N_(\"symbol lookup error\"))");
    /// <summary>elf/rtld.c <c>print_missing_version</c> ("%s: %s: %s\n"): the version check at start-up.</summary>
    public static readonly MessageTemplate VersionCheckLine = new("glibc.version-line", "glibc-ld.so",
        "{program}: {error}", "glibc elf/rtld.c print_missing_version (\"%s: %s: %s\\n\", RTLD_PROGNAME, objname, errstring)");
    public static readonly MessageTemplate PreloadFailed = new("glibc.preload-failed", "glibc-ld.so",
        "ERROR: ld.so: object '{name}' from {from} cannot be preloaded ({reason}): ignored.", "glibc elf/rtld.c do_preload");
    public static readonly MessageTemplate CheckMatchAssertion = new("glibc.check-match-assertion", "glibc-ld.so",
        "Inconsistency detected by ld.so: dl-lookup.c: {line}: check_match: Assertion `version->filename == NULL || ! _dl_name_match_p (version->filename, map)' failed!",
        "glibc elf/dl-lookup.c check_match (assert at line 107 in 2.36; removed in 2.41 by bdaf500353), printed by elf/dl-minimal.c __assert_fail");

    // The error strings (objname: errstring[: strerror]), which dlerror() prints alone.
    public static readonly MessageTemplate CannotOpen = new("glibc.cannot-open", "glibc-dlopen",
        "{library}: cannot open shared object file: {strerror}", DlLoad + " _dl_map_object: _dl_signal_error (errno, name, NULL, N_(\"cannot open shared object file\"))");
    /// <summary>The same when errno is 0 at that point (nothing was searched since the last successful open).</summary>
    public static readonly MessageTemplate CannotOpenNoErrno = new("glibc.cannot-open-noerrno", "glibc-dlopen",
        "{library}: cannot open shared object file", DlLoad + " _dl_map_object with errno 0 (fatal_error omits \": strerror\" when errcode is 0)");
    public static readonly MessageTemplate WrongClass = new("glibc.wrong-elf-class", "glibc-dlopen",
        "{library}: wrong ELF class: {class}", DlLoad + " _dl_map_object: N_(\"wrong ELF class: ELFCLASS64\") / N_(\"wrong ELF class: ELFCLASS32\")");
    /// <summary>A candidate that ends the search (open_verify's fatal checks, or a failing read): <c>{reason}</c> is the errstring.</summary>
    public static readonly MessageTemplate BadFile = new("glibc.bad-file", "glibc-dlopen",
        "{file}: {reason}", DlLoad + " open_verify (\"invalid ELF header\", \"file too short\", \"ELF file OS ABI invalid\", … and \"cannot read file data\" with strerror)");
    public static readonly MessageTemplate EmptyDst = new("glibc.empty-dst", "glibc-dlopen",
        "{name}: empty dynamic string token substitution", "glibc elf/dl-deps.c expand_dst");
    public static readonly MessageTemplate DstNotAllowedSecure = new("glibc.dst-secure", "glibc-dlopen",
        "{name}: DST not allowed in SUID/SGID programs", "glibc elf/dl-deps.c expand_dst (__libc_enable_secure)");
    public static readonly MessageTemplate UndefinedSymbol = new("glibc.undefined-symbol", "glibc-dlopen",
        "{file}: undefined symbol: {symbol}", "glibc elf/dl-lookup.c _dl_lookup_symbol_x (\"undefined symbol: %s%s%s\")");
    public static readonly MessageTemplate UndefinedVersionedSymbol = new("glibc.undefined-versioned-symbol", "glibc-dlopen",
        "{file}: undefined symbol: {symbol}, version {version}", "glibc elf/dl-lookup.c _dl_lookup_symbol_x (\"undefined symbol: %s%s%s\", \", version \")");
    public static readonly MessageTemplate VersionNotFound = new("glibc.version-not-found", "glibc-dlopen",
        "{library}: version `{version}' not found (required by {requiredBy})", "glibc elf/dl-version.c match_symbol");
    public static readonly MessageTemplate WeakVersionNotFound = new("glibc.weak-version-not-found", "glibc-ld.so",
        "{library}: weak version `{version}' not found (required by {requiredBy})", "glibc elf/dl-version.c match_symbol (VER_FLG_WEAK)");
    public static readonly MessageTemplate NoVersionInformation = new("glibc.no-version-information", "glibc-ld.so",
        "{library}: no version information available (required by {requiredBy})", "glibc elf/dl-version.c match_symbol (no DT_VERDEF)");
    public static readonly MessageTemplate CannotLoadExecutable = new("glibc.cannot-load-executable", "glibc-dlopen",
        "{file}: cannot dynamically load executable", DlLoad + " _dl_map_object_from_fd (ET_EXEC via dlopen)");
    public static readonly MessageTemplate CannotLoadPie = new("glibc.cannot-load-pie", "glibc-dlopen",
        "{file}: cannot dynamically load position-independent executable", DlLoad + " _dl_map_object_from_fd (DF_1_PIE, glibc ≥ 2.30)");

    // Messages `why` does not render yet; `explain` reads them in logs (added for issue 9).
    /// <summary>The occasion glibc ≤ 2.29 used for a versioned lookup that failed in the file named by the version need.</summary>
    public static readonly MessageTemplate RelocationErrorLine = new("glibc.relocation-error", "glibc-ld.so",
        "{program}: relocation error: {error}", "glibc ≤ 2.29 elf/dl-lookup.c _dl_lookup_symbol_x: _dl_signal_cexception (0, &exception, N_(\"relocation error\")) (the check went away with 2.30, f0b2132b35, BZ #24741)");
    /// <summary>glibc 2.2x–2.29: the symbol is missing from the very file its version need names.</summary>
    public static readonly MessageTemplate LinkTimeReference = new("glibc.link-time-reference", "glibc-dlopen",
        "{file}: symbol {symbol} version {version} not defined in file {library} with link time reference", "glibc 2.29 elf/dl-lookup.c _dl_lookup_symbol_x (\"symbol %s version %s not defined in file %s with link time reference%s\")");
    /// <summary>The same in older glibc (2.17 and before): make_string (\"symbol \", undef_name, \", version \", …).</summary>
    public static readonly MessageTemplate LinkTimeReferenceComma = new("glibc.link-time-reference-comma", "glibc-dlopen",
        "{file}: symbol {symbol}, version {version} not defined in file {library} with link time reference", "glibc ≤ 2.17 elf/dl-lookup.c _dl_lookup_symbol_x (\"symbol \", undef_name, \", version \", version->name, \" not defined in file \", version->filename, \" with link time reference\")");
    /// <summary>PT_GNU_STACK asks for an executable stack and the kernel (or a policy) refuses to make it so.</summary>
    public static readonly MessageTemplate CannotEnableExecutableStack = new("glibc.cannot-enable-executable-stack", "glibc-dlopen",
        "{library}: cannot enable executable stack as shared object requires: {strerror}", DlLoad + " _dl_map_object_from_fd: errstring = N_(\"cannot enable executable stack as shared object requires\"); goto lose_errno");
    /// <summary>A dlopen'ed object's initial-exec TLS does not fit the static TLS surplus.</summary>
    public static readonly MessageTemplate StaticTlsExhausted = new("glibc.static-tls-exhausted", "glibc-dlopen",
        "{library}: cannot allocate memory in static TLS block", "glibc elf/dl-reloc.c _dl_allocate_static_tls: _dl_signal_error (0, map->l_name, NULL, N_(\"cannot allocate memory in static TLS block\"))");
    /// <summary>A copy relocation whose symbol changed size in the library since the program was linked (a warning; the program runs).</summary>
    public static readonly MessageTemplate CopyRelocSizeMismatch = new("glibc.copy-reloc-size", "glibc-ld.so",
        "{program}: Symbol `{symbol}' has different size in shared object, consider re-linking", "glibc sysdeps/x86_64/dl-machine.h elf_machine_rela R_X86_64_COPY: _dl_error_printf (\"%s: Symbol `%s' has different size in shared object, consider re-linking\\n\")");

    // ldd / LD_TRACE_LOADED_OBJECTS (elf/rtld.c dl_main).
    public static readonly MessageTemplate TraceFound = new("glibc.trace-found", "glibc-ld.so", "\t{name} => {path}", "glibc elf/rtld.c dl_main (\"\\t%s => %s (0x%0*zx)\\n\", without the address)");
    public static readonly MessageTemplate TraceNotFound = new("glibc.trace-not-found", "glibc-ld.so", "\t{name} => not found", "glibc elf/rtld.c dl_main (\"\\t%s => not found\\n\")");
    public static readonly MessageTemplate TraceStatic = new("glibc.trace-static", "glibc-ld.so", "\tstatically linked", "glibc elf/rtld.c dl_main (\"\\tstatically linked\\n\")");
    public static readonly MessageTemplate TraceNotDynamic = new("glibc.trace-not-dynamic", "glibc-ld.so", "\tnot a dynamic executable", "glibc elf/rtld.c / ldd");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        StartupError, SymbolLookupError, VersionCheckLine, PreloadFailed, CheckMatchAssertion,
        CannotOpen, CannotOpenNoErrno, WrongClass, BadFile, EmptyDst, DstNotAllowedSecure, UndefinedSymbol,
        UndefinedVersionedSymbol, VersionNotFound, WeakVersionNotFound, NoVersionInformation, CannotLoadExecutable,
        CannotLoadPie, TraceFound, TraceNotFound, TraceStatic, TraceNotDynamic,
        RelocationErrorLine, LinkTimeReference, LinkTimeReferenceComma, CannotEnableExecutableStack, StaticTlsExhausted,
        CopyRelocSizeMismatch,
    ];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static GlibcMessages Instance { get; } = new();
}
