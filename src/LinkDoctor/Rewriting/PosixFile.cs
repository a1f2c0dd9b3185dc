using System.Runtime.InteropServices;
using System.Text;

namespace LinkDoctor.Rewriting;

/// <summary>What lstat says about a file (the fields a safe replace keeps or compares).</summary>
internal readonly record struct FileStatus(uint Mode, uint Uid, uint Gid, uint Links, ulong Inode, ulong Device, ulong Size, long MTimeSec, uint MTimeNsec)
{
    public const uint S_IFMT = 0xf000, S_IFREG = 0x8000, S_IFLNK = 0xa000;
    public bool IsRegular => (Mode & S_IFMT) == S_IFREG;
    public bool IsSymlink => (Mode & S_IFMT) == S_IFLNK;
    public uint Permissions => Mode & 0xfff;
}

/// <summary>
/// The POSIX calls a crash-safe replace needs (open O_EXCL, write, fsync, fchown, fchmod, xattrs, rename), on Linux.
/// Each returns 0 or a positive errno; <see cref="Describe"/> gives strerror's words.
/// </summary>
internal static partial class PosixFile
{
    public static bool IsSupported => OperatingSystem.IsLinux() && LinkDoctor.IO.NativeFile.IsSupported;

    private const int O_WRONLY = 1, O_CREAT = 0x40, O_EXCL = 0x80, O_CLOEXEC = 0x80000, O_RDONLY = 0, O_DIRECTORY = 0x10000;
    private const int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private const uint STATX_BASIC_STATS = 0x7ff;
    public const int EINTR = 4, ENOTSUP = 95, ENODATA = 61, ERANGE = 34, EPERM = 1;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int OpenMode(string path, int flags, uint mode);
    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);
    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);
    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int CloseFd(int fd);
    [LibraryImport("libc", EntryPoint = "fchmod", SetLastError = true)]
    private static partial int FChmod(int fd, uint mode);
    [LibraryImport("libc", EntryPoint = "fchown", SetLastError = true)]
    private static partial int FChown(int fd, uint uid, uint gid);
    [LibraryImport("libc", EntryPoint = "rename", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int RenameFile(string from, string to);
    [LibraryImport("libc", EntryPoint = "unlink", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int UnlinkFile(string path);
    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int StatX(int dirfd, string path, int flags, uint mask, byte* buffer);
    [LibraryImport("libc", EntryPoint = "llistxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial nint LListXattr(string path, byte* list, nuint size);
    [LibraryImport("libc", EntryPoint = "lgetxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial nint LGetXattr(string path, string name, byte* value, nuint size);
    [LibraryImport("libc", EntryPoint = "fsetxattr", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int FSetXattr(int fd, string name, byte* value, nuint size, int flags);

    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);

    /// <summary>lstat through statx (one layout on every Linux architecture).</summary>
    public static unsafe int LStat(string path, out FileStatus status)
    {
        byte* b = stackalloc byte[256];
        new Span<byte>(b, 256).Clear();
        if (StatX(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, b) != 0) { status = default; return Marshal.GetLastPInvokeError(); }
        var s = new ReadOnlySpan<byte>(b, 256);
        status = new FileStatus(
            Mode: BitConverter.ToUInt16(s[28..]), Uid: BitConverter.ToUInt32(s[20..]), Gid: BitConverter.ToUInt32(s[24..]),
            Links: BitConverter.ToUInt32(s[16..]), Inode: BitConverter.ToUInt64(s[32..]),
            Device: ((ulong)BitConverter.ToUInt32(s[136..]) << 32) | BitConverter.ToUInt32(s[140..]),
            Size: BitConverter.ToUInt64(s[40..]), MTimeSec: BitConverter.ToInt64(s[112..]), MTimeNsec: BitConverter.ToUInt32(s[120..]));
        return 0;
    }

    /// <summary>Creates <paramref name="path"/> (which must not exist) with mode 0600; returns the descriptor or -errno.</summary>
    public static int CreateExclusive(string path)
    {
        int fd = OpenMode(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0x180);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public static unsafe int WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* p = data)
        {
            int done = 0;
            while (done < data.Length)
            {
                nint n = Write(fd, p + done, (nuint)(data.Length - done));
                if (n < 0)
                {
                    int e = Marshal.GetLastPInvokeError();
                    if (e == EINTR) continue;
                    return e;
                }
                if (n == 0) return 28; // ENOSPC: a write that writes nothing
                done += (int)n;
            }
        }
        return 0;
    }

    public static int Sync(int fd) => FSync(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();
    public static int Close(int fd) => CloseFd(fd) == 0 ? 0 : Marshal.GetLastPInvokeError();
    public static int Chmod(int fd, uint mode) => FChmod(fd, mode) == 0 ? 0 : Marshal.GetLastPInvokeError();
    public static int Chown(int fd, uint uid, uint gid) => FChown(fd, uid, gid) == 0 ? 0 : Marshal.GetLastPInvokeError();
    public static int Rename(string from, string to) => RenameFile(from, to) == 0 ? 0 : Marshal.GetLastPInvokeError();
    public static int Unlink(string path) => UnlinkFile(path) == 0 ? 0 : Marshal.GetLastPInvokeError();

    /// <summary>fsync of a directory, so a rename in it is durable; errors are ignored (some file systems refuse).</summary>
    public static void SyncDirectory(string dir)
    {
        int fd = OpenMode(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
        if (fd < 0) return;
        FSync(fd);
        CloseFd(fd);
    }

    /// <summary>Copies every extended attribute of <paramref name="from"/> (capabilities, ACLs, security labels) to the open file.</summary>
    public static unsafe int CopyXattrs(string from, int toFd)
    {
        nint n = LListXattr(from, null, 0);
        if (n < 0)
        {
            int e = Marshal.GetLastPInvokeError();
            return e == ENOTSUP ? 0 : e;
        }
        if (n == 0) return 0;
        var names = new byte[n];
        fixed (byte* p = names)
        {
            n = LListXattr(from, p, (nuint)names.Length);
            if (n < 0) return Marshal.GetLastPInvokeError();
        }
        foreach (var raw in names[..(int)n].Split0())
        {
            string name = Encoding.UTF8.GetString(raw);
            nint size = LGetXattr(from, name, null, 0);
            if (size < 0) return Marshal.GetLastPInvokeError();
            var value = new byte[Math.Max(size, 1)];
            fixed (byte* v = value)
            {
                size = LGetXattr(from, name, v, (nuint)value.Length);
                if (size < 0) return Marshal.GetLastPInvokeError();
                if (FSetXattr(toFd, name, v, (nuint)size, 0) != 0) return Marshal.GetLastPInvokeError();
            }
        }
        return 0;
    }

    private static List<byte[]> Split0(this byte[] list)
    {
        var result = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < list.Length; i++)
            if (list[i] == 0)
            {
                if (i > start) result.Add(list[start..i]);
                start = i + 1;
            }
        return result;
    }
}
