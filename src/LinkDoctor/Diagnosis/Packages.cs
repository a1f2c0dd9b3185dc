using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;

namespace LinkDoctor.Diagnosis;

/// <summary>What a root's package database and directories say about a missing library.</summary>
public static class Packages
{
    /// <summary>Debian's architecture name for a file (amd64, arm64, i386 …).</summary>
    public static string DebianArch(ElfFile f) => f.Header.Machine switch
    {
        ElfNative.EM_X86_64 => "amd64", ElfNative.EM_386 => "i386", ElfNative.EM_AARCH64 => "arm64", ElfNative.EM_ARM => "armhf",
        ElfNative.EM_S390 => "s390x", ElfNative.EM_PPC64 => "ppc64el", ElfNative.EM_RISCV => "riscv64", _ => "native",
    };

    private static readonly string[] LibraryDirectories = ["/usr/local/lib", "/opt", "/usr/lib", "/lib", "/usr/lib64", "/lib64"];

    /// <summary>Directories (inside the root) that hold a file with this name, off the search path: a shallow scan of the usual places.</summary>
    public static IEnumerable<string> FindElsewhere(RootedFileSystem root, string name, ElfFile main)
    {
        foreach (var top in LibraryDirectories)
        {
            var r = root.Resolve(top);
            if (!r.Exists || !Directory.Exists(r.HostPath)) continue;
            IEnumerable<string> hits;
            try
            {
                hits = Directory.EnumerateFiles(r.HostPath, name, new EnumerationOptions { RecurseSubdirectories = true, MaxRecursionDepth = 3, IgnoreInaccessible = true, AttributesToSkip = 0 }).ToList();
            }
            catch (IOException) { continue; }
            foreach (var hit in hits)
            {
                string inRoot = root.IsHost ? hit : "/" + Path.GetRelativePath(root.Root, hit);
                if (!IsCompatible(hit, main)) continue;
                yield return Path.GetDirectoryName(inRoot)!;
            }
        }
    }

    /// <summary>The program's own directory and its ../lib and ../lib64, where bundled libraries usually sit (host paths).</summary>
    public static IEnumerable<string> FindNextTo(string program, string name, ElfFile main)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(program))!;
        foreach (var d in new[] { dir, Path.GetFullPath(Path.Combine(dir, "../lib")), Path.GetFullPath(Path.Combine(dir, "../lib64")) })
            if (File.Exists(Path.Combine(d, name)) && IsCompatible(Path.Combine(d, name), main)) yield return d;
    }

    private static bool IsCompatible(string hostPath, ElfFile main)
    {
        try
        {
            using var image = BinaryImage.Open(hostPath);
            var f = ElfFile.Open(image);
            return f.Header.Machine == main.Header.Machine && f.Header.Class == main.Header.Class;
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>The installed Alpine package (/lib/apk/db/installed: P: package, F: directory, R: file) that owns this name.</summary>
    public static string? AlpinePackageOwning(RootedFileSystem root, string name)
    {
        string? text = root.ReadText("/lib/apk/db/installed");
        if (text is null) return null;
        string? package = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("P:", StringComparison.Ordinal)) package = line[2..];
            else if (line.StartsWith("R:", StringComparison.Ordinal) && line[2..] == name) return package;
        }
        return null;
    }

    /// <summary>
    /// The installed Debian package whose file list (/var/lib/dpkg/info/*.list) names this library for the
    /// program's machine and class (another architecture's copy of the same name does not count), with the
    /// path it lists and whether that file is still there.
    /// </summary>
    public static (string Package, string Path, bool Present)? DebianPackageOwning(RootedFileSystem root, string name, ElfFile main)
    {
        var info = root.Resolve("/var/lib/dpkg/info");
        if (!info.Exists || !Directory.Exists(info.HostPath)) return null;
        string suffix = "/" + name;
        (string, string, bool)? missingCandidate = null;
        foreach (var list in Directory.EnumerateFiles(info.HostPath, "*.list"))
        {
            foreach (var line in File.ReadLines(list))
            {
                if (!line.EndsWith(suffix, StringComparison.Ordinal)) continue;
                var r = root.Resolve(line);
                string package = Path.GetFileNameWithoutExtension(list);
                if (r.Exists && IsCompatible(r.HostPath, main)) return (package, line, true);
                if (!r.Exists) missingCandidate ??= (package, line, false);
            }
        }
        return missingCandidate;
    }
}
