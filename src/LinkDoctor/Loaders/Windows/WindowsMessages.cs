using LinkDoctor.Diagnosis;

namespace LinkDoctor.Loaders.Windows;

/// <summary>
/// What Windows reports when the loader fails: the hard-error dialog of a process start (the NTSTATUS texts of
/// [MS-ERREF] 2.3.1 "NTSTATUS Values", as Windows 10/11 word the dialog) with the process exit code, and the
/// GetLastError texts of LoadLibraryExW (Microsoft Learn "System Error Codes (0-499)"). The Win32 texts are
/// matched without their final period: Python's OSError strips it ("[WinError 126] The specified module could not be
/// found"); <c>why</c> prints them with it. The ids are the ones <c>explain</c> binds its rules to.
/// </summary>
public sealed class WindowsMessages : IMessageCatalog
{
    private const string Codes = "learn.microsoft.com/windows/win32/debug/system-error-codes--0-499-: ";
    private const string Erref = "[MS-ERREF] 2.3.1 NTSTATUS Values: ";

    public static readonly MessageTemplate ModNotFound = new("windows.mod-not-found", "windows", "The specified module could not be found",
        Codes + "ERROR_MOD_NOT_FOUND 126 (0x7E) \"The specified module could not be found.\"");
    public static readonly MessageTemplate ProcNotFound = new("windows.proc-not-found", "windows", "The specified procedure could not be found",
        Codes + "ERROR_PROC_NOT_FOUND 127 (0x7F) \"The specified procedure could not be found.\"");
    public static readonly MessageTemplate BadExeFormat = new("windows.bad-exe-format", "windows", "{file} is not a valid Win32 application",
        Codes + "ERROR_BAD_EXE_FORMAT 193 (0xC1) \"%1 is not a valid Win32 application.\"");
    public static readonly MessageTemplate DllNotFound = new("windows.dll-not-found", "windows", "This application has failed to start because {library} was not found.",
        Erref + "0xC0000135 STATUS_DLL_NOT_FOUND \"{Unable To Locate Component} This application has failed to start because %hs was not found. Reinstalling the application may fix this problem.\"");
    public static readonly MessageTemplate DllNotFoundUi = new("windows.dll-not-found-ui", "windows", "The code execution cannot proceed because {library} was not found.",
        "Windows 10/11 hard-error dialog for STATUS_DLL_NOT_FOUND (0xC0000135): \"The code execution cannot proceed because %s was not found. Reinstalling the program may fix this problem.\"");
    public static readonly MessageTemplate DllNotFoundStatus = new("windows.dll-not-found-status", "windows", "0xc0000135",
        Erref + "0xC0000135 STATUS_DLL_NOT_FOUND (exit status; as a signed 32-bit number -1073741515)");
    public static readonly MessageTemplate DllNotFoundStatusUpper = new("windows.dll-not-found-status-upper", "windows", "0xC0000135",
        Erref + "0xC0000135 STATUS_DLL_NOT_FOUND (exit status, as printed in upper case)");
    public static readonly MessageTemplate DllNotFoundExit = new("windows.dll-not-found-exit", "windows", "exit code -1073741515",
        Erref + "0xC0000135 STATUS_DLL_NOT_FOUND as a process exit code (signed)");
    public static readonly MessageTemplate EntryPointNotFound = new("windows.entry-point-not-found", "windows",
        "The procedure entry point {symbol} could not be located in the dynamic link library {library}.",
        Erref + "0xC0000139 STATUS_ENTRYPOINT_NOT_FOUND \"{Entry Point Not Found} The procedure entry point %hs could not be located in the dynamic link library %hs.\"");
    public static readonly MessageTemplate OrdinalNotFound = new("windows.ordinal-not-found", "windows",
        "The ordinal {ordinal} could not be located in the dynamic link library {library}.",
        Erref + "0xC0000138 STATUS_ORDINAL_NOT_FOUND \"{Ordinal Not Found} The ordinal %ld could not be located in the dynamic link library %hs.\"");
    public static readonly MessageTemplate InvalidImageFormat = new("windows.invalid-image-format", "windows",
        "{file} is either not designed to run on Windows or it contains an error.",
        Erref + "0xC000007B STATUS_INVALID_IMAGE_FORMAT \"{Bad Image} %hs is either not designed to run on Windows or it contains an error. Try installing the program again using the original installation media or contact your system administrator or the software vendor for support. Error status 0x%08lx.\"");
    public static readonly MessageTemplate InvalidImageFormatUi = new("windows.invalid-image-format-ui", "windows",
        "The application was unable to start correctly (0xc000007b).",
        "Windows hard-error dialog \"{Application Error} The application was unable to start correctly (0x%lx). Click OK to close the application.\" with STATUS_INVALID_IMAGE_FORMAT 0xC000007B");
    public static readonly MessageTemplate InvalidImageFormatExit = new("windows.invalid-image-format-exit", "windows", "exit code -1073741701",
        Erref + "0xC000007B STATUS_INVALID_IMAGE_FORMAT as a process exit code (signed)");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        ModNotFound, ProcNotFound, BadExeFormat, DllNotFound, DllNotFoundUi, DllNotFoundStatus, DllNotFoundStatusUpper, DllNotFoundExit,
        EntryPointNotFound, OrdinalNotFound, InvalidImageFormat, InvalidImageFormatUi, InvalidImageFormatExit,
    ];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static WindowsMessages Instance { get; } = new();
}
