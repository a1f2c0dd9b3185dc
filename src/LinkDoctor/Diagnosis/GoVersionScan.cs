using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.Go;
using LinkDoctor.IO;

namespace LinkDoctor.Diagnosis;

/// <summary>One operand or directory entry of <c>go version</c>, in output order.</summary>
public sealed class GoVersionEntry
{
    public required string Path { get; init; }
    /// <summary>Set when <c>go version</c> prints the file on stdout.</summary>
    public GoBuildInfo? Info { get; set; }
    /// <summary>The exact line <c>go version</c> prints on stderr (without the newline), or null.</summary>
    public string? GoError { get; set; }
    /// <summary>
    /// A file LinkDoctor cannot judge as go1.19 would (a format without a reader in this build, such as PE or Mach-O
    /// before their readers are registered): one <c>linkdoctor:</c> line on stderr, also in directory walks.
    /// </summary>
    public string? LinkDoctorError { get; set; }
    /// <summary>Report errors (go1.19's mustPrint): true for operands, <c>-v</c> for directory entries.</summary>
    public bool MustPrint { get; init; }
    /// <summary>True when the entry is a regular file that was read (so a Go view may be computed for it).</summary>
    public bool WasRead { get; set; }
}

/// <summary>The whole run: entries in output order and go's exit status (1 when an operand could not be stat'ed).</summary>
public sealed record GoVersionScanResult(IReadOnlyList<GoVersionEntry> Entries, int ExitStatus);

/// <summary>
/// <c>go version [-m] [-v] FILE...</c> exactly as go1.19 runs it (src/cmd/go/internal/version/version.go): operands
/// are stat'ed (errors "stat X: …", exit status 1), directories walked with <c>filepath.WalkDir</c> (lexical order,
/// symbolic links not followed, only regular files and symlinks to regular files considered, errors only with -v),
/// files without an execute bit refused ("X: not executable file"), then <c>debug/buildinfo.ReadFile</c>.
/// Newer Go differs: no execute-bit test (errors shown only for likely binaries: exec bit, .so, .exe, .dll), exit
/// status 1 for a failed file with -m, <c>-json</c>, fat Mach-O files, the whole data section searched.
/// </summary>
public static class GoVersionScan
{
    public static GoVersionScanResult Run(IReadOnlyList<string> operands, bool verbose, GoBuildInfoAlgorithm algorithm = GoBuildInfoAlgorithm.Go119)
    {
        var entries = new List<GoVersionEntry>();
        int exit = 0;
        foreach (var arg in operands)
        {
            var mode = GoFileStat.Stat(arg, lstat: false, out var err);
            if (mode is null)
            {
                entries.Add(new GoVersionEntry { Path = arg, GoError = $"stat {arg}: {err}", MustPrint = true });
                exit = 1;
                continue;
            }
            if (mode.Value.IsDirectory) ScanDir(arg, verbose, entries);
            else entries.Add(Candidate(arg, mode.Value, mustPrint: true));
        }
        var toRead = entries.Where(e => e.WasRead).ToList();
        Parallel.ForEach(toRead, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, e => ReadOne(e, algorithm));
        return new GoVersionScanResult(entries, exit);
    }

    /// <summary>go1.19 <c>scanDir</c>: <c>filepath.WalkDir</c>; regular files and symbolic links go to scanFile with mustPrint = -v.</summary>
    private static void ScanDir(string root, bool verbose, List<GoVersionEntry> entries)
    {
        // WalkDir starts with os.Lstat(root): a symbolic link to a directory is reported as a symlink entry, not walked.
        var rootMode = GoFileStat.Stat(root, lstat: true, out _);
        if (rootMode is { IsSymlink: true })
        {
            entries.Add(Symlink(root, verbose));
            return;
        }
        Walk(root, verbose, entries);
    }

    private static void Walk(string dir, bool verbose, List<GoVersionEntry> entries)
    {
        string[] names;
        try { names = Directory.EnumerateFileSystemEntries(dir).Select(System.IO.Path.GetFileName).OfType<string>().ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        // os.ReadDir sorts by name, byte-wise.
        Array.Sort(names, (a, b) => CompareUtf8(a, b));
        foreach (var name in names)
        {
            string path = GoPath.Join(dir, name);
            var mode = GoFileStat.Stat(path, lstat: true, out var err);
            if (mode is null)
            {
                // d.Info() failed: reported only with -v.
                if (verbose) entries.Add(new GoVersionEntry { Path = path, GoError = $"{path}: lstat {path}: {err}", MustPrint = true });
                continue;
            }
            var m = mode.Value;
            if (m.IsDirectory) { Walk(path, verbose, entries); continue; }
            if (m.IsRegular) entries.Add(Candidate(path, m, verbose));
            else if (m.IsSymlink) entries.Add(Symlink(path, verbose));
        }
    }

    private static int CompareUtf8(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] == b[i]) continue;
            // UTF-16 order equals UTF-8 byte order except around surrogates; names here are rarely outside the BMP.
            return a[i].CompareTo(b[i]);
        }
        return a.Length.CompareTo(b.Length);
    }

    /// <summary>scanFile's symlink case: only links to regular files are read.</summary>
    private static GoVersionEntry Symlink(string path, bool mustPrint)
    {
        var target = GoFileStat.Stat(path, lstat: false, out _);
        if (target is not { IsRegular: true })
            return new GoVersionEntry { Path = path, GoError = mustPrint ? $"{path}: symlink" : null, MustPrint = mustPrint };
        return Candidate(path, target.Value, mustPrint);
    }

    /// <summary>scanFile after the symlink case: isExe (regular, some execute bit), then the read.</summary>
    private static GoVersionEntry Candidate(string path, GoFileMode mode, bool mustPrint)
    {
        if (!mode.IsRegular || !mode.AnyExecuteBit)
            return new GoVersionEntry { Path = path, GoError = mustPrint ? $"{path}: not executable file" : null, MustPrint = mustPrint };
        return new GoVersionEntry { Path = path, MustPrint = mustPrint, WasRead = true };
    }

    private static void ReadOne(GoVersionEntry e, GoBuildInfoAlgorithm algorithm)
    {
        var r = ReadFile(e.Path, algorithm);
        if (r.Info is not null) { e.Info = r.Info; return; }
        // A format this build cannot read is always reported (even in a directory walk): go would have read it.
        if (r.LinkDoctorError is not null) { e.LinkDoctorError = r.LinkDoctorError; return; }
        if (!e.MustPrint) return;
        e.GoError = r.OpenFailed ? e.Path : $"{e.Path}: could not read Go build info from {e.Path}: {r.GoError}";
    }

    /// <summary>The outcome of <c>debug/buildinfo.ReadFile</c> on one file.</summary>
    public readonly record struct ReadResult(GoBuildInfo? Info, string? GoError, string? LinkDoctorError, bool OpenFailed);

    /// <summary>
    /// <c>debug/buildinfo.ReadFile</c>: open (a failure is a PathError, which go1.19's <c>go version</c> prints as the
    /// bare file name), identify the format from the first 16 bytes as Go does, then read the blob.
    /// </summary>
    public static ReadResult ReadFile(string path, GoBuildInfoAlgorithm algorithm)
    {
        BinaryImage image;
        try { image = BinaryImage.Open(path); }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return new ReadResult(null, null, null, OpenFailed: true);
        }
        catch (Exception ex) when (FileErrors_Describe(ex) is { } msg)
        {
            return new ReadResult(null, null, msg, false);
        }
        using (image)
        {
            var kind = Identify(image.Span, algorithm);
            switch (kind)
            {
                case GoFormat.Unrecognized:
                    return new ReadResult(null, GoBuildInfoReader.ErrUnrecognizedFormat, null, false);
                case GoFormat.Elf:
                    {
                        if (algorithm == GoBuildInfoAlgorithm.Go119 && !GoElfAcceptance.Accepts(image.Span))
                            return new ReadResult(null, GoBuildInfoReader.ErrUnrecognizedFormat, null, false);
                        ElfFile elf;
                        try { elf = ElfFile.Open(image); }
                        catch (BinaryFormatException) { return new ReadResult(null, GoBuildInfoReader.ErrUnrecognizedFormat, null, false); }
                        var res = GoBuildInfoReader.Read(new ElfGoExecutable(elf), algorithm);
                        return new ReadResult(res.Info, res.Error, null, false);
                    }
                default:
                    {
                        var format = kind == GoFormat.MachO ? BinaryFormat.MachO : BinaryFormat.Pe;
                        if (kind == GoFormat.Xcoff || !BinaryFile.Readers.Any(r => r.Format == format))
                            return new ReadResult(null, null, $"{FormatWord(kind)} files cannot be read by this build of LinkDoctor", false);
                        IReadOnlyList<ILoadableObject> objects;
                        try { objects = BinaryFile.Identify(image.Span)?.Read(image) ?? []; }
                        catch (BinaryFormatException) { return new ReadResult(null, GoBuildInfoReader.ErrUnrecognizedFormat, null, false); }
                        if (objects.Count == 0 || GoExecutable.From(objects[0]) is not { } gx)
                            return new ReadResult(null, null, $"{FormatWord(kind)} objects have no Go view in this build of LinkDoctor", false);
                        var res = GoBuildInfoReader.Read(gx, algorithm);
                        return new ReadResult(res.Info, res.Error, null, false);
                    }
            }
        }
    }

    private static string? FileErrors_Describe(Exception e) => Reports.FileErrors.Describe(e);

    private static string FormatWord(GoFormat f) => f switch { GoFormat.MachO => "Mach-O", GoFormat.Pe => "PE", _ => "XCOFF" };

    public enum GoFormat { Unrecognized, Elf, Pe, MachO, Xcoff }

    /// <summary>
    /// readRawBuildInfo's format switch on the first 16 bytes (fewer: unrecognized): ELF, "MZ", Mach-O thin
    /// (<c>FE ED FA</c> or <c>?? FA ED FE</c>; a fat file only for newer Go), XCOFF (<c>01 DF</c>, <c>01 F7</c>).
    /// </summary>
    public static GoFormat Identify(ReadOnlySpan<byte> ident, GoBuildInfoAlgorithm algorithm)
    {
        if (ident.Length < 16) return GoFormat.Unrecognized;
        if (ident[0] == 0x7f && ident[1] == 'E' && ident[2] == 'L' && ident[3] == 'F') return GoFormat.Elf;
        if (ident[0] == 'M' && ident[1] == 'Z') return GoFormat.Pe;
        if ((ident[0] == 0xFE && ident[1] == 0xED && ident[2] == 0xFA) || (ident[1] == 0xFA && ident[2] == 0xED && ident[3] == 0xFE)) return GoFormat.MachO;
        if (algorithm == GoBuildInfoAlgorithm.Current && ident[0] == 0xCA && ident[1] == 0xFE && ident[2] == 0xBA && ident[3] is 0xBE or 0xBF) return GoFormat.MachO;
        if (ident[0] == 0x01 && ident[1] is 0xDF or 0xF7) return GoFormat.Xcoff;
        return GoFormat.Unrecognized;
    }

    /// <summary>Renders a run as go1.19 prints it: stdout text and stderr lines, in order.</summary>
    public static void Write(GoVersionScanResult result, bool modules, TextWriter stdout, TextWriter stderr)
    {
        foreach (var e in result.Entries)
        {
            if (e.Info is { } bi)
            {
                stdout.Write(e.Path);
                stdout.Write(": ");
                stdout.Write(bi.GoVersion);
                stdout.Write('\n');
                string mod = bi.ToGoString(includeGoVersion: false);
                if (modules && mod.Length > 0)
                {
                    stdout.Write('\t');
                    stdout.Write(mod[..^1].Replace("\n", "\n\t"));
                    stdout.Write('\n');
                }
            }
            else if (e.GoError is not null)
            {
                stdout.Flush();
                stderr.Write(e.GoError);
                stderr.Write('\n');
                stderr.Flush();
            }
            else if (e.LinkDoctorError is not null)
            {
                stdout.Flush();
                stderr.Write($"linkdoctor: {e.Path}: {e.LinkDoctorError}\n");
                stderr.Flush();
            }
        }
    }
}

/// <summary>Go's <c>path/filepath</c> Join and Clean for Unix paths (src/path/filepath/path.go).</summary>
public static class GoPath
{
    public static string Join(string dir, string name) => dir.Length == 0 ? Clean(name) : Clean(dir + "/" + name);

    /// <summary><c>filepath.Clean</c>: one slash between elements, no "." elements, ".." resolved lexically.</summary>
    public static string Clean(string path)
    {
        if (path.Length == 0) return ".";
        bool rooted = path[0] == '/';
        var parts = new List<string>();
        int dotdot = 0;
        foreach (var p in path.Split('/'))
        {
            if (p.Length == 0 || p == ".") continue;
            if (p == "..")
            {
                if (parts.Count > dotdot) parts.RemoveAt(parts.Count - 1);
                else if (!rooted) { parts.Add(".."); dotdot++; }
                continue;
            }
            parts.Add(p);
        }
        string s = string.Join('/', parts);
        if (rooted) return "/" + s;
        return s.Length == 0 ? "." : s;
    }
}
