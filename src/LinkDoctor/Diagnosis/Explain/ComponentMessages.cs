namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// What shells and process starters other than an interactive bash print when execve(2) fails: bash in a script
/// or <c>bash -c</c> (with "line N:"), dash (Debian's /bin/sh, Docker's <c>RUN</c>), coreutils' env, Go's os/exec,
/// runc (a container's entry point) and Python's subprocess. The interactive bash lines are
/// <see cref="Loaders.Kernel.ShellMessages"/>.
/// </summary>
public sealed class ShellVariantMessages : IMessageCatalog
{
    private const string BashLine = "bash 5.2 error.c error_prolog (\"%s: line %d: \" when not interactive) + execute_cmd.c shell_execve";
    private const string Dash = "dash 0.5.12 src/exec.c shellexec: exerror (EXEND, \"%s: %s\", argv[0], errmsg (e, E_EXEC)); src/error.c exvwarning2 (\"%s: %d: \", arg0, errlinno)";

    public static readonly MessageTemplate BashLineRequiredFileNotFound = new("bash.line-required-file-not-found", "exec",
        "{shell}: line {line}: {program}: cannot execute: required file not found", BashLine + ": internal_error (_(\"%s: cannot execute: required file not found\"))");
    public static readonly MessageTemplate BashLineBinaryFile = new("bash.line-binary-file", "exec",
        "{shell}: line {line}: {program}: cannot execute binary file: Exec format error", BashLine + ": internal_error (_(\"%s: cannot execute binary file: %s\"))");
    public static readonly MessageTemplate BashLineError = new("bash.line-error", "exec",
        "{shell}: line {line}: {program}: {strerror}", BashLine + ": file_error (command)");
    /// <summary>errmsg (ENOENT, E_EXEC) is "not found", for a missing file and for a missing interpreter alike.</summary>
    public static readonly MessageTemplate DashNotFound = new("dash.not-found", "exec",
        "{shell}: {line}: {program}: not found", Dash + "; src/error.c errmsg: E_EXEC and ENOENT → \"not found\"");
    public static readonly MessageTemplate DashError = new("dash.error", "exec",
        "{shell}: {line}: {program}: {strerror}", Dash + "; other errno values → strerror");
    public static readonly MessageTemplate EnvCannotRun = new("env.cannot-run", "exec",
        "env: ‘{program}’: {strerror}", "coreutils 9.1 src/env.c main: error (exit_status, errno, \"%s\", quote (argv[optind])) (quote() gives ‘x’ in UTF-8 locales, 'x' in C)");
    public static readonly MessageTemplate GoForkExec = new("go.fork-exec", "exec",
        "fork/exec {program}: {strerror}", "Go 1.19 src/os/exec_posix.go startProcess: &PathError{Op: \"fork/exec\", Path: name, Err: e}; src/io/fs/fs.go PathError.Error (Op + \" \" + Path + \": \" + Err.Error()); syscall errors in zerrors_linux_*.go");
    public static readonly MessageTemplate RuncExec = new("runc.exec", "exec",
        "exec {program}: {strerror}", "runc 1.1 libcontainer/system/linux.go Exec: &os.PathError{Op: \"exec\", Path: cmd, Err: err} (Docker prints it as the container's error)");
    public static readonly MessageTemplate RuncExecUserProcess = new("runc.exec-user-process", "exec",
        "exec user process caused: {strerror}", "runc ≤ 1.0 libcontainer/standard_init_linux.go: newSystemErrorWithCause (err, \"exec user process\")");
    public static readonly MessageTemplate PythonExecFormat = new("python.exec-format", "exec",
        "OSError: [Errno 8] Exec format error: '{program}'", "CPython 3.11 Objects/exceptions.c OSError_str (\"[Errno %S] %S: %R\") for ENOEXEC from subprocess/os.exec*");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        BashLineRequiredFileNotFound, BashLineBinaryFile, BashLineError, DashNotFound, DashError, EnvCannotRun, GoForkExec,
        RuncExec, RuncExecUserProcess, PythonExecFormat,
    ];

    // Last: static fields are initialised in order, and the list above must see the templates.
    public static ShellVariantMessages Instance { get; } = new();
}

/// <summary>
/// What the static linkers print: GNU ld (binutils 2.40 ld/ldfile.c, ld/ldmain.c, ld/ldmisc.c, bfd/elflink.c,
/// bfd/elf64-x86-64.c), gold (binutils 2.40 gold/) and LLVM's lld (14, lld/ELF/). <c>{linker}</c> is the program
/// name the linker prints first (<c>/usr/bin/ld</c>, <c>ld.lld</c>, <c>/usr/bin/ld.gold</c>, mold).
/// </summary>
public sealed class LinkerMessages : IMessageCatalog
{
    private const string Ld = "binutils 2.40 ";

    // GNU ld.
    public static readonly MessageTemplate LdCannotFind = new("ld.cannot-find", "linker",
        "{linker}: cannot find {name}: {strerror}", Ld + "ld/ldfile.c ldfile_open_file: einfo (_(\"%P: cannot find %s: %E\\n\"), entry->local_sym_name)");
    /// <summary>binutils before 2.39 printed no errno.</summary>
    public static readonly MessageTemplate LdCannotFindOld = new("ld.cannot-find-old", "linker",
        "{linker}: cannot find {name}", "binutils 2.35 ld/ldfile.c ldfile_open_file: einfo (_(\"%P: cannot find %s\\n\"), entry->local_sym_name)");
    public static readonly MessageTemplate LdSkippingIncompatible = new("ld.skipping-incompatible", "linker",
        "{linker}: skipping incompatible {file} when searching for {name}", Ld + "ld/ldfile.c ldfile_try_open_bfd: einfo (_(\"%P: skipping incompatible %s when searching for %s\\n\"), attempt, entry->local_sym_name)");
    /// <summary>The first line of a two-line message: ldmisc.c's %H prints the function once, then the location.</summary>
    public static readonly MessageTemplate LdInFunction = new("ld.in-function", "linker",
        "{file}: in function `{function}':", Ld + "ld/ldmisc.c vfinfo %H: lfinfo (fp, _(\"%pB: in function `%pT':\\n\"), abfd, last_function)");
    public static readonly MessageTemplate LdUndefinedReference = new("ld.undefined-reference", "linker",
        "{location}: undefined reference to `{symbol}'", Ld + "ld/ldmain.c undefined_symbol: einfo (_(\"%X%P: %H: undefined reference to `%pT'\\n\"), abfd, section, address, name)");
    /// <summary>A symbol found only in a library that is not on the command line (pulled in by another library's NEEDED).</summary>
    public static readonly MessageTemplate LdDsoMissing = new("ld.dso-missing", "linker",
        "{file}: undefined reference to symbol '{symbol}'\n{linker}: {library}: error adding symbols: DSO missing from command line",
        Ld + "bfd/elflink.c elf_link_add_object_symbols: _bfd_error_handler (_(\"%pB: undefined reference to symbol '%s'\"), …), bfd_set_error (bfd_error_missing_dso); ld/ldlang.c load_symbols: einfo (_(\"%F%P: %pB: error adding symbols: %E\\n\")) (bfd/bfd.c: \"DSO missing from command line\")");
    public static readonly MessageTemplate LdDsoMissingLine = new("ld.dso-missing-line", "linker",
        "{library}: error adding symbols: DSO missing from command line", Ld + "ld/ldlang.c load_symbols: einfo (_(\"%F%P: %pB: error adding symbols: %E\\n\")) with bfd_error_missing_dso");
    public static readonly MessageTemplate LdWrongFormat = new("ld.wrong-format", "linker",
        "{file}: error adding symbols: file in wrong format", Ld + "ld/ldlang.c load_symbols: einfo (_(\"%F%P: %pB: error adding symbols: %E\\n\")) with bfd_error_file_in_wrong_format (bfd/bfd.c: \"file in wrong format\")");
    public static readonly MessageTemplate LdMultipleDefinition = new("ld.multiple-definition", "linker",
        "{location}: multiple definition of `{symbol}'", Ld + "ld/ldmain.c multiple_definition: einfo (_(\"%X%P: %C: multiple definition of `%pT'\"), …) then einfo (_(\"; %D: first defined here\"))");
    public static readonly MessageTemplate LdNeedPic = new("ld.need-pic", "linker",
        "{file}: relocation {relocation} against {target} can not be used when making {object}", Ld + "bfd/elf64-x86-64.c elf_x86_64_need_pic: _bfd_error_handler (_(\"%pB: relocation %s against %s%s`%s' can not be used when making %s%s\"), input_bfd, howto->name, und, v, name, object, pic) (pic: \"; recompile with -fPIC\")");

    // gold.
    public static readonly MessageTemplate GoldCannotFind = new("gold.cannot-find", "linker",
        "{linker}: error: cannot find {name}", Ld + "gold/fileread.cc Input_file::find_file: gold_error (_(\"cannot find %s%s\"), …)");
    public static readonly MessageTemplate GoldUndefinedReference = new("gold.undefined-reference", "linker",
        "{location}: error: undefined reference to '{symbol}'", Ld + "gold/errors.cc Errors::undefined_symbol: fprintf (stderr, _(\"%s: %s: undefined reference to '%s'\\n\"), …)");
    public static readonly MessageTemplate GoldSkippingIncompatible = new("gold.skipping-incompatible", "linker",
        "{linker}: warning: skipping incompatible {file} while searching for {name}", Ld + "gold/fileread.cc Input_file::try_extra_search_path / find_file: gold_warning (_(\"skipping incompatible %s while searching for %s\"), …)");
    public static readonly MessageTemplate GoldMultipleDefinition = new("gold.multiple-definition", "linker",
        "{linker}: error: {file}: multiple definition of '{symbol}'", Ld + "gold/resolve.cc Symbol_table::report_resolve_problem: _(\"%s: multiple definition of '%s'\")");
    public static readonly MessageTemplate GoldNeedPic = new("gold.need-pic", "linker",
        "{linker}: error: {file}: requires dynamic {relocation} reloc against '{symbol}' which may overflow at runtime; recompile with -fPIC",
        Ld + "gold/x86_64.cc Target_x86_64::Scan::check_non_pic: object->error (_(\"requires dynamic %s reloc against '%s' which may overflow at runtime; recompile with -fPIC\"), …)");

    // lld.
    public static readonly MessageTemplate LldUnableToFindLibrary = new("lld.unable-to-find-library", "linker",
        "{linker}: error: unable to find library {name}", "LLVM 14 lld/ELF/Driver.cpp LinkerDriver::addLibrary: error (\"unable to find library -l\" + name)");
    public static readonly MessageTemplate LldUndefinedSymbol = new("lld.undefined-symbol", "linker",
        "{linker}: error: undefined symbol: {symbol}", "LLVM 14 lld/ELF/Relocations.cpp reportUndefinedSymbol: \"undefined symbol: \" + toString (sym)");
    public static readonly MessageTemplate LldUndefinedSymbolReferenced = new("lld.undefined-symbol-referenced", "linker",
        "{linker}: error: undefined symbol: {symbol}\n>>> referenced by {file}", "LLVM 14 lld/ELF/Relocations.cpp reportUndefinedSymbol: msg += \"\\n>>> referenced by \" …");
    public static readonly MessageTemplate LldNeedPic = new("lld.need-pic", "linker",
        "{linker}: error: relocation {relocation} cannot be used against {target}; recompile with -fPIC", "LLVM 14 lld/ELF/Relocations.cpp RelocationScanner::processAux: \"relocation \" + toString (type) + \" cannot be used against \" + (… \"symbol '\" + toString (sym) + \"'\") + \"; recompile with -fPIC\"");
    public static readonly MessageTemplate LldIncompatible = new("lld.incompatible", "linker",
        "{linker}: error: {file} is incompatible with {target}", "LLVM 14 lld/ELF/InputFiles.cpp doParseFile / isCompatible: error (toString (file) + \" is incompatible with \" + …)");
    public static readonly MessageTemplate LldDuplicateSymbol = new("lld.duplicate-symbol", "linker",
        "{linker}: error: duplicate symbol: {symbol}", "LLVM 14 lld/ELF/Symbols.cpp reportDuplicate: \"duplicate symbol: \" + toString (*sym)");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        LdCannotFind, LdCannotFindOld, LdSkippingIncompatible, LdInFunction, LdUndefinedReference, LdDsoMissing, LdDsoMissingLine,
        LdWrongFormat, LdMultipleDefinition, LdNeedPic,
        GoldCannotFind, GoldUndefinedReference, GoldSkippingIncompatible, GoldMultipleDefinition, GoldNeedPic,
        LldUnableToFindLibrary, LldUndefinedSymbol, LldUndefinedSymbolReferenced, LldNeedPic, LldIncompatible, LldDuplicateSymbol,
    ];

    // Last: static fields are initialised in order, and the list above must see the templates.
    public static LinkerMessages Instance { get; } = new();
}

/// <summary>
/// glibc's warning for functions that load NSS or iconv modules at run time, which the linker prints when such a
/// function is linked statically (the text is glibc's; the line around it is the linker's).
/// </summary>
public sealed class GlibcStaticMessages : IMessageCatalog
{
    private const string Warning = "glibc include/libc-symbols.h static_link_warning (name): link_warning (name, \"Using '\" #name \"' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\")";

    public static readonly MessageTemplate StaticLinkWarning = new("glibc-static.nss-warning", "glibc-static",
        "{location}: warning: Using '{symbol}' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking",
        Warning + "; printed by binutils 2.40 ld/ldmain.c warning_find_reloc: einfo (\"%P: %H: %s%s\\n\", …, _(\"warning: \"), info->warning) and gold/errors.cc Errors::warning_at_location");

    public IReadOnlyList<MessageTemplate> Messages { get; } = [StaticLinkWarning];

    // Last: static fields are initialised in order, and the list above must see the templates.
    public static GlibcStaticMessages Instance { get; } = new();
}

/// <summary>What <c>go build</c> (Go 1.19.8, /usr/lib/go/src) prints when cgo is off, or on without a C toolchain.</summary>
public sealed class GoBuildMessages : IMessageCatalog
{

    public static readonly MessageTemplate BuildConstraints = new("go-build.build-constraints", "go-build",
        "build constraints exclude all Go files in {file}", "Go 1.19 src/cmd/go/internal/load/pkg.go NoGoError.Error: \"build constraints exclude all Go files in \" + e.Package.Dir");
    public static readonly MessageTemplate BuildConstraintsPackage = new("go-build.build-constraints-package", "go-build",
        "package {package}: build constraints exclude all Go files in {file}", "Go 1.19 src/cmd/go/internal/load/pkg.go PackageError.Error (\"package %s: %v\") around NoGoError.Error");
    public static readonly MessageTemplate CFilesWithoutCgo = new("go-build.c-files-without-cgo", "go-build",
        "C source files not allowed when not using cgo or SWIG: {file}", "Go 1.19 src/cmd/go/internal/load/pkg.go (*Package).load: fmt.Errorf (\"C source files not allowed when not using cgo or SWIG: %s\", strings.Join (p.CFiles, \" \"))");
    public static readonly MessageTemplate CFilesWithoutCgoPackage = new("go-build.c-files-without-cgo-package", "go-build",
        "package {package}: C source files not allowed when not using cgo or SWIG: {file}", "Go 1.19 src/cmd/go/internal/load/pkg.go PackageError.Error (\"package %s: %v\")");
    public static readonly MessageTemplate CCompilerNotFound = new("go-build.c-compiler-not-found", "go-build",
        "cgo: C compiler \"{name}\" not found: {reason}", "Go 1.19 src/cmd/cgo/gcc.go gccMachine…gccCmd: fmt.Errorf (\"C compiler %q not found: %v\", args[0], err), printed by fatalf (\"cgo: %s\")");
    public static readonly MessageTemplate CouldNotDetermineKind = new("go-build.cgo-unknown-name", "go-build",
        "could not determine kind of name for C.{symbol}", "Go 1.19 src/cmd/cgo/gcc.go (*Package).guessKinds: error_ (f.NamePos[n], \"could not determine kind of name for C.%s\", fixGo (n.Go))");
    public static readonly MessageTemplate RequiresCgo = new("go-build.requires-cgo", "go-build",
        "go: {flag} requires cgo", "Go 1.19 src/cmd/go/internal/work/init.go buildModeInit/instrumentInit: fmt.Fprintf (os.Stderr, \"go: %s requires cgo; enable cgo by setting CGO_ENABLED=1\\n\", modeFlag)");
    public static readonly MessageTemplate LoadInternalCgo = new("go-build.loadinternal-cgo", "go-build",
        "loadinternal: cannot find runtime/cgo", "Go 1.19 src/cmd/link/internal/ld/lib.go loadinternal: ctxt.Logf (\"loadinternal: cannot find %s\\n\", name) (external linking needs runtime/cgo, built only with cgo)");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        BuildConstraints, BuildConstraintsPackage, CFilesWithoutCgo, CFilesWithoutCgoPackage, CCompilerNotFound, CouldNotDetermineKind,
        RequiresCgo, LoadInternalCgo,
    ];

    // Last: static fields are initialised in order, and the list above must see the templates.
    public static GoBuildMessages Instance { get; } = new();
}

/// <summary>
/// The runtimes that pass a loader's <c>dlerror()</c> text on inside their own error: Python (ctypes, extension
/// modules), Node.js (<c>process.dlopen</c>), Java (<c>System.load</c>), Go (<c>panic</c>). <c>{error}</c> is the
/// loader's message, read again with the catalogue.
/// </summary>
public sealed class RuntimeWrapperMessages : IMessageCatalog
{

    public static readonly MessageTemplate PythonOSError = new("python.oserror", "python",
        "OSError: {error}", "CPython 3.11 Modules/_ctypes/callproc.c py_dl_open: PyErr_SetString (PyExc_OSError, errmsg) with errmsg = dlerror ()");
    public static readonly MessageTemplate PythonImportError = new("python.importerror", "python",
        "ImportError: {error}", "CPython 3.11 Python/dynload_shlib.c _PyImport_FindSharedFuncptr: PyErr_SetImportError (mod_name, path, error) with error = dlerror ()");
    public static readonly MessageTemplate NodeError = new("node.error", "node",
        "Error: {error}", "Node.js 20 src/node_binding.cc DLOpen: THROW_ERR_DLOPEN_FAILED (env, \"%s\", errmsg.c_str ()) with errmsg = dlerror () (code 'ERR_DLOPEN_FAILED')");
    public static readonly MessageTemplate JavaUnsatisfiedLink = new("java.unsatisfied-link", "java",
        "java.lang.UnsatisfiedLinkError: {file}: {error}", "OpenJDK 17 src/java.base/share/native/libjava/NativeLibraries.c Java_jdk_internal_loader_NativeLibraries_load → JVM_LoadLibrary (src/hotspot/share/prims/jvm.cpp: \"%s: %s\", name, ebuf from os::dll_load, which may append \" (Possible cause: …)\")");
    public static readonly MessageTemplate GoPanic = new("go.panic", "go",
        "panic: {error}", "Go 1.19 src/runtime/panic.go printpanics: print (\"panic: \"); printpanicval (p.arg)");

    public IReadOnlyList<MessageTemplate> Messages { get; } = [PythonOSError, PythonImportError, NodeError, JavaUnsatisfiedLink, GoPanic];

    // Last: static fields are initialised in order, and the list above must see the templates.
    public static RuntimeWrapperMessages Instance { get; } = new();
}
