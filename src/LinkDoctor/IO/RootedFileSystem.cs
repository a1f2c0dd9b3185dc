using System.Collections.Concurrent;

namespace LinkDoctor.IO;

/// <summary>The outcome of resolving a path: where it is on the host, its canonical path inside the root, or an errno.</summary>
public readonly record struct RootedPath(string HostPath, string RealPath, int Errno)
{
    public bool Exists => Errno == 0;
}

/// <summary>
/// A directory tree seen as a root file system (<c>--root</c>): paths inside it are resolved component by
/// component, symbolic links are followed with absolute targets re-rooted, ".." never climbs above the root,
/// and nothing outside the root is read. With root "/" it is the host's own file system.
/// </summary>
public sealed class RootedFileSystem
{
    public const int ENOENT = 2, ENOTDIR = 20, ELOOP = 40, EACCES = 13, ENAMETOOLONG = 36;
    private const int NAME_MAX = 255, PATH_MAX = 4096;
    private const int MaxSymlinks = 40; // Linux MAXSYMLINKS

    private readonly ConcurrentDictionary<string, RootedPath> _cache = new(StringComparer.Ordinal);
    private readonly string _prefix; // host path of the root without a trailing slash ("" for "/")

    public RootedFileSystem(string root)
    {
        string full = Path.GetFullPath(root);
        Root = full;
        _prefix = full == "/" ? "" : full.TrimEnd('/');
    }

    public static RootedFileSystem Host { get; } = new("/");

    public string Root { get; }
    public bool IsHost => _prefix.Length == 0;

    /// <summary>
    /// Resolves an absolute path inside the root (a relative one is taken from the root's "/"), following every
    /// symbolic link. Results are cached: loaders ask for the same directories again and again.
    /// </summary>
    public RootedPath Resolve(string path) => _cache.GetOrAdd(path, ResolveUncached);

    private RootedPath ResolveUncached(string path)
    {
        var real = new List<string>();
        var pending = new Stack<string>();
        PushComponents(pending, path);
        int links = 0;
        while (pending.Count > 0)
        {
            string c = pending.Pop();
            if (c is "" or ".") continue;
            if (c == "..") { if (real.Count > 0) real.RemoveAt(real.Count - 1); continue; }
            string host = _prefix + "/" + string.Join('/', real) + (real.Count > 0 ? "/" : "") + c;
            // open(2) fails with ENAMETOOLONG on a component or a path too long; the loaders take that as "not here".
            if (System.Text.Encoding.UTF8.GetByteCount(c) > NAME_MAX || host.Length >= PATH_MAX)
                return new RootedPath(host, "/" + string.Join('/', real.Append(c)), ENAMETOOLONG);
            FileSystemInfo info = new FileInfo(host);
            var attrs = info.Attributes;
            if ((int)attrs == -1) return new RootedPath(host, "/" + string.Join('/', real.Append(c)), ENOENT);
            if ((attrs & FileAttributes.ReparsePoint) != 0 && info.LinkTarget is { } target)
            {
                if (++links > MaxSymlinks) return new RootedPath(host, path, ELOOP);
                if (target.StartsWith('/')) real.Clear();
                PushComponents(pending, target);
                continue;
            }
            if (pending.Count > 0 && pending.Any(p => p is not ("" or ".")) && (attrs & FileAttributes.Directory) == 0)
                return new RootedPath(host, "/" + string.Join('/', real.Append(c)), ENOTDIR);
            real.Add(c);
        }
        string realPath = "/" + string.Join('/', real);
        return new RootedPath(_prefix + realPath, realPath, 0);
    }

    private static void PushComponents(Stack<string> pending, string path)
    {
        var parts = path.Split('/');
        for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    public bool IsDirectory(string rootPath)
    {
        var r = Resolve(rootPath);
        return r.Exists && Directory.Exists(r.HostPath);
    }

    /// <summary>Opens a file inside the root; throws like <see cref="BinaryImage.Open"/> (FileNotFound for a missing one).</summary>
    public BinaryImage Open(string rootPath)
    {
        var r = Resolve(rootPath);
        if (!r.Exists)
            throw r.Errno switch
            {
                ELOOP => new IOException("Too many levels of symbolic links"),
                ENOTDIR => new DirectoryNotFoundException("Not a directory"),
                _ => new FileNotFoundException("No such file or directory", rootPath),
            };
        return BinaryImage.Open(r.HostPath);
    }

    /// <summary>The text of a small file inside the root, or null when it does not exist or cannot be read.</summary>
    public string? ReadText(string rootPath)
    {
        var r = Resolve(rootPath);
        if (!r.Exists) return null;
        try { return File.ReadAllText(r.HostPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    public byte[]? ReadBytes(string rootPath)
    {
        var r = Resolve(rootPath);
        if (!r.Exists) return null;
        try { return File.ReadAllBytes(r.HostPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
