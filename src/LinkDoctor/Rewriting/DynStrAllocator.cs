using System.Text;

namespace LinkDoctor.Rewriting;

/// <summary>
/// Places the strings a patch needs in the dynamic string table, changing as few bytes as possible:
/// <list type="number">
/// <item>reuse: the string (with its NUL) already occurs in the table, possibly as the tail of a longer one;</item>
/// <item>in place: it fits where the entry's old string was, and nothing else refers to any byte of that old
/// string (every reference the file holds is known: dynamic entries, version needs and definitions, dynamic
/// symbol names); the old bytes that remain are cleared;</item>
/// <item>append: added after the table (which then grows, in place or moved).</item>
/// </list>
/// patchelf always appends for new entries and overwrites a shorter RPATH in place without checking that the old
/// string is not shared; here a shared string is never overwritten.
/// </summary>
internal sealed class DynStrAllocator
{
    private readonly byte[] _table;
    private ulong[] _otherRefs;      // sorted offsets referenced by things that do not change
    private readonly bool _inPlaceAllowed;
    private readonly List<(ulong Offset, byte[] Bytes)> _writes = [];
    private readonly List<(ulong Start, ulong End, ulong Offset, string Value)> _claimed = [];  // in-place: the old string's whole range [Start, End]
    private readonly MemoryStream _appended = new();
    private readonly Dictionary<string, ulong> _appendedIndex = new(StringComparer.Ordinal);

    /// <param name="table">The input's dynamic string table (DT_STRTAB, DT_STRSZ bytes).</param>
    /// <param name="otherRefs">Offsets of every string reference that stays as it is.</param>
    /// <param name="inPlaceAllowed">False when not every reference is known (then nothing is overwritten).</param>
    public DynStrAllocator(byte[] table, IEnumerable<ulong> otherRefs, bool inPlaceAllowed)
    {
        _table = table;
        _otherRefs = [.. otherRefs.Distinct().Order()];
        _inPlaceAllowed = inPlaceAllowed;
    }

    public ulong OriginalSize => (ulong)_table.Length;
    public byte[] Appended => _appended.ToArray();
    /// <summary>Writes into the existing table: (offset in the table, bytes).</summary>
    public IReadOnlyList<(ulong Offset, byte[] Bytes)> InPlaceWrites => _writes;
    public ulong NewSize => OriginalSize + (ulong)_appended.Length;

    /// <summary>Where <paramref name="value"/> occurs in the unmodified table (with its NUL), or null.</summary>
    public ulong? FindExisting(string value)
    {
        byte[] needle = [.. Encoding.UTF8.GetBytes(value), 0];
        ReadOnlySpan<byte> t = _table;
        int from = 0;
        while (from < t.Length)
        {
            int i = t[from..].IndexOf(needle);
            if (i < 0) return null;
            ulong at = (ulong)(from + i);
            if (!_claimed.Any(c => at <= c.End && at + (ulong)needle.Length - 1 >= c.Start)) return at;
            from += i + 1;
        }
        return null;
    }

    /// <summary>Registers a reference that now points at <paramref name="offset"/> (a reused string).</summary>
    public void AddReference(ulong offset)
    {
        int i = Array.BinarySearch(_otherRefs, offset);
        if (i >= 0) return;
        // Rare (a few per patch): keep the array sorted.
        var list = _otherRefs.ToList();
        list.Insert(~i, offset);
        _otherRefs = [.. list];
    }

    /// <summary>
    /// Writes <paramref name="value"/> over the string at <paramref name="oldOffset"/> when it fits and no other
    /// reference touches any byte of the NUL-terminated string that contains it. Returns false otherwise.
    /// </summary>
    public bool TryInPlace(ulong oldOffset, string value)
    {
        if (!_inPlaceAllowed || oldOffset >= (ulong)_table.Length) return false;
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        int o = (int)oldOffset;
        int nul = Array.IndexOf(_table, (byte)0, o);
        if (nul < 0) return false;
        int oldLen = nul - o;
        if (bytes.Length > oldLen) return false;
        // The whole string this one is the tail of: a reference to its head reads through our bytes too.
        int start = o;
        while (start > 0 && _table[start - 1] != 0) start--;
        ulong s = (ulong)start, e = (ulong)nul;
        foreach (var c in _claimed)
            if (s <= c.End && e >= c.Start)
                return c.Offset == oldOffset && c.Value == value; // the same edit of a shared old string (NEEDED and vn_file)
        int k = Array.BinarySearch(_otherRefs, s);
        if (k < 0) k = ~k;
        if (k < _otherRefs.Length && _otherRefs[k] <= e) return false;
        var w = new byte[oldLen + 1];
        bytes.CopyTo(w, 0);
        _writes.Add((oldOffset, w));
        _claimed.Add((s, e, oldOffset, value));
        return true;
    }

    /// <summary>Appends <paramref name="value"/> (once per distinct string) and returns its offset.</summary>
    public ulong Append(string value)
    {
        if (_appendedIndex.TryGetValue(value, out ulong at)) return at;
        at = OriginalSize + (ulong)_appended.Length;
        var b = Encoding.UTF8.GetBytes(value);
        _appended.Write(b);
        _appended.WriteByte(0);
        _appendedIndex[value] = at;
        return at;
    }

    /// <summary>The table after the in-place writes (the appended strings not included).</summary>
    public byte[] EditedTable()
    {
        var t = (byte[])_table.Clone();
        foreach (var (off, b) in _writes) b.CopyTo(t, (int)off);
        return t;
    }
}
