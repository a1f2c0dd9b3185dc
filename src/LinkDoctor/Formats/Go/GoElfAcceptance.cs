using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// Whether go1.19's <c>debug/elf.NewFile</c> (src/debug/elf/file.go) accepts a file: <c>debug/buildinfo</c> turns
/// any error of it into "unrecognized file format". Mirrors its checks in order: identification, header,
/// <c>shoff</c>/<c>phoff</c> signs, <c>shnum</c> for <c>shoff == 0</c>, <c>shstrndx</c>, every program and section
/// header readable at <c>off + i*entsize</c> (entsize as stored, never checked), section offsets and sizes as
/// non-negative int64, compression headers readable, the section name table readable and every name index in it.
/// There is no extended numbering in go1.19: <c>e_phnum</c> 0xffff means 65535 headers.
/// </summary>
public static class GoElfAcceptance
{
    public static bool Accepts(ReadOnlySpan<byte> file)
    {
        if (file.Length < 16 || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L' || file[3] != 'F') return false;
        byte cls = file[4], data = file[5];
        if (cls is not (1 or 2) || data is not (1 or 2) || file[6] != 1) return false;
        bool is64 = cls == 2;
        var r = new SpanReader(file, data == 2);
        int ehsize = is64 ? 64 : 52;
        if (!r.Contains(0, (ulong)ehsize)) return false;
        if (r.U32(20) != 1) return false; // mismatched ELF version
        long phoff, shoff;
        int phentsize, phnum, shentsize, shnum, shstrndx;
        if (is64)
        {
            phoff = (long)r.U64(32);
            shoff = (long)r.U64(40);
            phentsize = r.U16(54); phnum = r.U16(56); shentsize = r.U16(58); shnum = r.U16(60); shstrndx = r.U16(62);
        }
        else
        {
            phoff = r.U32(28);
            shoff = r.U32(32);
            phentsize = r.U16(42); phnum = r.U16(44); shentsize = r.U16(46); shnum = r.U16(48); shstrndx = r.U16(50);
        }
        if (shoff < 0 || phoff < 0) return false;
        if (shoff == 0 && shnum != 0) return false;
        if (shnum > 0 && shstrndx >= shnum) return false;
        int phdrSize = is64 ? 56 : 32, shdrSize = is64 ? 64 : 40;
        for (int i = 0; i < phnum; i++)
            if (!Readable(file, phoff + (long)i * phentsize, phdrSize)) return false;
        if (shnum == 0) return true;
        var names = new uint[shnum];
        long strOff = 0, strSize = 0;
        bool strNoBits = false;
        for (int i = 0; i < shnum; i++)
        {
            long off = shoff + (long)i * shentsize;
            if (!Readable(file, off, shdrSize)) return false;
            var sh = file.Slice((int)off, shdrSize);
            var s = new SpanReader(sh, data == 2);
            uint type = s.U32(4);
            ulong flags = is64 ? s.U64(8) : s.U32(8);
            long offset = is64 ? (long)s.U64(24) : s.U32(16);
            long size = is64 ? (long)s.U64(32) : s.U32(20);
            names[i] = s.U32(0);
            if (offset < 0 || size < 0) return false;
            if ((flags & ElfGoExecutable.SHF_COMPRESSED) != 0)
            {
                // binary.Read of the Chdr through a SectionReader of the section's file size.
                int chdr = is64 ? 24 : 12;
                if (size < chdr || !Readable(file, offset, chdr)) return false;
            }
            if (i == shstrndx) { strOff = offset; strSize = size; strNoBits = type == 8 /* SHT_NOBITS */; }
        }
        // Section.Data() of the name table: all of its bytes (zeros for SHT_NOBITS).
        if (!strNoBits && !Readable(file, strOff, strSize)) return false;
        for (int i = 0; i < shnum; i++)
            if (names[i] >= (ulong)strSize) return false; // getString: start >= len(section)
        return true;
    }

    private static bool Readable(ReadOnlySpan<byte> file, long offset, long size) =>
        offset >= 0 && size >= 0 && offset <= file.Length && file.Length - offset >= size;
}
