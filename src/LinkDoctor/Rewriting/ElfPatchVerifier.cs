using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Rewriting;

/// <summary>
/// Re-reads a rewritten file with the ordinary ELF reader and checks it against the input: the requested change
/// is there, every other dynamic entry, version table, dynamic symbol, note and section is as it was, every
/// input byte outside the tables the patch owns is identical, and the segments obey the rules the kernel
/// (fs/binfmt_elf.c) and glibc (elf/dl-load.c <c>_dl_map_object_from_fd</c>) apply. Returns the first problem, or null.
/// </summary>
internal static class ElfPatchVerifier
{
    public static string? Verify(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        try
        {
            return Dynamic(input, output, x) ?? Interpreter(output, x) ?? Versions(input, output, x) ?? Symbols(input, output, x)
                ?? Notes(input, output) ?? Sections(input, output, x) ?? Bytes(input, output, x) ?? Segments(input, output, x);
        }
        catch (BinaryFormatException e)
        {
            return $"the result does not read back: {e.Describe()}";
        }
    }

    private static string? Dynamic(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        var dyn = output.Dynamic;
        if (dyn is null) return input.Dynamic is null ? null : "the result has no dynamic section";
        if (dyn.Entries.Count != x.Dynamic.Count) return $"the dynamic section has {dyn.Entries.Count} entries, not {x.Dynamic.Count}";
        for (int i = 0; i < x.Dynamic.Count; i++)
        {
            var want = x.Dynamic[i];
            var got = dyn.Entries[i];
            if (got.Tag != want.Tag) return $"dynamic entry {i} is DT_{DynamicTagName(got.Tag)}, not DT_{DynamicTagName(want.Tag)}";
            if (DynamicTags.IsString(want.Tag))
            {
                if (!dyn.IsValidStringOffset(got.Value)) return $"DT_{DynamicTagName(want.Tag)} points outside the string table";
                string s = System.Text.Encoding.UTF8.GetString(dyn.GetStringBytes(got.Value));
                if (s != want.Str) return $"DT_{DynamicTagName(want.Tag)} reads '{s}', not '{want.Str}'";
            }
            else if (got.Value != want.Value) return $"DT_{DynamicTagName(want.Tag)} is 0x{got.Value:x}, not 0x{want.Value:x}";
        }
        // Every entry the edit did not touch is still there, with its value (addresses of moved tables aside).
        if (input.Dynamic is { } inDyn)
        {
            var before = inDyn.Entries.Where(e => !DynamicTags.IsString(e.Tag) && e.Tag is not (DT_STRTAB or DT_STRSZ) && !DynamicTags.IsMovableTablePointer(e.Tag))
                .Select(e => (e.Tag, e.Value)).Order().ToList();
            var after = dyn.Entries.Where(e => !DynamicTags.IsString(e.Tag) && e.Tag is not (DT_STRTAB or DT_STRSZ) && !DynamicTags.IsMovableTablePointer(e.Tag))
                .Select(e => (e.Tag, e.Value)).Order().ToList();
            if (!before.SequenceEqual(after)) return "a dynamic entry the edit does not concern changed";
            // Tag by tag, every entry in order: a damaged file may repeat a tag, and each copy keeps (or moves with) its own table.
            foreach (var tag in inDyn.Entries.Where(e => DynamicTags.IsMovableTablePointer(e.Tag) && e.Tag != DT_STRTAB).Select(e => e.Tag).Distinct())
            {
                var want = inDyn.Entries.Where(e => e.Tag == tag)
                    .Select(e => x.Block is { } b && e.Value >= b.VStart && e.Value < b.VEnd ? (ulong)((long)e.Value + b.VDelta) : e.Value);
                if (!want.SequenceEqual(dyn.Entries.Where(e => e.Tag == tag).Select(e => e.Value))) return $"DT_{DynamicTagName(tag)} does not point at its table";
            }
        }
        return null;
    }

    private static string? Interpreter(ElfFile output, RewriteExpectation x)
    {
        if (output.Interpreter != x.Interpreter) return $"PT_INTERP reads '{output.Interpreter}', not '{x.Interpreter}'";
        if (output.FindProgramHeader(PT_INTERP) is { } pi && (pi.FileSize == 0 || output.SegmentData(pi)[^1] != 0))
            return "PT_INTERP is not NUL-terminated";
        return null;
    }

    private static string? Versions(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        var a = input.Versions.Needs;
        var b = output.Versions.Needs;
        if (a.Count != b.Count) return $"{b.Count} version-needs entries, not {a.Count}";
        for (int i = 0; i < a.Count; i++)
        {
            string want = x.VerneedRenames.TryGetValue(a[i].File, out var n) ? n : a[i].File;
            if (b[i].File != want) return $"version needs name '{b[i].File}', not '{want}'";
            if (!a[i].Versions.SequenceEqual(b[i].Versions) || a[i].Version != b[i].Version) return $"the versions needed from {want} changed";
        }
        var da = input.Versions.Definitions;
        var db = output.Versions.Definitions;
        if (da.Count != db.Count) return "the version definitions changed";
        for (int i = 0; i < da.Count; i++)
            if (da[i].Name != db[i].Name || da[i].Index != db[i].Index || da[i].Flags != db[i].Flags || da[i].Hash != db[i].Hash || !da[i].Parents.SequenceEqual(db[i].Parents))
                return $"version definition {da[i].Name} changed";
        return null;
    }

    private static string? Symbols(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        var a = input.DynamicSymbols;
        var b = output.DynamicSymbols;
        if (a is null) return b is null ? null : "the result has a dynamic symbol table the input did not";
        if (b is null || a.Count != b.Count) return $"the dynamic symbol table has {b?.Count ?? 0} entries, not {a.Count}";
        for (int i = 0; i < a.Count; i++)
        {
            var sa = a[i];
            var sb = b[i];
            ulong want = sa.Value;
            if (x.Block is { } blk && x.BlockSections.Contains(sa.SectionIndex)) want = (ulong)((long)sa.Value + blk.VDelta);
            if (sb.Value != want || sb.Size != sa.Size || sb.Info != sa.Info || sb.Other != sa.Other || sb.SectionIndex != sa.SectionIndex)
                return $"dynamic symbol {i} ({a.GetName(sa)}) changed";
            if (!a.GetNameBytes(sa).SequenceEqual(b.GetNameBytes(sb))) return $"dynamic symbol {i} is now named '{b.GetName(sb)}', not '{a.GetName(sa)}'";
            if (input.Versions.GetSymbolVersion(sa) != output.Versions.GetSymbolVersion(sb)) return $"the version of dynamic symbol {a.GetName(sa)} changed";
        }
        return null;
    }

    private static string? Notes(ElfFile input, ElfFile output)
    {
        var a = input.Notes;
        var b = output.Notes;
        if (a.Count != b.Count) return $"{b.Count} notes, not {a.Count}";
        for (int i = 0; i < a.Count; i++)
            if (a[i].Owner != b[i].Owner || a[i].Type != b[i].Type || !ElfNotes.Descriptor(input, a[i]).SequenceEqual(ElfNotes.Descriptor(output, b[i])))
                return $"note {a[i].Owner} type {a[i].Type} changed";
        return null;
    }

    private static string? Sections(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        if (input.Header.ShOff == 0) return output.Header.ShOff == 0 ? null : "the result has section headers the input did not";
        var a = input.Sections;
        var b = output.Sections;
        if (a.Count != b.Count) return $"{b.Count} sections, not {a.Count}";
        for (int i = 0; i < a.Count; i++)
        {
            var sa = a[i];
            var sb = b[i];
            if (sa.Name != sb.Name || sa.Type != sb.Type || sa.Flags != sb.Flags || sa.Link != sb.Link || sa.Info != sb.Info || sa.AddrAlign != sb.AddrAlign || sa.EntSize != sb.EntSize)
                return $"section {i} ({sa.Name}) changed";
            if (!x.ChangedSections.Contains(i))
            {
                if (sa.Address != sb.Address || sa.Offset != sb.Offset || sa.Size != sb.Size) return $"section {sa.Name} moved";
                continue;
            }
            if (sb.Offset % Math.Max(sb.AddrAlign, 1) != 0 || sb.Address % Math.Max(sb.AddrAlign, 1) != 0) return $"section {sa.Name} lost its alignment";
            // A moved section holds what it held (the tables the patch edits are checked above, entry by entry).
            if (sa.HasFileData && sa.Size == sb.Size && sa.Type is not (SHT_DYNSYM or SHT_SYMTAB or SHT_GNU_verneed or SHT_STRTAB or SHT_DYNAMIC)
                && !(sa.Type == SHT_PROGBITS && sa.Name == ".interp") && !input.SectionData(sa).SequenceEqual(output.SectionData(sb)))
                return $"section {sa.Name} changed while moving";
        }
        return null;
    }

    /// <summary>Every byte of the input outside the ranges the patch owns is unchanged.</summary>
    private static string? Bytes(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        var a = input.Image.Span;
        var b = output.Image.Span;
        if (b.Length < a.Length) return "the result is shorter than the input";
        var ranges = x.MayChange.Where(r => r.End > r.Start).OrderBy(r => r.Start).ToList();
        ulong pos = 0;
        foreach (var (s, e) in ranges.Append(((ulong)a.Length, (ulong)a.Length)))
        {
            ulong end = Math.Min(s, (ulong)a.Length);
            if (end > pos && !a[(int)pos..(int)end].SequenceEqual(b[(int)pos..(int)end]))
            {
                int k = (int)pos;
                while (k < (int)end && a[k] == b[k]) k++;
                return $"byte 0x{k:x}, outside the tables the patch edits, changed";
            }
            pos = Math.Max(pos, Math.Min(e, (ulong)a.Length));
        }
        var h0 = input.Header;
        var h1 = output.Header;
        if (h0 with { PhNum = h1.PhNum, ShOff = h1.ShOff } != h1) return "the ELF header changed beyond e_phnum and e_shoff";
        return null;
    }

    /// <summary>The loader's rules for segments.</summary>
    private static string? Segments(ElfFile input, ElfFile output, RewriteExpectation x)
    {
        if (LoaderRules(output) is { } problem) return problem;
        var ph = output.ProgramHeaders;
        var loads = ph.Where(p => p.Type == PT_LOAD).ToList();
        int firstLoad = ph.ToList().FindIndex(p => p.Type == PT_LOAD);
        foreach (var l in loads.Where(l => !input.ProgramHeaders.Any(p => p.Type == PT_LOAD && p.Offset == l.Offset && p.VirtualAddress == l.VirtualAddress)))
            if ((l.VirtualAddress - l.Offset) % x.PageSize != 0) return $"the new PT_LOAD is not aligned to 0x{x.PageSize:x}";
        // The gABI wants PT_PHDR and PT_INTERP before any PT_LOAD; an input that already breaks it (patchelf sorts
        // PT_INTERP last, and the kernel and glibc accept that) is not made worse by keeping its order.
        int inputFirstLoad = input.ProgramHeaders.ToList().FindIndex(p => p.Type == PT_LOAD);
        bool inputOrdered = !input.ProgramHeaders.Where((p, i) => p.Type is PT_PHDR or PT_INTERP && i > inputFirstLoad).Any();
        for (int i = 0; i < ph.Count; i++)
        {
            var p = ph[i];
            if (inputOrdered && p.Type is PT_PHDR or PT_INTERP && i > firstLoad) return $"{SegmentTypeName(p.Type)} comes after a PT_LOAD in the program header table";
            if (p.Type == PT_DYNAMIC && p.FileSize > 0)
            {
                var host = loads.FirstOrDefault(l => l.Offset <= p.Offset && p.Offset + p.FileSize <= l.Offset + l.FileSize);
                if ((host.Flags & PF_W) == 0 && input.ProgramHeaders.FirstOrDefault(q => q.Type == PT_LOAD && q.Offset <= input.FindProgramHeader(PT_DYNAMIC)!.Value.Offset && input.FindProgramHeader(PT_DYNAMIC)!.Value.Offset < q.Offset + q.FileSize) is { } old && (old.Flags & PF_W) != 0)
                    return "the dynamic section is no longer in a writable segment";
            }
        }
        var relro0 = input.FindProgramHeader(PT_GNU_RELRO);
        var relro1 = output.FindProgramHeader(PT_GNU_RELRO);
        if (relro0 is { } r0 && (relro1 is not { } r1 || r0 with { Index = 0 } != r1 with { Index = 0 })) return "PT_GNU_RELRO changed";
        var stack = output.FindProgramHeader(PT_GNU_STACK);
        if (x.StackFlags is { } sf && stack?.Flags != sf) return "PT_GNU_STACK does not have the requested flags";
        if (x.AddedGnuStack && (stack is null || (stack.Value.Flags & PF_X) != 0)) return "no non-executable PT_GNU_STACK";
        if (output.Dynamic is { } d && d.TryGetValue(DT_STRTAB, out ulong st) && d.TryGetValue(DT_STRSZ, out ulong ss) && !output.MapAddress(st, ss, out _))
            return "DT_STRTAB is not inside a PT_LOAD";
        return null;
    }

    /// <summary>
    /// The segment rules of the kernel (fs/binfmt_elf.c) and glibc (elf/dl-load.c <c>_dl_map_object_from_fd</c>)
    /// that one file obeys on its own. The patcher refuses an input that breaks them (it could not be made valid),
    /// and checks its output against them.
    /// </summary>
    internal static string? LoaderRules(ElfFile f)
    {
        var ph = f.ProgramHeaders;
        ulong len = (ulong)f.Image.Length;
        var loads = ph.Where(p => p.Type == PT_LOAD).ToList();
        if (loads.Count == 0) return "no PT_LOAD segment";
        for (int i = 0; i < loads.Count; i++)
        {
            var l = loads[i];
            if (l.Offset + l.FileSize > len || l.Offset + l.FileSize < l.Offset) return $"PT_LOAD at 0x{l.VirtualAddress:x} runs past the end of the file";
            if (l.FileSize > l.MemorySize) return $"PT_LOAD at 0x{l.VirtualAddress:x} has p_filesz > p_memsz";
            // glibc: "ELF load command address/offset not page-aligned".
            if ((l.VirtualAddress - l.Offset) % 0x1000 != 0) return $"PT_LOAD at 0x{l.VirtualAddress:x}: address and offset are not congruent modulo the page size";
            if (i > 0 && loads[i - 1].VirtualAddress + loads[i - 1].MemorySize > l.VirtualAddress)
                return $"PT_LOAD at 0x{l.VirtualAddress:x} overlaps the previous one or is out of order";
        }
        ulong delta0 = loads[0].VirtualAddress - loads[0].Offset;
        foreach (var p in ph)
        {
            if (p.Type is PT_PHDR or PT_INTERP or PT_DYNAMIC or PT_NOTE or PT_GNU_PROPERTY or PT_GNU_EH_FRAME && p.FileSize > 0)
            {
                var host = loads.FirstOrDefault(l => l.Offset <= p.Offset && p.Offset + p.FileSize <= l.Offset + l.FileSize);
                if (host.Type != PT_LOAD) return $"{SegmentTypeName(p.Type)} is not inside a PT_LOAD";
                if (p.VirtualAddress != p.Offset + (host.VirtualAddress - host.Offset)) return $"{SegmentTypeName(p.Type)}: address and offset disagree with its PT_LOAD";
                if (p.Type == PT_PHDR)
                {
                    if (p.Offset != f.Header.PhOff || p.FileSize != f.Header.PhNum * (ulong)(f.Is64 ? 56 : 32)) return "PT_PHDR does not describe the program header table";
                    // Kernels before 5.18 pass AT_PHDR = first load address + e_phoff.
                    if (host.VirtualAddress - host.Offset != delta0) return "the program header table is not where the first PT_LOAD maps it";
                }
            }
        }
        // fs/binfmt_elf.c load_elf_binary: an interpreter path not ending in NUL is ENOEXEC.
        if (f.FindProgramHeader(PT_INTERP) is { } pi && (pi.FileSize == 0 || f.SegmentData(pi)[^1] != 0)) return "PT_INTERP is not NUL-terminated";
        return null;
    }
}
