using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.Formats;

/// <summary>
/// One reader of one container format. A new format plugs in by implementing this and adding itself to
/// <see cref="BinaryFile.Readers"/>; nothing else in IO or the commands needs to know it.
/// </summary>
public interface IBinaryFormatReader
{
    BinaryFormat Format { get; }
    /// <summary>How many leading bytes <see cref="Matches"/> needs.</summary>
    int MagicLength { get; }
    /// <summary>True when the file starts with this format's magic (a cheap test for directory walks).</summary>
    bool Matches(ReadOnlySpan<byte> head);
    /// <summary>The objects in the file: one, or one per slice of a universal file. Throws <see cref="BinaryFormatException"/>.</summary>
    IReadOnlyList<ILoadableObject> Read(BinaryImage image);
}

/// <summary>
/// An opened binary: its bytes and the objects in it. <see cref="Open(string)"/> dispatches on the magic,
/// so IO and the commands never name a format.
/// </summary>
public sealed class BinaryFile : IDisposable
{
    /// <summary>Every format LinkDoctor reads, in the order their magic is tested.</summary>
    public static IReadOnlyList<IBinaryFormatReader> Readers { get; } = [ElfFormatReader.Instance, MachO.MachOFormatReader.Instance, Pe.PeFormatReader.Instance];

    /// <summary>The longest magic any reader needs.</summary>
    public static int MagicLength { get; } = Readers.Max(r => r.MagicLength);

    private readonly bool _ownsImage;

    private BinaryFile(BinaryImage image, BinaryFormat format, IReadOnlyList<ILoadableObject> objects, bool ownsImage)
    {
        Image = image;
        Format = format;
        Objects = objects;
        _ownsImage = ownsImage;
    }

    public BinaryImage Image { get; }
    public BinaryFormat Format { get; }
    /// <summary>One object, or one per slice of a universal (fat) file, in the file's order.</summary>
    public IReadOnlyList<ILoadableObject> Objects { get; }

    /// <summary>The reader whose magic the bytes start with, or null.</summary>
    public static IBinaryFormatReader? Identify(ReadOnlySpan<byte> head)
    {
        foreach (var r in Readers)
            if (head.Length >= r.MagicLength && r.Matches(head)) return r;
        return null;
    }

    /// <summary>Opens and reads a file. Throws <see cref="BinaryFormatException"/> or an IO exception for bad input.</summary>
    public static BinaryFile Open(string path)
    {
        var image = BinaryImage.Open(path);
        try { return Open(image, ownsImage: true); }
        catch { image.Dispose(); throw; }
    }

    /// <summary>Reads bytes already open; the image is disposed with the result only when <paramref name="ownsImage"/>.</summary>
    public static BinaryFile Open(BinaryImage image, bool ownsImage)
    {
        var reader = Identify(image.Span);
        if (reader is null)
        {
            if (image.Length < 4) BinaryFormatException.Throw($"file too short ({image.Length} bytes) to identify");
            BinaryFormatException.Throw("not an ELF, Mach-O or PE file (bad magic)", 0);
        }
        return new BinaryFile(image, reader.Format, reader.Read(image), ownsImage);
    }

    public void Dispose()
    {
        if (_ownsImage) Image.Dispose();
    }
}
