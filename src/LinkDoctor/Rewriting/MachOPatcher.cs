using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using LinkDoctor.Formats.MachO;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Rewriting;

/// <summary>What <c>install_name_tool</c> does: edits of LC_RPATH, LC_ID_DYLIB and the dylib load commands.</summary>
public sealed record MachOPatchOperations
{
    /// <summary>-add_rpath: a new LC_RPATH after the last load command.</summary>
    public IReadOnlyList<string> AddRPath { get; init; } = [];
    /// <summary>-delete_rpath: the LC_RPATH with this path is removed.</summary>
    public IReadOnlyList<string> DeleteRPath { get; init; } = [];
    /// <summary>-rpath OLD NEW: the LC_RPATH with path OLD gets path NEW, in place.</summary>
    public IReadOnlyList<(string Old, string New)> ChangeRPath { get; init; } = [];
    /// <summary>-id: the install name (LC_ID_DYLIB) of a dylib.</summary>
    public string? SetId { get; init; }
    /// <summary>-change OLD NEW: every dependent-library command naming OLD names NEW.</summary>
    public IReadOnlyList<(string Old, string New)> Change { get; init; } = [];

    public bool IsEmpty => AddRPath.Count == 0 && DeleteRPath.Count == 0 && ChangeRPath.Count == 0 && SetId is null && Change.Count == 0;

    public string? Conflict()
    {
        foreach (var s in AddRPath.Concat(DeleteRPath).Concat(ChangeRPath.SelectMany(c => new[] { c.Old, c.New })).Concat(Change.SelectMany(c => new[] { c.Old, c.New })).Append(SetId))
        {
            if (s is null) continue;
            if (s.Length == 0) return "names and paths may not be empty";
            if (s.Contains('\0')) return "names and paths may not contain NUL";
        }
        return null;
    }
}

/// <summary>
/// <c>linkdoctor patch</c> for Mach-O, thin or universal (every slice): the load commands are rebuilt as cctools'
/// <c>install_name_tool</c> rebuilds them (misc/install_name_tool.c: changed commands in place with the new
/// <c>cmdsize</c>, a new LC_RPATH last, <c>cmdsize</c> a multiple of 8 in 64-bit images and 4 in 32-bit ones, ncmds
/// and sizeofcmds updated), inside the header padding only (nothing in the file moves); an ad-hoc code signature is
/// recomputed (the code-page hashes of every CodeDirectory), a signature made with a certificate is refused with the
/// command that re-signs. Written through the same safe path as ELF patches: temporary file, re-read and verified,
/// atomic rename keeping mode and owner.
/// </summary>
public static class MachOPatcher
{
    public const string HeaderPadHint = "relink with -headerpad_max_install_names (or -headerpad SIZE) to leave room";

    public static PatchResult Patch(string file, MachOPatchOperations ops, string? output, bool dryRun, RootedFileSystem? root, bool sync = true)
    {
        if (ops.Conflict() is { } conflict) return new PatchResult { File = file, Error = conflict, DryRun = dryRun };
        string real;
        try { real = ElfPatcher.ResolveTarget(file, root); }
        catch (PatchException e) { return new PatchResult { File = file, Error = e.Message, DryRun = dryRun }; }
        FileStatus? status = null;
        if (PosixFile.IsSupported)
        {
            int err = PosixFile.LStat(real, out var st);
            if (err != 0) return new PatchResult { File = file, Target = real, Error = PosixFile.Describe(err), DryRun = dryRun };
            if (!st.IsRegular) return new PatchResult { File = file, Target = real, Error = "not a regular file", DryRun = dryRun };
            status = st;
        }
        byte[] bytes;
        try { bytes = File.ReadAllBytes(real); }
        catch (Exception e) when (FileErrors.Describe(e) is { } m) { return new PatchResult { File = file, Target = real, Error = m, DryRun = dryRun }; }
        var warnings = new List<string>();
        if (real != Path.GetFullPath(file) && output is null) warnings.Add($"{file} is a symbolic link: patching {real}");
        string target = output ?? real;
        byte[] result;
        List<PatchChange> changes;
        List<string> layout;
        try { (result, changes, layout) = Rewrite(real, bytes, ops, warnings); }
        catch (PatchException e) { return new PatchResult { File = file, Target = real, Error = e.Message, DryRun = dryRun, Warnings = warnings }; }
        catch (BinaryFormatException e) { return new PatchResult { File = file, Target = real, Error = e.Describe(), DryRun = dryRun, Warnings = warnings }; }
        catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return new PatchResult { File = file, Target = real, Error = "malformed Mach-O: a load command or the code signature points outside the image", DryRun = dryRun, Warnings = warnings };
        }
        bool changed = !result.AsSpan().SequenceEqual(bytes);
        var r = new PatchResult { File = file, Target = target, Changes = changes, Layout = layout, Warnings = warnings, DryRun = dryRun, Changed = changed };
        if (dryRun || (!changed && output is null)) return r;
        string temp = SafeFileWriter.WriteTemporary(target, result, status?.Permissions, output is null && status is { } s0 ? (s0.Uid, s0.Gid) : null, output is null ? real : null, sync);
        try
        {
            // Re-read what was written and check it against the plan before it replaces anything.
            byte[] back = File.ReadAllBytes(temp);
            if (!back.AsSpan().SequenceEqual(result)) throw new PatchException("the file written does not read back as written; nothing replaced");
            string? problem;
            try { problem = Verify(real, bytes, back, ops); }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or BinaryFormatException) { problem = e.Message; }
            if (problem is not null) throw new PatchException($"internal error, nothing replaced: the rewritten file fails verification: {problem}");
            SafeFileWriter.Commit(temp, target, output is null ? status : null, sync);
        }
        catch (PatchException e)
        {
            SafeFileWriter.Discard(temp);
            return r with { Error = e.Message };
        }
        return r;
    }

    /// <summary>The edited file (same length as the input), what changed, and per slice how the padding was used.</summary>
    internal static (byte[] Output, List<PatchChange> Changes, List<string> Layout) Rewrite(string name, byte[] input, MachOPatchOperations ops, List<string> warnings)
    {
        var output = (byte[])input.Clone();
        var changes = new List<PatchChange>();
        var layout = new List<string>();
        if (MachOFormatReader.IsUniversal(input))
        {
            var arches = MachOFormatReader.ReadFatArches(input);
            foreach (var a in arches)
                RewriteSlice(name, output, a.Offset, a.Size, a.Index, $"slice {a.Index} ({a.Name})", ops, changes, layout, warnings);
        }
        else if (MachOFile.HasThinMagic(input)) RewriteSlice(name, output, 0, (ulong)input.Length, -1, null, ops, changes, layout, warnings);
        else throw new PatchException("not a Mach-O file");
        return (output, changes, layout);
    }

    private sealed record Command(uint Cmd, byte[] Bytes, bool Changed);

    private static void RewriteSlice(string name, byte[] file, ulong offset, ulong size, int index, string? label, MachOPatchOperations ops,
        List<PatchChange> changes, List<string> layout, List<string> warnings)
    {
        string where = label is null ? "" : label + ": ";
        MachOFile m;
        using (var image = BinaryImage.FromBytes(name, file)) m = MachOFile.Open(image, offset, size, index);
        var s = file.AsSpan((int)offset, (int)size);
        bool be = m.IsBigEndian, is64 = m.Is64;
        int align = is64 ? 8 : 4;
        var cmds = new List<Command>();
        foreach (var c in m.LoadCommands) cmds.Add(new Command(c.Cmd, s.Slice((int)c.Offset, (int)c.CmdSize).ToArray(), false));
        uint U32(byte[] b, int at) => be ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(at)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(at));
        string StringAt(byte[] b, int lcStrOffset)
        {
            int off = (int)U32(b, lcStrOffset);
            if (off >= b.Length) return "";
            var tail = b.AsSpan(off);
            int nul = tail.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul < 0 ? tail : tail[..nul]);
        }
        // A command whose lc_str (at lcStrOffset in the command) now names `value`: the fixed part kept, the string
        // after it, NUL-terminated, zero-padded to the image's alignment.
        Command WithString(Command c, int lcStrOffset, string value)
        {
            int strOff = (int)U32(c.Bytes, lcStrOffset);
            var str = Encoding.UTF8.GetBytes(value);
            int total = (strOff + str.Length + 1 + align - 1) / align * align;
            var b = new byte[total];
            c.Bytes.AsSpan(0, strOff).CopyTo(b);
            str.CopyTo(b.AsSpan(strOff));
            if (be) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), (uint)total); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(4), (uint)total);
            return new Command(c.Cmd, b, true);
        }
        List<int> RPathIndexes(string path) => [.. cmds.Select((c, i) => (c, i)).Where(x => x.c.Cmd == LC_RPATH && StringAt(x.c.Bytes, 8) == path).Select(x => x.i)];

        foreach (var (o, n) in ops.ChangeRPath)
        {
            var at = RPathIndexes(o);
            if (at.Count == 0) throw new PatchException($"{where}no LC_RPATH load command with path: {o}");
            if (o != n && RPathIndexes(n).Count > 0) throw new PatchException($"{where}would duplicate path, file already has LC_RPATH for: {n}");
            foreach (var i in at) cmds[i] = WithString(cmds[i], 8, n);
            changes.Add(new PatchChange(where + "LC_RPATH", o, n));
        }
        foreach (var p in ops.DeleteRPath)
        {
            var at = RPathIndexes(p);
            if (at.Count == 0) throw new PatchException($"{where}no LC_RPATH load command with path: {p}");
            for (int k = at.Count - 1; k >= 0; k--) cmds.RemoveAt(at[k]);
            changes.Add(new PatchChange(where + "LC_RPATH", p, null));
        }
        foreach (var p in ops.AddRPath)
        {
            if (RPathIndexes(p).Count > 0) throw new PatchException($"{where}would duplicate path, file already has LC_RPATH for: {p}");
            var fixedPart = new byte[12];
            if (be) { BinaryPrimitives.WriteUInt32BigEndian(fixedPart, LC_RPATH); BinaryPrimitives.WriteUInt32BigEndian(fixedPart.AsSpan(8), 12); }
            else { BinaryPrimitives.WriteUInt32LittleEndian(fixedPart, LC_RPATH); BinaryPrimitives.WriteUInt32LittleEndian(fixedPart.AsSpan(8), 12); }
            cmds.Add(WithString(new Command(LC_RPATH, fixedPart, true), 8, p));
            changes.Add(new PatchChange(where + "LC_RPATH", null, p));
        }
        if (ops.SetId is { } id)
        {
            if (m.Header.FileType != MH_DYLIB) throw new PatchException($"{where}--set-id: not a dynamic library (file type {FileTypeName(m.Header.FileType)}, not MH_DYLIB)");
            int i = cmds.FindIndex(c => c.Cmd == LC_ID_DYLIB);
            if (i < 0) throw new PatchException($"{where}--set-id: the dylib has no LC_ID_DYLIB");
            string old = StringAt(cmds[i].Bytes, 8);
            if (old != id)
            {
                cmds[i] = WithString(cmds[i], 8, id);
                changes.Add(new PatchChange(where + "LC_ID_DYLIB", old, id));
            }
        }
        foreach (var (o, n) in ops.Change)
        {
            bool any = false;
            for (int i = 0; i < cmds.Count; i++)
            {
                if (cmds[i].Cmd is not (LC_LOAD_DYLIB or LC_LOAD_WEAK_DYLIB or LC_REEXPORT_DYLIB or LC_LAZY_LOAD_DYLIB or LC_LOAD_UPWARD_DYLIB)) continue;
                if (StringAt(cmds[i].Bytes, 8) != o) continue;
                any = true;
                if (o == n) continue;
                cmds[i] = WithString(cmds[i], 8, n);
                changes.Add(new PatchChange($"{where}{LoadCommandName(cmds[i].Cmd)}", o, n));
            }
            // install_name_tool -change is silent when nothing matches; say so.
            if (!any) warnings.Add($"{where}--change: no dependent library named {o}");
        }
        if (!cmds.Any(c => c.Changed) && cmds.Count == m.LoadCommands.Count) return;

        int hsize = m.Header.Size;
        long oldSize = m.Header.SizeOfCmds, newSize = cmds.Sum(c => (long)c.Bytes.Length);
        long room = oldSize + (long)m.HeaderPadding;
        if (newSize > room)
            throw new PatchException($"{where}the load commands would need {newSize} bytes, but only {room} fit before the first section ({m.HeaderPadding} bytes of header padding after {oldSize}); {HeaderPadHint}");
        var region = s.Slice(hsize, (int)Math.Max(oldSize, newSize));
        region.Clear();
        int p0 = 0;
        foreach (var c in cmds) { c.Bytes.CopyTo(region[p0..]); p0 += c.Bytes.Length; }
        if (be) { BinaryPrimitives.WriteUInt32BigEndian(s[16..], (uint)cmds.Count); BinaryPrimitives.WriteUInt32BigEndian(s[20..], (uint)newSize); }
        else { BinaryPrimitives.WriteUInt32LittleEndian(s[16..], (uint)cmds.Count); BinaryPrimitives.WriteUInt32LittleEndian(s[20..], (uint)newSize); }
        layout.Add($"{where}load commands {oldSize} -> {newSize} bytes, ncmds {m.LoadCommands.Count} -> {cmds.Count}, header padding {m.HeaderPadding} -> {room - newSize}");
        if (m.CodeSignature is { } cs) layout.Add(where + CodeSignature.Recompute(s, cs.DataOff, cs.DataSize, input: file, sliceOffset: offset, warnings, where));
    }

    /// <summary>
    /// Checks the rewritten file against the plan: it reads as Mach-O, each slice's LC_RPATHs, install name and
    /// dependent libraries are what the operations make of the input's, every other load command is byte-identical
    /// and in the same order, the bytes after the load-command region are unchanged except the signature, and an
    /// ad-hoc signature's code hashes match the new contents.
    /// </summary>
    internal static string? Verify(string name, byte[] before, byte[] after, MachOPatchOperations ops)
    {
        if (before.Length != after.Length) return "the size changed";
        using var bi = BinaryImage.FromBytes(name, before);
        using var ai = BinaryImage.FromBytes(name, after);
        var b = MachOFormatReader.Instance.Read(bi).Cast<MachOFile>().ToList();
        var a = MachOFormatReader.Instance.Read(ai).Cast<MachOFile>().ToList();
        if (a.Count != b.Count) return "the number of slices changed";
        for (int i = 0; i < a.Count; i++)
        {
            var (x, y) = (b[i], a[i]);
            var rpaths = x.RPaths.ToList();
            foreach (var (o, n) in ops.ChangeRPath) rpaths = [.. rpaths.Select(r => r == o ? n : r)];
            foreach (var d in ops.DeleteRPath) rpaths.RemoveAll(r => r == d);
            rpaths.AddRange(ops.AddRPath);
            if (!rpaths.SequenceEqual(y.RPaths)) return $"slice {i}: LC_RPATHs are [{string.Join(", ", y.RPaths)}], expected [{string.Join(", ", rpaths)}]";
            var dylibs = x.Dylibs.Select(d => d.Name).ToList();
            foreach (var (o, n) in ops.Change) dylibs = [.. dylibs.Select(d => d == o ? n : d)];
            if (!dylibs.SequenceEqual(y.Dylibs.Select(d => d.Name))) return $"slice {i}: dependent libraries differ from the plan";
            string? id = ops.SetId ?? x.IdDylib?.Name;
            if (y.IdDylib?.Name != id) return $"slice {i}: install name is {y.IdDylib?.Name}, expected {id}";
            static bool Edited(uint cmd) => cmd is LC_RPATH or LC_ID_DYLIB or LC_LOAD_DYLIB or LC_LOAD_WEAK_DYLIB or LC_REEXPORT_DYLIB or LC_LAZY_LOAD_DYLIB or LC_LOAD_UPWARD_DYLIB;
            var keepX = x.LoadCommands.Where(c => !Edited(c.Cmd)).Select(c => x.Data.Slice((int)c.Offset, (int)c.CmdSize).ToArray()).ToList();
            var keepY = y.LoadCommands.Where(c => !Edited(c.Cmd)).Select(c => y.Data.Slice((int)c.Offset, (int)c.CmdSize).ToArray()).ToList();
            if (keepX.Count != keepY.Count || keepX.Zip(keepY).Any(p => !p.First.AsSpan().SequenceEqual(p.Second))) return $"slice {i}: a load command that was not to change changed";
            ulong end = x.LoadCommandsEnd + x.HeaderPadding;
            ulong sigStart = x.CodeSignature?.DataOff ?? (ulong)x.Data.Length, sigEnd = sigStart + (x.CodeSignature?.DataSize ?? 0);
            if (!x.Data[(int)end..(int)sigStart].SequenceEqual(y.Data[(int)end..(int)sigStart]) || !x.Data[(int)Math.Min(sigEnd, (ulong)x.Data.Length)..].SequenceEqual(y.Data[(int)Math.Min(sigEnd, (ulong)y.Data.Length)..]))
                return $"slice {i}: bytes outside the load commands changed";
            if (y.CodeSignature is { } cs && CodeSignature.Check(y.Data, cs.DataOff, cs.DataSize) is { } bad) return $"slice {i}: {bad}";
        }
        return null;
    }
}

/// <summary>
/// The embedded code signature (LC_CODE_SIGNATURE → CS_SuperBlob, big-endian; xnu osfmk/kern/cs_blobs.h): the
/// code-page hashes of each CodeDirectory are recomputed over the image up to its codeLimit, page by page of
/// 2^pageSize bytes. Special slots (Info.plist, requirements, entitlements) hash blobs the edit does not touch and stay.
/// A CMS signature (a certificate) cannot be remade here: refused with the command that re-signs.
/// </summary>
internal static class CodeSignature
{
    public const uint CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0, CSMAGIC_CODEDIRECTORY = 0xfade0c02, CSMAGIC_BLOBWRAPPER = 0xfade0b01;
    public const uint CSSLOT_CODEDIRECTORY = 0, CSSLOT_ALTERNATE_CODEDIRECTORIES = 0x1000, CSSLOT_SIGNATURESLOT = 0x10000;
    public const uint CS_ADHOC = 0x2, CS_LINKER_SIGNED = 0x20000;
    public const byte CS_HASHTYPE_SHA1 = 1, CS_HASHTYPE_SHA256 = 2, CS_HASHTYPE_SHA256_TRUNCATED = 3, CS_HASHTYPE_SHA384 = 4;

    public static string ResignHint(string what) => $"{what}; re-sign it after the edit: codesign --force -s - FILE (ad-hoc), or with your identity";

    private readonly record struct Directory(int Offset, uint Flags, uint HashOffset, uint NCodeSlots, ulong CodeLimit, byte HashSize, byte HashType, int PageSize);

    private static List<Directory> Directories(ReadOnlySpan<byte> slice, uint dataOff, uint dataSize)
    {
        if ((ulong)dataOff + dataSize > (ulong)slice.Length) throw new PatchException("LC_CODE_SIGNATURE points past the end of the image");
        var sb = slice.Slice((int)dataOff, (int)dataSize);
        if (sb.Length < 12 || BinaryPrimitives.ReadUInt32BigEndian(sb) != CSMAGIC_EMBEDDED_SIGNATURE)
            throw new PatchException(ResignHint("the code signature is not an embedded-signature SuperBlob"));
        uint count = BinaryPrimitives.ReadUInt32BigEndian(sb[8..]);
        if (12 + (ulong)count * 8 > (ulong)sb.Length) throw new PatchException(ResignHint("the code signature's index is truncated"));
        var list = new List<Directory>();
        for (int i = 0; i < count; i++)
        {
            uint type = BinaryPrimitives.ReadUInt32BigEndian(sb[(12 + i * 8)..]), off = BinaryPrimitives.ReadUInt32BigEndian(sb[(16 + i * 8)..]);
            if (off + 8UL > (ulong)sb.Length) throw new PatchException(ResignHint($"code signature blob {i} lies outside the signature"));
            var blob = sb[(int)off..];
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(blob), length = BinaryPrimitives.ReadUInt32BigEndian(blob[4..]);
            if (type == CSSLOT_SIGNATURESLOT && magic == CSMAGIC_BLOBWRAPPER && length > 8)
                throw new PatchException(ResignHint("the file is signed with a certificate (a CMS signature), which an edit invalidates and only codesign can remake"));
            if (type != CSSLOT_CODEDIRECTORY && (type < CSSLOT_ALTERNATE_CODEDIRECTORIES || type >= CSSLOT_ALTERNATE_CODEDIRECTORIES + 5)) continue;
            if (magic != CSMAGIC_CODEDIRECTORY || length < 44 || off + (ulong)length > (ulong)sb.Length)
                throw new PatchException(ResignHint($"code signature blob {i} is not a valid CodeDirectory"));
            uint version = BinaryPrimitives.ReadUInt32BigEndian(blob[8..]), flags = BinaryPrimitives.ReadUInt32BigEndian(blob[12..]);
            uint hashOffset = BinaryPrimitives.ReadUInt32BigEndian(blob[16..]), nCode = BinaryPrimitives.ReadUInt32BigEndian(blob[28..]);
            ulong codeLimit = BinaryPrimitives.ReadUInt32BigEndian(blob[32..]);
            byte hashSize = blob[36], hashType = blob[37], pageLog = blob[39];
            if (version >= 0x20300 && length >= 64 && BinaryPrimitives.ReadUInt64BigEndian(blob[56..]) is var cl64 and not 0) codeLimit = cl64;
            if ((flags & CS_ADHOC) == 0) throw new PatchException(ResignHint("the code signature is not ad-hoc (CodeDirectory flags lack CS_ADHOC)"));
            if (hashType is not (CS_HASHTYPE_SHA1 or CS_HASHTYPE_SHA256 or CS_HASHTYPE_SHA256_TRUNCATED or CS_HASHTYPE_SHA384))
                throw new PatchException(ResignHint($"the CodeDirectory uses hash type {hashType}, which LinkDoctor does not compute"));
            if (hashOffset + (ulong)nCode * hashSize > length) throw new PatchException(ResignHint("the CodeDirectory's hash slots run past it"));
            if (codeLimit > dataOff) throw new PatchException(ResignHint("the CodeDirectory's code limit covers the signature itself"));
            int pageSize = pageLog == 0 ? int.MaxValue : 1 << pageLog;
            ulong pages = pageLog == 0 ? 1 : (codeLimit + (ulong)pageSize - 1) / (ulong)pageSize;
            if (pages != nCode) throw new PatchException(ResignHint($"the CodeDirectory has {nCode} code slots for {pages} pages"));
            list.Add(new Directory((int)(dataOff + off), flags, hashOffset, nCode, codeLimit, hashSize, hashType, pageSize));
        }
        if (list.Count == 0) throw new PatchException(ResignHint("the code signature has no CodeDirectory"));
        return list;
    }

    private static byte[] Hash(byte type, ReadOnlySpan<byte> data) => type switch
    {
        CS_HASHTYPE_SHA1 => SHA1.HashData(data),
        CS_HASHTYPE_SHA384 => SHA384.HashData(data),
        _ => SHA256.HashData(data),
    };

    private static IEnumerable<(int Slot, int Start, int Length)> Pages(Directory d)
    {
        for (int i = 0; i < d.NCodeSlots; i++)
        {
            long start = (long)i * Math.Min(d.PageSize, (long)d.CodeLimit);
            long end = Math.Min(start + Math.Min(d.PageSize, (long)d.CodeLimit), (long)d.CodeLimit);
            yield return (i, (int)start, (int)(end - start));
        }
    }

    /// <summary>Rewrites every code slot; returns the layout line. Warns when the input's signature was already invalid.</summary>
    public static string Recompute(Span<byte> slice, uint dataOff, uint dataSize, byte[] input, ulong sliceOffset, List<string> warnings, string where)
    {
        var dirs = Directories(slice, dataOff, dataSize);
        var original = input.AsSpan((int)sliceOffset, slice.Length);
        int changed = 0;
        foreach (var d in dirs)
        {
            foreach (var (slot, start, length) in Pages(d))
            {
                var at = slice.Slice(d.Offset + (int)d.HashOffset + slot * d.HashSize, d.HashSize);
                // A page the edit did not touch must already hash to its slot: otherwise the input's signature was invalid.
                if (slot > 0 && !Hash(d.HashType, original.Slice(start, length)).AsSpan(0, d.HashSize).SequenceEqual(original.Slice(d.Offset + (int)d.HashOffset + slot * d.HashSize, d.HashSize)))
                {
                    warnings.Add($"{where}the code signature did not match the file before the edit (page {slot}); it is recomputed anyway");
                    break;
                }
                var h = Hash(d.HashType, slice.Slice(start, length)).AsSpan(0, d.HashSize);
                if (!h.SequenceEqual(at)) { h.CopyTo(at); changed++; }
            }
        }
        return $"ad-hoc code signature recomputed: {changed} page hash{(changed == 1 ? "" : "es")} in {dirs.Count} CodeDirector{(dirs.Count == 1 ? "y" : "ies")} (page size {(dirs[0].PageSize == int.MaxValue ? "whole image" : dirs[0].PageSize.ToString())}, {dirs[0].NCodeSlots} pages)";
    }

    /// <summary>Null when every code slot of every CodeDirectory matches the image; else the first mismatch.</summary>
    public static string? Check(ReadOnlySpan<byte> slice, uint dataOff, uint dataSize)
    {
        List<Directory> dirs;
        try { dirs = Directories(slice, dataOff, dataSize); }
        catch (PatchException e) { return e.Message; }
        foreach (var d in dirs)
            foreach (var (slot, start, length) in Pages(d))
                if (!Hash(d.HashType, slice.Slice(start, length)).AsSpan(0, d.HashSize).SequenceEqual(slice.Slice(d.Offset + (int)d.HashOffset + slot * d.HashSize, d.HashSize)))
                    return $"code signature page {slot} does not match";
        return null;
    }
}
