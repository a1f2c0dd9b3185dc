using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders.Glibc;
using LinkDoctor.Loaders.Musl;

namespace LinkDoctor.Loaders;

/// <summary>Picks the loader model (glibc or musl) for a program and runs it.</summary>
public static class DynamicLoader
{
    /// <summary>
    /// <c>auto</c>: musl when PT_INTERP names ld-musl-*, glibc otherwise (also when the file has no interpreter,
    /// as for a library given directly, unless the root holds only a musl loader).
    /// </summary>
    public static string Choose(LoadRequest request, ElfFile file)
    {
        if (request.Loader is "glibc" or "musl") return request.Loader;
        if (LibcFlavour.FromInterpreter(file.Interpreter) is { } f && f == LibcFlavour.Musl) return "musl";
        if (file.Interpreter is null)
        {
            var l = LibcFlavour.Detect(file, isGo: false);
            if (l.Flavour == LibcFlavour.Musl) return "musl";
        }
        return "glibc";
    }

    public static LoadGraph Load(LoadRequest request)
    {
        string kind;
        using (var image = BinaryImage.Open(request.Program))
            kind = Choose(request, ElfFile.Open(image));
        return kind == "musl" ? MuslLoader.Load(request) : GlibcLoader.Load(request);
    }
}
