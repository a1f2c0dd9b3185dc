using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Rewriting;

/// <summary>A dynamic entry being edited. String entries carry their string; a changed one is allocated again.</summary>
internal sealed class DynEntry
{
    public long Tag;
    /// <summary>The stored d_val/d_ptr (for a string entry: its offset in the input's string table).</summary>
    public ulong Value;
    public string? Str;
    /// <summary>The string must be placed (a new entry, or a new value).</summary>
    public bool StrChanged;
    public bool IsNew;

    public DynEntry Clone() => (DynEntry)MemberwiseClone();
}

/// <summary>Thrown for an edit that cannot be made safely; the message is the one-line reason.</summary>
internal sealed class PatchException(string message) : Exception(message);

/// <summary>
/// The semantic half of a patch: the requested operations applied to the dynamic entries, PT_INTERP, the
/// version-needs file names and PT_GNU_STACK, as strings. Mirrors patchelf's src/patchelf.cc operations
/// (<c>modifyRPath</c>, <c>modifySoname</c>, <c>addNeeded</c>, <c>removeNeeded</c>, <c>replaceNeeded</c>,
/// <c>shrinkRPath</c>) where the issue asks for patchelf's behaviour; the differences are documented there.
/// </summary>
internal sealed class ElfEdits
{
    public required List<DynEntry> Entries { get; init; }
    public string? Interpreter { get; set; }
    public bool InterpreterChanged { get; set; }
    /// <summary>Version-needs file names to rename: vn_file old → new.</summary>
    public Dictionary<string, string> VerneedRenames { get; } = new(StringComparer.Ordinal);
    /// <summary>New PT_GNU_STACK flags, or null when unchanged.</summary>
    public uint? StackFlags { get; set; }
    public bool AddGnuStack { get; set; }
    public List<PatchChange> Changes { get; } = [];
    public List<string> Warnings { get; } = [];
    /// <summary>Names removed from or replaced in DT_NEEDED (for the loader check).</summary>
    public HashSet<string> DroppedNeeded { get; } = new(StringComparer.Ordinal);
    /// <summary>Names the edit introduces (added, replacements).</summary>
    public HashSet<string> IntroducedNeeded { get; } = new(StringComparer.Ordinal);

    public bool DynamicChanged { get; private set; }

    public bool Any => DynamicChanged || InterpreterChanged || VerneedRenames.Count > 0 || StackFlags is not null || AddGnuStack;

    /// <summary>Reads the editable state of <paramref name="elf"/> and applies <paramref name="ops"/>.</summary>
    /// <param name="machineOf">For --shrink-rpath: the e_machine of the ELF file at a path, or null when there is none.</param>
    public static ElfEdits Apply(ElfFile elf, PatchOperations ops, Func<string, ushort?> machineOf)
    {
        var dyn = elf.Dynamic;
        bool needsDynamic = ops.SetSoname is not null || ops.RemoveRPath || ops.SetRPath is not null || ops.SetRunPath is not null
            || ops.AddRPath.Count > 0 || ops.ShrinkRPath || ops.RPathToRunPath || ops.RunPathToRPath || ops.RemoveNeeded.Count > 0
            || ops.ReplaceNeeded.Count > 0 || ops.AddNeeded.Count > 0;
        if (needsDynamic && dyn is null)
            throw new PatchException("has no dynamic section (statically linked?): nothing to edit");
        var entries = new List<DynEntry>();
        if (dyn is not null)
            foreach (var e in dyn.Entries)
            {
                var d = new DynEntry { Tag = e.Tag, Value = e.Value };
                if (DynamicTags.IsString(e.Tag))
                {
                    if (!dyn.IsValidStringOffset(e.Value))
                        throw new PatchException($"{DynamicTagName(e.Tag)} string offset 0x{e.Value:x} lies outside the dynamic string table");
                    d.Str = Encoding.UTF8.GetString(dyn.GetStringBytes(e.Value));
                }
                entries.Add(d);
            }
        var edits = new ElfEdits { Entries = entries, Interpreter = elf.Interpreter };

        if (ops.SetInterpreter is { } interp)
        {
            if (elf.FindProgramHeader(PT_INTERP) is null)
                throw new PatchException("has no PT_INTERP (a shared library or a static program): there is no interpreter to set");
            if (edits.Interpreter != interp)
            {
                edits.Changes.Add(new PatchChange("PT_INTERP", edits.Interpreter, interp));
                edits.Interpreter = interp;
                edits.InterpreterChanged = true;
            }
        }
        if (ops.SetSoname is { } soname)
        {
            if (elf.Header.Type != ET_DYN)
                throw new PatchException($"--set-soname: this is an executable (ELF type {TypeName(elf.Header.Type)}), not a shared library");
            edits.SetOrInsert(DT_SONAME, soname);
        }
        if (ops.RemoveRPath)
        {
            foreach (var e in entries.Where(e => e.Tag is DT_RPATH or DT_RUNPATH).ToList()) edits.Remove(e);
        }
        if (ops.SetRPath is { } rpath) edits.SetSearchPath(DT_RPATH, rpath);
        if (ops.SetRunPath is { } runpath) edits.SetSearchPath(DT_RUNPATH, runpath);
        if (ops.AddRPath.Count > 0) edits.AddSearchPath(ops.AddRPath);
        if (ops.ShrinkRPath) edits.ShrinkSearchPath(elf, machineOf);
        if (ops.RPathToRunPath) edits.ConvertSearchPath(from: DT_RPATH, to: DT_RUNPATH);
        if (ops.RunPathToRPath) edits.ConvertSearchPath(from: DT_RUNPATH, to: DT_RPATH);
        if (ops.RemoveNeeded.Count > 0) edits.RemoveNeeded(ops.RemoveNeeded);
        if (ops.ReplaceNeeded.Count > 0) edits.ReplaceNeeded(elf, ops.ReplaceNeeded);
        if (ops.AddNeeded.Count > 0) edits.AddNeeded(ops.AddNeeded);
        if (ops.ClearExecStack) edits.ClearExecStack(elf);
        return edits;
    }

    private void Remove(DynEntry e)
    {
        Entries.Remove(e);
        DynamicChanged = true;
        Changes.Add(new PatchChange("DT_" + DynamicTagName(e.Tag), e.Str ?? $"0x{e.Value:x}", null));
    }

    private void SetString(DynEntry e, string value)
    {
        if (e.Str == value) return;
        Changes.Add(new PatchChange("DT_" + DynamicTagName(e.Tag), e.Str, value));
        e.Str = value;
        e.StrChanged = true;
        DynamicChanged = true;
    }

    /// <summary>A new entry goes first, as patchelf inserts DT_SONAME, DT_RUNPATH and DT_NEEDED at the top.</summary>
    private void Insert(int index, long tag, string value)
    {
        Entries.Insert(index, new DynEntry { Tag = tag, Str = value, StrChanged = true, IsNew = true });
        DynamicChanged = true;
        Changes.Add(new PatchChange("DT_" + DynamicTagName(tag), null, value));
    }

    private void SetOrInsert(long tag, string value)
    {
        var e = Entries.FirstOrDefault(x => x.Tag == tag);
        if (e is not null) SetString(e, value);
        else Insert(0, tag, value);
    }

    /// <summary>
    /// --set-rpath / --set-runpath: the tag named is written, the other one removed (glibc ignores DT_RPATH when
    /// DT_RUNPATH is present, elf/dl-load.c <c>_dl_map_object</c>). An existing entry of the other tag is
    /// re-tagged in place, as patchelf converts it.
    /// </summary>
    private void SetSearchPath(long tag, string value)
    {
        long other = tag == DT_RPATH ? DT_RUNPATH : DT_RPATH;
        var same = Entries.Where(e => e.Tag == tag).ToList();
        var others = Entries.Where(e => e.Tag == other).ToList();
        if (same.Count > 0)
        {
            SetString(same[0], value);
            foreach (var e in same.Skip(1)) Remove(e);
            foreach (var e in others) Remove(e);
        }
        else if (others.Count > 0)
        {
            Retag(others[0], tag);
            SetString(others[0], value);
            foreach (var e in others.Skip(1)) Remove(e);
        }
        else Insert(0, tag, value);
    }

    private void Retag(DynEntry e, long tag)
    {
        Changes.Add(new PatchChange($"DT_{DynamicTagName(e.Tag)} -> DT_{DynamicTagName(tag)}", null, null));
        e.Tag = tag;
        DynamicChanged = true;
    }

    /// <summary>The entry whose path the loader uses: DT_RUNPATH if present, else DT_RPATH.</summary>
    private DynEntry? Effective() => Entries.FirstOrDefault(e => e.Tag == DT_RUNPATH) ?? Entries.FirstOrDefault(e => e.Tag == DT_RPATH);

    /// <summary>--add-rpath: appended to the path in effect, keeping its tag; directories already there are not repeated.</summary>
    private void AddSearchPath(IReadOnlyList<string> dirs)
    {
        var add = dirs.SelectMany(d => d.Split(':')).Where(d => d.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        var e = Effective();
        if (e is null)
        {
            if (add.Count > 0) Insert(0, DT_RUNPATH, string.Join(':', add));
            return;
        }
        string value = e.Str!;
        var present = new HashSet<string>(SplitLikePatchelf(value), StringComparer.Ordinal);
        foreach (var d in add)
        {
            if (!present.Add(d)) { Warnings.Add($"{d} is already in DT_{DynamicTagName(e.Tag)}"); continue; }
            value = value.Length == 0 ? d : value + ":" + d;
        }
        SetString(e, value);
    }

    /// <summary>std::getline on ':' as patchelf's <c>splitColonDelimitedString</c>: a trailing empty element is dropped.</summary>
    internal static List<string> SplitLikePatchelf(string s)
    {
        if (s.Length == 0) return [];
        var parts = s.Split(':').ToList();
        if (parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        return parts;
    }

    /// <summary>
    /// --shrink-rpath, as patchelf's <c>shrinkRPath</c>: relative entries ($ORIGIN…) are kept; an absolute
    /// directory is kept when it holds a still-unfound DT_NEEDED library whose e_machine is this file's.
    /// </summary>
    private void ShrinkSearchPath(ElfFile elf, Func<string, ushort?> machineOf)
    {
        var needed = Entries.Where(e => e.Tag == DT_NEEDED).Select(e => e.Str!).ToList();
        foreach (var e in Entries.Where(e => e.Tag is DT_RPATH or DT_RUNPATH).ToList())
        {
            var found = new bool[needed.Count];
            var kept = new List<string>();
            foreach (var dir in SplitLikePatchelf(e.Str!))
            {
                if (dir.Length > 0 && dir[0] != '/') { kept.Add(dir); continue; }
                bool any = false;
                for (int j = 0; j < needed.Count; j++)
                {
                    if (found[j]) continue;
                    if (machineOf(dir + "/" + needed[j]) == elf.Header.Machine) { found[j] = true; any = true; }
                }
                if (any) kept.Add(dir);
            }
            SetString(e, string.Join(':', kept));
        }
    }

    /// <summary>--rpath-to-runpath / --runpath-to-rpath: the path in effect keeps its value under the other tag.</summary>
    private void ConvertSearchPath(long from, long to)
    {
        var src = Entries.Where(e => e.Tag == from).ToList();
        if (src.Count == 0) return;
        var dst = Entries.Where(e => e.Tag == to).ToList();
        if (from == DT_RPATH)
        {
            // A DT_RUNPATH already wins over DT_RPATH: the DT_RPATH entries only go.
            if (dst.Count > 0) { foreach (var e in src) Remove(e); return; }
            Retag(src[0], to);
            foreach (var e in src.Skip(1)) Remove(e);
        }
        else
        {
            // DT_RUNPATH is the path in effect: any DT_RPATH goes and DT_RUNPATH becomes DT_RPATH with its value.
            foreach (var e in dst) Remove(e);
            Retag(src[0], to);
            foreach (var e in src.Skip(1)) Remove(e);
        }
    }

    private void RemoveNeeded(IReadOnlyList<string> names)
    {
        var set = new HashSet<string>(names, StringComparer.Ordinal);
        foreach (var e in Entries.Where(e => e.Tag == DT_NEEDED && set.Contains(e.Str!)).ToList())
        {
            Remove(e);
            DroppedNeeded.Add(e.Str!);
        }
        foreach (var n in names.Where(n => !DroppedNeeded.Contains(n))) Warnings.Add($"{n} is not in DT_NEEDED; nothing removed");
    }

    /// <summary>--replace-needed: one pass over the names as they are (no chaining), and the same renames in the version needs (vn_file).</summary>
    private void ReplaceNeeded(ElfFile elf, IReadOnlyList<(string Old, string New)> pairs)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (o, n) in pairs) map[o] = n;
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in Entries.Where(e => e.Tag == DT_NEEDED).ToList())
        {
            if (!map.TryGetValue(e.Str!, out var n) || n == e.Str) continue;
            matched.Add(e.Str!);
            DroppedNeeded.Add(e.Str!);
            IntroducedNeeded.Add(n);
            SetString(e, n);
        }
        foreach (var f in elf.Versions.Needs)
            if (map.TryGetValue(f.File, out var n) && n != f.File && VerneedRenames.TryAdd(f.File, n))
                Changes.Add(new PatchChange("version needs file (vn_file)", f.File, n));
        foreach (var (o, _) in pairs.Where(p => !matched.Contains(p.Old) && !VerneedRenames.ContainsKey(p.Old)))
            Warnings.Add($"{o} is not in DT_NEEDED; nothing replaced");
    }

    private void AddNeeded(IReadOnlyList<string> names)
    {
        var present = new HashSet<string>(Entries.Where(e => e.Tag == DT_NEEDED).Select(e => e.Str!), StringComparer.Ordinal);
        int at = 0;
        foreach (var n in names)
        {
            if (!present.Add(n)) { Warnings.Add($"{n} is already in DT_NEEDED"); continue; }
            Insert(at++, DT_NEEDED, n);
            IntroducedNeeded.Add(n);
        }
    }

    /// <summary>
    /// --clear-execstack: PT_GNU_STACK without PF_X. Without PT_GNU_STACK the kernel and glibc make the stack
    /// executable (elf/dl-load.c: stack_flags default PF_R|PF_W|PF_X), so one is added.
    /// </summary>
    private void ClearExecStack(ElfFile elf)
    {
        if (elf.FindProgramHeader(PT_GNU_STACK) is { } gs)
        {
            if ((gs.Flags & PF_X) == 0) return;
            StackFlags = gs.Flags & ~PF_X;
            Changes.Add(new PatchChange("PT_GNU_STACK", FlagString(gs.Flags), FlagString(StackFlags.Value)));
        }
        else
        {
            AddGnuStack = true;
            Changes.Add(new PatchChange("PT_GNU_STACK", null, "RW (there was none: the stack was executable)"));
        }
    }

    internal static string FlagString(uint f) => $"{((f & PF_R) != 0 ? "R" : "")}{((f & PF_W) != 0 ? "W" : "")}{((f & PF_X) != 0 ? "E" : "")}";
}
