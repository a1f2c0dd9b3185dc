using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Rewriting;

/// <summary>
/// <c>linkdoctor patch</c>: edit plan → layout → emit → verify → atomic replace, for one ELF file.
/// <para>
/// A symbolic link given as FILE is followed and the file it names is patched in place (the link stays a link),
/// as patchelf and editors do; without <c>--root</c> the link may point anywhere. With <c>--root</c>, FILE must lie
/// A FILE inside the <c>--root</c> directory is resolved inside it, component by component, with absolute link targets
/// re-rooted and ".." stopped at the root (<see cref="RootedFileSystem"/>), so a link can never make the patch write
/// outside it. A FILE outside the root is a host path (as for <c>tree --root</c>, like <c>qemu -L</c>).
/// <c>--output OUT</c> writes a new file: an existing OUT, even a symbolic link, is replaced, never followed.
/// </para>
/// </summary>
public static class ElfPatcher
{
    public static PatchResult Patch(PatchRequest request)
    {
        var ops = request.Operations;
        if (ops.Conflict() is { } conflict) return Failed(request, null, conflict);
        string real;
        try { real = ResolveTarget(request.File, request.Root); }
        catch (PatchException e) { return Failed(request, null, e.Message); }

        FileStatus? status = null;
        if (PosixFile.IsSupported)
        {
            int err = PosixFile.LStat(real, out var st);
            if (err != 0) return Failed(request, real, PosixFile.Describe(err));
            if (!st.IsRegular) return Failed(request, real, "not a regular file");
            status = st;
        }
        BinaryImage image;
        ElfFile elf;
        try
        {
            image = BinaryImage.Open(real);
            try { elf = ElfFile.Open(image); }
            catch { image.Dispose(); throw; }
        }
        catch (Exception e) when (FileErrors.Describe(e) is { } m) { return Failed(request, real, m); }
        using (image)
        {
            try { return Patch(request, real, status, elf); }
            catch (PatchException e) { return Failed(request, real, e.Message); }
            catch (BinaryFormatException e) { return Failed(request, real, e.Describe()); }
        }
    }

    private static PatchResult Patch(PatchRequest request, string real, FileStatus? status, ElfFile elf)
    {
        var rw = ElfRewriter.Rewrite(elf, request.Operations, path => MachineOf(path, request.Root));
        var warnings = new List<string>(rw.Edits.Warnings);
        if (real != Path.GetFullPath(request.File) && request.Output is null) warnings.Add($"{request.File} is a symbolic link: patching {real}");
        if (status is { Links: > 1 } s && request.Output is null) warnings.Add($"{real} has {s.Links} hard links: the other names keep the old contents");
        string target = request.Output ?? real;
        var result = new PatchResult
        {
            File = request.File, Target = target, Changes = rw.Edits.Changes, Layout = rw.Layout, Warnings = warnings,
            DryRun = request.DryRun, Changed = rw.Changed,
        };
        if (!rw.Changed)
        {
            // A no-op edit: nothing to write, or (--output) a byte-for-byte copy.
            if (request.Output is not null && !request.DryRun)
            {
                string copy = SafeFileWriter.WriteTemporary(target, rw.Output, status?.Permissions, null, null, request.Sync);
                SafeFileWriter.Commit(copy, target, null, request.Sync);
            }
            return result;
        }

        // Verify the bytes before anything touches the disk (a dry run gets the same check).
        using (var mem = BinaryImage.FromBytes(real, rw.Output))
            if (ElfPatchVerifier.Verify(elf, ElfFile.Open(mem), rw.Expect!) is { } problem)
                return result with { Error = $"internal error, nothing written: the rewritten file fails verification: {problem}" };
        if (request.DryRun) return result;

        var before = LoaderCheck.Trace(request.Loader, request.Root, real);
        string temp = SafeFileWriter.WriteTemporary(target, rw.Output, status?.Permissions,
            request.Output is null && status is { } st ? (st.Uid, st.Gid) : null, request.Output is null ? real : null, request.Sync);
        try
        {
            using (var written = BinaryImage.Open(temp))
            {
                var back = ElfFile.Open(written);
                if (ElfPatchVerifier.Verify(elf, back, rw.Expect!) is { } problem)
                    throw new PatchException($"the file written does not read back as planned: {problem}; nothing replaced");
                var after = LoaderCheck.Trace(request.Loader, request.Root, temp);
                var notes = new List<string>();
                var problems = LoaderCheck.Regressions(before, after, rw.Edits, back.Versions.Needs.Select(n => n.File), notes);
                warnings.AddRange(notes);
                if (problems.Count > 0)
                {
                    if (!request.AllowUnresolved)
                        throw new PatchException($"{problems[0]}{(problems.Count > 1 ? $" (and {problems.Count - 1} more)" : "")}; nothing replaced (--allow-unresolved writes it anyway)");
                    warnings.AddRange(problems);
                }
            }
            SafeFileWriter.Commit(temp, target, request.Output is null ? status : null, request.Sync);
        }
        catch
        {
            SafeFileWriter.Discard(temp);
            throw;
        }
        return result;
    }

    /// <summary>
    /// Plan, lay out, emit and verify in memory (no file system, no loader simulation): the rewritten bytes and what
    /// changed, or the one-line reason there are none. Bad input of any kind ends here, never in another exception.
    /// </summary>
    internal static (byte[]? Output, IReadOnlyList<PatchChange> Changes, string? Error) RewriteBytes(string name, byte[] bytes, PatchOperations ops)
    {
        using var image = BinaryImage.FromBytes(name, bytes);
        try
        {
            var elf = ElfFile.Open(image);
            var rw = ElfRewriter.Rewrite(elf, ops, _ => null);
            if (!rw.Changed) return (rw.Output, rw.Edits.Changes, null);
            using var mem = BinaryImage.FromBytes(name, rw.Output);
            if (ElfPatchVerifier.Verify(elf, ElfFile.Open(mem), rw.Expect!) is { } problem)
                return (null, rw.Edits.Changes, $"internal error, nothing written: the rewritten file fails verification: {problem}");
            return (rw.Output, rw.Edits.Changes, null);
        }
        catch (PatchException e) { return (null, [], e.Message); }
        catch (BinaryFormatException e) { return (null, [], e.Describe()); }
    }

    private static PatchResult Failed(PatchRequest r, string? target, string error) =>
        new() { File = r.File, Target = target, Error = error, DryRun = r.DryRun };

    /// <summary>The regular file to patch: FILE with symbolic links followed (inside the root when FILE lies in it).</summary>
    internal static string ResolveTarget(string file, RootedFileSystem? root)
    {
        string full = Path.GetFullPath(file);
        string r = root?.Root.TrimEnd('/') ?? "";
        if (root is not null && r.Length > 0 && (full == r || full.StartsWith(r + "/", StringComparison.Ordinal)))
        {
            var resolved = root.Resolve(full.Length == r.Length ? "/" : full[r.Length..]);
            if (!resolved.Exists)
                throw new PatchException(resolved.Errno switch
                {
                    RootedFileSystem.ELOOP => "Too many levels of symbolic links",
                    RootedFileSystem.ENOTDIR => "Not a directory",
                    _ => $"No such file or directory (inside --root {root.Root})",
                });
            return resolved.HostPath;
        }
        var info = new FileInfo(full);
        if (info.LinkTarget is null) return full;
        var final = info.ResolveLinkTarget(returnFinalTarget: true);
        if (final is null || !final.Exists) throw new PatchException($"is a symbolic link to {info.LinkTarget}, which does not exist");
        return Path.GetFullPath(final.FullName);
    }

    /// <summary>e_machine of the ELF file at <paramref name="path"/> (inside the root, when there is one), or null.</summary>
    private static ushort? MachineOf(string path, RootedFileSystem? root)
    {
        string host = path;
        if (root is not null)
        {
            var r = root.Resolve(path);
            if (!r.Exists) return null;
            host = r.HostPath;
        }
        try
        {
            using var fs = new FileStream(host, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[20];
            if (fs.ReadAtLeast(head, 20, throwOnEndOfStream: false) < 20 || !ElfFile.HasElfMagic(head)) return null;
            return head[ElfNative.EI_DATA] == ElfNative.ELFDATA2MSB
                ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(head[18..])
                : System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(head[18..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }
}
