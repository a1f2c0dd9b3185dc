using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>Which Go's reader to mirror: go1.19's (what <c>go version -m</c> on this machine does) or today's.</summary>
public enum GoBuildInfoAlgorithm
{
    /// <summary>
    /// go1.19 src/debug/buildinfo/buildinfo.go: reads 64 KiB at DataStart, skips a misaligned magic with
    /// <c>(i+15)&amp;^16</c>, requires inline strings to end before that window does.
    /// </summary>
    Go119,
    /// <summary>go1.22+ buildinfo.go: <c>searchMagic</c> over the whole section or segment in 1 MiB chunks, strings read to their length.</summary>
    Current,
}

/// <summary>The outcome of reading the raw build info: the version and module text, or Go's error.</summary>
/// <param name="Error">Go's error text after <c>could not read Go build info from FILE: </c> (<c>not a Go executable</c>,
/// <c>unrecognized file format</c>, <c>EOF</c>, <c>could not parse Go build info: line N: …</c>).</param>
/// <param name="Inline">True for the 1.18+ inline format, false for the older pointer format.</param>
public sealed record GoBuildInfoResult(GoBuildInfo? Info, string? Error, bool Inline = false, ulong BlobAddress = 0, int PointerSize = 0, bool BigEndian = false);

/// <summary>
/// Finds and decodes the build info blob (src/debug/buildinfo/buildinfo.go <c>readRawBuildInfo</c>): the 32-byte
/// header with the magic <c>"\xff Go buildinf:"</c> at a 16-byte boundary, its pointer size and flags (bit 0 big
/// endian, bit 1 inline), then either two uvarint-prefixed strings (Go 1.18+) or two pointers to Go string headers
/// (<c>runtime.buildVersion</c>, <c>runtime.modinfo</c>), in either byte order and word size.
/// </summary>
public static class GoBuildInfoReader
{
    public const string ErrUnrecognizedFormat = "unrecognized file format";
    public const string ErrNotGoExe = "not a Go executable";
    private const string ErrEof = "EOF";

    /// <summary>The 14-byte magic (src/cmd/link/internal/ld/data.go <c>buildinfo</c>).</summary>
    public static ReadOnlySpan<byte> MagicBytes => [0xff, (byte)' ', (byte)'G', (byte)'o', (byte)' ', (byte)'b', (byte)'u', (byte)'i', (byte)'l', (byte)'d', (byte)'i', (byte)'n', (byte)'f', (byte)':'];

    private const int BuildInfoAlign = 16, BuildInfoHeaderSize = 32;

    /// <summary>Reads and parses the build info with the chosen reader.</summary>
    public static GoBuildInfoResult Read(IGoExecutable x, GoBuildInfoAlgorithm algorithm = GoBuildInfoAlgorithm.Current)
    {
        var raw = algorithm == GoBuildInfoAlgorithm.Go119 ? ReadRawGo119(x) : ReadRawCurrent(x);
        if (raw.Error is not null) return new GoBuildInfoResult(null, raw.Error);
        var info = GoBuildInfo.Parse(ToText(raw.Version!), ToText(raw.Mod!), out var parseError);
        return info is null
            ? new GoBuildInfoResult(null, parseError)
            : new GoBuildInfoResult(info, null, raw.Inline, raw.Address, raw.PtrSize, raw.BigEndian);
    }

    /// <summary>
    /// Decodes a blob held in a section's bytes (a relocatable <c>go.o</c> of a c-archive has no addresses to
    /// read through): the magic at a 16-byte boundary, then the inline strings. The pointer format needs addresses.
    /// </summary>
    public static GoBuildInfoResult ReadInlineBlob(ReadOnlySpan<byte> section)
    {
        for (int at = 0; at + BuildInfoHeaderSize <= section.Length; at += BuildInfoAlign)
        {
            if (!section.Slice(at, MagicBytes.Length).SequenceEqual(MagicBytes)) continue;
            if ((section[at + 15] & 2) == 0) return new GoBuildInfoResult(null, ErrNotGoExe);
            var rest = section[(at + BuildInfoHeaderSize)..];
            ulong vlen = Uvarint(rest, out int n);
            if (n <= 0 || vlen > (ulong)(rest.Length - n)) break;
            string vers = Str(rest.Slice(n, (int)vlen));
            rest = rest[(n + (int)vlen)..];
            ulong mlen = Uvarint(rest, out n);
            if (n <= 0 || mlen > (ulong)(rest.Length - n)) break;
            string mod = StripFraming(Str(rest.Slice(n, (int)mlen)));
            if (vers.Length == 0) break;
            var info = GoBuildInfo.Parse(ToText(vers), ToText(mod), out var e);
            return new GoBuildInfoResult(info, e, Inline: true);
        }
        return new GoBuildInfoResult(null, ErrNotGoExe);
    }

    private readonly record struct Raw(string? Version, string? Mod, string? Error, bool Inline = false, ulong Address = 0, int PtrSize = 0, bool BigEndian = false)
    {
        public static Raw Fail(string error) => new(null, null, error);
    }

    private static string StatusError(GoDataStatus s) => s == GoDataStatus.EndOfFile ? ErrEof : ErrUnrecognizedFormat;

    /// <summary>go1.19 <c>readRawBuildInfo</c>, after the format was recognised.</summary>
    private static Raw ReadRawGo119(IGoExecutable x)
    {
        ulong dataAddr = x.DataStartGo119();
        var status = x.ReadData(dataAddr, 64 * 1024, out var data);
        // go1.19 peExe.ReadData turns any read error into errUnrecognizedFormat; elfExe and machoExe pass io.EOF on.
        if (status == GoDataStatus.EndOfFile && x.FormatName == "PE") status = GoDataStatus.Unmapped;
        if (status != GoDataStatus.Ok) return Raw.Fail(StatusError(status));
        ulong blobAddress = dataAddr;
        // go1.19 steps past a misaligned magic with (i+15)&^16 (clearing bit 4, not rounding up): for a magic in
        // the first 17 bytes that makes no progress and go1.19 loops for ever; here that ends as "not a Go executable".
        while (true)
        {
            int i = data.IndexOf(MagicBytes);
            if (i < 0 || data.Length - i < BuildInfoHeaderSize) return Raw.Fail(ErrNotGoExe);
            if (i % BuildInfoAlign == 0)
            {
                data = data[i..];
                blobAddress += (ulong)i;
                break;
            }
            int next = (i + BuildInfoAlign - 1) & ~BuildInfoAlign;
            if (next == 0) return Raw.Fail(ErrNotGoExe);
            data = data[next..];
            blobAddress += (ulong)next;
        }
        int ptrSize = data[14];
        byte flags = data[15];
        string vers, mod;
        bool inline = (flags & 2) != 0;
        if (inline)
        {
            var rest = data[BuildInfoHeaderSize..];
            vers = DecodeStringGo119(ref rest);
            mod = DecodeStringGo119(ref rest);
        }
        else
        {
            bool bigEndian = flags != 0;
            int word = ptrSize == 4 ? 4 : 8;
            if (16 + ptrSize + word > data.Length) return Raw.Fail(ErrNotGoExe); // go1.19 would index out of range and panic
            vers = ReadString(x, ptrSize, word, bigEndian, Word(data[16..], word, bigEndian));
            mod = ReadString(x, ptrSize, word, bigEndian, Word(data[(16 + ptrSize)..], word, bigEndian));
        }
        if (vers.Length == 0) return Raw.Fail(ErrNotGoExe);
        return new Raw(vers, StripFraming(mod), null, inline, blobAddress, ptrSize, (flags & 1) != 0);
    }

    /// <summary>go1.19 <c>decodeString</c>: a uvarint length, then that many bytes, which must end strictly before the data does.</summary>
    private static string DecodeStringGo119(ref ReadOnlySpan<byte> data)
    {
        ulong u = Uvarint(data, out int n);
        if (n <= 0 || u >= (ulong)(data.Length - n))
        {
            data = default;
            return "";
        }
        string s = Str(data.Slice(n, (int)u));
        data = data[(n + (int)u)..];
        return s;
    }

    /// <summary>go1.22+ <c>readRawBuildInfo</c>, after the format was recognised.</summary>
    private static Raw ReadRawCurrent(IGoExecutable x)
    {
        var (dataAddr, dataSize) = x.DataStart();
        if (dataSize == 0) return Raw.Fail(ErrNotGoExe);
        var found = SearchMagic(x, dataAddr, dataSize, out ulong addr);
        if (found is not null) return Raw.Fail(found);
        var st = ReadDataCurrent(x, addr, BuildInfoHeaderSize, out var header);
        if (st == GoDataStatus.EndOfFile) return Raw.Fail(ErrNotGoExe);
        if (st != GoDataStatus.Ok) return Raw.Fail(StatusError(st));
        if (header.Length < BuildInfoHeaderSize) return Raw.Fail(ErrNotGoExe);
        byte flags = header[15];
        int ptrSize = header[14];
        string vers, mod;
        bool inline = (flags & 2) != 0;
        if (inline)
        {
            var e = DecodeStringCurrent(x, addr + BuildInfoHeaderSize, out vers, out ulong next);
            if (e is not null) return Raw.Fail(e);
            e = DecodeStringCurrent(x, next, out mod, out _);
            if (e is not null) return Raw.Fail(e);
        }
        else
        {
            if (ptrSize != 4 && ptrSize != 8) return Raw.Fail(ErrNotGoExe);
            bool be = (flags & 1) != 0;
            vers = ReadString(x, ptrSize, ptrSize, be, Word(header[16..], ptrSize, be));
            mod = ReadString(x, ptrSize, ptrSize, be, Word(header[(16 + ptrSize)..], ptrSize, be));
        }
        if (vers.Length == 0) return Raw.Fail(ErrNotGoExe);
        return new Raw(vers, StripFraming(mod), null, inline, addr, ptrSize, (flags & 1) != 0);
    }

    /// <summary>go1.22+ <c>searchMagic</c>: the first 16-byte-aligned magic in [start, start+size), read in 1 MiB chunks.</summary>
    private static string? SearchMagic(IGoExecutable x, ulong start, ulong size, out ulong address)
    {
        address = 0;
        ulong end = unchecked(start + size);
        if (end < start) return ErrUnrecognizedFormat;
        start = unchecked(start + BuildInfoAlign - 1) & ~(ulong)(BuildInfoAlign - 1);
        if (start >= end) return ErrNotGoExe;
        const ulong chunk = 1 << 20;
        while (start < end)
        {
            ulong remaining = end - start;
            ulong chunkSize = Math.Min(chunk, remaining);
            var st = x.ReadData(start, chunkSize, out var data);
            if (st == GoDataStatus.Unmapped) return ErrUnrecognizedFormat;
            if (st == GoDataStatus.EndOfFile && data.IsEmpty) return ErrNotGoExe;
            // As in Go, i is relative to what is left of the chunk after a misaligned hit was skipped (the slices
            // advance by multiples of 16, so the alignment test holds; the returned address is start+i, as Go's).
            while (data.Length > 0)
            {
                int i = data.IndexOf(MagicBytes);
                if (i < 0) break;
                if (remaining - (ulong)i < BuildInfoHeaderSize) return ErrNotGoExe;
                if (i % BuildInfoAlign != 0)
                {
                    int next = (i + BuildInfoAlign - 1) & ~(BuildInfoAlign - 1);
                    if (next > data.Length) return ErrNotGoExe;
                    data = data[next..];
                    continue;
                }
                address = start + (ulong)i;
                return null;
            }
            start += chunkSize;
        }
        return ErrNotGoExe;
    }

    /// <summary>go1.22+ <c>readData</c>: what exists up to <paramref name="size"/>; EOF only when nothing was read.</summary>
    private static GoDataStatus ReadDataCurrent(IGoExecutable x, ulong address, ulong size, out ReadOnlySpan<byte> data)
    {
        var st = x.ReadData(address, size, out data);
        if (st == GoDataStatus.EndOfFile && !data.IsEmpty) st = GoDataStatus.Ok;
        return st;
    }

    /// <summary>go1.22+ <c>decodeString</c>.</summary>
    private static string? DecodeStringCurrent(IGoExecutable x, ulong address, out string value, out ulong next)
    {
        value = "";
        next = 0;
        var st = ReadDataCurrent(x, address, 10, out var b);
        if (st == GoDataStatus.EndOfFile) return ErrNotGoExe;
        if (st != GoDataStatus.Ok) return StatusError(st);
        ulong length = Uvarint(b, out int n);
        if (n <= 0) return ErrNotGoExe;
        address += (ulong)n;
        st = ReadDataCurrent(x, address, length, out b);
        if (st == GoDataStatus.EndOfFile) return ErrNotGoExe;
        if (st != GoDataStatus.Ok) return StatusError(st);
        if ((ulong)b.Length < length) return ErrNotGoExe;
        value = Str(b);
        next = address + length;
        return null;
    }

    /// <summary><c>readString</c>: a Go string header {ptr, len} at <paramref name="address"/>, then its bytes; "" on any failure.</summary>
    private static ulong Word(ReadOnlySpan<byte> b, int word, bool bigEndian)
    {
        var r = new SpanReader(b, bigEndian);
        return word == 4 ? r.U32(b) : r.U64(b);
    }

    private static string ReadString(IGoExecutable x, int ptrSize, int word, bool bigEndian, ulong address)
    {
        var st = x.ReadData(address, (ulong)(2 * ptrSize), out var hdr);
        if (st != GoDataStatus.Ok || hdr.Length < 2 * ptrSize || hdr.Length < ptrSize + word || hdr.Length < word) return "";
        ulong dataAddr = Word(hdr, word, bigEndian);
        ulong dataLen = Word(hdr[ptrSize..], word, bigEndian);
        st = x.ReadData(dataAddr, dataLen, out var data);
        if (st != GoDataStatus.Ok || (ulong)data.Length < dataLen) return "";
        return Str(data);
    }

    /// <summary>Strips the 16-byte sentinels around modinfo (cmd/go/internal/modload <c>infoStart</c>/<c>infoEnd</c>), or drops it.</summary>
    private static string StripFraming(string mod) =>
        mod.Length >= 33 && mod[^17] == '\n' ? mod[16..^16] : "";

    /// <summary><c>encoding/binary.Uvarint</c>: n &gt; 0 bytes read; 0 when too short; &lt; 0 on overflow.</summary>
    public static ulong Uvarint(ReadOnlySpan<byte> buf, out int n)
    {
        ulong x = 0;
        int s = 0;
        for (int i = 0; i < buf.Length; i++)
        {
            if (i == 10) { n = -(i + 1); return 0; }
            byte b = buf[i];
            if (b < 0x80)
            {
                if (i == 9 && b > 1) { n = -(i + 1); return 0; }
                n = i + 1;
                return x | (ulong)b << s;
            }
            x |= (ulong)(b & 0x7f) << s;
            s += 7;
        }
        n = 0;
        return 0;
    }

    /// <summary>
    /// Go strings are bytes; modinfo text is decoded one byte per char (Latin-1) so that offsets such as
    /// <c>mod[len-17]</c> count bytes as Go does, and turned into UTF-16 text by <see cref="ToText"/>.
    /// </summary>
    private static string Str(ReadOnlySpan<byte> b) => Encoding.Latin1.GetString(b);

    /// <summary>Re-reads a byte string (see <see cref="Str"/>) as UTF-8 text.</summary>
    internal static string ToText(string bytes) => Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(bytes));
}
