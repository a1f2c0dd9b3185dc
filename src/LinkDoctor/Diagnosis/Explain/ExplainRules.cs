namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// The knowledge <c>explain</c> adds to the catalogues: for each message, its class, why it happens, the LinkDoctor
/// command that confirms it, and the fixes. Earlier rules win when two read the same text equally well (a rule
/// for GLIBC_PRIVATE comes before the general one).
/// </summary>
public static class ExplainRules
{
    /// <summary>Patterns every rule uses for holes of these names (unless it narrows them further).</summary>
    public static IReadOnlyDictionary<string, string> CommonHoles { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        // A linker names itself first: /usr/bin/ld, x86_64-linux-gnu-ld.bfd, ld.gold, ld.lld, mold.
        ["linker"] = @"(?:\S*/)?(?:[\w.+-]+-)?(?:ld(?:\.bfd|\.gold|\.lld|\.mold)?|gold|lld|ld64\.lld|mold)(?:-\d+(?:\.\d+)*)?",
        ["program"] = @"[^\s]+?",
        ["shell"] = @"[^\s]+?",
        ["line"] = @"\d+",
        ["uuid"] = @"[0-9A-Fa-f-]+|no uuid",
        ["uuid2"] = @"[0-9A-Fa-f-]+|no uuid",
        ["class"] = @"ELFCLASS(?:32|64|NONE|\d+)",
        ["mode"] = @"0x[0-9A-Fa-f]+",
    };

    /// <summary>Catalogue messages that are not errors (ldd's found lines and the like): never reported.</summary>
    public static IReadOnlySet<string> NotErrors { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "glibc.trace-found", "glibc.trace-static", "glibc.trace-not-dynamic", "musl.trace-found", "musl.trace-self",
    };

    private const string Enoent = "No such file or directory", Enoexec = "Exec format error", Eacces = "Permission denied";
    private const string BadInterpreter = "Accessing a corrupted shared library|Input/output error|Invalid argument|Too many levels of symbolic links";
    private const string WithSlash = @"[^\s/]*/[^\s]*?";
    /// <summary>A loader's object name: a path, or a name with ".so" in it (never a bare word such as "warning").</summary>
    private const string ObjectName = @"(?=[^\s]*(?:/|\.so))[^\s]+?";
    private const string OpenVerify = "ELF file data encoding not (?:little|big)-endian|ELF file version ident does not match current one|ELF file OS ABI invalid|ELF file ABI version invalid|nonzero padding in e_ident|ELF file version does not match current one|only ET_DYN and ET_EXEC can be loaded|ELF file's phentsize not the expected size|ELF load command address/offset not (?:page|properly)-aligned|ELF load command alignment not page-aligned|object file has no loadable segments|object file has no dynamic section|cannot read file data(?:: [^\r\n]*)?|failed to map segment from shared object(?:: [^\r\n]*)?|cannot map zero-fill pages(?:: [^\r\n]*)?|cannot change memory protections(?:: [^\r\n]*)?";

    private static Dictionary<string, string> H(params (string Hole, string Pattern)[] holes) => holes.ToDictionary(h => h.Hole, h => h.Pattern, StringComparer.Ordinal);
    private static Dictionary<string, string> S(params (string Hole, string Subject)[] map) => map.ToDictionary(h => h.Hole, h => h.Subject, StringComparer.Ordinal);

    private const string WhyProgram = "linkdoctor why {file|PROGRAM}";
    private const string WhyDlopen = "linkdoctor why --dlopen {file|LIBRARY}";
    private const string InstallLibrary = "install the package that provides {library|the library} (Debian: apt-file search {library|NAME}; dpkg -S finds the owner of a file that exists elsewhere)";

    public static IReadOnlyList<ExplainRule> All { get; } =
    [
        // ---------------------------------------------------------------- glibc: the lines around the errors
        new(null, "", null) { Id = "glibc.version-line", Kind = RuleKind.Wrapper, Inner = ["glibc.version-not-found", "glibc.weak-version-not-found", "glibc.no-version-information"] },
        new("glibc-load-error", "glibc's loader could not load what {file|the program} needs: {error}", WhyProgram,
            "run the check: it names the library, the directories searched and the fix") { Id = "glibc.startup-error", Kind = RuleKind.Wrapper },
        new("glibc-symbol-lookup-error", "glibc's loader could not bind a symbol {file|the program} uses: {error}", WhyProgram,
            "run the check: it names the symbol, who needs it and who should define it") { Id = "glibc.symbol-lookup-error", Kind = RuleKind.Wrapper },
        new("glibc-relocation-error", "glibc's loader could not relocate {file|the program}: {error}", WhyProgram,
            "run the check: it names the symbol and the library") { Id = "glibc.relocation-error", Kind = RuleKind.Wrapper },

        // ---------------------------------------------------------------- glibc: the error strings (also dlerror())
        new("cannot-open-shared-object",
            "the loader looked for {library|the library} (RPATH, LD_LIBRARY_PATH, RUNPATH, /etc/ld.so.cache, the system directories, in that order) and found no file of that name it could use ({strerror|no errno})",
            WhyProgram, InstallLibrary,
            "if it is installed in a directory the loader does not search: give the program a RUNPATH (patchelf --add-rpath DIR {file|PROGRAM}), or set LD_LIBRARY_PATH=DIR, or add DIR to /etc/ld.so.conf.d/ and run ldconfig",
            "if it is another version (libfoo.so.2 installed, libfoo.so.1 wanted): install the version the program was built against, or rebuild the program against the one you have")
            { Id = "glibc.cannot-open", DlopenCheck = WhyDlopen },
        new("cannot-open-shared-object",
            "the loader looked for {library|the library} and found no file of that name it could use", WhyProgram, InstallLibrary,
            "if it is installed in a directory the loader does not search: RUNPATH (patchelf --add-rpath DIR), LD_LIBRARY_PATH, or ld.so.conf + ldconfig")
            { Id = "glibc.cannot-open-noerrno", DlopenCheck = WhyDlopen },
        new("wrong-elf-class",
            "the only {library|library} the loader found is {class} (the other word size: a 32-bit library for a 64-bit program, or the reverse); glibc skips such files and found no other",
            WhyProgram, "install the library for the program's word size (Debian multiarch: the :amd64 or :i386 package)",
            "or put the directory that holds the right one first (RUNPATH, LD_LIBRARY_PATH)")
            { Id = "glibc.wrong-elf-class", DlopenCheck = WhyDlopen },
        new("version-not-found",
            "{requiredBy|the program} was built against a newer {library|library} that defines version {version}; the {library|library} found here is older and lacks it",
            "linkdoctor inspect --versions {requiredBy|FILE}",
            "build on (or for) the oldest system you deploy to: an older distribution, a manylinux container, or a sysroot; then check it with linkdoctor check FILE --target TARGET",
            "or run it where {library|the library} provides {version} (a newer distribution or base image)",
            "for a library other than glibc (libstdc++, OpenSSL …): ship a newer copy next to the program and point RUNPATH at it ($ORIGIN)")
            { Id = "glibc.version-not-found" },
        new("version-not-found",
            "{requiredBy|the program} would use version {version} of {library|the library} if it were there (a weak version need): it is not, and glibc only warns",
            "linkdoctor inspect --versions {requiredBy|FILE}", "nothing is required; to silence it, run with a {library|library} that defines {version}")
            { Id = "glibc.weak-version-not-found" },
        new("no-version-information",
            "{library|the library} has no symbol versions (no DT_VERDEF), but {requiredBy|the program} was linked against a versioned one: a non-standard build of {library|the library} (vendored, bundled, or built without its version script) is found first",
            "linkdoctor tree {requiredBy|PROGRAM}",
            "use the distribution's {library|library}: remove the unversioned copy from the search path (RUNPATH, LD_LIBRARY_PATH) or rebuild it with its version script",
            "it is a warning: the program may still run, until a symbol whose version matters is used")
            { Id = "glibc.no-version-information" },
        new("glibc-private-mismatch",
            "{file|an object} uses {symbol}@GLIBC_PRIVATE, an internal interface between the parts of one glibc build: the loaded {library|libc} comes from another glibc (a copied libc.so.6 or ld.so, LD_LIBRARY_PATH into another glibc, a bundled glibc)",
            WhyProgram, "never mix files of two glibc builds: remove the copied glibc libraries from the search path (LD_LIBRARY_PATH, RUNPATH, the application's lib directory)",
            "to run with another glibc, start the program with that glibc's own loader: /path/to/ld-linux-x86-64.so.2 --library-path /path/to/lib PROGRAM")
            { Id = "glibc.undefined-versioned-symbol", Holes = H(("version", "GLIBC_PRIVATE")), DlopenCheck = WhyDlopen },
        new("undefined-symbol",
            "{file|an object} uses {symbol} and no loaded object defines it: the library that should define it is another version than the one {file|it} was linked against, or a library it needs is not in its NEEDED list (an underlinked library)",
            WhyProgram, "install the library version {file|the program} was built against (the check names who should define {symbol})",
            "or rebuild {file|it} against the libraries installed here",
            "for an underlinked library (a missing -lm, -lpthread …): relink it with that library, or preload it (LD_PRELOAD=libm.so.6)")
            { Id = "glibc.undefined-symbol", DlopenCheck = WhyDlopen },
        new("undefined-symbol",
            "{file|an object} uses {symbol} version {version}, and no loaded object defines that symbol at that version: {file|it} was built against another version of the library that provides {version}",
            WhyProgram, "install the library version that defines {symbol}@{version}, or rebuild {file|it} against the library installed here")
            { Id = "glibc.undefined-versioned-symbol", DlopenCheck = WhyDlopen },
        new("glibc-private-mismatch",
            "{file|an object} uses {symbol}@GLIBC_PRIVATE from {library|another glibc file}: GLIBC_PRIVATE is internal to one glibc build, so two glibc installations are mixed",
            WhyProgram, "never mix files of two glibc builds: remove the foreign glibc libraries from the search path")
            { Id = "glibc.link-time-reference", Holes = H(("version", "GLIBC_PRIVATE")) },
        new("glibc-private-mismatch",
            "{file|an object} uses {symbol}@GLIBC_PRIVATE from {library|another glibc file}: GLIBC_PRIVATE is internal to one glibc build, so two glibc installations are mixed",
            WhyProgram, "never mix files of two glibc builds: remove the foreign glibc libraries from the search path")
            { Id = "glibc.link-time-reference-comma", Holes = H(("version", "GLIBC_PRIVATE")) },
        new("relocation-link-time-reference",
            "{file|an object} was linked against a {library|library} in which {symbol} has version {version}; the {library|library} loaded now has that version but not {symbol} in it (another build of the library; glibc ≤ 2.29 words it so)",
            WhyProgram, "install the build of {library|the library} that {file|the object} was linked against (same vendor and version)",
            "or rebuild {file|the object} against the library installed here")
            { Id = "glibc.link-time-reference" },
        new("relocation-link-time-reference",
            "{file|an object} was linked against a {library|library} in which {symbol} has version {version}; the {library|library} loaded now has that version but not {symbol} in it (another build of the library)",
            WhyProgram, "install the build of {library|the library} that {file|the object} was linked against, or rebuild against the one installed here")
            { Id = "glibc.link-time-reference-comma" },
        new("invalid-elf-header",
            "{file|a file} is the first file of its name on the search path and is not an ELF object (a linker script, a text file, an HTML error page, a Git LFS pointer, a Mach-O or PE file): glibc stops the search there instead of skipping it",
            WhyProgram, "replace {file|it} with the real library, or remove it so the search reaches the right one")
            { Id = "glibc.bad-file", Holes = H(("reason", "invalid ELF header"), ("file", ObjectName)), DlopenCheck = WhyDlopen },
        new("file-too-short",
            "{file|a file} is shorter than an ELF header (empty, or cut short by a failed download or a full disk), and it is the first file of its name on the search path: glibc stops there",
            WhyProgram, "replace {file|it} with a complete copy, or remove it")
            { Id = "glibc.bad-file", Holes = H(("reason", "file too short"), ("file", ObjectName)), DlopenCheck = WhyDlopen },
        new("bad-elf-file",
            "{file|a file} is an ELF file glibc refuses to load ({reason}); it is the first of its name on the search path, so the search ends there",
            "linkdoctor inspect --headers {file|FILE}", "replace {file|it} with a library built for this system (right OS ABI, byte order, type), or remove it from the search path")
            { Id = "glibc.bad-file", Holes = H(("reason", OpenVerify), ("file", ObjectName)), DlopenCheck = WhyDlopen },
        new("cannot-load-executable",
            "{file|the file} is a non-PIE executable (ET_EXEC): dlopen() cannot load it, only shared objects",
            "linkdoctor inspect {file|FILE}", "build the code as a shared library (-shared -fPIC) and dlopen that, or run the program instead")
            { Id = "glibc.cannot-load-executable" },
        new("cannot-load-pie",
            "{file|the file} is a position-independent executable (DF_1_PIE): glibc ≥ 2.30 refuses to dlopen programs",
            "linkdoctor inspect --dynamic {file|FILE}", "build the code as a shared library (-shared -fPIC) and dlopen that, or run the program instead")
            { Id = "glibc.cannot-load-pie" },
        new("preload-failed",
            "LD_PRELOAD (or /etc/ld.so.preload) names {library|a library} that the loader cannot load ({reason}); the program runs without it",
            "linkdoctor why --env LD_PRELOAD={library|LIB} {file|PROGRAM}", "give the preload as an absolute path, or install it where the loader searches", "or remove it from LD_PRELOAD / /etc/ld.so.preload")
            { Id = "glibc.preload-failed", Subjects = S(("name", "library")) },
        new("empty-dst",
            "{library|a NEEDED entry or RPATH} uses $ORIGIN, $LIB or $PLATFORM and the substitution came out empty", WhyProgram, "fix the NEEDED/RPATH entry with patchelf")
            { Id = "glibc.empty-dst", Subjects = S(("name", "library")) },
        new("dst-not-allowed-secure",
            "{library|a NEEDED entry} uses $ORIGIN in a set-user-ID or set-group-ID program (AT_SECURE), where glibc refuses it", WhyProgram,
            "use absolute paths in NEEDED/RUNPATH of set-user-ID programs")
            { Id = "glibc.dst-secure", Subjects = S(("name", "library")) },
        new("cannot-enable-executable-stack",
            "{library|the library} asks for an executable stack (PT_GNU_STACK with PF_X, or no PT_GNU_STACK at all) and the process may not have one ({strerror}): SELinux execmem, a hardened kernel, systemd MemoryDenyWriteExecute=, prctl(PR_SET_MDWE), or glibc ≥ 2.41 refusing it for dlopen",
            "linkdoctor inspect {library|LIBRARY}", "clear the flag: patchelf --clear-execstack {library|LIBRARY} (or execstack -c)",
            "rebuild it with -Wl,-z,noexecstack (the usual culprit is an assembly file without a .note.GNU-stack section)")
            { Id = "glibc.cannot-enable-executable-stack" },
        new("static-tls-exhausted",
            "{library|the library} uses initial-exec TLS (DF_STATIC_TLS) and was loaded with dlopen after start-up; the static TLS surplus glibc keeps for that (about 1.6 KB by default) is too small",
            "linkdoctor inspect --dynamic {library|LIBRARY}", "load it at start-up instead: LD_PRELOAD={library|LIBRARY}",
            "or reserve more: GLIBC_TUNABLES=glibc.rtld.optional_static_tls=SIZE (glibc ≥ 2.32)",
            "or rebuild it with -ftls-model=global-dynamic (no initial-exec TLS in a library meant for dlopen)")
            { Id = "glibc.static-tls-exhausted" },
        new("copy-relocation-size-mismatch",
            "{file|the program} was linked against a {symbol} of one size and the library loaded now defines it with another: its copy relocation copies the old size (the library changed its ABI)",
            WhyProgram, "relink the program against the library installed here", "or install the library version it was linked against")
            { Id = "glibc.copy-reloc-size" },
        new("glibc-check-match-assertion",
            "glibc < 2.41 asserts in check_match when a versioned reference meets a library of the same name that has no symbol versions: the library found is a non-standard (unversioned) build",
            WhyProgram, "use the distribution's build of the library (with symbol versions), or glibc ≥ 2.41")
            { Id = "glibc.check-match-assertion" },
        new("ldd-not-found",
            "ldd (LD_TRACE_LOADED_OBJECTS) found no {library|library} for the program: it will not start (\"cannot open shared object file\")",
            "linkdoctor tree {file|PROGRAM}", InstallLibrary,
            "or add its directory to the program's RUNPATH (patchelf --add-rpath DIR PROGRAM), LD_LIBRARY_PATH, or ld.so.conf + ldconfig")
            { Id = "glibc.trace-not-found", Holes = H(("name", @"[^\s]*\.so[^\s]*?")), Subjects = S(("name", "library")) },

        // ---------------------------------------------------------------- musl
        new("musl-load-error",
            "musl's loader could not load {library|a library} needed by {requiredBy|the program}: {strerror} (musl searches LD_LIBRARY_PATH, the needing objects' RPATH/RUNPATH, then /etc/ld-musl-ARCH.path or /lib:/usr/local/lib:/usr/lib)",
            WhyProgram, "install it (Alpine: apk add the package that has {library|it}; apk search -x so:{library|NAME})",
            "a glibc name (libc.so.6, ld-linux-x86-64.so.2, libpthread.so.0): the program was built against glibc; rebuild it on Alpine/musl, or install gcompat",
            "or add its directory to LD_LIBRARY_PATH or the program's RUNPATH")
            { Id = "musl.load-error" },
        new("musl-load-error",
            "musl's dlopen could not load {library|the library}: {strerror}", WhyDlopen, "install it, or dlopen it by a path that exists")
            { Id = "musl.dlopen-load-error" },
        new("musl-symbol-not-found",
            "{file|an object} uses {symbol}, which no loaded library defines: typical of a glibc-built program or library on musl (glibc-only functions such as __printf_chk, __memcpy_chk, gnu_get_libc_version), or of a library of another version",
            WhyProgram, "rebuild {file|it} on musl (Alpine) or link it statically",
            "for glibc-built software: apk add gcompat (covers some glibc-only functions), or use a glibc-based image")
            { Id = "musl.symbol-not-found" },

        // ---------------------------------------------------------------- exec: the kernel's answer, as shells print it
        new("missing-interpreter",
            "{file|the program} exists, but the kernel cannot find its ELF interpreter (PT_INTERP): a program built for another C library (glibc on Alpine/musl, musl on a glibc system) or another system (NixOS paths, a missing multiarch loader)",
            WhyProgram, "run it where its loader exists (a glibc image for a glibc program), or install that C library (Alpine: apk add gcompat)",
            "or point it at this system's loader: patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 {file|PROGRAM}",
            "or build it statically (CGO_ENABLED=0 for pure Go, -static for C)")
            { Id = "exec.required-file-not-found" },
        new("missing-interpreter",
            "{file|the program} exists, but the kernel cannot find its ELF interpreter (PT_INTERP): a program built for another C library or system",
            WhyProgram, "run it where its loader exists, or install that C library (Alpine: apk add gcompat)",
            "or point it at this system's loader: patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 {file|PROGRAM}")
            { Id = "bash.line-required-file-not-found" },
        new("missing-interpreter",
            "execve(2) returned ENOENT for {file|the program}: either it does not exist, or it exists and its ELF interpreter (PT_INTERP) or a script's #! interpreter does not (a glibc program on Alpine, a script with CRLF line ends)",
            WhyProgram, "if the file exists: run it where its loader exists, or patchelf --set-interpreter to this system's loader, or build it statically",
            "for a script: check the #! line (and dos2unix it)")
            { Id = "exec.error", Holes = H(("strerror", Enoent), ("program", WithSlash)) },
        new("missing-interpreter",
            "execve(2) returned ENOENT for {file|the program}: either it does not exist, or its interpreter (PT_INTERP or #!) does not",
            WhyProgram, "if the file exists: run it where its loader exists, or patchelf --set-interpreter to this system's loader, or build it statically")
            { Id = "bash.line-error", Holes = H(("strerror", Enoent), ("program", WithSlash)) },
        new("missing-interpreter",
            "dash says \"not found\" when execve(2) returns ENOENT: {file|the program} does not exist, or it exists and its interpreter (PT_INTERP or #!) does not",
            WhyProgram, "if the file exists: run it where its loader exists, or patchelf --set-interpreter to this system's loader, or build it statically",
            "for a script: check the #! line (and dos2unix it)")
            { Id = "dash.not-found", Holes = H(("program", WithSlash)) },
        new("missing-interpreter",
            "execve(2) returned ENOENT for {file|the program}: it does not exist, or its interpreter (PT_INTERP or #!) does not",
            WhyProgram, "if the file exists: run it where its loader exists, patchelf --set-interpreter, or build it statically")
            { Id = "env.cannot-run", Holes = H(("strerror", Enoent)) },
        new("missing-interpreter",
            "execve(2) returned ENOENT for {file|the program}: it does not exist, or its interpreter (PT_INTERP or #!) does not — in a container, typically a glibc binary in an Alpine or distroless image, or a dynamically linked Go binary (cgo) in scratch",
            WhyProgram, "build it statically (CGO_ENABLED=0 go build; -static), or use a base image with the C library it was built for",
            "or check the entry point's path and, for a script, its #! line")
            { Id = "go.fork-exec", Holes = H(("strerror", "no such file or directory")) },
        new("missing-interpreter",
            "execve(2) returned ENOENT for {file|the entry point}: it does not exist in the image, or its interpreter (PT_INTERP or #!) does not — typically a glibc binary in an Alpine or distroless image, or a cgo Go binary in scratch",
            WhyProgram, "build it statically (CGO_ENABLED=0 go build; -static), or use a base image with the C library it was built for",
            "or check the entry point's path and, for a script, its #! line (CRLF line ends)")
            { Id = "runc.exec", Holes = H(("strerror", "no such file or directory")) },
        new("missing-interpreter",
            "execve(2) returned ENOENT for the entry point: it does not exist in the image, or its interpreter (PT_INTERP or #!) does not",
            null, "build it statically, or use a base image with the C library it was built for; check the #! line of scripts")
            { Id = "runc.exec-user-process", Holes = H(("strerror", "no such file or directory")) },
        new("exec-format-error",
            "the kernel has no handler for {file|the program}: it is built for another machine or word size (an arm64 binary on x86_64, or the reverse), or it is not a program at all (a script without #!, a truncated file)",
            "linkdoctor inspect {file|PROGRAM}", "run the build for this machine (docker build --platform, GOARCH, a cross compiler)",
            "or run it under emulation: qemu-user (Debian: apt install qemu-user-binfmt)", "for a script: add a #! line")
            { Id = "exec.binary-file" },
        new("exec-format-error",
            "the kernel has no handler for {file|the program}: built for another machine or word size, or not a program",
            "linkdoctor inspect {file|PROGRAM}", "run the build for this machine, or run it under qemu-user")
            { Id = "bash.line-binary-file" },
        new("exec-format-error",
            "the kernel has no handler for {file|the program} (ENOEXEC): built for another machine or word size, or not a program",
            "linkdoctor inspect {file|PROGRAM}", "run the build for this machine, or run it under qemu-user; for a script, add a #! line")
            { Id = "dash.error", Holes = H(("strerror", Enoexec)) },
        new("exec-format-error", "the kernel has no handler for {file|the program} (ENOEXEC): built for another machine, or not a program",
            "linkdoctor inspect {file|PROGRAM}", "run the build for this machine, or run it under qemu-user")
            { Id = "env.cannot-run", Holes = H(("strerror", Enoexec)) },
        new("exec-format-error", "the kernel has no handler for {file|the program} (ENOEXEC): built for another machine, or not a program",
            "linkdoctor inspect {file|PROGRAM}", "run the build for this machine, or run it under qemu-user")
            { Id = "python.exec-format" },
        new("exec-format-error", "the kernel has no handler for {file|the program} (ENOEXEC): built for another machine, or not a program",
            "linkdoctor inspect {file|PROGRAM}", "build it for this machine (GOOS/GOARCH), or run it under qemu-user")
            { Id = "go.fork-exec", Holes = H(("strerror", "exec format error")) },
        new("exec-format-error",
            "the container's entry point {file|} is built for another machine than the host (an arm64 image on x86_64 or the reverse), or is a script without #!",
            "linkdoctor inspect {file|ENTRYPOINT}", "build the image for this platform (docker buildx build --platform linux/amd64,linux/arm64)",
            "or register qemu-user-static with binfmt_misc to run foreign images")
            { Id = "runc.exec", Holes = H(("strerror", "exec format error")) },
        new("exec-format-error", "the container's entry point is built for another machine than the host, or is a script without #!",
            null, "build the image for this platform (docker buildx build --platform …)")
            { Id = "runc.exec-user-process", Holes = H(("strerror", "exec format error")) },
        new("permission-denied",
            "execve(2) returned EACCES for {file|the program}: it has no execute permission, it lies on a file system mounted noexec, it is a directory, or its interpreter is not executable",
            WhyProgram, "chmod +x {file|PROGRAM}", "or move it off the noexec mount (/tmp, /dev/shm are often noexec)")
            { Id = "exec.error", Holes = H(("strerror", Eacces)) },
        new("permission-denied", "execve(2) returned EACCES for {file|the program}: no execute permission, a noexec mount, or a directory",
            WhyProgram, "chmod +x {file|PROGRAM}, or move it off the noexec mount")
            { Id = "bash.line-error", Holes = H(("strerror", Eacces)) },
        new("permission-denied", "execve(2) returned EACCES for {file|the program}: no execute permission, a noexec mount, or a directory",
            WhyProgram, "chmod +x {file|PROGRAM}, or move it off the noexec mount")
            { Id = "dash.error", Holes = H(("strerror", Eacces)) },
        new("permission-denied", "execve(2) returned EACCES for {file|the program}: no execute permission, a noexec mount, or a directory",
            WhyProgram, "chmod +x {file|PROGRAM}, or move it off the noexec mount")
            { Id = "env.cannot-run", Holes = H(("strerror", Eacces)) },
        new("permission-denied", "execve(2) returned EACCES for {file|the program}: no execute permission, a noexec mount, or a directory",
            WhyProgram, "chmod +x {file|PROGRAM} (in a Dockerfile: COPY --chmod=755), or move it off the noexec mount")
            { Id = "go.fork-exec", Holes = H(("strerror", "permission denied")) },
        new("permission-denied", "execve(2) returned EACCES for the container's entry point {file|}: no execute permission, or a noexec mount",
            WhyProgram, "chmod +x it in the image (COPY --chmod=755)")
            { Id = "runc.exec", Holes = H(("strerror", "permission denied")) },
        new("bad-interpreter",
            "the kernel found {file|the program}'s ELF interpreter (PT_INTERP) but cannot use it ({strerror}): it is not an ELF file, it is built for another machine or word size, or it is damaged",
            WhyProgram, "point the program at a working loader for its machine: patchelf --set-interpreter /lib64/ld-linux-x86-64.so.2 {file|PROGRAM}",
            "or reinstall the C library that provides the interpreter")
            { Id = "exec.error", Holes = H(("strerror", BadInterpreter)) },
        new("bad-interpreter", "the kernel found {file|the program}'s ELF interpreter but cannot use it ({strerror})",
            WhyProgram, "point the program at a working loader (patchelf --set-interpreter), or reinstall its C library")
            { Id = "bash.line-error", Holes = H(("strerror", BadInterpreter)) },
        new("bad-interpreter", "the kernel found {file|the program}'s ELF interpreter but cannot use it ({strerror})",
            WhyProgram, "point the program at a working loader (patchelf --set-interpreter), or reinstall its C library")
            { Id = "dash.error", Holes = H(("strerror", BadInterpreter)) },

        // ---------------------------------------------------------------- the static linkers
        new(null, "", null) { Id = "ld.in-function", Kind = RuleKind.Context },
        new("linker-cannot-find-library",
            "the linker found neither lib{lname}.so nor lib{lname}.a in its search path (-L directories, then its default directories such as /usr/lib/x86_64-linux-gnu)",
            null, "install the development package of the library (Debian: the libNAME-dev package, which has the unversioned libNAME.so)",
            "or pass the directory that holds it with -L DIR (and make it findable at run time too: RUNPATH or ld.so.conf)",
            "when cross-compiling: install the library for the target architecture (Debian: libNAME-dev:arm64), or point --sysroot at the target's root")
            { Id = "ld.cannot-find", Holes = H(("name", @"-l[^\s:]+|-l:[^\s]+")) },
        new("linker-cannot-find-library", "the linker found neither lib{lname}.so nor lib{lname}.a in its search path",
            null, "install the development package of the library, or pass its directory with -L DIR")
            { Id = "ld.cannot-find-old", Holes = H(("name", @"-l[^\s:]+|-l:[^\s]+")) },
        new("linker-cannot-find-library", "the linker (gold) found neither lib{lname}.so nor lib{lname}.a in its search path",
            null, "install the development package of the library, or pass its directory with -L DIR")
            { Id = "gold.cannot-find", Holes = H(("name", @"-l[^\s:]+|-l:[^\s]+")) },
        new("linker-cannot-find-library", "the linker (lld) found neither lib{lname}.so nor lib{lname}.a in its search path",
            null, "install the development package of the library, or pass its directory with -L DIR")
            { Id = "lld.unable-to-find-library", Holes = H(("name", @"-l[^\s:]+|-l:[^\s]+")) },
        new("linker-cannot-find-file",
            "the linker could not open {file|an input file}: for crt1.o, crti.o or Scrt1.o the C library's development files are missing (Debian: libc6-dev; for cross builds libc6-dev-ARCH-cross), otherwise a path on the command line is wrong",
            null, "install the C library's development package for the target (libc6-dev, musl-dev on Alpine)", "or fix the path on the link command line")
            { Id = "ld.cannot-find", Holes = H(("name", @"(?!-l)[^\s:]+")), Subjects = S(("name", "file")) },
        new("skipping-incompatible",
            "the linker found {file|a library} while looking for {name} but skipped it: it is built for another architecture or word size than the output (a 32-bit library in a 64-bit link, an arm64 library in an x86_64 link)",
            "linkdoctor inspect {file|FILE}", "install the library for the target architecture (Debian multiarch: libNAME-dev:ARCH) and drop the wrong -L directory",
            "or build for the architecture the library has (-m32, another cross compiler)")
            { Id = "ld.skipping-incompatible" },
        new("skipping-incompatible", "the linker (gold) skipped {file|a library}: it is built for another architecture or word size than the output",
            "linkdoctor inspect {file|FILE}", "install the library for the target architecture and drop the wrong -L directory")
            { Id = "gold.skipping-incompatible" },
        new("skipping-incompatible", "the linker (lld) rejected {file|an input}: it is built for another architecture or word size ({target}) than the output",
            "linkdoctor inspect {file|FILE}", "link inputs of one architecture: rebuild or reinstall {file|it} for the target")
            { Id = "lld.incompatible" },
        new("linker-wrong-format",
            "{file|an input} is not an object file for this link's architecture (another machine's object or library, a file of another format)",
            "linkdoctor inspect {file|FILE}", "rebuild {file|it} for the target architecture (clean stale objects from another build), or link with the matching cross linker")
            { Id = "ld.wrong-format" },
        new("undefined-reference",
            "{symbol} is referenced but the link found no definition at version {version}: an object was built against a newer library (for GLIBC_x.y: a newer glibc) than the one in this link",
            null, "link against (or build on) the library version that provides {symbol}@{version}",
            "or rebuild the object that references it against the library in this link (with an older sysroot or distribution)")
            { Id = "ld.undefined-reference", Holes = H(("symbol", @"[^\s'`’@]+@@?[^\s'`’]+")) },
        new("undefined-reference",
            "{symbol} is used by {file|an object} but defined in none of the link's inputs: a library is missing from the link line, comes before the objects that use it, or declares it differently (C++ name mangling vs extern \"C\", static or inline)",
            "linkdoctor symbols --defined LIBRARY", "add the library that defines {symbol} to the link line, after the objects that use it (-lNAME)",
            "for C code called from C++: declare it inside extern \"C\" { }", "check that the library is built for this architecture and exports {symbol}")
            { Id = "ld.undefined-reference" },
        new("undefined-reference", "{symbol} is used but defined in none of the link's inputs (gold)", "linkdoctor symbols --defined LIBRARY",
            "add the library that defines {symbol} to the link line, after the objects that use it")
            { Id = "gold.undefined-reference" },
        new("undefined-reference", "{symbol} is used by {file|an object} but defined in none of the link's inputs (lld)", "linkdoctor symbols --defined LIBRARY",
            "add the library that defines {symbol} to the link line")
            { Id = "lld.undefined-symbol-referenced" },
        new("undefined-reference", "{symbol} is used but defined in none of the link's inputs (lld)", "linkdoctor symbols --defined LIBRARY",
            "add the library that defines {symbol} to the link line")
            { Id = "lld.undefined-symbol" },
        new("dso-missing-from-command-line",
            "{symbol} is defined in {library|a library} that is not on the link line; the link only reached it through another library's NEEDED entry, which GNU ld does not use to resolve the program's own references (--no-copy-dt-needed-entries)",
            "linkdoctor symbols --defined {library|LIBRARY}", "add {library|the library} to the link line explicitly (e.g. -lm, -lpthread, -ldl), after the objects that use it")
            { Id = "ld.dso-missing" },
        new("dso-missing-from-command-line",
            "{library|a library} provides symbols the program uses, but it is not on the link line (it was only reached through another library's NEEDED entry)",
            "linkdoctor symbols --defined {library|LIBRARY}", "add {library|the library} to the link line explicitly, after the objects that use it")
            { Id = "ld.dso-missing-line" },
        new("multiple-definition",
            "{symbol} is defined in two of the link's inputs: a definition in a header (missing static/inline/extern), a global variable defined in two files (GCC ≥ 10 defaults to -fno-common), or the same library linked twice",
            null, "keep one definition: declare it extern in the header and define it in one .c file", "for old code relying on common symbols: compile with -fcommon")
            { Id = "ld.multiple-definition" },
        new("multiple-definition", "{symbol} is defined in two of the link's inputs (gold)", null, "keep one definition (extern in the header, defined once)")
            { Id = "gold.multiple-definition" },
        new("multiple-definition", "{symbol} is defined in two of the link's inputs (lld)", null, "keep one definition (extern in the header, defined once)")
            { Id = "lld.duplicate-symbol" },
        new("relocation-needs-pic",
            "{file|an object} was compiled as position-dependent code ({relocation} against {target}) and is being linked into {object}: code for a shared library (or PIE) must be compiled with -fPIC",
            "linkdoctor inspect {file|FILE}", "recompile {file|it} with -fPIC (CMake: set CMAKE_POSITION_INDEPENDENT_CODE ON; autotools: --with-pic)",
            "a static library (.a) of a dependency: rebuild that dependency with -fPIC, or link its shared library instead")
            { Id = "ld.need-pic" },
        new("relocation-needs-pic", "{file|an object} was compiled as position-dependent code ({relocation} against '{symbol}') and is being linked into a shared object",
            "linkdoctor inspect {file|FILE}", "recompile it with -fPIC (or rebuild the static library it comes from with -fPIC)")
            { Id = "gold.need-pic" },
        new("relocation-needs-pic", "an object was compiled as position-dependent code ({relocation} against {target}) and is being linked into a shared object or PIE",
            null, "recompile it with -fPIC (or rebuild the static library it comes from with -fPIC)")
            { Id = "lld.need-pic" },

        // ---------------------------------------------------------------- glibc's static-link warning
        new("static-link-nss",
            "{symbol} was linked statically, but glibc implements it with modules it loads at run time (NSS for user, group and host lookups; iconv; dlopen): the static program still needs the shared libraries of this very glibc version at run time, and breaks (or silently misbehaves) on a system with another glibc",
            null, "link dynamically against glibc (drop -static), keeping other libraries static if needed",
            "or build the static program against musl (musl-gcc, Alpine), which has no NSS modules",
            "for Go: CGO_ENABLED=0 (Go's own resolver) or -tags netgo,osusergo")
            { Id = "glibc-static.nss-warning" },

        // ---------------------------------------------------------------- go build without cgo
        new("go-build-constraints-exclude",
            "every Go file in {file|the directory} is excluded by a build constraint for this build: with CGO_ENABLED=0 (the default when cross-compiling or when no C compiler is found) files that import \"C\" are left out, as are files for other GOOS/GOARCH or tags",
            null, "build with cgo: CGO_ENABLED=1 and a C compiler for the target (CC=aarch64-linux-gnu-gcc when cross-compiling)",
            "or give the package a pure-Go implementation for !cgo builds")
            { Id = "go-build.build-constraints" },
        new("go-build-constraints-exclude",
            "every Go file of package {package} (in {file|its directory}) is excluded for this build: with CGO_ENABLED=0 files that import \"C\" are left out, as are files for other GOOS/GOARCH or tags",
            null, "build with cgo: CGO_ENABLED=1 and a C compiler for the target", "or give the package a pure-Go implementation for !cgo builds")
            { Id = "go-build.build-constraints-package" },
        new("go-c-files-without-cgo",
            "the package has C files ({file}) but no Go file of this build imports \"C\": with cgo off (CGO_ENABLED=0, or the file that imports \"C\" excluded) the go command refuses C sources",
            null, "build with CGO_ENABLED=1 (and a C compiler)", "or move the C files out of the package, or guard them with a cgo build constraint")
            { Id = "go-build.c-files-without-cgo" },
        new("go-c-files-without-cgo",
            "package {package} has C files ({file}) but no Go file of this build imports \"C\"; with cgo off the go command refuses C sources",
            null, "build with CGO_ENABLED=1 (and a C compiler)", "or move the C files out of the package")
            { Id = "go-build.c-files-without-cgo-package" },
        new("go-cgo-compiler-not-found",
            "cgo needs a C compiler and {name} is not installed (or not on PATH): {reason}", null,
            "install it (Debian: apt install gcc; Alpine: apk add gcc musl-dev; for cross builds the cross compiler, e.g. gcc-aarch64-linux-gnu) or set CC to one that exists",
            "or build without cgo: CGO_ENABLED=0 (a static, pure-Go binary, if no package needs cgo)")
            { Id = "go-build.c-compiler-not-found", Subjects = S(("name", "")) },
        new("go-cgo-unknown-name",
            "cgo found no declaration of C.{symbol} in the preamble's headers: a missing #include, a misspelt name, a macro cgo cannot see, or headers of another version of the library",
            null, "include the header that declares {symbol} in the comment before import \"C\" (and install the library's -dev package)")
            { Id = "go-build.cgo-unknown-name" },
        new("go-requires-cgo",
            "{flag} needs cgo, and cgo is off (CGO_ENABLED=0, or no C compiler was found)", null,
            "build with CGO_ENABLED=1 and a C compiler for the target")
            { Id = "go-build.requires-cgo" },
        new("go-requires-cgo",
            "the link needs runtime/cgo (external linking: -buildmode=plugin, c-shared, c-archive, or -linkmode=external) and cgo is off",
            null, "build with CGO_ENABLED=1 and a C compiler for the target")
            { Id = "go-build.loadinternal-cgo" },

        // ---------------------------------------------------------------- runtimes that wrap dlerror()
        new(null, "", null) { Id = "python.oserror", Kind = RuleKind.Wrapper },
        new(null, "", null) { Id = "python.importerror", Kind = RuleKind.Wrapper },
        new(null, "", null) { Id = "node.error", Kind = RuleKind.Wrapper },
        new(null, "", null) { Id = "java.unsatisfied-link", Kind = RuleKind.Wrapper },
        new(null, "", null) { Id = "go.panic", Kind = RuleKind.Wrapper },

        // ---------------------------------------------------------------- Go plugins (GoPluginMessages)
        new(null, "", null) { Id = "go-plugin.dlopen", Kind = RuleKind.Wrapper, Subjects = S(("name", "file")) },
        new("go-plugin-previous-failure",
            "plugin.Open({file}) failed before in this process, and Go remembers the failure: {err}", null,
            "fix the first failure (earlier in the log) and restart the process")
            { Id = "go-plugin.previous-failure", Subjects = S(("name", "file")) },
        new("go-plugin-realpath-failed",
            "plugin.Open could not resolve {file|the plugin path} with realpath(3): the file does not exist (relative paths are taken from the working directory)",
            null, "pass a path that exists (an absolute one, or relative to the process's working directory)")
            { Id = "go-plugin.realpath-failed", Subjects = S(("name", "file")) },
        new("go-plugin-already-loaded",
            "the runtime already has a plugin with this plugin path (the same plugin under another file name, two plugins built from the same main package path, or a non-Go library opened after a plugin)",
            null, "open each plugin once (reuse the *plugin.Plugin), and build distinct plugins from distinct package paths")
            { Id = "go-plugin.already-loaded", Subjects = S(("name", "file")) },
        new("go-plugin-package-mismatch",
            "the plugin {file|} and the program were built with different versions of package {package} (another version of a shared dependency, another Go toolchain, different -trimpath, -gcflags or build tags)",
            "linkdoctor inspect {file|PLUGIN}", "build the program and every plugin in one go: same Go version, same go.sum, same flags (-trimpath, -gcflags, -tags)")
            { Id = "go-plugin.different-version", Subjects = S(("name", "file")) },
        new("go-plugin-symbol-not-found",
            "the plugin {file|} lacks the symbol {symbol} the Go runtime looks up (not a Go plugin, or built by another Go version): {detail}",
            "linkdoctor symbols {file|PLUGIN}", "build the plugin with the same Go toolchain as the program: go build -buildmode=plugin")
            { Id = "go-plugin.symbol-not-found", Subjects = S(("name", "file")) },
        new("go-plugin-symbol-not-found",
            "Lookup({symbol}) found no exported package-level function or variable of that name in plugin {file|}", "linkdoctor symbols {file|PLUGIN}",
            "export it from the plugin's main package (capitalised, package-level), and look it up by that exact name")
            { Id = "go-plugin.lookup-not-found", Subjects = S(("name", "file")) },
        new("go-plugin-not-implemented",
            "the program was built without plugin support: package plugin works only with cgo (CGO_ENABLED=1) on linux, darwin and freebsd",
            null, "build the program with CGO_ENABLED=1 (and a C compiler) on a supported OS")
            { Id = "go-plugin.not-implemented" },
        new("go-plugin-no-module-data",
            "the first file opened as a plugin is not a Go plugin (no Go module data): a C library, or a Go c-shared library",
            null, "open only files built with go build -buildmode=plugin")
            { Id = "go-plugin.no-module-data" },
        new("go-plugin-empty-pluginpath", "the plugin was built without a plugin path (not with go build -buildmode=plugin)", null,
            "build it with go build -buildmode=plugin") { Id = "go-plugin.empty-pluginpath" },
        new("go-plugin-moduledata-overlap", "the plugin's module data overlaps the program's: the plugin was linked against another copy of the runtime (another toolchain, or -linkshared mixed)",
            null, "build the program and the plugins with the same toolchain and flags") { Id = "go-plugin.overlap" },
        new("go-plugin-bad-symbol-table", "the plugin's function table is inconsistent (a damaged file, or built by an incompatible toolchain)", null,
            "rebuild the plugin with the program's Go toolchain") { Id = "go-plugin.bad-symbol-table" },
        new("go-plugin-abi-mismatch", "a -linkshared module was built against another version of {package} than the one loaded", null,
            "rebuild the shared Go modules and the program together") { Id = "go-plugin.abi-mismatch", Subjects = S(("name", "")) },

        // ---------------------------------------------------------------- dyld (bound by component and text)
        new("dyld-incompatible-architecture",
            "dyld found {library|the library} but only for another architecture ({reason}): an x86_64-only library for an arm64 process or the reverse (a universal binary missing a slice)",
            "linkdoctor inspect {library|LIBRARY}", "install (or build) the library for the process's architecture, or a universal (fat) build: lipo -create",
            "or run the whole process under Rosetta (arch -x86_64) when only x86_64 libraries exist")
            { Component = "dyld", Signature = "Library not loaded: ", Id = "dyld.library-not-loaded", Holes = H(("reason", @"[^\r\n]*incompatible (?:architecture|platform)[^\r\n]*|[^\r\n]*missing compatible architecture[^\r\n]*")) },
        new("dyld-library-not-loaded",
            "dyld could not find {library|a library} that {file|the program} links to; it tried every path in the Reason line ({reason})",
            "linkdoctor inspect {file|PROGRAM}", "ship the library where an LC_RPATH of the program points (install_name_tool -add_rpath @executable_path/../Frameworks PROGRAM)",
            "or change the install name the program refers to: install_name_tool -change OLD NEW {file|PROGRAM}",
            "for Homebrew libraries: brew install the formula (and on Apple Silicon remember /opt/homebrew/lib is not a default path)")
            { Component = "dyld", Signature = "Library not loaded: ", Id = "dyld.library-not-loaded" },
        new("dyld-incompatible-architecture",
            "dyld found {library|the library} but only for another architecture ({reason})", "linkdoctor inspect {library|LIBRARY}",
            "install (or build) the library for the process's architecture, or a universal build")
            { Component = "dyld", Signature = "Library not loaded: ", Id = "dyld2.library-not-loaded", Holes = H(("reason", @"[^\r\n]*incompatible (?:architecture|platform)[^\r\n]*|[^\r\n]*missing compatible architecture[^\r\n]*")) },
        new("dyld-library-not-loaded",
            "dyld could not find {library|a library} that {file|the program} links to ({reason})", "linkdoctor inspect {file|PROGRAM}",
            "ship the library where an LC_RPATH of the program points, or change the install name with install_name_tool -change")
            { Component = "dyld", Signature = "Library not loaded: ", Id = "dyld2.library-not-loaded" },
        new("dyld-symbol-not-found",
            "{file|the program} uses {symbol}, which {library|the library} it was linked against does not export (any more): another version of the library, or a newer macOS SDK than the running OS",
            "linkdoctor symbols {library|LIBRARY}", "install the library version the program was built against, or rebuild the program against the installed one",
            "for an OS library: build with -mmacosx-version-min set to the oldest macOS you support")
            { Component = "dyld", Signature = "Symbol not found: ", Id = "dyld.symbol-not-found" },
        new("dyld-symbol-not-found",
            "{file|the program} uses {symbol}, which {library|the library} does not export", "linkdoctor symbols {library|LIBRARY}",
            "install the library version the program was built against, or rebuild against the installed one")
            { Component = "dyld", Signature = "Symbol not found: ", Id = "dyld2.symbol-not-found" },
        new("dyld-incompatible-architecture",
            "dlopen found {file|the library} but only for another architecture ({reason})", "linkdoctor inspect {file|LIBRARY}",
            "install (or build) the library for the process's architecture (arm64 vs x86_64), or a universal build")
            { Component = "dyld", Signature = "dlopen(", Id = "dyld.dlopen", Holes = H(("reason", @"[^\r\n]*incompatible (?:architecture|platform)[^\r\n]*|[^\r\n]*missing compatible architecture[^\r\n]*")) },
        new("dyld-library-not-loaded",
            "dlopen could not load {file|the library}: {reason}", "linkdoctor inspect {file|LIBRARY}",
            "pass a path that exists, or put the library where @rpath, DYLD_LIBRARY_PATH or the fallback paths lead")
            { Component = "dyld", Signature = "dlopen(", Id = "dyld.dlopen" },

        // ---------------------------------------------------------------- Windows (bound by component and text)
        new("windows-module-not-found",
            "Windows error 126 (ERROR_MOD_NOT_FOUND): LoadLibrary could not find the DLL, or one of the DLLs it imports (the message does not say which)",
            "linkdoctor inspect DLL", "find the missing import (linkdoctor inspect lists the DLL's imports; Dependencies or dumpbin /dependents on Windows) and put it next to the DLL or on PATH",
            "install the runtime it needs (the Visual C++ Redistributable for VCRUNTIME140.dll, MSVCP140.dll)", "Python ≥ 3.8: os.add_dll_directory(DIR) for dependencies outside the application directory")
            { Component = "windows", Signature = "The specified module could not be found", Id = "windows.mod-not-found" },
        new("windows-procedure-not-found",
            "Windows error 127 (ERROR_PROC_NOT_FOUND): a function is missing from a DLL: GetProcAddress of a name the DLL does not export, or an imported function missing from a loaded DLL of another version",
            "linkdoctor symbols DLL", "install the DLL version the program was built against (an older copy earlier on PATH or in the application directory is the usual culprit)")
            { Component = "windows", Signature = "The specified procedure could not be found", Id = "windows.proc-not-found" },
        new("windows-bad-exe-format",
            "Windows error 193 (ERROR_BAD_EXE_FORMAT): {file|the file} is not a PE image for this machine: a 32-bit DLL in a 64-bit process or the reverse, an ARM64 DLL on x64, or not a PE file at all",
            "linkdoctor inspect {file|FILE}", "use the build of the DLL that matches the process's architecture (x64 vs x86 vs ARM64)")
            { Component = "windows", Signature = "is not a valid Win32 application", Id = "windows.bad-exe-format" },
        new("windows-dll-not-found",
            "STATUS_DLL_NOT_FOUND (0xC0000135): the program could not start because {library|a DLL it imports} was found nowhere on the search path (application directory, System32, Windows directory, PATH)",
            "linkdoctor inspect {file|PROGRAM}", "put {library|the DLL} next to the program, or install the runtime that provides it (the Visual C++ Redistributable, the MinGW runtime DLLs libgcc_s_seh-1.dll, libstdc++-6.dll, libwinpthread-1.dll)")
            { Component = "windows", Signature = "was not found.", Id = "windows.dll-not-found" },
        new("windows-dll-not-found",
            "STATUS_DLL_NOT_FOUND (0xC0000135, exit code -1073741515): the program could not start because a DLL it imports was found nowhere on the search path",
            "linkdoctor inspect PROGRAM", "find the missing import (linkdoctor inspect lists the imports) and put it next to the program, or install its runtime (Visual C++ Redistributable, MinGW runtime DLLs)")
            { Component = "windows", Signature = "-1073741515", Id = "windows.dll-not-found-exit" },
        new("windows-dll-not-found",
            "STATUS_DLL_NOT_FOUND (0xC0000135): the program could not start because a DLL it imports was found nowhere on the search path",
            "linkdoctor inspect PROGRAM", "find the missing import (linkdoctor inspect lists the imports) and put it next to the program, or install its runtime")
            { Component = "windows", Signature = "0xc0000135", Id = "windows.dll-not-found-status" },
        new("windows-entry-point-not-found",
            "STATUS_ENTRYPOINT_NOT_FOUND (0xC0000139): {library|a DLL} of another version lacks {symbol}, which the program imports",
            "linkdoctor symbols {library|DLL}", "install the DLL version the program was built against, and remove older copies earlier on the search path")
            { Component = "windows", Signature = "could not be located in the dynamic link library", Id = "windows.entry-point-not-found" },
        new("windows-invalid-image-format",
            "STATUS_INVALID_IMAGE_FORMAT (0xC000007B): {file|an image} cannot run here: usually a 32-bit DLL loaded into a 64-bit program or the reverse (Windows does not skip a DLL of the wrong machine)",
            "linkdoctor inspect {file|FILE}", "make every DLL on the search path match the program's architecture (check the ones next to the program and on PATH)")
            { Component = "windows", Signature = "is either not designed to run on Windows", Id = "windows.invalid-image-format" },
        new("windows-invalid-image-format",
            "STATUS_INVALID_IMAGE_FORMAT (0xC000007B): the program or a DLL it imports is built for another architecture (a 32-bit DLL in a 64-bit program or the reverse)",
            "linkdoctor inspect PROGRAM", "make every DLL the program loads match its architecture (the ones next to it and on PATH)")
            { Component = "windows", Signature = "unable to start correctly (0xc000007b)", Id = "windows.invalid-image-format-ui" },
        new("windows-invalid-image-format",
            "STATUS_INVALID_IMAGE_FORMAT (0xC000007B, exit code -1073741701): the program or a DLL it imports is built for another architecture",
            "linkdoctor inspect PROGRAM", "make every DLL the program loads match its architecture")
            { Component = "windows", Signature = "-1073741701", Id = "windows.invalid-image-format-exit" },
    ];
}
