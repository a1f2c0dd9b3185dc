using System.Buffers.Binary;
using System.Text;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Tests;

/// <summary>
/// Writes small but complete Mach-O images byte by byte from a description (both byte orders, 32 and 64 bits, thin
/// or universal), so the reader can be checked on layouts no toolchain here produces (big-endian, lazy and upward
/// dylibs, re-exports in the trie, chained fixups with 64-bit imports) and fuzzed from known ground.
/// </summary>
public sealed class MachOBuilder
{
    public bool BigEndian { get; init; }
    public bool Is64 { get; init; } = true;
    public uint CpuType { get; init; } = CPU_TYPE_ARM64;
    public uint CpuSubType { get; init; }
    public uint FileType { get; init; } = MH_DYLIB;
    public uint Flags { get; init; } = MH_DYLDLINK | MH_TWOLEVEL;
    public (string Name, uint Compat, uint Current)? Id { get; init; }
    public List<(uint Cmd, string Name, uint Compat, uint Current)> Dylibs { get; init; } = [];
    public List<string> RPaths { get; init; } = [];
    public (uint Platform, uint MinOs, uint Sdk)? BuildVersion { get; init; }
    public (uint Cmd, uint Version, uint Sdk)? VersionMin { get; init; }
    public byte[]? Uuid { get; init; }
    public string? Dylinker { get; init; }
    /// <summary>Exports: a name with its offset from the header, or a re-export (library ordinal, imported name).</summary>
    public List<(string Name, ulong Address, ulong Flags, int ReexportOrdinal, string? ImportName)> Exports { get; init; } = [];
    /// <summary>Imports, written as bind opcodes (or, with <see cref="ChainedFixups"/>, as a chained import table).</summary>
    public List<(string Name, int Ordinal, bool Weak, bool Lazy)> Imports { get; init; } = [];
    public bool ChainedFixups { get; init; }
    public uint ChainedImportsFormat { get; init; } = DYLD_CHAINED_IMPORT;
    public uint HeaderPad { get; init; } = 0x40;

    private ulong Vm(ulong off) => (FileType == MH_EXECUTE ? (Is64 ? 0x100000000ul : 0x1000ul) : 0) + off;

    public byte[] Build()
    {
        // Linkedit blobs do not depend on where they land.
        byte[] bind = BindOpcodes(lazy: false), lazy = BindOpcodes(lazy: true), trie = ExportTrie(), chained = ChainedFixups ? ChainedBlob() : [];
        var symStrings = new List<byte> { (byte)' ', 0 };
        var nlist = new List<byte>();
        foreach (var (name, ordinal, weak, _) in Imports)
        {
            var e = new byte[Is64 ? 16 : 12];
            W32(e, 0, (uint)symStrings.Count);
            e[4] = N_UNDF | N_EXT;
            W16(e, 6, (ushort)((ordinal & 0xff) << 8 | (weak ? N_WEAK_REF : 0)));
            nlist.AddRange(e);
            symStrings.AddRange(Encoding.UTF8.GetBytes(name)); symStrings.Add(0);
        }
        while (symStrings.Count % 8 != 0) symStrings.Add(0);

        // Load commands, then layout: header, commands, padding, __text, __got, __LINKEDIT.
        int hsize = Is64 ? 32 : 28;
        int segSize = Is64 ? 72 : 56, sectSize = Is64 ? 80 : 68, align = Is64 ? 8 : 4;
        int Str(string s) => (int)Round((ulong)Encoding.UTF8.GetByteCount(s) + 1, (ulong)align);
        int sizeofcmds = 2 * (segSize + sectSize) + segSize;
        if (Id is { } id) sizeofcmds += 24 + Str(id.Name);
        foreach (var d in Dylibs) sizeofcmds += 24 + Str(d.Name);
        foreach (var r in RPaths) sizeofcmds += 12 + (int)Round((ulong)(12 + Str(r)), (ulong)align) - 12;
        if (Dylinker is { } dl) sizeofcmds += (int)Round((ulong)(12 + Str(dl)), (ulong)align);
        if (BuildVersion is not null) sizeofcmds += 32;
        if (VersionMin is not null) sizeofcmds += 16;
        if (Uuid is not null) sizeofcmds += 24;
        sizeofcmds += ChainedFixups ? 32 : 48;
        sizeofcmds += 24 + 80;
        int ncmds = 3 + (Id is null ? 0 : 1) + Dylibs.Count + RPaths.Count + (Dylinker is null ? 0 : 1) + (BuildVersion is null ? 0 : 1) +
                    (VersionMin is null ? 0 : 1) + (Uuid is null ? 0 : 1) + (ChainedFixups ? 2 : 1) + 2;
        ulong textOff = Round((ulong)(hsize + sizeofcmds) + HeaderPad, 16), textSize = 32;
        ulong dataOff = Round(textOff + textSize, 0x100), dataSize = (ulong)Math.Max(8, Imports.Count * (Is64 ? 8 : 4));
        ulong le = Round(dataOff + dataSize, 0x100);
        ulong bindOff = le, lazyOff = bindOff + (ulong)bind.Length, trieOff = lazyOff + (ulong)lazy.Length, chainedOff = trieOff + (ulong)trie.Length;
        ulong symOff = Round(chainedOff + (ulong)chained.Length, 8), strOff = symOff + (ulong)nlist.Count, end = strOff + (ulong)symStrings.Count;

        var c = new List<byte>();
        void Seg(string name, ulong vm, ulong vmsize, ulong off, ulong size, uint prot, (string Sect, ulong Off, ulong Size)? sect)
        {
            var b = new byte[segSize + (sect is null ? 0 : sectSize)];
            W32(b, 0, Is64 ? LC_SEGMENT_64 : LC_SEGMENT); W32(b, 4, (uint)b.Length);
            Encoding.ASCII.GetBytes(name).CopyTo(b, 8);
            int q;
            if (Is64) { W64(b, 24, vm); W64(b, 32, vmsize); W64(b, 40, off); W64(b, 48, size); q = 56; }
            else { W32(b, 24, (uint)vm); W32(b, 28, (uint)vmsize); W32(b, 32, (uint)off); W32(b, 36, (uint)size); q = 40; }
            W32(b, q, prot); W32(b, q + 4, prot); W32(b, q + 8, sect is null ? 0u : 1u);
            if (sect is { } s)
            {
                int o = segSize;
                Encoding.ASCII.GetBytes(s.Sect).CopyTo(b, o); Encoding.ASCII.GetBytes(name).CopyTo(b, o + 16);
                if (Is64) { W64(b, o + 32, Vm(s.Off)); W64(b, o + 40, s.Size); W32(b, o + 48, (uint)s.Off); W32(b, o + 52, 4); }
                else { W32(b, o + 32, (uint)Vm(s.Off)); W32(b, o + 36, (uint)s.Size); W32(b, o + 40, (uint)s.Off); W32(b, o + 44, 4); }
            }
            c.AddRange(b);
        }
        void StrCmd(uint cmd, int fixedSize, string s, Action<byte[]>? fill = null)
        {
            var b = new byte[Round((ulong)(fixedSize + Str(s)), (ulong)align)];
            W32(b, 0, cmd); W32(b, 4, (uint)b.Length); W32(b, 8, (uint)fixedSize);
            Encoding.UTF8.GetBytes(s).CopyTo(b, fixedSize);
            fill?.Invoke(b);
            c.AddRange(b);
        }
        void Cmd(uint cmd, params uint[] words)
        {
            var b = new byte[8 + words.Length * 4];
            W32(b, 0, cmd); W32(b, 4, (uint)b.Length);
            for (int i = 0; i < words.Length; i++) W32(b, 8 + i * 4, words[i]);
            c.AddRange(b);
        }
        Seg("__TEXT", Vm(0), dataOff, 0, dataOff, VM_PROT_READ | VM_PROT_EXECUTE, ("__text", textOff, textSize));
        Seg("__DATA", Vm(dataOff), le - dataOff, dataOff, le - dataOff, VM_PROT_READ | VM_PROT_WRITE, ("__got", dataOff, dataSize));
        Seg("__LINKEDIT", Vm(le), Round(end - le, 0x100), le, end - le, VM_PROT_READ, null);
        if (Id is { } i2) StrCmd(LC_ID_DYLIB, 24, i2.Name, b => { W32(b, 12, 2); W32(b, 16, i2.Current); W32(b, 20, i2.Compat); });
        foreach (var d in Dylibs) StrCmd(d.Cmd, 24, d.Name, b => { W32(b, 12, 2); W32(b, 16, d.Current); W32(b, 20, d.Compat); });
        foreach (var r in RPaths) StrCmd(LC_RPATH, 12, r);
        if (Dylinker is { } dl2) StrCmd(LC_LOAD_DYLINKER, 12, dl2);
        if (BuildVersion is { } bv) Cmd(LC_BUILD_VERSION, bv.Platform, bv.MinOs, bv.Sdk, 1, TOOL_LD, 0x03000000);
        if (VersionMin is { } vm) Cmd(vm.Cmd, vm.Version, vm.Sdk);
        if (Uuid is { } u) { var b = new byte[24]; W32(b, 0, LC_UUID); W32(b, 4, 24); u.CopyTo(b, 8); c.AddRange(b); }
        if (ChainedFixups)
        {
            Cmd(LC_DYLD_CHAINED_FIXUPS, (uint)chainedOff, (uint)chained.Length);
            Cmd(LC_DYLD_EXPORTS_TRIE, (uint)trieOff, (uint)trie.Length);
        }
        else Cmd(LC_DYLD_INFO_ONLY, 0, 0, (uint)bindOff, (uint)bind.Length, 0, 0, (uint)lazyOff, (uint)lazy.Length, (uint)trieOff, (uint)trie.Length);
        Cmd(LC_SYMTAB, (uint)symOff, (uint)Imports.Count, (uint)strOff, (uint)symStrings.Count);
        var dys = new uint[18]; dys[4] = 0; dys[5] = (uint)Imports.Count; Cmd(LC_DYSYMTAB, dys);
        if (c.Count != sizeofcmds) throw new InvalidOperationException($"sizeofcmds {sizeofcmds} but wrote {c.Count}");

        var f = new byte[end];
        W32(f, 0, Is64 ? MH_MAGIC_64 : MH_MAGIC); W32(f, 4, CpuType); W32(f, 8, CpuSubType); W32(f, 12, FileType);
        W32(f, 16, (uint)ncmds); W32(f, 20, (uint)sizeofcmds); W32(f, 24, Flags);
        c.CopyTo(f, hsize);
        bind.CopyTo(f, (int)bindOff); lazy.CopyTo(f, (int)lazyOff); trie.CopyTo(f, (int)trieOff); chained.CopyTo(f, (int)chainedOff);
        nlist.CopyTo(f, (int)symOff); symStrings.CopyTo(f, (int)strOff);
        return f;
    }

    /// <summary>One padded ULEB128 of exactly 4 bytes (values below 2^28), so offsets can be written before they are known.</summary>
    private static void Uleb(List<byte> o, ulong v, bool padded = false)
    {
        if (padded) { o.Add((byte)(v & 0x7f | 0x80)); o.Add((byte)((v >> 7) & 0x7f | 0x80)); o.Add((byte)((v >> 14) & 0x7f | 0x80)); o.Add((byte)((v >> 21) & 0x7f)); return; }
        do { byte b = (byte)(v & 0x7f); v >>= 7; o.Add(v != 0 ? (byte)(b | 0x80) : b); } while (v != 0);
    }

    private byte[] BindOpcodes(bool lazy)
    {
        var o = new List<byte>();
        int slot = 0;
        foreach (var (name, ordinal, weak, isLazy) in Imports)
        {
            int s = slot++;
            if (isLazy != lazy) continue;
            if (ordinal <= 0) o.Add((byte)(BIND_OPCODE_SET_DYLIB_SPECIAL_IMM | (ordinal & 0xf)));
            else if (ordinal < 16) o.Add((byte)(BIND_OPCODE_SET_DYLIB_ORDINAL_IMM | ordinal));
            else { o.Add(BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB); Uleb(o, (ulong)ordinal); }
            o.Add((byte)(BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM | (weak ? BIND_SYMBOL_FLAGS_WEAK_IMPORT : 0)));
            o.AddRange(Encoding.UTF8.GetBytes(name)); o.Add(0);
            o.Add(BIND_OPCODE_SET_TYPE_IMM | BIND_TYPE_POINTER);
            o.Add(BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB | 1); Uleb(o, (ulong)(s * (Is64 ? 8 : 4)));
            o.Add(BIND_OPCODE_DO_BIND);
            if (lazy) o.Add(BIND_OPCODE_DONE);
        }
        if (!lazy) o.Add(BIND_OPCODE_DONE);
        while (o.Count % 8 != 0) o.Add(0);
        return [.. o];
    }

    /// <summary>A two-level trie: the root has one edge per export (the whole name) to a terminal leaf.</summary>
    private byte[] ExportTrie()
    {
        var leaves = new List<byte[]>();
        foreach (var (name, address, flags, ordinal, importName) in Exports)
        {
            var info = new List<byte>();
            Uleb(info, flags);
            if ((flags & EXPORT_SYMBOL_FLAGS_REEXPORT) != 0) { Uleb(info, (ulong)ordinal); info.AddRange(Encoding.UTF8.GetBytes(importName ?? "")); info.Add(0); }
            else Uleb(info, address);
            var leaf = new List<byte>();
            Uleb(leaf, (ulong)info.Count);
            leaf.AddRange(info);
            leaf.Add(0);
            leaves.Add([.. leaf]);
        }
        var root = new List<byte> { 0, (byte)Exports.Count };
        int rootSize = 2 + Exports.Sum(e => Encoding.UTF8.GetByteCount(e.Name) + 1 + 4);
        int at = rootSize;
        for (int i = 0; i < Exports.Count; i++)
        {
            root.AddRange(Encoding.UTF8.GetBytes(Exports[i].Name)); root.Add(0);
            Uleb(root, (ulong)at, padded: true);
            at += leaves[i].Length;
        }
        foreach (var l in leaves) root.AddRange(l);
        while (root.Count % 8 != 0) root.Add(0);
        return [.. root];
    }

    /// <summary>dyld_chained_fixups_header, an empty dyld_chained_starts_in_image, the imports and their names.</summary>
    private byte[] ChainedBlob()
    {
        var names = new List<byte> { 0 };
        var imports = new List<byte>();
        foreach (var (name, ordinal, weak, _) in Imports)
        {
            uint nameOff = (uint)names.Count;
            names.AddRange(Encoding.UTF8.GetBytes(name)); names.Add(0);
            if (ChainedImportsFormat == DYLD_CHAINED_IMPORT_ADDEND64)
            {
                ulong v = (ulong)(uint)(ordinal & 0xffff) | (weak ? 1ul << 16 : 0) | (ulong)nameOff << 32;
                var b = new byte[16]; BinaryPrimitives.WriteUInt64LittleEndian(b, v); imports.AddRange(b);
            }
            else
            {
                uint v = (uint)(ordinal & 0xff) | (weak ? 1u << 8 : 0) | nameOff << 9;
                var b = new byte[ChainedImportsFormat == DYLD_CHAINED_IMPORT_ADDEND ? 8 : 4]; BinaryPrimitives.WriteUInt32LittleEndian(b, v); imports.AddRange(b);
            }
        }
        const int startsOff = 32;
        int importsOff = startsOff + 8, symbolsOff = importsOff + imports.Count;
        var h = new byte[symbolsOff + names.Count];
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(4), startsOff);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(8), (uint)importsOff);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(12), (uint)symbolsOff);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(16), (uint)Imports.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(h.AsSpan(20), ChainedImportsFormat);
        imports.CopyTo(h, importsOff);
        names.CopyTo(h, symbolsOff);
        return h;
    }

    /// <summary>A universal file: FAT_MAGIC or FAT_MAGIC_64 header (big-endian, or byte-swapped as FAT_CIGAM), each slice aligned to 2^12.</summary>
    public static byte[] Fat(IReadOnlyList<(uint CpuType, uint CpuSubType, byte[] Image)> slices, bool fat64 = false, bool swapped = false)
    {
        int entry = fat64 ? 32 : 20;
        ulong at = Round((ulong)(8 + slices.Count * entry), 0x1000);
        var offsets = new List<ulong>();
        foreach (var s in slices) { offsets.Add(at); at = Round(at + (ulong)s.Image.Length, 0x1000); }
        var f = new byte[at];
        void P32(int o, uint v) { if (swapped) BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(o), v); else BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(o), v); }
        void P64(int o, ulong v) { if (swapped) BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(o), v); else BinaryPrimitives.WriteUInt64BigEndian(f.AsSpan(o), v); }
        P32(0, fat64 ? FAT_MAGIC_64 : FAT_MAGIC);
        P32(4, (uint)slices.Count);
        for (int i = 0; i < slices.Count; i++)
        {
            int o = 8 + i * entry;
            P32(o, slices[i].CpuType); P32(o + 4, slices[i].CpuSubType);
            if (fat64) { P64(o + 8, offsets[i]); P64(o + 16, (ulong)slices[i].Image.Length); P32(o + 24, 12); }
            else { P32(o + 8, (uint)offsets[i]); P32(o + 12, (uint)slices[i].Image.Length); P32(o + 16, 12); }
            slices[i].Image.CopyTo(f, (int)offsets[i]);
        }
        return f;
    }

    private static ulong Round(ulong v, ulong a) => (v + a - 1) / a * a;
    private void W16(byte[] b, int o, ushort v) { if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(o), v); }
    private void W32(byte[] b, int o, uint v) { if (BigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(o), v); }
    private void W64(byte[] b, int o, ulong v) { if (BigEndian) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(o), v); else BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(o), v); }
}
