using System.Text;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>Reads Elf_Nhdr records from PT_NOTE segments (or SHT_NOTE sections) and decodes the well-known ones.</summary>
public static class ElfNotes
{
    internal static IReadOnlyList<ElfNote> Read(ElfFile file)
    {
        var notes = new List<ElfNote>();
        bool any = false;
        foreach (var ph in file.ProgramHeaders)
        {
            if (ph.Type != PT_NOTE) continue;
            any = true;
            if (!file.TryBytes(ph.Offset, ph.FileSize, out _))
            {
                file.AddAnomaly("ELF050", $"NOTE segment {ph.Index} extends past end of file", (long)Math.Min(ph.Offset, long.MaxValue));
                continue;
            }
            ReadBlock(file, ph.Offset, ph.FileSize, ph.Align, $"segment {ph.Index}", notes);
        }
        if (!any && file.Header.ShOff != 0)
        {
            foreach (var s in file.Sections)
            {
                if (s.Type != SHT_NOTE) continue;
                if (!file.TryBytes(s.Offset, s.Size, out _))
                {
                    file.AddAnomaly("ELF050", $"note section {s.Name} extends past end of file", (long)Math.Min(s.Offset, long.MaxValue));
                    continue;
                }
                ReadBlock(file, s.Offset, s.Size, s.AddrAlign, s.Name, notes);
            }
        }
        return notes;
    }

    private static void ReadBlock(ElfFile file, ulong offset, ulong size, ulong align, string source, List<ElfNote> notes)
    {
        // Notes in an 8-aligned segment (GNU property notes on 64-bit) pad name and descriptor to 8 bytes.
        int a = align == 8 ? 8 : 4;
        var data = file.Bytes(offset, size, source);
        var r = file.Reader;
        int p = 0;
        while (data.Length - p >= 12)
        {
            uint namesz = r.U32(data[p..]), descsz = r.U32(data[(p + 4)..]), type = r.U32(data[(p + 8)..]);
            long nameStart = p + 12;
            // Padding is to the alignment of the offset, so name (after the 12-byte header) and descriptor start aligned.
            long descStart = p + Align((uint)(12 + namesz), a);
            long end = descStart + Align(descsz, a);
            if (namesz > (uint)data.Length || descsz > (uint)data.Length || p + 12L + namesz > data.Length || descStart + descsz > data.Length)
            {
                file.AddAnomaly("ELF051", $"note in {source} (namesz {namesz}, descsz {descsz}) runs past its container", (long)offset + p);
                return;
            }
            string owner = Encoding.UTF8.GetString(ElfFile.CString(data.Slice((int)nameStart, (int)namesz)));
            notes.Add(new ElfNote(owner, type, (long)offset + descStart, (int)descsz, source));
            if (end <= p || end > data.Length) break;
            p = (int)end;
        }
    }

    private static long Align(long v, int a) => ((long)v + a - 1) & ~(long)(a - 1);

    public static ReadOnlySpan<byte> Descriptor(ElfFile file, ElfNote note) => file.Image.Span.Slice((int)note.DescriptorOffset, note.DescriptorSize);

    /// <summary>NT_GNU_BUILD_ID as lowercase hex, or null.</summary>
    public static string? GnuBuildId(ElfFile file)
    {
        foreach (var n in file.Notes)
            if (n.Owner == "GNU" && n.Type == NT_GNU_BUILD_ID) return Convert.ToHexStringLower(Descriptor(file, n));
        return null;
    }

    /// <summary>The Go build ID note (owner "Go", type 4), or null.</summary>
    public static string? GoBuildId(ElfFile file)
    {
        foreach (var n in file.Notes)
            if (n.Owner == "Go" && n.Type == NT_GO_BUILDID) return Encoding.UTF8.GetString(ElfFile.CString(Descriptor(file, n)));
        return null;
    }

    /// <summary>NT_GNU_ABI_TAG: the OS and the minimum kernel version, e.g. "Linux 3.2.0".</summary>
    public static string? AbiTag(ElfFile file)
    {
        foreach (var n in file.Notes)
        {
            if (n.Owner != "GNU" || n.Type != NT_GNU_ABI_TAG || n.DescriptorSize < 16) continue;
            var d = Descriptor(file, n);
            var r = file.Reader;
            string os = r.U32(d) switch { 0 => "Linux", 1 => "Hurd", 2 => "Solaris", 3 => "FreeBSD", var x => $"OS {x}" };
            return $"{os} {r.U32(d[4..])}.{r.U32(d[8..])}.{r.U32(d[12..])}";
        }
        return null;
    }

    /// <summary>Decoded NT_GNU_PROPERTY_TYPE_0 entries, as readelf -n names them.</summary>
    public static IReadOnlyList<string> GnuProperties(ElfFile file)
    {
        var list = new List<string>();
        foreach (var n in file.Notes)
        {
            if (n.Owner != "GNU" || n.Type != NT_GNU_PROPERTY_TYPE_0) continue;
            var d = Descriptor(file, n);
            var r = file.Reader;
            int a = file.Is64 ? 8 : 4, p = 0;
            while (d.Length - p >= 8)
            {
                uint type = r.U32(d[p..]), size = r.U32(d[(p + 4)..]);
                if (size > d.Length - p - 8) { file.AddAnomaly("ELF052", "GNU property runs past its note", n.DescriptorOffset + p); break; }
                uint value = size >= 4 ? r.U32(d[(p + 8)..]) : 0;
                list.Add(DescribeProperty(file.Header.Machine, type, value));
                p += 8 + (int)Align(size, a);
            }
        }
        return list;
    }

    private static string DescribeProperty(ushort machine, uint type, uint value)
    {
        if (machine is EM_X86_64 or EM_386)
        {
            if (type == GNU_PROPERTY_X86_FEATURE_1_AND)
                return "x86 feature: " + Bits(value, ["IBT", "SHSTK", "LAM_U48", "LAM_U57"]);
            if (type == GNU_PROPERTY_X86_ISA_1_NEEDED)
                return "x86 ISA needed: " + Bits(value, ["x86-64-baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4"]);
            if (type == 0xc0008001) return "x86 ISA used: " + Bits(value, ["x86-64-baseline", "x86-64-v2", "x86-64-v3", "x86-64-v4"]);
            if (type == 0xc0010001 || type == 0xc0010002) return $"x86 feature {(type == 0xc0010001 ? "used" : "needed")}: 0x{value:x}";
        }
        if (machine == EM_AARCH64 && type == GNU_PROPERTY_AARCH64_FEATURE_1_AND)
            return "AArch64 feature: " + Bits(value, ["BTI", "PAC", "GCS"]);
        if (type == 1) return "stack size: 0x" + value.ToString("x");
        if (type == 2) return "no copy on protected";
        return $"property 0x{type:x}: 0x{value:x}";
    }

    private static string Bits(uint value, string[] names)
    {
        if (value == 0) return "<None>";
        var parts = new List<string>();
        for (int i = 0; i < 32; i++)
            if ((value & (1u << i)) != 0) parts.Add(i < names.Length ? names[i] : $"<unknown: {1u << i:x}>");
        return string.Join(", ", parts);
    }
}
