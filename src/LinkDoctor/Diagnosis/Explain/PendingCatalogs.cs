namespace LinkDoctor.Diagnosis.Explain;

// ============================================================================================================
// PENDING CATALOGUES. The dyld and Windows catalogues are being written on other branches
// (Loaders/Dyld DyldMessages, Loaders/Windows WindowsMessages). Until they land, explain reads those components' messages with the minimal templates below.
// MessageCatalogs.All drops a pending catalogue by itself as soon as a registered catalogue has a template of the
// same component, and ExplainRules binds its rules by component and a distinctive literal, not only by id; so when
// the real catalogues are merged this file can simply be deleted (and PendingCatalogs.All with it).
// ============================================================================================================

/// <summary>Stand-ins for catalogues other branches are writing; see the comment at the top of this file.</summary>
public static class PendingCatalogs
{
    public static IReadOnlyList<IMessageCatalog> All { get; } = [PendingDyldMessages.Instance, PendingWindowsMessages.Instance];
}

/// <summary>macOS dyld (apple-oss-distributions/dyld: dyld-1378 for dyld 4, dyld-852 for dyld 2).</summary>
public sealed class PendingDyldMessages : IMessageCatalog
{
    public static PendingDyldMessages Instance { get; } = new();

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        new("dyld.library-not-loaded", "dyld", "Library not loaded: {library}\n  Referenced from: <{uuid}> {file}\n  Reason: {reason}",
            "dyld-1378 dyld/JustInTimeLoader.cpp JustInTimeLoader::loadDependents: diag.error (\"Library not loaded: %s\\n  Referenced from: <%s> %s%s\\n  Reason: %s\", …); halt prints \"dyld[%d]: \" (dyld/DyldRuntimeState.cpp)"),
        new("dyld2.library-not-loaded", "dyld", "Library not loaded: {library}\n  Referenced from: {file}\n  Reason: {reason}",
            "dyld-852 src/ImageLoader.cpp ImageLoader::recursiveLoadLibraries: mkstringf (\"Library not loaded: %s\\n  Referenced from: %s\\n  Reason: %s\", …) (reason \"image not found\", src/dyld2.cpp)"),
        new("dyld.symbol-not-found", "dyld", "Symbol not found: {symbol}\n  Referenced from: <{uuid}> {file}\n  Expected in:     <{uuid2}> {library}",
            "dyld-1378 dyld/Loader.cpp Loader::resolveSymbol: diag.error (\"Symbol not found: %s\\n  Referenced from: <%s> %s%s\\n  Expected in:     <%s> %s\", …)"),
        new("dyld2.symbol-not-found", "dyld", "Symbol not found: {symbol}\n  Referenced from: {file}\n  Expected in: {library}",
            "dyld-852 src/ImageLoaderMachO.cpp ImageLoaderMachO::throwSymbolNotFound: throwf (\"Symbol not found: %s\\n  Referenced from: %s%s\\n  Expected in: %s\\n\", …)"),
        new("dyld.dlopen", "dyld", "dlopen({file}, {mode}): {reason}",
            "dyld-1378 dyld/DyldAPIs.cpp APIs::dlopen_from: setErrorString (\"dlopen(%s, 0x%04X): %s\", path, mode, diag.errorMessageCStr ()) (reason: \"tried: '%s' (%s)\", dyld/Loader.cpp; \"mach-o file, but is an incompatible architecture (have '%s', need '%s')\", common/MachOFile.cpp)"),
    ];
}

/// <summary>
/// The Windows loader's errors as users see them (Microsoft Learn "System Error Codes (0-499)" for 126, 127, 193;
/// [MS-ERREF] 2.3.1 NTSTATUS values for 0xC0000135 and 0xC000007B, and the hard-error texts Windows shows for them).
/// The Win32 texts are matched without their final period: Python's OSError strips it ("[WinError 126] The specified
/// module could not be found").
/// </summary>
public sealed class PendingWindowsMessages : IMessageCatalog
{
    public static PendingWindowsMessages Instance { get; } = new();
    private const string Codes = "learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-: ";
    private const string Erref = "[MS-ERREF] 2.3.1 NTSTATUS Values: ";

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        new("windows.mod-not-found", "windows", "The specified module could not be found", Codes + "ERROR_MOD_NOT_FOUND 126 (0x7E) \"The specified module could not be found.\""),
        new("windows.proc-not-found", "windows", "The specified procedure could not be found", Codes + "ERROR_PROC_NOT_FOUND 127 (0x7F) \"The specified procedure could not be found.\""),
        new("windows.bad-exe-format", "windows", "{file} is not a valid Win32 application", Codes + "ERROR_BAD_EXE_FORMAT 193 (0xC1) \"%1 is not a valid Win32 application.\""),
        new("windows.dll-not-found", "windows", "This application has failed to start because {library} was not found.",
            Erref + "0xC0000135 STATUS_DLL_NOT_FOUND \"{Unable To Locate Component} This application has failed to start because %hs was not found. Reinstalling the application may fix this problem.\""),
        new("windows.dll-not-found-ui", "windows", "The code execution cannot proceed because {library} was not found.",
            "Windows 10/11 hard-error dialog for STATUS_DLL_NOT_FOUND (0xC0000135): \"The code execution cannot proceed because %s was not found. Reinstalling the program may fix this problem.\""),
        new("windows.dll-not-found-status", "windows", "0xc0000135", Erref + "0xC0000135 STATUS_DLL_NOT_FOUND (exit status; as a signed 32-bit number -1073741515)"),
        new("windows.dll-not-found-status-upper", "windows", "0xC0000135", Erref + "0xC0000135 STATUS_DLL_NOT_FOUND (exit status, as printed in upper case)"),
        new("windows.dll-not-found-exit", "windows", "exit code -1073741515", Erref + "0xC0000135 STATUS_DLL_NOT_FOUND as a process exit code (signed)"),
        new("windows.entry-point-not-found", "windows", "The procedure entry point {symbol} could not be located in the dynamic link library {library}.",
            Erref + "0xC0000139 STATUS_ENTRYPOINT_NOT_FOUND \"{Entry Point Not Found} The procedure entry point %hs could not be located in the dynamic link library %hs.\""),
        new("windows.invalid-image-format", "windows", "{file} is either not designed to run on Windows or it contains an error.",
            Erref + "0xC000007B STATUS_INVALID_IMAGE_FORMAT \"{Bad Image} %hs is either not designed to run on Windows or it contains an error. Try installing the program again using the original installation media or contact your system administrator or the software vendor for support. Error status 0x%08lx.\""),
        new("windows.invalid-image-format-ui", "windows", "The application was unable to start correctly (0xc000007b).",
            "Windows hard-error dialog \"{Application Error} The application was unable to start correctly (0x%lx). Click OK to close the application.\" with STATUS_INVALID_IMAGE_FORMAT 0xC000007B"),
        new("windows.invalid-image-format-exit", "windows", "exit code -1073741701", Erref + "0xC000007B STATUS_INVALID_IMAGE_FORMAT as a process exit code (signed)"),
    ];
}
