using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>A dynamic relocation (Elf_Rel/Elf_Rela). <see cref="IsPlt"/> marks the DT_JMPREL ones the loader may bind lazily.</summary>
public readonly record struct ElfRelocation(ulong Offset, uint Type, uint SymbolIndex, long Addend, bool IsPlt);

/// <summary>Reads the dynamic relocations the loader processes: DT_RELA/DT_REL and DT_JMPREL (glibc elf/do-rel.h).</summary>
public static class ElfRelocations
{
    public static List<ElfRelocation> Read(ElfFile file)
    {
        var list = new List<ElfRelocation>();
        var dyn = file.Dynamic;
        if (dyn is null) return list;
        int relaEnt = file.Is64 ? 24 : 12, relEnt = file.Is64 ? 16 : 8;
        if (dyn.TryGetValue(DT_RELA, out ulong rela) && dyn.TryGetValue(DT_RELASZ, out ulong relasz))
            ReadTable(file, rela, relasz, relaEnt, withAddend: true, isPlt: false, list);
        if (dyn.TryGetValue(DT_REL, out ulong rel) && dyn.TryGetValue(DT_RELSZ, out ulong relsz))
            ReadTable(file, rel, relsz, relEnt, withAddend: false, isPlt: false, list);
        if (dyn.TryGetValue(DT_JMPREL, out ulong jmprel) && dyn.TryGetValue(DT_PLTRELSZ, out ulong pltsz))
        {
            bool isRela = !dyn.TryGetValue(DT_PLTREL, out ulong pltrel) ? file.Is64 : pltrel == (ulong)DT_RELA;
            // DT_JMPREL often lies inside DT_RELA's range (ld merges them); skip what was already read.
            if (!(dyn.TryGetValue(DT_RELA, out ulong r) && jmprel >= r && dyn.TryGetValue(DT_RELASZ, out ulong rs) && jmprel + pltsz <= r + rs))
                ReadTable(file, jmprel, pltsz, isRela ? relaEnt : relEnt, isRela, isPlt: true, list);
            else
                for (int i = 0; i < list.Count; i++)
                {
                    ulong at = r + (ulong)i * (ulong)relaEnt;
                    if (at >= jmprel && at < jmprel + pltsz) list[i] = list[i] with { IsPlt = true };
                }
        }
        return list;
    }

    private static void ReadTable(ElfFile file, ulong address, ulong size, int entSize, bool withAddend, bool isPlt, List<ElfRelocation> list)
    {
        if (!file.MapAddress(address, size, out ulong off))
        {
            file.AddAnomaly("ELF060", $"relocation table at 0x{address:x} (0x{size:x} bytes) is not within a loadable segment");
            return;
        }
        var data = file.Image.Span.Slice((int)off, (int)size);
        var r = file.Reader;
        for (int p = 0; p + entSize <= data.Length; p += entSize)
        {
            var e = data[p..];
            ulong offset, info;
            long addend = 0;
            if (file.Is64)
            {
                offset = r.U64(e);
                info = r.U64(e[8..]);
                if (withAddend) addend = r.I64(e[16..]);
                // MIPS64 little-endian splits r_info differently (r_sym first, then r_ssym/r_type3..1).
                if (file.Header.Machine == EM_MIPS && !file.IsBigEndian)
                    info = (info << 32) | ((info >> 56) & 0xff) | ((info >> 40) & 0xff00) | ((info >> 24) & 0xff0000) | ((info >> 8) & 0xff000000);
                list.Add(new ElfRelocation(offset, (uint)(info & 0xffffffff), (uint)(info >> 32), addend, isPlt));
            }
            else
            {
                offset = r.U32(e);
                info = r.U32(e[4..]);
                if (withAddend) addend = r.I32(e[8..]);
                list.Add(new ElfRelocation(offset, (uint)(info & 0xff), (uint)(info >> 8), addend, isPlt));
            }
        }
    }
}
