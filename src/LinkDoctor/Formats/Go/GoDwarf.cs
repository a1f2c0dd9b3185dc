using System.IO.Compression;
using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>A compilation unit's header attributes: <c>DW_AT_name</c>, <c>DW_AT_producer</c>, <c>DW_AT_language</c>.</summary>
public sealed record GoDwarfUnit(string? Name, string? Producer, ulong Language)
{
    /// <summary>DW_LANG_C89, C, C99, C11, C17 (DWARF 5 table 7.17).</summary>
    public bool IsC => Language is 0x1 or 0x2 or 0xc or 0x1d or 0x2c;
    /// <summary>DW_LANG_Go.</summary>
    public bool IsGo => Language == 0x16;
}

/// <summary>A C function's prototype as DWARF describes it: return type, name, parameters (type and name).</summary>
public sealed record GoCPrototype(string Name, string ReturnType, IReadOnlyList<(string Type, string Name)> Parameters, string Unit)
{
    /// <summary>The prototype in cgo's header style: <c>GoInt Add(GoInt a, GoInt b)</c>.</summary>
    public override string ToString() =>
        $"{ReturnType} {Name}({(Parameters.Count == 0 ? "" : string.Join(", ", Parameters.Select(p => p.Name.Length == 0 ? p.Type : Join(p.Type, p.Name))))})";

    private static string Join(string type, string name) => type + " " + name;
}

/// <summary>
/// A small DWARF reader, limited to what LinkDoctor needs (DWARF 2–5, 32- and 64-bit units): every unit's name,
/// producer and language (Go records the compiler version and flags in <c>DW_AT_producer</c>, e.g.
/// <c>Go cmd/compile go1.19.8; -l</c>), and the external functions of the C units with their prototypes (for
/// cgo's <c>//export</c> wrappers in <c>_cgo_export.c</c>). Mirrors the parts of Go's src/debug/dwarf it needs;
/// every offset and length is checked through <see cref="SpanReader"/>.
/// </summary>
public sealed class GoDwarf
{
    private readonly ReadOnlyMemory<byte> _info, _abbrev, _str, _lineStr, _strOffsets;
    private readonly bool _bigEndian;

    private GoDwarf(ReadOnlyMemory<byte> info, ReadOnlyMemory<byte> abbrev, ReadOnlyMemory<byte>? str, ReadOnlyMemory<byte>? lineStr, ReadOnlyMemory<byte>? strOffsets, bool bigEndian)
    {
        _info = info;
        _abbrev = abbrev;
        _str = str ?? default;
        _lineStr = lineStr ?? default;
        _strOffsets = strOffsets ?? default;
        _bigEndian = bigEndian;
    }

    /// <summary>The DWARF of <paramref name="x"/>, or null when it has no <c>.debug_info</c> (stripped with -w or -s).</summary>
    public static GoDwarf? Open(IGoExecutable x)
    {
        if (x.DwarfSection("info") is not { } info || x.DwarfSection("abbrev") is not { } abbrev) return null;
        return new GoDwarf(info, abbrev, x.DwarfSection("str"), x.DwarfSection("line_str"), x.DwarfSection("str_offsets"), x.IsBigEndian);
    }

    /// <summary>Decompresses an SHF_COMPRESSED section: an Elf_Chdr (ch_type 1 = ELFCOMPRESS_ZLIB) then a zlib stream.</summary>
    public static ReadOnlyMemory<byte>? DecompressElf(ReadOnlySpan<byte> raw, bool is64, bool bigEndian)
    {
        var r = new SpanReader(raw, bigEndian);
        int hdr = is64 ? 24 : 12;
        if (raw.Length < hdr || r.U32(0) != 1) return null;
        ulong size = is64 ? r.U64(8) : r.U32(4);
        return Inflate(raw[hdr..], size);
    }

    /// <summary>Decompresses a GNU <c>.zdebug_*</c> section: "ZLIB", an 8-byte big-endian size, a zlib stream.</summary>
    public static ReadOnlyMemory<byte>? DecompressGnu(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 12 || !raw[..4].SequenceEqual("ZLIB"u8)) return null;
        ulong size = new SpanReader(raw, true).U64(4);
        return Inflate(raw[12..], size);
    }

    private static ReadOnlyMemory<byte>? Inflate(ReadOnlySpan<byte> zlib, ulong size)
    {
        // The declared size is not trusted for the allocation beyond a sane bound: zlib expands at most ~1000x.
        if (size > (ulong)zlib.Length * 1100 + 4096 || size > int.MaxValue) return null;
        try
        {
            var output = new byte[size];
            using var ms = new MemoryStream(zlib.ToArray(), writable: false);
            using var z = new ZLibStream(ms, CompressionMode.Decompress);
            int total = 0;
            while (total < output.Length)
            {
                int n = z.Read(output, total, output.Length - total);
                if (n <= 0) break;
                total += n;
            }
            return total == output.Length ? output : null;
        }
        catch (InvalidDataException) { return null; }
    }

    private sealed record Abbrev(ulong Tag, bool HasChildren, (ulong Attr, ulong Form, long Implicit)[] Specs);

    private readonly struct UnitHeader
    {
        public required int Start { get; init; }     // offset of the unit in .debug_info
        public required int End { get; init; }
        public required int DieStart { get; init; }
        public required int Version { get; init; }
        public required int AddressSize { get; init; }
        public required bool Dwarf64 { get; init; }
        public required Dictionary<ulong, Abbrev> Abbrevs { get; init; }
    }

    private const ulong DW_TAG_compile_unit = 0x11, DW_TAG_subprogram = 0x2e, DW_TAG_formal_parameter = 0x05, DW_TAG_unspecified_parameters = 0x18,
        DW_TAG_base_type = 0x24, DW_TAG_typedef = 0x16, DW_TAG_pointer_type = 0x0f, DW_TAG_const_type = 0x26, DW_TAG_volatile_type = 0x35,
        DW_TAG_structure_type = 0x13, DW_TAG_union_type = 0x17, DW_TAG_enumeration_type = 0x04, DW_TAG_restrict_type = 0x37,
        DW_TAG_array_type = 0x01, DW_TAG_subroutine_type = 0x15, DW_TAG_partial_unit = 0x3c;
    private const ulong DW_AT_name = 0x03, DW_AT_producer = 0x25, DW_AT_language = 0x13, DW_AT_type = 0x49, DW_AT_external = 0x3f,
        DW_AT_str_offsets_base = 0x72, DW_AT_declaration = 0x3c, DW_AT_prototyped = 0x27;

    /// <summary>Every unit's name, producer and language, in file order.</summary>
    public IReadOnlyList<GoDwarfUnit> Units()
    {
        var list = new List<GoDwarfUnit>();
        foreach (var u in UnitHeaders())
        {
            var die = ReadDie(u, u.DieStart, out _);
            if (die is null) continue;
            list.Add(new GoDwarfUnit(die.Str(DW_AT_name), die.Str(DW_AT_producer), die.Num(DW_AT_language)));
        }
        return list;
    }

    /// <summary>The external, defined functions of the C units, with their prototypes (first definition of each name).</summary>
    public IReadOnlyDictionary<string, GoCPrototype> CFunctions()
    {
        var result = new Dictionary<string, GoCPrototype>(StringComparer.Ordinal);
        foreach (var u in UnitHeaders())
        {
            var cu = ReadDie(u, u.DieStart, out int next);
            if (cu is null || cu.Tag is not (DW_TAG_compile_unit or DW_TAG_partial_unit)) continue;
            var unit = new GoDwarfUnit(cu.Str(DW_AT_name), cu.Str(DW_AT_producer), cu.Num(DW_AT_language));
            if (!unit.IsC) continue;
            // Read the whole unit: a tree of DIEs by offset.
            var dies = new Dictionary<int, Die>();
            var topLevel = new List<Die>();
            var stack = new Stack<Die>();
            stack.Push(cu);
            int pos = next;
            int guard = 0;
            while (pos < u.End && stack.Count > 0 && guard++ < 10_000_000)
            {
                var die = ReadDie(u, pos, out int after, cu.StrOffsetsBase);
                if (die is null) break;
                pos = after;
                if (die.Tag == 0) { stack.Pop(); continue; }
                dies[die.Offset] = die;
                var parent = stack.Peek();
                parent.Children.Add(die);
                if (parent == cu) topLevel.Add(die);
                if (die.HasChildren) stack.Push(die);
            }
            foreach (var f in topLevel)
            {
                if (f.Tag != DW_TAG_subprogram || f.Flag(DW_AT_declaration) || !f.Flag(DW_AT_external) || f.Str(DW_AT_name) is not { } name) continue;
                if (result.ContainsKey(name)) continue;
                string ret = TypeName(dies, f.Ref(DW_AT_type), 0);
                var ps = new List<(string, string)>();
                foreach (var c in f.Children)
                {
                    if (c.Tag == DW_TAG_formal_parameter) ps.Add((TypeName(dies, c.Ref(DW_AT_type), 0), c.Str(DW_AT_name) ?? ""));
                    else if (c.Tag == DW_TAG_unspecified_parameters) ps.Add(("...", ""));
                }
                if (ps.Count == 0 && f.Flag(DW_AT_prototyped)) ps.Add(("void", ""));
                result[name] = new GoCPrototype(name, ret, ps, unit.Name ?? "");
            }
        }
        return result;
    }

    /// <summary>A C type's name as a header spells it: typedef and base names, <c>struct X</c>, <c>T*</c>, <c>const T</c>.</summary>
    private static string TypeName(Dictionary<int, Die> dies, int? reference, int depth)
    {
        if (reference is null) return "void";
        if (depth > 32 || !dies.TryGetValue(reference.Value, out var t)) return "?";
        string? name = t.Str(DW_AT_name);
        return t.Tag switch
        {
            DW_TAG_base_type or DW_TAG_typedef => name ?? "?",
            DW_TAG_structure_type => "struct " + (name ?? "{...}"),
            DW_TAG_union_type => "union " + (name ?? "{...}"),
            DW_TAG_enumeration_type => "enum " + (name ?? "{...}"),
            DW_TAG_pointer_type => TypeName(dies, t.Ref(DW_AT_type), depth + 1) + "*",
            DW_TAG_const_type => "const " + TypeName(dies, t.Ref(DW_AT_type), depth + 1),
            DW_TAG_volatile_type => "volatile " + TypeName(dies, t.Ref(DW_AT_type), depth + 1),
            DW_TAG_restrict_type => TypeName(dies, t.Ref(DW_AT_type), depth + 1),
            DW_TAG_array_type => TypeName(dies, t.Ref(DW_AT_type), depth + 1) + "[]",
            DW_TAG_subroutine_type => "void*",
            _ => name ?? "?",
        };
    }

    private IEnumerable<UnitHeader> UnitHeaders()
    {
        int pos = 0;
        var abbrevCache = new Dictionary<ulong, Dictionary<ulong, Abbrev>>();
        while (pos + 11 <= _info.Length)
        {
            UnitHeader u;
            try
            {
                var r = new SpanReader(_info.Span, _bigEndian);
                ulong len = r.U32((ulong)pos);
                bool d64 = len == 0xffffffff;
                int hdr = pos + 4;
                if (d64) { len = r.U64((ulong)hdr); hdr += 8; }
                if (len > (ulong)(_info.Length - hdr) || len < 7) yield break;
                int end = hdr + (int)len;
                int version = r.U16((ulong)hdr);
                int p = hdr + 2;
                ulong abbrevOff;
                int addrSize;
                if (version >= 5)
                {
                    byte unitType = r.U8((ulong)p);
                    addrSize = r.U8((ulong)p + 1);
                    abbrevOff = d64 ? r.U64((ulong)p + 2) : r.U32((ulong)p + 2);
                    p += 2 + (d64 ? 8 : 4);
                    if (unitType is 4 or 5) p += 8 + (unitType == 5 ? (d64 ? 8 : 4) : 0); // skeleton/split: dwo id; type unit: signature + offset
                    else if (unitType == 2 || unitType == 6) p += 8 + (d64 ? 8 : 4);
                }
                else if (version is >= 2 and <= 4)
                {
                    abbrevOff = d64 ? r.U64((ulong)p) : r.U32((ulong)p);
                    p += d64 ? 8 : 4;
                    addrSize = r.U8((ulong)p);
                    p += 1;
                }
                else { pos = end; continue; }
                if (!abbrevCache.TryGetValue(abbrevOff, out var abbrevs))
                    abbrevCache[abbrevOff] = abbrevs = ReadAbbrevs(abbrevOff);
                u = new UnitHeader { Start = pos, End = end, DieStart = p, Version = version, AddressSize = addrSize, Dwarf64 = d64, Abbrevs = abbrevs };
                pos = end;
            }
            catch (BinaryFormatException) { yield break; }
            yield return u;
        }
    }

    private Dictionary<ulong, Abbrev> ReadAbbrevs(ulong offset)
    {
        var map = new Dictionary<ulong, Abbrev>();
        var s = _abbrev.Span;
        if (offset >= (ulong)s.Length) return map;
        int p = (int)offset;
        while (p < s.Length)
        {
            if (!SpanReader.TryReadUleb128(s, ref p, out ulong code) || code == 0) break;
            if (!SpanReader.TryReadUleb128(s, ref p, out ulong tag) || p >= s.Length) break;
            bool children = s[p++] != 0;
            var specs = new List<(ulong, ulong, long)>();
            while (true)
            {
                if (!SpanReader.TryReadUleb128(s, ref p, out ulong attr) || !SpanReader.TryReadUleb128(s, ref p, out ulong form)) return map;
                if (attr == 0 && form == 0) break;
                long implicitValue = 0;
                if (form == 0x21 && !TryReadSleb(s, ref p, out implicitValue)) return map;
                specs.Add((attr, form, implicitValue));
                if (specs.Count > 4096) return map;
            }
            map[code] = new Abbrev(tag, children, [.. specs]);
        }
        return map;
    }

    private static bool TryReadSleb(ReadOnlySpan<byte> s, ref int p, out long value)
    {
        value = 0;
        int shift = 0;
        while (p < s.Length && shift < 64)
        {
            byte b = s[p++];
            value |= (long)(b & 0x7f) << shift;
            shift += 7;
            if (b < 0x80)
            {
                if (shift < 64 && (b & 0x40) != 0) value |= -1L << shift;
                return true;
            }
        }
        return false;
    }

    private sealed class Die
    {
        public int Offset;
        public ulong Tag;
        public bool HasChildren;
        public readonly List<Die> Children = [];
        public readonly Dictionary<ulong, object> Attrs = [];
        public ulong? StrOffsetsBase;
        public string? Str(ulong at) => Attrs.TryGetValue(at, out var v) ? v as string : null;
        public ulong Num(ulong at) => Attrs.TryGetValue(at, out var v) && v is ulong u ? u : 0;
        public bool Flag(ulong at) => Attrs.TryGetValue(at, out var v) && v is ulong u && u != 0;
        public int? Ref(ulong at) => Attrs.TryGetValue(at, out var v) && v is DieRef r ? r.Offset : null;
    }

    private readonly record struct DieRef(int Offset);
    private readonly record struct StrIndex(ulong Index);

    /// <summary>Reads one DIE at <paramref name="pos"/> (tag 0 for a null entry); strings and references resolved.</summary>
    private Die? ReadDie(UnitHeader u, int pos, out int next, ulong? strOffsetsBase = null)
    {
        next = pos;
        var s = _info.Span[..u.End];
        int p = pos;
        if (!SpanReader.TryReadUleb128(s, ref p, out ulong code)) return null;
        var die = new Die { Offset = pos, StrOffsetsBase = strOffsetsBase };
        if (code == 0) { next = p; return die; }
        if (!u.Abbrevs.TryGetValue(code, out var ab)) return null;
        die.Tag = ab.Tag;
        die.HasChildren = ab.HasChildren;
        var r = new SpanReader(s, _bigEndian);
        int offSize = u.Dwarf64 ? 8 : 4;
        var pendingStrx = new List<(ulong Attr, ulong Index)>();
        try
        {
            foreach (var (attr, form0, implicitValue) in ab.Specs)
            {
                ulong form = form0;
                if (form == 0x16) { if (!SpanReader.TryReadUleb128(s, ref p, out form)) return null; }
                object? value = null;
                switch (form)
                {
                    case 0x01: value = r.Word((ulong)p, u.AddressSize == 8); p += u.AddressSize; break; // addr
                    case 0x03: p += r.U16((ulong)p) + 2; break;
                    case 0x04: p += checked((int)r.U32((ulong)p)) + 4; break;
                    case 0x05: value = (ulong)r.U16((ulong)p); p += 2; break;
                    case 0x06: value = (ulong)r.U32((ulong)p); p += 4; break;
                    case 0x07: value = r.U64((ulong)p); p += 8; break;
                    case 0x08:
                        {
                            var str = SpanReader.CString(s[p..]);
                            value = Encoding.UTF8.GetString(str);
                            p += str.Length + 1;
                            break;
                        }
                    case 0x09: case 0x18: { if (!SpanReader.TryReadUleb128(s, ref p, out ulong n) || n > (ulong)(s.Length - p)) return null; p += (int)n; break; }
                    case 0x0a: p += s[p] + 1; break;
                    case 0x0b: value = (ulong)s[p]; p += 1; break;
                    case 0x0c: value = (ulong)s[p]; p += 1; break;
                    case 0x0d: { if (!TryReadSleb(s, ref p, out long v)) return null; value = (ulong)v; break; }
                    case 0x0e: case 0x1f:
                        {
                            ulong off = u.Dwarf64 ? r.U64((ulong)p) : r.U32((ulong)p);
                            p += offSize;
                            value = StringAt(form == 0x0e ? _str.Span : _lineStr.Span, off);
                            break;
                        }
                    case 0x0f: case 0x15: case 0x22: case 0x23: case 0x1b:
                        {
                            if (!SpanReader.TryReadUleb128(s, ref p, out ulong v)) return null;
                            value = form == 0x15 ? new DieRef(checked(u.Start + (int)v)) : v;
                            break;
                        }
                    case 0x1a: case 0x1f02: { if (!SpanReader.TryReadUleb128(s, ref p, out ulong v)) return null; pendingStrx.Add((attr, v)); break; }
                    case 0x25: pendingStrx.Add((attr, s[p])); p += 1; break;
                    case 0x26: pendingStrx.Add((attr, r.U16((ulong)p))); p += 2; break;
                    case 0x27: pendingStrx.Add((attr, (ulong)(s[p] | s[p + 1] << 8 | s[p + 2] << 16))); p += 3; break;
                    case 0x28: pendingStrx.Add((attr, r.U32((ulong)p))); p += 4; break;
                    case 0x10: p += u.Version == 2 ? u.AddressSize : offSize; break;
                    case 0x11: value = new DieRef(u.Start + s[p]); p += 1; break;
                    case 0x12: value = new DieRef(u.Start + r.U16((ulong)p)); p += 2; break;
                    case 0x13: value = new DieRef(checked(u.Start + (int)r.U32((ulong)p))); p += 4; break;
                    case 0x14: value = new DieRef(checked(u.Start + (int)r.U64((ulong)p))); p += 8; break;
                    case 0x17: value = u.Dwarf64 ? r.U64((ulong)p) : r.U32((ulong)p); p += offSize; break;
                    case 0x19: value = 1UL; break; // flag_present
                    case 0x1c: p += 4; break;
                    case 0x1d: case 0x1f20: case 0x1f21: p += offSize; break;
                    case 0x1e: p += 16; break;
                    case 0x20: case 0x24: p += 8; break;
                    case 0x21: value = (ulong)implicitValue; break;
                    case 0x29: p += 1; break;
                    case 0x2a: p += 2; break;
                    case 0x2b: p += 3; break;
                    case 0x2c: p += 4; break;
                    case 0x1f01: { if (!SpanReader.TryReadUleb128(s, ref p, out _)) return null; break; }
                    default: return null; // an unknown form: the rest of the unit cannot be decoded
                }
                if (p > s.Length) return null;
                if (value is not null) die.Attrs[attr] = value;
            }
        }
        catch (Exception e) when (e is BinaryFormatException or IndexOutOfRangeException or ArgumentOutOfRangeException or OverflowException)
        {
            return null;
        }
        if (die.Tag == DW_TAG_compile_unit && die.Attrs.TryGetValue(DW_AT_str_offsets_base, out var b) && b is ulong sb) die.StrOffsetsBase = sb;
        foreach (var (attr, index) in pendingStrx)
        {
            ulong bas = die.StrOffsetsBase ?? 8;
            var so = new SpanReader(_strOffsets.Span, _bigEndian);
            if (so.TryWord(bas + index * (ulong)offSize, u.Dwarf64, out ulong off)) die.Attrs[attr] = StringAt(_str.Span, off) ?? "";
        }
        next = p;
        return die;
    }

    private static string? StringAt(ReadOnlySpan<byte> table, ulong offset) =>
        offset < (ulong)table.Length ? Encoding.UTF8.GetString(SpanReader.CString(table[(int)offset..])) : null;
}
