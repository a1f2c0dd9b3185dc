using LinkDoctor.IO;

namespace LinkDoctor.Loaders;

/// <summary>
/// AT_SECURE: the kernel marks a start "secure" (fs/exec.c, security/commoncap.c <c>cap_bprm_creds_from_file</c>)
/// when a set-user-ID or set-group-ID file changes the effective ids, so the loaders distrust the environment.
/// LinkDoctor simulates a program with those bits as started by an ordinary user (another uid than the owner).
/// </summary>
public static class SecureExec
{
    public static bool HasSetUidBit(string hostPath) => Mode(hostPath) is { } m && (m & UnixFileMode.SetUser) != 0;

    /// <summary>True when the program has S_ISUID or S_ISGID.</summary>
    public static bool IsSecure(LoadRequest request) =>
        Mode(request.Program) is { } m && (m & (UnixFileMode.SetUser | UnixFileMode.SetGroup)) != 0;

    private static UnixFileMode? Mode(string hostPath)
    {
        if (OperatingSystem.IsWindows()) return null;
        try { return File.GetUnixFileMode(hostPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
