using System.Runtime.CompilerServices;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.Diagnosis;

/// <summary>One file a package database lists: which package installs it, and where.</summary>
public sealed record PackageFile(string Manager, string Package, string Path);

/// <summary>
/// A root's package databases (dpkg's <c>/var/lib/dpkg/info/*.list</c>, apk's <c>/lib/apk/db/installed</c>),
/// indexed by file name once per root, lazily: the diagnosis asks it, it never rescans.
/// </summary>
public sealed class PackageIndex
{
    private static readonly ConditionalWeakTable<RootedFileSystem, PackageIndex> Indexes = new();
    private readonly RootedFileSystem _root;
    private readonly Lazy<Dictionary<string, List<PackageFile>>> _byName;

    private PackageIndex(RootedFileSystem root)
    {
        _root = root;
        _byName = new Lazy<Dictionary<string, List<PackageFile>>>(Build);
    }

    public static PackageIndex For(RootedFileSystem root) => Indexes.GetValue(root, r => new PackageIndex(r));

    /// <summary>Every listed file with this name (any directory).</summary>
    public IReadOnlyList<PackageFile> Owners(string fileName) => _byName.Value.TryGetValue(fileName, out var l) ? l : [];

    private Dictionary<string, List<PackageFile>> Build()
    {
        var map = new Dictionary<string, List<PackageFile>>(StringComparer.Ordinal);
        void Add(PackageFile f)
        {
            string name = Path.GetFileName(f.Path);
            if (!map.TryGetValue(name, out var l)) map[name] = l = [];
            l.Add(f);
        }
        var info = _root.Resolve("/var/lib/dpkg/info");
        if (info.Exists && Directory.Exists(info.HostPath))
        {
            foreach (var list in Directory.EnumerateFiles(info.HostPath, "*.list"))
            {
                string package = Path.GetFileNameWithoutExtension(list);
                foreach (var line in File.ReadLines(list))
                    if (line.Contains(".so", StringComparison.Ordinal)) Add(new PackageFile("dpkg", package, line));
            }
        }
        if (_root.ReadText("/lib/apk/db/installed") is { } apk)
        {
            string? package = null, dir = null;
            foreach (var line in apk.Split('\n'))
            {
                if (line.StartsWith("P:", StringComparison.Ordinal)) package = line[2..];
                else if (line.StartsWith("F:", StringComparison.Ordinal)) dir = line[2..];
                else if (line.StartsWith("R:", StringComparison.Ordinal) && package is not null)
                    Add(new PackageFile("apk", package, "/" + (dir is null ? "" : dir + "/") + line[2..]));
            }
        }
        return map;
    }
}

/// <summary>Where else a missing library might be, and whether a file found there could serve the object that needs it.</summary>
public static class Packages
{
    /// <summary>Debian's architecture name for a file (amd64, arm64, i386 …).</summary>
    public static string DebianArch(ElfFile f) => f.Header.Machine switch
    {
        ElfNative.EM_X86_64 => "amd64", ElfNative.EM_386 => "i386", ElfNative.EM_AARCH64 => "arm64", ElfNative.EM_ARM => "armhf",
        ElfNative.EM_S390 => "s390x", ElfNative.EM_PPC64 => "ppc64el", ElfNative.EM_RISCV => "riscv64", _ => "native",
    };

    private static readonly string[] LibraryDirectories = ["/usr/local/lib", "/opt", "/usr/lib", "/lib", "/usr/lib64", "/lib64"];

    /// <summary>Directories inside the root holding a compatible file with this name off the search path: a shallow scan of the usual places.</summary>
    public static IEnumerable<string> FindElsewhere(RootedFileSystem root, string name, ElfFile needer)
    {
        foreach (var top in LibraryDirectories)
        {
            var r = root.Resolve(top);
            if (!r.Exists || !Directory.Exists(r.HostPath)) continue;
            List<string> hits;
            try
            {
                hits = Directory.EnumerateFiles(r.HostPath, name, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
            }
            catch (IOException) { continue; }
            foreach (var hit in hits)
                if (IsCompatible(hit, needer))
                    yield return Path.GetDirectoryName(root.IsHost ? hit : "/" + Path.GetRelativePath(root.Root, hit))!;
        }
    }

    /// <summary>Host directories next to a file (its own, ../lib, ../lib64), where bundled libraries usually sit.</summary>
    public static IEnumerable<string> FindNextTo(string hostFile, string name, ElfFile needer)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(hostFile))!;
        foreach (var d in new[] { dir, Path.GetFullPath(Path.Combine(dir, "../lib")), Path.GetFullPath(Path.Combine(dir, "../lib64")) })
            if (File.Exists(Path.Combine(d, name)) && IsCompatible(Path.Combine(d, name), needer)) yield return d;
    }

    /// <summary>
    /// Could this file serve <paramref name="needer"/>? Same machine and class, and not built for the other C
    /// library: a glibc libstdc++ cannot serve a musl object, nor the reverse.
    /// </summary>
    public static bool IsCompatible(string hostPath, ElfFile needer)
    {
        try
        {
            using var image = BinaryImage.Open(hostPath);
            var f = ElfFile.Open(image);
            if (f.Header.Machine != needer.Header.Machine || f.Header.Class != needer.Header.Class || f.Header.Data != needer.Header.Data) return false;
            string theirs = LibcFlavour.Detect(f, isGo: false).Flavour, ours = LibcFlavour.Detect(needer, isGo: false).Flavour;
            return theirs == ours || theirs is LibcFlavour.None or LibcFlavour.Unknown || ours is LibcFlavour.None or LibcFlavour.Unknown;
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { return false; }
    }
}
