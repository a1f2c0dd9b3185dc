using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Formats.MachO;

/// <summary>
/// The rebases of LC_DYLD_CHAINED_FIXUPS: every pointer on a fixup chain that is a rebase (not a bind), with the
/// unslid address it will hold, as dyld's <c>MachOLoaded::forEachFixupInAllChains</c> and
/// <c>ChainedFixupPointerOnDisk::Rebase</c> decode them (&lt;mach-o/fixup-chains.h&gt;). The 64-bit formats are read
/// (<c>DYLD_CHAINED_PTR_64</c>, <c>_64_OFFSET</c>, <c>ARM64E</c>, <c>ARM64E_USERLAND</c>, <c>_USERLAND24</c>); others
/// are skipped. Every chain is bounded by its segment and page, so a corrupt chain costs linear time.
/// </summary>
public static class MachOChainedRebases
{
    /// <summary>Calls <paramref name="rebase"/>(address of the pointer, target address) for each rebase. Throws <see cref="BinaryFormatException"/> on a damaged header.</summary>
    public static void Walk(MachOFile m, Action<ulong, ulong> rebase)
    {
        if (m.ChainedFixups is not { } cf || !m.Is64) return;
        var file = new SpanReader(m.Data, m.IsBigEndian);
        var blob = file.Slice(cf.DataOff, cf.DataSize, "chained fixups");
        var r = new SpanReader(blob, m.IsBigEndian);
        uint startsOffset = r.U32(4, "starts_offset");
        uint segCount = r.U32(startsOffset, "seg_count");
        r.Table(startsOffset + 4, segCount, 4, "seg_info_offset");
        ulong baseAddress = m.BaseAddress;
        for (uint i = 0; i < segCount && i < m.Segments.Count; i++)
        {
            uint infoOffset = r.U32(startsOffset + 4 + 4 * i);
            if (infoOffset == 0) continue;
            ulong at = (ulong)startsOffset + infoOffset;
            ushort pageSize = r.U16(at + 4, "page_size"), format = r.U16(at + 6, "pointer_format");
            ushort pageCount = r.U16(at + 20, "page_count");
            var starts = r.Table(at + 22, pageCount, 2, "page_start");
            var seg = m.Segments[(int)i];
            int stride = format switch
            {
                DYLD_CHAINED_PTR_64 or DYLD_CHAINED_PTR_64_OFFSET => 4,
                DYLD_CHAINED_PTR_ARM64E or DYLD_CHAINED_PTR_ARM64E_USERLAND or DYLD_CHAINED_PTR_ARM64E_USERLAND24 => 8,
                _ => 0,
            };
            if (stride == 0 || pageSize == 0) continue;
            for (int p = 0; p < pageCount; p++)
            {
                ushort start = r.U16(starts[(2 * p)..]);
                if (start == DYLD_CHAINED_PTR_START_NONE || (start & DYLD_CHAINED_PTR_START_MULTI) != 0) continue;
                ulong pageInSegment = (ulong)p * pageSize;
                ulong offset = pageInSegment + start;
                // A chain never leaves its page.
                while (offset + 8 <= pageInSegment + pageSize && offset + 8 <= seg.FileSize)
                {
                    if (!file.TryWord(seg.FileOff + offset, true, out ulong raw)) break;
                    ulong next;
                    if (stride == 4)
                    {
                        next = (raw >> 51) & 0xFFF;
                        if ((raw >> 63) == 0)
                        {
                            ulong target = raw & 0xF_FFFF_FFFF, high8 = (raw >> 36) & 0xFF;
                            if (format == DYLD_CHAINED_PTR_64_OFFSET) target += baseAddress;
                            rebase(seg.VmAddr + offset, target | high8 << 56);
                        }
                    }
                    else
                    {
                        next = (raw >> 51) & 0x7FF;
                        bool bind = ((raw >> 62) & 1) != 0, auth = (raw >> 63) != 0;
                        if (!bind)
                        {
                            ulong value = auth
                                ? baseAddress + (raw & 0xFFFF_FFFF)
                                : (raw & 0x7FF_FFFF_FFFF) | ((raw >> 43) & 0xFF) << 56;
                            if (!auth && format != DYLD_CHAINED_PTR_ARM64E) value += baseAddress;
                            rebase(seg.VmAddr + offset, value);
                        }
                    }
                    if (next == 0) break;
                    offset += next * (ulong)stride;
                }
            }
        }
    }
}
