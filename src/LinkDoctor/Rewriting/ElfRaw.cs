using System.Buffers.Binary;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Rewriting;

/// <summary>A program header being edited (Elf_Phdr, either class).</summary>
internal sealed class Phdr
{
    public uint Type, Flags;
    public ulong Offset, VAddr, PAddr, FileSz, MemSz, Align;
    /// <summary>Index in the input's table, or -1 for an entry the patch adds.</summary>
    public int OriginalIndex = -1;

    public static Phdr From(in ElfProgramHeader p) => new()
    {
        Type = p.Type, Flags = p.Flags, Offset = p.Offset, VAddr = p.VirtualAddress, PAddr = p.PhysicalAddress,
        FileSz = p.FileSize, MemSz = p.MemorySize, Align = p.Align, OriginalIndex = p.Index,
    };

    public ulong FileEnd => Offset + FileSz;
    public ulong VEnd => VAddr + MemSz;

    public override string ToString() => $"{SegmentTypeName(Type)} off 0x{Offset:x} vaddr 0x{VAddr:x} filesz 0x{FileSz:x} memsz 0x{MemSz:x}";
}

/// <summary>Writes integers in the file's byte order into a planned layout.</summary>
internal readonly struct EndianWriter(bool bigEndian, bool is64)
{
    public bool Is64 => is64;
    public void U16(Span<byte> s, ushort v) { if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, v); else BinaryPrimitives.WriteUInt16LittleEndian(s, v); }
    public void U32(Span<byte> s, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(s, v); else BinaryPrimitives.WriteUInt32LittleEndian(s, v); }
    public void U64(Span<byte> s, ulong v) { if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(s, v); else BinaryPrimitives.WriteUInt64LittleEndian(s, v); }
    /// <summary>An address, offset or size: 8 bytes in ELF64, 4 in ELF32.</summary>
    public void Word(Span<byte> s, ulong v) { if (is64) U64(s, v); else U32(s, checked((uint)v)); }

    public int PhdrSize => is64 ? 56 : 32;
    public int DynSize => is64 ? 16 : 8;

    /// <summary>Elf64_Phdr / Elf32_Phdr (the field order differs: p_flags comes second in ELF64).</summary>
    public void Phdr(Span<byte> s, Phdr p)
    {
        if (is64)
        {
            U32(s, p.Type); U32(s[4..], p.Flags); U64(s[8..], p.Offset); U64(s[16..], p.VAddr); U64(s[24..], p.PAddr);
            U64(s[32..], p.FileSz); U64(s[40..], p.MemSz); U64(s[48..], p.Align);
        }
        else
        {
            U32(s, p.Type); Word(s[4..], p.Offset); Word(s[8..], p.VAddr); Word(s[12..], p.PAddr);
            Word(s[16..], p.FileSz); Word(s[20..], p.MemSz); U32(s[24..], p.Flags); Word(s[28..], p.Align);
        }
    }

    /// <summary>Elf_Dyn: d_tag, d_un.</summary>
    public void Dyn(Span<byte> s, long tag, ulong value)
    {
        if (is64) { U64(s, (ulong)tag); U64(s[8..], value); }
        else { U32(s, (uint)tag); U32(s[4..], checked((uint)value)); }
    }
}

/// <summary>Which dynamic tags hold what, after the gABI and glibc's &lt;elf.h&gt;.</summary>
internal static class DynamicTags
{
    /// <summary>Tags whose d_val is an offset into the dynamic string table.</summary>
    public static bool IsString(long tag) => tag is DT_NEEDED or DT_SONAME or DT_RPATH or DT_RUNPATH or DT_AUXILIARY or DT_FILTER
        or DT_CONFIG or DT_DEPAUDIT or DT_AUDIT;

    /// <summary>Address tags of the tables that live in the read-only part of the first segment and may move with it.</summary>
    public static bool IsMovableTablePointer(long tag) => tag is DT_HASH or DT_GNU_HASH or DT_SYMTAB or DT_STRTAB or DT_VERSYM
        or DT_VERNEED or DT_VERDEF;

    /// <summary>Tags known to hold a value or size (never an address).</summary>
    public static bool IsValue(long tag) => IsString(tag) || tag is DT_PLTRELSZ or DT_RELASZ or DT_RELAENT or DT_STRSZ or DT_SYMENT
        or DT_SYMBOLIC or DT_RELSZ or DT_RELENT or DT_PLTREL or DT_TEXTREL or DT_BIND_NOW or DT_INIT_ARRAYSZ or DT_FINI_ARRAYSZ
        or DT_FLAGS or DT_PREINIT_ARRAYSZ or DT_RELRSZ or DT_RELRENT or DT_VERDEFNUM or DT_VERNEEDNUM or DT_RELACOUNT
        or DT_RELCOUNT or DT_FLAGS_1 or DT_GNU_PRELINKED or DT_GNU_CONFLICTSZ or DT_GNU_LIBLISTSZ or DT_CHECKSUM
        or DT_PLTPADSZ or DT_MOVEENT or DT_MOVESZ or DT_FEATURE_1 or DT_POSFLAG_1 or DT_SYMINSZ or DT_SYMINENT;
}

/// <summary>A verneed entry as stored: where it is and the string offsets it holds (Elf_Verneed + Elf_Vernaux).</summary>
internal sealed record RawVerneed(ulong FileOffset, uint VnFile, List<uint> AuxNames);

/// <summary>
/// Walks DT_VERNEED and DT_VERDEF in place (bounded by their counts and the file, as glibc's
/// elf/dl-version.c walks them) to find every dynamic-string reference they hold.
/// </summary>
internal static class RawVersions
{
    public static List<RawVerneed> Needs(ElfFile elf, ElfDynamicSection dyn)
    {
        var list = new List<RawVerneed>();
        if (!dyn.TryGetValue(DT_VERNEED, out ulong addr)) return list;
        dyn.TryGetValue(DT_VERNEEDNUM, out ulong num);
        if (!elf.MapAddress(addr, 16, out ulong off))
            BinaryFormatException.Throw($"DT_VERNEED address 0x{addr:x} is not in any loadable segment");
        var r = new SpanReader(elf.Image.Span, elf.IsBigEndian);
        for (ulong i = 0; i < num && i < 65536; i++)
        {
            var vn = r.Slice(off, 16, "verneed entry");
            uint file = r.U32(vn[4..]), aux = r.U32(vn[8..]), next = r.U32(vn[12..]);
            ushort cnt = r.U16(vn[2..]);
            var names = new List<uint>(Math.Min((int)cnt, 256));
            ulong a = off + aux;
            for (int j = 0; j < cnt; j++)
            {
                var vna = r.Slice(a, 16, "vernaux entry");
                names.Add(r.U32(vna[8..]));
                uint anext = r.U32(vna[12..]);
                if (anext == 0) break;
                a += anext;
            }
            list.Add(new RawVerneed(off, file, names));
            if (next == 0) break;
            off += next;
        }
        return list;
    }

    /// <summary>The vda_name offsets of every verdaux entry.</summary>
    public static List<uint> DefinitionNames(ElfFile elf, ElfDynamicSection dyn)
    {
        var list = new List<uint>();
        if (!dyn.TryGetValue(DT_VERDEF, out ulong addr)) return list;
        dyn.TryGetValue(DT_VERDEFNUM, out ulong num);
        if (!elf.MapAddress(addr, 20, out ulong off))
            BinaryFormatException.Throw($"DT_VERDEF address 0x{addr:x} is not in any loadable segment");
        var r = new SpanReader(elf.Image.Span, elf.IsBigEndian);
        for (ulong i = 0; i < num && i < 65536; i++)
        {
            var vd = r.Slice(off, 20, "verdef entry");
            ushort cnt = r.U16(vd[6..]);
            uint aux = r.U32(vd[12..]), next = r.U32(vd[16..]);
            ulong a = off + aux;
            for (int j = 0; j < cnt; j++)
            {
                var vda = r.Slice(a, 8, "verdaux entry");
                list.Add(r.U32(vda));
                uint anext = r.U32(vda[4..]);
                if (anext == 0) break;
                a += anext;
            }
            if (next == 0) break;
            off += next;
        }
        return list;
    }
}

internal static class Align
{
    public static ulong Up(ulong v, ulong a) => a <= 1 ? v : checked((v + a - 1) / a * a);
    public static ulong Down(ulong v, ulong a) => a <= 1 ? v : v / a * a;

    /// <summary>The smallest x ≥ v with x ≡ phase (mod a).</summary>
    public static ulong UpWithPhase(ulong v, ulong a, ulong phase)
    {
        if (a <= 1) return v;
        ulong p = phase % a;
        ulong x = Down(v, a) + p;
        return x >= v ? x : checked(x + a);
    }
}
