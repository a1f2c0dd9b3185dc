using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Formats.MachO;

/// <summary>The export trie, the bindings (bind opcodes, chained fixups) and the symbol table of a Mach-O image.</summary>
public sealed partial class MachOFile
{
    /// <summary>Bindings kept per image, at most (a corrupt opcode stream could otherwise describe billions).</summary>
    public const int MaxBindings = 4 << 20;

    /// <summary>
    /// The longest symbol name read (64 KiB; real C++ names stay far below). It bounds the search for a NUL, so a
    /// table of names pointing into one long unterminated string costs linear time, not quadratic.
    /// </summary>
    public const int MaxNameLength = 1 << 16;

    /// <summary>The export trie's names, added up, at most (a deep chain of one-byte edges could otherwise build gigabytes).</summary>
    public const long MaxTrieNameBytes = 64L << 20;

    /// <summary>The NUL-terminated name at the start of <paramref name="s"/>, read up to <see cref="MaxNameLength"/> bytes.</summary>
    internal static string Name(ReadOnlySpan<byte> s) => Encoding.UTF8.GetString(SpanReader.CString(s[..Math.Min(s.Length, MaxNameLength)]));

    /// <summary>
    /// The exported symbols, from LC_DYLD_EXPORTS_TRIE or the export part of LC_DYLD_INFO, in depth-first preorder of
    /// the trie. Empty when the image has no trie.
    /// </summary>
    public IReadOnlyList<MachOExport> TrieExports => Lazy(ref _exports, ref _exportsRead, ReadExportTrie)!;

    /// <summary>
    /// The bindings: with LC_DYLD_CHAINED_FIXUPS one per import of the chained import table; else one per location of
    /// the bind, lazy-bind and weak-bind opcode streams of LC_DYLD_INFO (and the ordinal table of threaded binds).
    /// </summary>
    public IReadOnlyList<MachOBinding> Bindings => Lazy(ref _bindings, ref _bindingsRead, ReadBindings)!;

    /// <summary>The nlist symbol table (LC_SYMTAB), empty when there is none.</summary>
    public IReadOnlyList<MachOSymbol> Symbols => Lazy(ref _symbols, ref _symbolsRead, ReadSymbols)!;

    /// <summary>The name of library ordinal <paramref name="ordinal"/> (1-based), or null for the special ordinals and bad ones.</summary>
    public string? LibraryName(int ordinal) => ordinal >= 1 && ordinal <= Dylibs.Count ? Dylibs[ordinal - 1].Name : null;

    /// <summary>The address of the first segment with file offset 0 and file contents (the mach header's address).</summary>
    public ulong BaseAddress
    {
        get
        {
            foreach (var s in Segments)
                if (s.FileOff == 0 && s.FileSize != 0) return s.VmAddr;
            return 0;
        }
    }

    private bool TryLinkEdit(uint offset, uint size, string what, string code, out ReadOnlySpan<byte> data)
    {
        if (Reader.TrySlice(offset, size, out data)) return true;
        AddAnomaly(code, $"{what} (0x{size:x} bytes at 0x{offset:x}) extends past end of file", offset);
        return false;
    }

    /// <summary>
    /// Walks the export trie depth first, as LLVM's <c>ExportEntry::moveNext</c> and dyld's
    /// <c>MachOLoaded::trieWalk</c> do: each node is visited at most once (a loop is an anomaly, never a hang), every
    /// ULEB and string is bounds-checked against the trie, and the walk stops at the first damaged node.
    /// </summary>
    private IReadOnlyList<MachOExport> ReadExportTrie()
    {
        uint off, size;
        if (ExportsTrie is { } t) (off, size) = (t.DataOff, t.DataSize);
        else if (DyldInfo is { ExportSize: > 0 } d) (off, size) = (d.ExportOff, d.ExportSize);
        else return [];
        if (size == 0 || !TryLinkEdit(off, size, "export trie", "MACHO010", out var trie)) return [];
        var result = new List<MachOExport>();
        var visited = new HashSet<int>();
        var name = new List<byte>(256);
        // (node offset, length of the name prefix leading to it, index of the next child to visit, child count, cursor)
        var stack = new Stack<(int Node, int PrefixLength, int ChildrenLeft, int Cursor)>();
        long nameBytes = 0;
        if (!EnterTrieNode(trie, off, 0, 0, visited, name, stack, result, ref nameBytes)) return result;
        while (stack.Count > 0)
        {
            var (node, prefix, left, cursor) = stack.Pop();
            if (left == 0) continue;
            name.RemoveRange(prefix, name.Count - prefix);
            int edgeEnd = trie[cursor..].IndexOf((byte)0);
            if (edgeEnd < 0) { TrieDamaged(off, cursor, "edge label runs past the end of the trie"); break; }
            foreach (var b in trie.Slice(cursor, edgeEnd)) name.Add(b);
            int p = cursor + edgeEnd + 1;
            if (!SpanReader.TryReadUleb128(trie, ref p, out ulong child)) { TrieDamaged(off, p, "truncated child offset"); break; }
            stack.Push((node, prefix, left - 1, p));
            if (child >= (ulong)trie.Length) { TrieDamaged(off, cursor, $"child offset 0x{child:x} is outside the trie (size 0x{trie.Length:x})"); break; }
            if (name.Count > MaxNameLength) { TrieDamaged(off, cursor, $"a name longer than {MaxNameLength} bytes"); break; }
            if (!EnterTrieNode(trie, off, (int)child, name.Count, visited, name, stack, result, ref nameBytes)) break;
        }
        return result;
    }

    private void TrieDamaged(uint trieOffset, int at, string what) => AddAnomaly("MACHO011", $"export trie: {what}", trieOffset + at);

    /// <summary>Reads one trie node: its export (when terminal), then pushes its children for the walk.</summary>
    private bool EnterTrieNode(ReadOnlySpan<byte> trie, uint off, int node, int prefixLength, HashSet<int> visited, List<byte> name,
        Stack<(int Node, int PrefixLength, int ChildrenLeft, int Cursor)> stack, List<MachOExport> result, ref long nameBytes)
    {
        void Damaged(int at, string what) => TrieDamaged(off, at, what);
        if (!visited.Add(node)) { Damaged(node, $"node 0x{node:x} is reached twice (a loop)"); return false; }
        int p = node;
        if (!SpanReader.TryReadUleb128(trie, ref p, out ulong terminalSize)) { Damaged(node, "truncated terminal size"); return false; }
        if (terminalSize > (ulong)(trie.Length - p)) { Damaged(node, $"terminal size 0x{terminalSize:x} runs past the end of the trie"); return false; }
        int children = p + (int)terminalSize;
        if (terminalSize != 0)
        {
            var info = trie[..children];
            if (!SpanReader.TryReadUleb128(info, ref p, out ulong flags)) { Damaged(p, "truncated flags"); return false; }
            ulong address = 0, resolver = 0, ordinal = 0;
            string? importName = null;
            if ((flags & EXPORT_SYMBOL_FLAGS_REEXPORT) != 0)
            {
                if (!SpanReader.TryReadUleb128(info, ref p, out ordinal)) { Damaged(p, "truncated re-export ordinal"); return false; }
                int nul = info[p..].IndexOf((byte)0);
                if (nul < 0) { Damaged(p, "re-export name runs past its node"); return false; }
                importName = Encoding.UTF8.GetString(info.Slice(p, nul));
            }
            else
            {
                if (!SpanReader.TryReadUleb128(info, ref p, out address)) { Damaged(p, "truncated address"); return false; }
                if ((flags & EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER) != 0 && !SpanReader.TryReadUleb128(info, ref p, out resolver))
                { Damaged(p, "truncated resolver offset"); return false; }
            }
            if ((nameBytes += prefixLength) > MaxTrieNameBytes) { Damaged(node, $"names add up to more than {MaxTrieNameBytes} bytes"); return false; }
            result.Add(new MachOExport(Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(name)[..prefixLength]),
                flags, address, resolver, (int)Math.Min(ordinal, int.MaxValue), importName));
        }
        if (children >= trie.Length) { Damaged(children, "child count runs past the end of the trie"); return false; }
        int count = trie[children];
        stack.Push((node, prefixLength, count, children + 1));
        return true;
    }

    private IReadOnlyList<MachOBinding> ReadBindings()
    {
        var list = new List<MachOBinding>();
        if (ChainedFixups is { } cf)
        {
            ReadChainedImports(cf, list);
            return list;
        }
        if (DyldInfo is { } d)
        {
            if (d.BindSize > 0 && TryLinkEdit(d.BindOff, d.BindSize, "bind opcodes", "MACHO020", out var bind)) RunBindOpcodes(bind, d.BindOff, MachOBindTable.Bind, list);
            if (d.LazyBindSize > 0 && TryLinkEdit(d.LazyBindOff, d.LazyBindSize, "lazy bind opcodes", "MACHO020", out var lazy)) RunBindOpcodes(lazy, d.LazyBindOff, MachOBindTable.LazyBind, list);
            if (d.WeakBindSize > 0 && TryLinkEdit(d.WeakBindOff, d.WeakBindSize, "weak bind opcodes", "MACHO020", out var weak)) RunBindOpcodes(weak, d.WeakBindOff, MachOBindTable.WeakBind, list);
        }
        return list;
    }

    private static bool TryReadSleb128(ReadOnlySpan<byte> s, ref int position, out long value)
    {
        value = 0;
        int shift = 0;
        byte b;
        do
        {
            if (position >= s.Length || shift >= 64) return false;
            b = s[position++];
            value |= (long)(b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        if (shift < 64 && (b & 0x40) != 0) value |= -1L << shift;
        return true;
    }

    /// <summary>
    /// Interprets a bind opcode stream, as dyld's <c>MachOAnalyzer::parseOrderedBindOpcodes</c> and LLVM's
    /// <c>MachOBindEntry::moveNext</c> do. In the lazy stream BIND_OPCODE_DONE separates entries; elsewhere it ends
    /// the stream. Repeat counts are checked against the segment so a corrupt count cannot loop for ever.
    /// </summary>
    private void RunBindOpcodes(ReadOnlySpan<byte> ops, uint streamOffset, MachOBindTable table, List<MachOBinding> list)
    {
        ulong ptrSize = Is64 ? 8u : 4u;
        int ordinal = 0;
        string? name = null;
        byte flags = 0, type = table == MachOBindTable.LazyBind ? BIND_TYPE_POINTER : (byte)0;
        long addend = 0;
        int segIndex = -1;
        ulong segOffset = 0;
        bool threaded = false;
        int p = 0;
        string tableName = table switch { MachOBindTable.LazyBind => "lazy bind", MachOBindTable.WeakBind => "weak bind", _ => "bind" };

        void Bad(int at, string what) => AddAnomaly("MACHO021", $"{tableName} opcodes: {what}", streamOffset + at);

        bool Emit(int at)
        {
            if (list.Count >= MaxBindings) { Bad(at, $"more than {MaxBindings} bindings"); return false; }
            if (name is null) { Bad(at, "bind without a symbol name"); return false; }
            if (threaded)
            {
                list.Add(new MachOBinding(MachOBindTable.Threaded, name, ordinal, (flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT) != 0, type, addend, -1, 0, 0));
                return true;
            }
            if (segIndex < 0 || segIndex >= Segments.Count) { Bad(at, $"segment index {segIndex} is not a segment"); return false; }
            var seg = Segments[segIndex];
            if (segOffset >= seg.VmSize) { Bad(at, $"offset 0x{segOffset:x} is past the end of segment {seg.Name}"); return false; }
            list.Add(new MachOBinding(table, name, ordinal, (flags & BIND_SYMBOL_FLAGS_WEAK_IMPORT) != 0, type, addend, segIndex, segOffset, seg.VmAddr + segOffset));
            return true;
        }

        while (p < ops.Length)
        {
            int at = p;
            byte b = ops[p++];
            byte imm = (byte)(b & BIND_IMMEDIATE_MASK);
            ulong u1, u2;
            switch ((byte)(b & BIND_OPCODE_MASK))
            {
                case BIND_OPCODE_DONE:
                    if (table == MachOBindTable.LazyBind) continue;
                    return;
                case BIND_OPCODE_SET_DYLIB_ORDINAL_IMM:
                    ordinal = imm;
                    break;
                case BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB:
                    if (!SpanReader.TryReadUleb128(ops, ref p, out u1)) { Bad(at, "truncated ULEB"); return; }
                    ordinal = (int)Math.Min(u1, int.MaxValue);
                    break;
                case BIND_OPCODE_SET_DYLIB_SPECIAL_IMM:
                    ordinal = imm == 0 ? 0 : (sbyte)(BIND_OPCODE_MASK | imm);
                    break;
                case BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM:
                {
                    flags = imm;
                    int nul = ops[p..].IndexOf((byte)0);
                    if (nul < 0) { Bad(at, "symbol name runs past the end of the opcodes"); return; }
                    name = Encoding.UTF8.GetString(ops.Slice(p, nul));
                    p += nul + 1;
                    break;
                }
                case BIND_OPCODE_SET_TYPE_IMM:
                    type = imm;
                    break;
                case BIND_OPCODE_SET_ADDEND_SLEB:
                    if (!TryReadSleb128(ops, ref p, out addend)) { Bad(at, "truncated SLEB"); return; }
                    break;
                case BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB:
                    segIndex = imm;
                    if (!SpanReader.TryReadUleb128(ops, ref p, out segOffset)) { Bad(at, "truncated ULEB"); return; }
                    break;
                case BIND_OPCODE_ADD_ADDR_ULEB:
                    if (!SpanReader.TryReadUleb128(ops, ref p, out u1)) { Bad(at, "truncated ULEB"); return; }
                    segOffset = unchecked(segOffset + u1);
                    break;
                case BIND_OPCODE_DO_BIND:
                    if (!Emit(at)) return;
                    segOffset = unchecked(segOffset + ptrSize);
                    break;
                case BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB:
                    if (!SpanReader.TryReadUleb128(ops, ref p, out u1)) { Bad(at, "truncated ULEB"); return; }
                    if (!Emit(at)) return;
                    segOffset = unchecked(segOffset + u1 + ptrSize);
                    break;
                case BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED:
                    if (!Emit(at)) return;
                    segOffset = unchecked(segOffset + imm * ptrSize + ptrSize);
                    break;
                case BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB:
                {
                    if (!SpanReader.TryReadUleb128(ops, ref p, out u1) || !SpanReader.TryReadUleb128(ops, ref p, out u2)) { Bad(at, "truncated ULEB"); return; }
                    // Each repetition binds a pointer inside the segment: more than fit is corrupt.
                    ulong fit = segIndex >= 0 && segIndex < Segments.Count ? Segments[segIndex].VmSize / ptrSize + 1 : 0;
                    if (u1 > fit) { Bad(at, $"repeat count {u1} exceeds what segment {segIndex} can hold"); return; }
                    for (ulong k = 0; k < u1; k++)
                    {
                        if (!Emit(at)) return;
                        segOffset = unchecked(segOffset + u2 + ptrSize);
                    }
                    break;
                }
                case BIND_OPCODE_THREADED:
                    if (imm == BIND_SUBOPCODE_THREADED_SET_BIND_ORDINAL_TABLE_SIZE_ULEB)
                    {
                        if (!SpanReader.TryReadUleb128(ops, ref p, out _)) { Bad(at, "truncated ULEB"); return; }
                        threaded = true;
                    }
                    else if (imm == BIND_SUBOPCODE_THREADED_APPLY) { /* the chains themselves carry no names */ }
                    else { Bad(at, $"unknown threaded sub-opcode {imm}"); return; }
                    break;
                default:
                    Bad(at, $"unknown opcode 0x{b:x2}");
                    return;
            }
        }
    }

    /// <summary>
    /// The import table of LC_DYLD_CHAINED_FIXUPS (&lt;mach-o/fixup-chains.h&gt;: dyld_chained_fixups_header,
    /// dyld_chained_import / _addend / _addend64), as dyld's <c>MachOAnalyzer::forEachChainedFixupTarget</c> reads it.
    /// Library ordinals above 0xF0 (0xFFF0 for the 64-bit form) are the negative BIND_SPECIAL_DYLIB_* values.
    /// </summary>
    private void ReadChainedImports(MachOLinkEditData cf, List<MachOBinding> list)
    {
        if (!TryLinkEdit(cf.DataOff, cf.DataSize, "chained fixups", "MACHO030", out var blob)) return;
        var r = new SpanReader(blob, IsBigEndian);
        void Bad(ulong at, string what) => AddAnomaly("MACHO031", $"chained fixups: {what}", cf.DataOff + (long)Math.Min(at, int.MaxValue));
        if (blob.Length < SIZEOF_DYLD_CHAINED_FIXUPS_HEADER) { Bad(0, $"header truncated ({blob.Length} bytes)"); return; }
        uint version = r.U32(0), importsOffset = r.U32(8), symbolsOffset = r.U32(12), count = r.U32(16), format = r.U32(20), symbolsFormat = r.U32(24);
        if (version != 0) { Bad(0, $"unknown fixups_version {version}"); return; }
        uint entrySize = format switch { DYLD_CHAINED_IMPORT => 4u, DYLD_CHAINED_IMPORT_ADDEND => 8u, DYLD_CHAINED_IMPORT_ADDEND64 => 16u, _ => 0u };
        if (entrySize == 0) { Bad(20, $"unknown imports_format {format}"); return; }
        if (symbolsFormat != 0) { Bad(24, $"symbols_format {symbolsFormat} (compressed names) is not supported"); return; }
        if (!r.Contains(importsOffset, (ulong)count * entrySize)) { Bad(8, $"import table ({count} entries at 0x{importsOffset:x}) extends past the chained fixups data"); return; }
        if (symbolsOffset > (uint)blob.Length) { Bad(12, $"symbols_offset 0x{symbolsOffset:x} is past the chained fixups data"); return; }
        var names = blob[(int)symbolsOffset..];
        for (uint i = 0; i < count; i++)
        {
            ulong at = importsOffset + (ulong)i * entrySize;
            int ordinal;
            bool weak;
            ulong nameOffset;
            long addend = 0;
            if (format == DYLD_CHAINED_IMPORT_ADDEND64)
            {
                ulong v = r.U64(at);
                ordinal = (int)(v & 0xffff);
                if (ordinal > 0xfff0) ordinal = (short)ordinal;
                weak = ((v >> 16) & 1) != 0;
                nameOffset = v >> 32;
                addend = (long)r.U64(at + 8);
            }
            else
            {
                uint v = r.U32(at);
                ordinal = (int)(v & 0xff);
                if (ordinal > 0xf0) ordinal = (sbyte)ordinal;
                weak = ((v >> 8) & 1) != 0;
                nameOffset = v >> 9;
                if (format == DYLD_CHAINED_IMPORT_ADDEND) addend = (int)r.U32(at + 4);
            }
            string name;
            if (nameOffset < (ulong)names.Length) name = Name(names[(int)nameOffset..]);
            else { Bad(at, $"import {i} name offset 0x{nameOffset:x} is outside the symbol strings"); name = "<corrupt>"; }
            list.Add(new MachOBinding(MachOBindTable.ChainedFixups, name, ordinal, weak, BIND_TYPE_POINTER, addend, -1, 0, 0));
        }
    }

    /// <summary>The nlist table of LC_SYMTAB with names from its string table; damage is an anomaly and ends the table early.</summary>
    private IReadOnlyList<MachOSymbol> ReadSymbols()
    {
        if (Symtab is not { NSyms: > 0 } st) return [];
        ulong entry = Is64 ? 16u : 12u;
        var r = Reader;
        ulong nsyms = st.NSyms;
        if (!r.Contains(st.SymOff, nsyms * entry))
        {
            ulong available = st.SymOff <= SliceSize ? (SliceSize - st.SymOff) / entry : 0;
            AddAnomaly("MACHO040", $"symbol table ({nsyms} entries at 0x{st.SymOff:x}) extends past end of file; reading {available}", st.SymOff);
            nsyms = available;
        }
        ReadOnlySpan<byte> strings = default;
        if (!r.TrySlice(st.StrOff, st.StrSize, out strings))
        {
            AddAnomaly("MACHO041", $"string table (0x{st.StrSize:x} bytes at 0x{st.StrOff:x}) extends past end of file", st.StrOff);
            strings = st.StrOff < SliceSize ? Data[(int)st.StrOff..] : default;
        }
        var list = new MachOSymbol[nsyms];
        for (ulong i = 0; i < nsyms; i++)
        {
            ulong at = st.SymOff + i * entry;
            uint strx = r.U32(at);
            byte type = r.U8(at + 4), sect = r.U8(at + 5);
            ushort desc = r.U16(at + 6);
            ulong value = Is64 ? r.U64(at + 8) : r.U32(at + 8);
            string name;
            if (strx < (ulong)strings.Length) name = Name(strings[(int)strx..]);
            else { AddAnomaly("MACHO042", $"symbol {i} name offset 0x{strx:x} lies outside the string table"); name = "<corrupt>"; }
            list[i] = new MachOSymbol((int)i, name, type, sect, desc, value);
        }
        return list;
    }
}
