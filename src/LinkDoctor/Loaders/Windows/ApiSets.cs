namespace LinkDoctor.Loaders.Windows;

/// <summary>
/// API set contracts and the DLLs that host them. Microsoft Learn "Windows API sets" and "API set loader operation"
/// (learn.microsoft.com/windows/win32/apiindex/windows-apisets, …/api-set-loader-operation): a name beginning with
/// <c>api-</c> or <c>ext-</c> is not a file; the loader maps it through the API set schema (apisetschema.dll) to a
/// host DLL, matching the contract name without its last hyphen-delimited number, so a newer minor revision of a
/// contract maps like the older one. An extension set (<c>ext-</c>) may have no host on a given edition, and then
/// is absent. The table holds the common contracts, with the hosts of Windows 10/11's schema as Wine's
/// <c>dlls/apisetschema/apisetschema.spec</c> (wine-mirror/wine) lists them.
/// </summary>
public static class ApiSets
{
    /// <summary>Contract (as linked, with its version) → host DLL; "" for a contract with no host.</summary>
    private static readonly (string Contract, string Host)[] Table =
    [
        ("api-ms-win-crt-conio-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-convert-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-environment-l1-1-0", "ucrtbase.dll"),
        ("api-ms-win-crt-filesystem-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-heap-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-locale-l1-1-0", "ucrtbase.dll"),
        ("api-ms-win-crt-math-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-multibyte-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-private-l1-1-0", "ucrtbase.dll"),
        ("api-ms-win-crt-process-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-runtime-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-stdio-l1-1-0", "ucrtbase.dll"),
        ("api-ms-win-crt-string-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-time-l1-1-0", "ucrtbase.dll"), ("api-ms-win-crt-utility-l1-1-0", "ucrtbase.dll"),
        ("api-ms-win-core-apiquery-l1-1-0", "ntdll.dll"), ("api-ms-win-core-console-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-console-l1-2-0", "kernelbase.dll"),
        ("api-ms-win-core-datetime-l1-1-1", "kernelbase.dll"), ("api-ms-win-core-debug-l1-1-1", "kernelbase.dll"), ("api-ms-win-core-delayload-l1-1-1", "kernelbase.dll"),
        ("api-ms-win-core-errorhandling-l1-1-3", "kernelbase.dll"), ("api-ms-win-core-fibers-l1-1-1", "kernelbase.dll"), ("api-ms-win-core-file-l1-1-0", "kernelbase.dll"),
        ("api-ms-win-core-file-l1-2-2", "kernelbase.dll"), ("api-ms-win-core-file-l2-1-2", "kernelbase.dll"), ("api-ms-win-core-handle-l1-1-0", "kernelbase.dll"),
        ("api-ms-win-core-heap-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-heap-l1-2-0", "kernelbase.dll"), ("api-ms-win-core-heap-l2-1-0", "kernelbase.dll"),
        ("api-ms-win-core-interlocked-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-io-l1-1-1", "kernel32.dll"), ("api-ms-win-core-libraryloader-l1-1-1", "kernelbase.dll"),
        ("api-ms-win-core-libraryloader-l1-2-2", "kernelbase.dll"), ("api-ms-win-core-localization-l1-2-2", "kernelbase.dll"), ("api-ms-win-core-memory-l1-1-4", "kernelbase.dll"),
        ("api-ms-win-core-misc-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-namedpipe-l1-2-0", "kernelbase.dll"), ("api-ms-win-core-path-l1-1-0", "kernelbase.dll"),
        ("api-ms-win-core-processenvironment-l1-2-0", "kernelbase.dll"), ("api-ms-win-core-processthreads-l1-1-3", "kernel32.dll"), ("api-ms-win-core-profile-l1-1-0", "kernelbase.dll"),
        ("api-ms-win-core-registry-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-rtlsupport-l1-2-0", "ntdll.dll"), ("api-ms-win-core-string-l1-1-0", "kernelbase.dll"),
        ("api-ms-win-core-synch-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-synch-l1-2-1", "kernelbase.dll"), ("api-ms-win-core-sysinfo-l1-2-1", "kernelbase.dll"),
        ("api-ms-win-core-threadpool-l1-2-0", "kernelbase.dll"), ("api-ms-win-core-timezone-l1-1-0", "kernelbase.dll"), ("api-ms-win-core-util-l1-1-0", "kernel32.dll"),
        ("api-ms-win-core-version-l1-1-1", "kernelbase.dll"), ("api-ms-win-core-winrt-l1-1-0", "combase.dll"), ("api-ms-win-core-winrt-string-l1-1-1", "combase.dll"),
        ("api-ms-win-core-com-l1-1-1", "combase.dll"), ("api-ms-win-eventing-provider-l1-1-0", "kernelbase.dll"), ("api-ms-win-security-base-l1-2-0", "kernelbase.dll"),
        ("api-ms-win-security-sddl-l1-1-0", "sechost.dll"), ("api-ms-win-service-core-l1-1-1", "sechost.dll"), ("api-ms-win-shcore-scaling-l1-1-1", "shcore.dll"),
        ("api-ms-win-mm-time-l1-1-0", "winmm.dll"), ("api-ms-win-power-base-l1-1-0", "powrprof.dll"), ("api-ms-win-deprecated-apis-legacy-l1-1-0", ""),
        ("ext-ms-win-gdi-dc-l1-2-0", "gdi32.dll"), ("ext-ms-win-ntuser-window-l1-1-4", "user32.dll"), ("ext-ms-win-ntuser-misc-l1-2-0", "user32.dll"),
        ("ext-ms-win-kernel32-package-l1-1-1", "kernelbase.dll"), ("ext-ms-win-oleacc-l1-1-0", "oleacc.dll"),
    ];

    private static readonly Dictionary<string, string> ByStem = Table.ToDictionary(t => Stem(t.Contract), t => t.Host, StringComparer.OrdinalIgnoreCase);

    /// <summary>A name the loader takes for an API set: <c>api-</c> or <c>ext-</c> at the start (case-insensitive).</summary>
    public static bool IsApiSet(string name) => name.StartsWith("api-", StringComparison.OrdinalIgnoreCase) || name.StartsWith("ext-", StringComparison.OrdinalIgnoreCase);

    /// <summary>The name without ".dll" and without its last "-N" (the revision the schema ignores).</summary>
    private static string Stem(string name)
    {
        if (name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        int dash = name.LastIndexOf('-');
        return dash > 0 && name[(dash + 1)..].All(char.IsAsciiDigit) ? name[..dash] : name;
    }

    /// <summary>The host DLL of the contract: a DLL name, "" when the schema has the contract with no host, null when it is not in the table.</summary>
    public static string? Resolve(string name) => ByStem.TryGetValue(Stem(name), out var host) ? host : null;
}

/// <summary>
/// KnownDLLs: DLLs the loader always takes from the system's section objects (\KnownDlls, made at boot from
/// HKLM\SYSTEM\CurrentControlSet\Control\Session Manager\KnownDLLs), never from the application directory. Microsoft
/// Learn "Dynamic-link library search order" (learn.microsoft.com/windows/win32/dlls/dynamic-link-library-search-order):
/// "If the DLL is on the list of known DLLs for the version of Windows on which the application is running, then the
/// system uses its copy of the known DLL (and the known DLL's dependent DLLs, if any)". The list is that key's values
/// on Windows 10 22H2 and Windows 11 (x64), plus ntdll.dll, which every process has loaded first.
/// </summary>
public static class KnownDlls
{
    public static IReadOnlySet<string> Names { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "advapi32.dll", "clbcatq.dll", "combase.dll", "comdlg32.dll", "coml2.dll", "difxapi.dll", "gdi32.dll", "gdiplus.dll", "imagehlp.dll",
        "imm32.dll", "kernel32.dll", "msctf.dll", "msvcrt.dll", "normaliz.dll", "nsi.dll", "ole32.dll", "oleaut32.dll", "psapi.dll", "rpcrt4.dll",
        "sechost.dll", "setupapi.dll", "shcore.dll", "shell32.dll", "shlwapi.dll", "user32.dll", "wldap32.dll", "wow64.dll", "wow64cpu.dll",
        "wow64win.dll", "ws2_32.dll", "ntdll.dll", "kernelbase.dll",
    };

    /// <summary>
    /// DLLs every Windows 10/11 installation has in System32 besides the KnownDLLs (used when --root holds no Windows
    /// directory: then these are assumed present). vcruntime140.dll, msvcp140.dll and the other Visual C++ runtime DLLs
    /// are not: they come with the Visual C++ Redistributable.
    /// </summary>
    public static IReadOnlySet<string> System32 { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "ucrtbase.dll", "bcrypt.dll", "crypt32.dll", "dbghelp.dll", "iphlpapi.dll", "secur32.dll", "userenv.dll", "version.dll", "winmm.dll",
        "comctl32.dll", "dwmapi.dll", "uxtheme.dll", "opengl32.dll", "d3d11.dll", "dxgi.dll", "d3d9.dll", "d3d12.dll", "dwrite.dll", "d2d1.dll",
        "winhttp.dll", "wininet.dll", "urlmon.dll", "ncrypt.dll", "mswsock.dll", "dnsapi.dll", "netapi32.dll", "powrprof.dll", "propsys.dll",
        "cfgmgr32.dll", "hid.dll", "winspool.drv", "oleacc.dll", "mpr.dll", "wintrust.dll", "wtsapi32.dll", "authz.dll", "cryptsp.dll",
        "mscoree.dll", "msvcp_win.dll", "vcruntime140_clr0400.dll", "glu32.dll", "avrt.dll", "mfplat.dll", "ntdsapi.dll", "rasapi32.dll",
    };
}
