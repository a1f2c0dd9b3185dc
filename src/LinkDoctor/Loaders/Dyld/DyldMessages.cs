using LinkDoctor.Diagnosis;

namespace LinkDoctor.Loaders.Dyld;

/// <summary>
/// What macOS dyld prints (apple-oss-distributions/dyld: dyld-1378 for dyld 4, the macOS 12+ loader; dyld-852 for
/// dyld 2). A fatal start-up error goes through <c>RuntimeState::halt</c>, which prefixes <c>dyld[%d]: </c> with the
/// process id (dyld/DyldRuntimeState.cpp); <c>why</c> shows the id as <c>PID</c>. The ids and texts of the first
/// five templates are the ones <c>explain</c> binds its rules to.
/// </summary>
public sealed class DyldMessages : IMessageCatalog
{
    private const string Jit = "dyld-1378 dyld/JustInTimeLoader.cpp JustInTimeLoader::loadDependents";
    private const string GetLoader = "dyld-1378 dyld/Loader.cpp Loader::getLoader";

    public static readonly MessageTemplate LibraryNotLoaded = new("dyld.library-not-loaded", "dyld",
        "Library not loaded: {library}\n  Referenced from: <{uuid}> {file}\n  Reason: {reason}",
        Jit + ": diag.error (\"Library not loaded: %s\\n  Referenced from: <%s> %s%s\\n  Reason: %s\", …); halt prints \"dyld[%d]: \" (dyld/DyldRuntimeState.cpp)");
    public static readonly MessageTemplate LibraryNotLoaded2 = new("dyld2.library-not-loaded", "dyld",
        "Library not loaded: {library}\n  Referenced from: {file}\n  Reason: {reason}",
        "dyld-852 src/ImageLoader.cpp ImageLoader::recursiveLoadLibraries: mkstringf (\"Library not loaded: %s\\n  Referenced from: %s\\n  Reason: %s\", …) (reason \"image not found\", src/dyld2.cpp)");
    public static readonly MessageTemplate SymbolNotFound = new("dyld.symbol-not-found", "dyld",
        "Symbol not found: {symbol}\n  Referenced from: <{uuid}> {file}\n  Expected in:     <{uuid2}> {library}",
        "dyld-1378 dyld/Loader.cpp Loader::resolveSymbol: diag.error (\"Symbol not found: %s\\n  Referenced from: <%s> %s%s\\n  Expected in:     <%s> %s\", …)");
    public static readonly MessageTemplate SymbolNotFound2 = new("dyld2.symbol-not-found", "dyld",
        "Symbol not found: {symbol}\n  Referenced from: {file}\n  Expected in: {library}",
        "dyld-852 src/ImageLoaderMachO.cpp ImageLoaderMachO::throwSymbolNotFound: throwf (\"Symbol not found: %s\\n  Referenced from: %s%s\\n  Expected in: %s\\n\", …)");
    public static readonly MessageTemplate Dlopen = new("dyld.dlopen", "dyld",
        "dlopen({file}, {mode}): {reason}",
        "dyld-1378 dyld/DyldAPIs.cpp APIs::dlopen_from: setErrorString (\"dlopen(%s, 0x%04X): %s\", path, mode, diag.errorMessageCStr ()) (reason: \"tried: '%s' (%s)\", dyld/Loader.cpp; \"mach-o file, but is an incompatible architecture (have '%s', need '%s')\", common/MachOFile.cpp)");

    // The pieces of a Reason.
    public static readonly MessageTemplate TriedNoSuchFile = new("dyld.tried-no-such-file", "dyld",
        "'{path}' (no such file{cache})", GetLoader + ": diag.appendError (\"'%s' (no such file%s)\", possiblePath, sharedCacheMsg) (\", not in dyld cache\" when mightBeInSharedCache)");
    public static readonly MessageTemplate TriedError = new("dyld.tried-error", "dyld",
        "'{path}' ({error})", GetLoader + ": diag.appendError (\", '%s' (%s)\", possiblePath, possiblePathDiag.errorMessageCStr ())");
    public static readonly MessageTemplate IncompatibleArchitecture = new("dyld.incompatible-architecture", "dyld",
        "mach-o file, but is an incompatible architecture (have '{have}', need '{need}')",
        "dyld-1378 common/MachOFile.cpp MachOFile::compatibleSlice: diag.error (\"mach-o file, but is an incompatible architecture (have '%s', need '%s')\", …)");
    public static readonly MessageTemplate FatMissingArchitecture = new("dyld.fat-missing-architecture", "dyld",
        "fat file, but missing compatible architecture (have '{have}', need '{need}')",
        "dyld-1378 common/MachOFile.cpp MachOFile::compatibleSlice: diag.error (\"fat file, but missing compatible architecture (have '%s', need '%s')\", …)");
    public static readonly MessageTemplate NotMachO = new("dyld.not-mach-o", "dyld",
        "could not use '{path}' because it is not a mach-o file: {magic}",
        "dyld-1378 common/MachOAnalyzer.cpp MachOAnalyzer::validMachOForArchAndPlatform: diag.error (\"could not use '%s' because it is not a mach-o file: 0x%08X 0x%08X\", …)");
    public static readonly MessageTemplate NoRpaths = new("dyld.no-rpaths", "dyld",
        "no LC_RPATH's found", GetLoader + ": diag.error (\"no LC_RPATH's found\") (an @rpath name and no LC_RPATH on the load chain)");
    public static readonly MessageTemplate FlatSymbolNotFound = new("dyld.flat-symbol-not-found", "dyld",
        "symbol not found in flat namespace '{symbol}'",
        "dyld-1378 dyld/Loader.cpp Loader::resolveSymbol (BIND_SPECIAL_DYLIB_FLAT_LOOKUP): diag.error (\"symbol not found in flat namespace '%s'\", symbolName)");
    public static readonly MessageTemplate AbortTrap = new("dyld.abort-trap", "dyld",
        "Abort trap: 6", "dyld halts with abort_with_payload (dyld/DyldRuntimeState.cpp RuntimeState::halt): SIGABRT, which bash reports as strsignal (SIGABRT) \"Abort trap: 6\" (macOS), exit status 134");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        LibraryNotLoaded, LibraryNotLoaded2, SymbolNotFound, SymbolNotFound2, Dlopen, FlatSymbolNotFound,
    ];

    /// <summary>The pieces of a Reason and the shell's line after the abort: rendered by the model, matched inside the messages above.</summary>
    public static IReadOnlyList<MessageTemplate> Pieces { get; } =
        [TriedNoSuchFile, TriedError, IncompatibleArchitecture, FatMissingArchitecture, NotMachO, NoRpaths, AbortTrap];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static DyldMessages Instance { get; } = new();

    /// <summary>A start-up error as <c>halt</c> prints it: <c>dyld[PID]: </c> and the message.</summary>
    public static LoaderMessage Halt(LoaderMessage m) => m with { Text = "dyld[PID]: " + m.Text };
}
