using System.Runtime.InteropServices;

namespace LinkDoctor.IO;

/// <summary>
/// The few POSIX calls batch commands need, without the managed file stack's extra fstat and flock per open:
/// open, pread, lseek, mmap, close. Used on Linux and macOS; elsewhere <see cref="IsSupported"/> is false.
/// </summary>
internal static partial class NativeFile
{
    public static bool IsSupported { get; } = Init();

    /// <summary>
    /// "libc" is not a file name the runtime's probing finds quickly (libc.so is a linker script): resolve it
    /// to the C library already in the process. Under NativeAOT the CLI binds these calls at link time instead.
    /// </summary>
    private static bool Init()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return false;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeFile).Assembly, (name, _, _) =>
                name == "libc" && NativeLibrary.TryLoad(OperatingSystem.IsMacOS() ? "/usr/lib/libSystem.B.dylib" : "libc.so.6", out var h) ? h : 0);
        }
        catch (InvalidOperationException)
        {
            // A resolver was already set for this assembly.
        }
        return true;
    }

    private const int O_RDONLY = 0;
    private static readonly int O_CLOEXEC = OperatingSystem.IsMacOS() ? 0x1000000 : 0x80000;
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer (no effect on regular files).
    private static readonly int O_NONBLOCK = OperatingSystem.IsMacOS() ? 0x4 : 0x800;
    private const int SEEK_END = 2;
    public const int PROT_READ = 1, MAP_PRIVATE = 2;
    public const int ENOENT = 2, EACCES = 13, ENOTDIR = 20, ELOOP = 40, ENAMETOOLONG = 36, EISDIR = 21, EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "pread", SetLastError = true)]
    private static unsafe partial nint PRead(int fd, byte* buffer, nuint count, long offset);

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long LSeek(int fd, long offset, int whence);

    [LibraryImport("libc", EntryPoint = "mmap", SetLastError = true)]
    public static unsafe partial void* MMap(void* address, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc", EntryPoint = "munmap")]
    public static unsafe partial int MUnmap(void* address, nuint length);

    /// <summary>Opens read-only; returns the descriptor or -errno.</summary>
    public static int OpenRead(string path)
    {
        int fd = Open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    public static long Length(int fd) => LSeek(fd, 0, SEEK_END);

    /// <summary>Reads up to buffer.Length bytes at offset; returns the count read.</summary>
    public static unsafe int ReadAt(int fd, Span<byte> buffer, long offset)
    {
        int total = 0;
        fixed (byte* p = buffer)
        {
            while (total < buffer.Length)
            {
                nint n = PRead(fd, p + total, (nuint)(buffer.Length - total), offset + total);
                if (n < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == 4) continue; // EINTR
                    throw errno switch
                    {
                        EISDIR => new IOException("Is a directory"),
                        EAGAIN => new IOException("not a regular file"),
                        _ => new IOException($"read error (errno {errno})"),
                    };
                }
                if (n == 0) break;
                total += (int)n;
            }
        }
        return total;
    }

    /// <summary>The exception the managed file APIs would throw for an errno from open(2).</summary>
    public static Exception ErrorFor(int errno, string path) => errno switch
    {
        ENOENT => new FileNotFoundException("No such file or directory", path),
        EACCES => new UnauthorizedAccessException("Permission denied"),
        ENOTDIR => new DirectoryNotFoundException("Not a directory"),
        ELOOP => new IOException("Too many levels of symbolic links"),
        ENAMETOOLONG => new PathTooLongException("File name too long"),
        EISDIR => new IOException("Is a directory"),
        _ => new IOException($"cannot open (errno {errno})"),
    };
}
