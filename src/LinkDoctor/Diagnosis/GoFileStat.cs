using System.Runtime.InteropServices;
using LinkDoctor.IO;

namespace LinkDoctor.Diagnosis;

/// <summary>What Go's <c>os.Stat</c>/<c>os.Lstat</c> report that <c>go version</c> looks at: the file type and permission bits.</summary>
public readonly record struct GoFileMode(uint Mode)
{
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFLNK = 0xA000;
    public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
    public bool IsDirectory => (Mode & S_IFMT) == S_IFDIR;
    public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
    public bool AnyExecuteBit => (Mode & 0b001_001_001) != 0;
}

/// <summary>
/// <c>stat(2)</c>/<c>lstat(2)</c> through <c>statx</c> (one layout on every Linux architecture), with Go's error
/// words (syscall.Errno strings: "no such file or directory", "not a directory", "permission denied", …).
/// Elsewhere, the managed file APIs stand in.
/// </summary>
public static partial class GoFileStat
{
    private const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_TYPE = 1, STATX_MODE = 2;

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatX(int dirfd, string path, int flags, uint mask, byte* buffer);

    private static readonly bool UseStatx = NativeFile.IsSupported && OperatingSystem.IsLinux();

    /// <summary>Stats <paramref name="path"/> (following symbolic links unless <paramref name="lstat"/>); null and the errno text on failure.</summary>
    public static unsafe GoFileMode? Stat(string path, bool lstat, out string? error)
    {
        error = null;
        if (UseStatx)
        {
            byte* buf = stackalloc byte[256];
            try
            {
                if (StatX(AT_FDCWD, path, lstat ? AT_SYMLINK_NOFOLLOW : 0, STATX_TYPE | STATX_MODE, buf) == 0)
                    return new GoFileMode(*(ushort*)(buf + 28));
                error = ErrnoText(Marshal.GetLastPInvokeError());
                return null;
            }
            catch (EntryPointNotFoundException) { }
        }
        return ManagedStat(path, lstat, out error);
    }

    /// <summary>The (device, inode) of a file, following symbolic links; null when unknown.</summary>
    public static unsafe (ulong Dev, ulong Ino)? Identity(string path)
    {
        if (!UseStatx) return null;
        byte* buf = stackalloc byte[256];
        try
        {
            if (StatX(AT_FDCWD, path, 0, 0x100 /* STATX_INO */, buf) != 0) return null;
            ulong ino = *(ulong*)(buf + 32);
            ulong dev = ((ulong)*(uint*)(buf + 136) << 32) | *(uint*)(buf + 140);
            return (dev, ino);
        }
        catch (EntryPointNotFoundException) { return null; }
    }

    private static GoFileMode? ManagedStat(string path, bool lstat, out string? error)
    {
        error = null;
        try
        {
            FileSystemInfo info = Directory.Exists(path) ? new DirectoryInfo(path) : new FileInfo(path);
            if (lstat && info.LinkTarget is not null) return new GoFileMode(0xA000 | 0x1ff);
            if (!info.Exists) { error = "no such file or directory"; return null; }
            uint type = info is DirectoryInfo ? 0x4000u : 0x8000u;
            uint mode = OperatingSystem.IsWindows() ? 0x1ffu : (uint)File.GetUnixFileMode(path);
            return new GoFileMode(type | mode);
        }
        catch (UnauthorizedAccessException) { error = "permission denied"; return null; }
        catch (IOException e) { error = e.Message; return null; }
    }

    /// <summary>Go's text for the errnos stat can return (src/syscall/zerrors_linux_amd64.go).</summary>
    public static string ErrnoText(int errno) => errno switch
    {
        1 => "operation not permitted",
        2 => "no such file or directory",
        5 => "input/output error",
        13 => "permission denied",
        20 => "not a directory",
        36 => "file name too long",
        40 => "too many levels of symbolic links",
        75 => "value too large for defined data type",
        _ => $"errno {errno}",
    };
}
