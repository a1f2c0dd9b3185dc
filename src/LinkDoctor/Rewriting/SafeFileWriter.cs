using System.Security.Cryptography;

namespace LinkDoctor.Rewriting;

/// <summary>
/// Replaces a file so that at every moment the path holds either the whole old file or the whole new one:
/// the new bytes go to a temporary file in the same directory (same file system, so rename(2) is atomic),
/// are flushed with fsync, get the old file's owner, mode and extended attributes, and only then are renamed
/// over the target. Any failure removes the temporary file and leaves the target as it was. (patchelf opens the
/// target with O_TRUNC and writes into it: a full disk or a crash leaves a truncated binary.)
/// </summary>
internal static class SafeFileWriter
{
    /// <summary>
    /// Writes <paramref name="data"/> to a new temporary file next to <paramref name="target"/> and returns its path.
    /// <paramref name="mode"/> and <paramref name="owner"/>: what to give it (null: leave the default);
    /// <paramref name="xattrsFrom"/>: a file whose extended attributes it gets (null: none).
    /// </summary>
    public static string WriteTemporary(string target, ReadOnlySpan<byte> data, uint? mode, (uint Uid, uint Gid)? owner, string? xattrsFrom, bool sync = true)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(target)) ?? "/";
        string name = Path.GetFileName(target);
        if (name.Length > 200) name = name[..200];
        string temp = Path.Combine(dir, $".{name}.linkdoctor-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}");
        if (!PosixFile.IsSupported) return WriteManaged(temp, dir, data, mode);

        int fd = PosixFile.CreateExclusive(temp);
        if (fd < 0) throw new PatchException($"cannot create a temporary file in {dir}: {PosixFile.Describe(-fd)}");
        int err = PosixFile.WriteAll(fd, data);
        string? failure = err != 0 ? $"cannot write to {dir}: {PosixFile.Describe(err)}" : null;
        if (failure is null && sync && (err = PosixFile.Sync(fd)) != 0) failure = $"cannot write to {dir}: {PosixFile.Describe(err)}";
        // chown first: it clears the set-user-ID and set-group-ID bits that chmod then sets again.
        if (failure is null && owner is { } o && (err = PosixFile.Chown(fd, o.Uid, o.Gid)) != 0)
            failure = $"cannot give the new file the owner {o.Uid}:{o.Gid}: {PosixFile.Describe(err)}";
        if (failure is null && mode is { } m && (err = PosixFile.Chmod(fd, m)) != 0)
            failure = $"cannot give the new file the mode {Convert.ToString(m, 8)}: {PosixFile.Describe(err)}";
        if (failure is null && xattrsFrom is not null && (err = PosixFile.CopyXattrs(xattrsFrom, fd)) != 0)
            failure = $"cannot copy the extended attributes (capabilities, ACLs, labels): {PosixFile.Describe(err)}";
        int closeErr = PosixFile.Close(fd);
        if (failure is null && closeErr != 0) failure = $"cannot write to {dir}: {PosixFile.Describe(closeErr)}";
        if (failure is not null)
        {
            PosixFile.Unlink(temp);
            throw new PatchException(failure);
        }
        return temp;
    }

    private static string WriteManaged(string temp, string dir, ReadOnlySpan<byte> data, uint? mode)
    {
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
            {
                fs.Write(data);
                fs.Flush(flushToDisk: true);
            }
            if (mode is { } m && !OperatingSystem.IsWindows()) File.SetUnixFileMode(temp, (UnixFileMode)m);
            return temp;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw new PatchException($"cannot write to {dir}: {e.Message}");
        }
    }

    /// <summary>
    /// Renames <paramref name="temp"/> over <paramref name="target"/>. With <paramref name="unchanged"/>, the target must
    /// still be the file that was read (same inode, size and modification time); otherwise nothing is replaced.
    /// </summary>
    public static void Commit(string temp, string target, FileStatus? unchanged, bool sync = true)
    {
        if (!PosixFile.IsSupported)
        {
            try { File.Move(temp, target, overwrite: true); return; }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { Discard(temp); throw new PatchException($"cannot replace {target}: {e.Message}"); }
        }
        if (unchanged is { } u)
        {
            if (PosixFile.LStat(target, out var now) != 0 || now.Inode != u.Inode || now.Device != u.Device || now.Size != u.Size
                || now.MTimeSec != u.MTimeSec || now.MTimeNsec != u.MTimeNsec)
            {
                Discard(temp);
                throw new PatchException($"{target} changed while it was being patched; nothing replaced");
            }
        }
        int err = PosixFile.Rename(temp, target);
        if (err != 0)
        {
            Discard(temp);
            throw new PatchException($"cannot replace {target}: {PosixFile.Describe(err)}");
        }
        if (sync) PosixFile.SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(target)) ?? "/");
    }

    public static void Discard(string temp)
    {
        if (PosixFile.IsSupported) PosixFile.Unlink(temp);
        else try { File.Delete(temp); } catch (IOException) { }
    }
}
