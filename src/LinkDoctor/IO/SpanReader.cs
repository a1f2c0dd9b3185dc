using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace LinkDoctor.IO;

/// <summary>A position in a file (an <c>sh_offset</c>, <c>p_offset</c>, <c>fileoff</c>, <c>PointerToRawData</c>).</summary>
public readonly record struct FileOffset(ulong Value)
{
    public static FileOffset operator +(FileOffset o, ulong delta) => new(o.Value + delta);
    public override string ToString() => $"0x{Value:x}";
}

/// <summary>An address in the loaded image (<c>p_vaddr</c>, <c>st_value</c>, <c>vmaddr</c>); never a file position.</summary>
public readonly record struct VirtualAddress(ulong Value)
{
    public static VirtualAddress operator +(VirtualAddress a, ulong delta) => new(a.Value + delta);
    public override string ToString() => $"0x{Value:x}";
}

/// <summary>
/// The one bounds-checked, overflow-safe reader every parser uses (ELF, Mach-O, PE, ld.so.cache, Go build info):
/// it never trusts an offset, a size or a count from the file. <see cref="Slice"/> and the integer readers throw
/// <see cref="BinaryFormatException"/> naming what was read and where; the <c>Try</c> forms return false.
/// Integers are read in the byte order given at construction.
/// </summary>
public readonly ref struct SpanReader
{
    private readonly ReadOnlySpan<byte> _data;

    public SpanReader(ReadOnlySpan<byte> data, bool bigEndian)
    {
        _data = data;
        BigEndian = bigEndian;
    }

    public bool BigEndian { get; }
    public int Length => _data.Length;
    public ReadOnlySpan<byte> Span => _data;

    /// <summary>True when <paramref name="size"/> bytes at <paramref name="offset"/> lie inside the data (no overflow possible).</summary>
    public bool Contains(ulong offset, ulong size) => offset <= (ulong)_data.Length && (ulong)_data.Length - offset >= size;

    /// <summary><paramref name="size"/> bytes at <paramref name="offset"/>; throws naming <paramref name="what"/> when they do not exist.</summary>
    public ReadOnlySpan<byte> Slice(ulong offset, ulong size, string what)
    {
        if (!Contains(offset, size)) ThrowPastEnd(offset, size, what);
        return _data.Slice((int)offset, (int)size);
    }

    public ReadOnlySpan<byte> Slice(FileOffset offset, ulong size, string what) => Slice(offset.Value, size, what);

    public bool TrySlice(ulong offset, ulong size, out ReadOnlySpan<byte> bytes)
    {
        if (!Contains(offset, size)) { bytes = default; return false; }
        bytes = _data.Slice((int)offset, (int)size);
        return true;
    }

    /// <summary>
    /// A table of <paramref name="count"/> entries of <paramref name="entrySize"/> bytes: the count is checked
    /// against the bytes that remain before anything is allocated or looped over.
    /// </summary>
    public ReadOnlySpan<byte> Table(ulong offset, ulong count, ulong entrySize, string what)
    {
        if (entrySize != 0 && count > ulong.MaxValue / entrySize) ThrowPastEnd(offset, ulong.MaxValue, what);
        return Slice(offset, count * entrySize, what);
    }

    public byte U8(ulong offset, string what = "byte") => Slice(offset, 1, what)[0];
    public ushort U16(ulong offset, string what = "16-bit value") => U16(Slice(offset, 2, what));
    public uint U32(ulong offset, string what = "32-bit value") => U32(Slice(offset, 4, what));
    public ulong U64(ulong offset, string what = "64-bit value") => U64(Slice(offset, 8, what));
    /// <summary>A 4- or 8-byte word (ELF32/ELF64 addresses and sizes, Go pointers).</summary>
    public ulong Word(ulong offset, bool is64, string what = "word") => is64 ? U64(offset, what) : U32(offset, what);

    public bool TryU32(ulong offset, out uint value)
    {
        if (!TrySlice(offset, 4, out var s)) { value = 0; return false; }
        value = U32(s);
        return true;
    }

    public bool TryWord(ulong offset, bool is64, out ulong value)
    {
        if (!TrySlice(offset, is64 ? 8u : 4u, out var s)) { value = 0; return false; }
        value = is64 ? U64(s) : U32(s);
        return true;
    }

    // Decoders of bytes already bounds-checked (a slice of a table), in this reader's byte order.
    public ushort U16(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s);
    public uint U32(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
    public ulong U64(ReadOnlySpan<byte> s) => BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s);
    public int I32(ReadOnlySpan<byte> s) => (int)U32(s);
    public long I64(ReadOnlySpan<byte> s) => (long)U64(s);

    /// <summary>The bytes up to (not including) the first NUL, or the whole span when there is none.</summary>
    public static ReadOnlySpan<byte> CString(ReadOnlySpan<byte> s)
    {
        int n = s.IndexOf((byte)0);
        return n < 0 ? s : s[..n];
    }

    /// <summary>An unsigned LEB128 (Go's uvarint, Mach-O's export trie and opcodes); false when truncated or longer than 64 bits.</summary>
    public static bool TryReadUleb128(ReadOnlySpan<byte> s, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= s.Length) return false;
            byte b = s[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return shift < 63 || b <= 1;
        }
        return false;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowPastEnd(ulong offset, ulong size, string what) =>
        BinaryFormatException.Throw($"{what} (0x{size:x} bytes at 0x{offset:x}) extends past end of file (size 0x{_data.Length:x})",
            (long)Math.Min(offset, long.MaxValue));
}
