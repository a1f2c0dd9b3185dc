using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;

namespace LinkDoctor.IO;

/// <summary>Expands command-line operands: files as given; directories (with recursion) into the binaries (ELF, Mach-O, PE) below them.</summary>
public static class FileWalker
{
    /// <summary>
    /// Files named on the command line are kept as they are (errors are reported for them). Below a directory,
    /// only regular files whose magic <see cref="BinaryFile.Identify"/> recognises are kept (of
    /// <paramref name="formats"/>, when given); symbolic links are not followed, so each file is reported once.
    /// </summary>
    public static List<string> Expand(IEnumerable<string> operands, bool recursive, List<(string Path, string Error)> errors,
        IReadOnlyCollection<BinaryFormat>? formats = null)
    {
        var files = new List<string>();
        foreach (var op in operands)
        {
            if (Directory.Exists(op))
            {
                if (!recursive) { errors.Add((op, "Is a directory (use -r)")); continue; }
                Walk(op, files, formats);
            }
            else files.Add(op);
        }
        return files;
    }

    /// <summary>
    /// Lists the tree lazily while the cores check the magic of what is listed so far (enumeration and the
    /// open/read/close of each file overlap), then sorts, so the output order does not depend on scheduling.
    /// </summary>
    private static void Walk(string dir, List<string> files, IReadOnlyCollection<BinaryFormat>? formats)
    {
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };
        var found = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(Directory.EnumerateFiles(dir, "*", options), f =>
        {
            if (Identify(f) is { } format && (formats is null || formats.Contains(format))) found.Add(f);
        });
        var list = found.ToList();
        list.Sort(StringComparer.Ordinal);
        files.AddRange(list);
    }

    /// <summary>
    /// Reads the first <see cref="BinaryFile.MagicLength"/> bytes: the format whose magic a regular file starts with
    /// (a Java class file is not a universal Mach-O file), or null.
    /// </summary>
    public static BinaryFormat? Identify(string path)
    {
        Span<byte> head = stackalloc byte[BinaryFile.MagicLength];
        int n = ReadHead(path, head);
        return n <= 0 ? null : BinaryFile.Identify(head[..n])?.Format;
    }

    private static int ReadHead(string path, Span<byte> head)
    {
        if (NativeFile.IsSupported)
        {
            int fd = NativeFile.OpenRead(path);
            if (fd < 0) return -1;
            try { return NativeFile.ReadAt(fd, head, 0); }
            catch (IOException) { return -1; } // a FIFO, a device: not a binary
            finally { NativeFile.Close(fd); }
        }
        try
        {
            using var h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return RandomAccess.Read(h, head, 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return -1;
        }
    }

    /// <summary>Reads 4 bytes: true for a regular file that starts with the ELF magic.</summary>
    public static bool StartsWithElfMagic(string path)
    {
        if (NativeFile.IsSupported)
        {
            int fd = NativeFile.OpenRead(path);
            if (fd < 0) return false;
            Span<byte> head = stackalloc byte[4];
            try { return NativeFile.ReadAt(fd, head, 0) == 4 && ElfFile.HasElfMagic(head); }
            catch (IOException) { return false; } // a FIFO, a device: not a binary
            finally { NativeFile.Close(fd); }
        }
        try
        {
            using var h = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            Span<byte> magic = stackalloc byte[4];
            return RandomAccess.Read(h, magic, 0) == 4 && ElfFile.HasElfMagic(magic);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
