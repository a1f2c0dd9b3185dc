using System.IO.MemoryMappedFiles;
using Microsoft.Win32.SafeHandles;

namespace LinkDoctor.IO;

/// <summary>
/// The bytes of one file, and their only owner. Small files are read into an array; larger ones are
/// memory-mapped read-only, so a command touches only the pages of the tables it reads.
/// Views (<c>ElfFile</c> …) borrow <see cref="Span"/> and never copy it.
/// </summary>
public sealed unsafe class BinaryImage : IDisposable
{
    /// <summary>Files up to this size are read with one read(2); above it they are mapped.</summary>
    public const int MapThreshold = 64 * 1024;

    private readonly byte[]? _array;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private byte* _pointer;
    private readonly int _length;
    private readonly bool _nativeMap;

    private BinaryImage(string path, byte[] array)
    {
        Path = path;
        _array = array;
        _length = array.Length;
    }

    private BinaryImage(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, int length)
    {
        Path = path;
        _map = map;
        _view = view;
        _length = length;
        byte* p = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _pointer = p + view.PointerOffset;
    }

    /// <summary>The path the image was opened from (as given, for messages).</summary>
    public string Path { get; }

    public int Length => _length;

    /// <summary>The bytes. Throws <see cref="ObjectDisposedException"/> once a mapped image is unmapped (never a read of unmapped memory).</summary>
    public ReadOnlySpan<byte> Span => _array is not null ? _array
        : _pointer != null ? new ReadOnlySpan<byte>(_pointer, _length)
        : throw new ObjectDisposedException(Path, "the file's mapping was released");

    private BinaryImage(string path, byte* mapped, int length)
    {
        Path = path;
        _pointer = mapped;
        _length = length;
        _nativeMap = true;
    }

    /// <summary>An image over bytes already in memory (tests, embedded data).</summary>
    public static BinaryImage FromBytes(string path, byte[] bytes) => new(path, bytes);

    /// <summary>Opens a regular file. Throws <see cref="BinaryFormatException"/> for files that are not regular or too large.</summary>
    public static BinaryImage Open(string path) => Open(path, MapThreshold);

    /// <summary>As <see cref="Open(string)"/>, mapping files larger than <paramref name="mapThreshold"/> (the fuzz targets map every file).</summary>
    internal static BinaryImage Open(string path, int mapThreshold)
    {
        if (NativeFile.IsSupported) return OpenNative(path, mapThreshold);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        long length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue)
            BinaryFormatException.Throw($"file too large ({length} bytes)");
        if (length <= mapThreshold || length == 0)
        {
            var bytes = GC.AllocateUninitializedArray<byte>((int)length);
            int read = 0;
            while (read < bytes.Length)
            {
                int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
                if (n <= 0) break;
                read += n;
            }
            if (read != bytes.Length) Array.Resize(ref bytes, read);
            return new BinaryImage(path, bytes);
        }
        var map = MemoryMappedFile.CreateFromFile(handle, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        try
        {
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new BinaryImage(path, map, view, (int)length);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>open, lseek, then one pread for small files or mmap for large ones; the descriptor is closed at once.</summary>
    private static BinaryImage OpenNative(string path, int mapThreshold)
    {
        int fd = NativeFile.OpenRead(path);
        if (fd < 0) throw NativeFile.ErrorFor(-fd, path);
        try
        {
            long length = NativeFile.Length(fd);
            // FIFOs, pipes and some /proc files cannot seek; directories open fine and report a size or an htree maximum.
            if (length < 0) throw new IOException("not a regular file");
            if ((length > int.MaxValue || length % 4096 == 0) && Directory.Exists(path)) throw new IOException("Is a directory");
            if (length > int.MaxValue) BinaryFormatException.Throw($"file too large ({length} bytes)");
            if (length <= mapThreshold || length == 0)
            {
                var bytes = GC.AllocateUninitializedArray<byte>((int)length);
                int read = NativeFile.ReadAt(fd, bytes, 0);
                if (read != bytes.Length) Array.Resize(ref bytes, read);
                return new BinaryImage(path, bytes);
            }
            void* p = NativeFile.MMap(null, (nuint)length, NativeFile.PROT_READ, NativeFile.MAP_PRIVATE, fd, 0);
            if (p == (void*)-1) throw new IOException("cannot map the file");
            return new BinaryImage(path, (byte*)p, (int)length);
        }
        finally
        {
            NativeFile.Close(fd);
        }
    }

    public void Dispose()
    {
        if (_nativeMap)
        {
            if (_pointer != null) NativeFile.MUnmap(_pointer, (nuint)_length);
            _pointer = null;
            return;
        }
        if (_view is not null && _pointer != null)
        {
            _pointer = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map!.Dispose();
        }
    }
}
