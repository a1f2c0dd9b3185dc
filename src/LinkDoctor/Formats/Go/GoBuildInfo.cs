using System.Text;
using LinkDoctor.Formats.Elf;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// Go build information, read as Go's src/debug/buildinfo does: the 32-byte header with the magic
/// <c>"\xff Go buildinf:"</c> at a 16-byte boundary of .go.buildinfo (or of the first writable, non-executable
/// PT_LOAD), then either two inline uvarint-prefixed strings (Go 1.18+) or two pointers to string headers.
/// </summary>
public sealed record GoBuildInfo(string GoVersion, string? Path, string ModInfo, IReadOnlyList<KeyValuePair<string, string>> Settings)
{
    private static ReadOnlySpan<byte> Magic => [0xff, (byte)' ', (byte)'G', (byte)'o', (byte)' ', (byte)'b', (byte)'u', (byte)'i', (byte)'l', (byte)'d', (byte)'i', (byte)'n', (byte)'f', (byte)':'];

    /// <summary>True when the file carries Go's marks: the Go build ID note, .go.buildinfo or .gopclntab.</summary>
    public static bool IsGoBinary(ElfFile file, out string evidence)
    {
        if (ElfNotes.GoBuildId(file) is not null) { evidence = "Go build ID note"; return true; }
        var sections = SafeSections(file);
        foreach (var s in sections)
        {
            if (s.Name is ".go.buildinfo" or ".gopclntab" or ".data.rel.ro.gopclntab" or ".note.go.buildid") { evidence = s.Name + " section"; return true; }
        }
        // Without section headers, look for the build info magic in the data segment, as debug/buildinfo does.
        if (sections.Count == 0 && TryRead(file) is not null) { evidence = "Go build info"; return true; }
        evidence = "";
        return false;
    }

    private static IReadOnlyList<ElfSection> SafeSections(ElfFile file)
    {
        try { return file.Sections; }
        catch (IO.BinaryFormatException) { return []; }
    }

    /// <summary>Reads the build info, or null when the file has none (go1.19 plugins, non-Go files).</summary>
    public static GoBuildInfo? TryRead(ElfFile file)
    {
        ReadOnlySpan<byte> data = default;
        foreach (var s in SafeSections(file))
        {
            if (s.Name == ".go.buildinfo" && s.HasFileData && file.TryBytes(s.Offset, s.Size, out data)) break;
        }
        if (data.IsEmpty)
        {
            foreach (var ph in file.ProgramHeaders)
            {
                if (ph.Type == PT_LOAD && (ph.Flags & (PF_X | PF_W)) == PF_W)
                {
                    file.TryBytes(ph.Offset, ph.FileSize, out data);
                    break;
                }
            }
        }
        if (data.IsEmpty) return null;
        for (int at = 0; at + 32 <= data.Length; at += 16)
        {
            int found = data[at..].IndexOf(Magic);
            if (found < 0) return null;
            at += found;
            if (at % 16 != 0) { at &= ~15; continue; }
            if (at + 32 > data.Length) return null;
            var hdr = data.Slice(at, 32);
            int ptrSize = hdr[14];
            byte flags = hdr[15];
            string? version, modinfo;
            if ((flags & 2) != 0)
            {
                var rest = data[(at + 32)..];
                if (!ReadVarString(ref rest, out version) || !ReadVarString(ref rest, out modinfo)) return null;
            }
            else
            {
                if (ptrSize != 4 && ptrSize != 8) return null;
                var r = new IO.SpanReader(data, (flags & 1) != 0);
                ulong verPtr = ptrSize == 8 ? r.U64(hdr[16..]) : r.U32(hdr[16..]);
                ulong modPtr = ptrSize == 8 ? r.U64(hdr[(16 + ptrSize)..]) : r.U32(hdr[(16 + ptrSize)..]);
                version = ReadGoString(file, r, ptrSize, verPtr);
                modinfo = ReadGoString(file, r, ptrSize, modPtr) ?? "";
                if (version is null) return null;
            }
            return Parse(version, modinfo);
        }
        return null;
    }

    private static bool ReadVarString(ref ReadOnlySpan<byte> s, out string value)
    {
        value = "";
        ulong len = 0;
        int shift = 0, i = 0;
        while (true)
        {
            if (i >= s.Length || shift > 63) return false;
            byte b = s[i++];
            len |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) break;
            shift += 7;
        }
        if (len > (ulong)(s.Length - i)) return false;
        value = Encoding.UTF8.GetString(s.Slice(i, (int)len));
        s = s[(i + (int)len)..];
        return true;
    }

    private static string? ReadGoString(ElfFile file, IO.SpanReader r, int ptrSize, ulong headerAddress)
    {
        if (!file.TryAddressToOffset(new IO.VirtualAddress(headerAddress), (ulong)(2 * ptrSize), out var hoff)) return null;
        var h = file.Image.Span.Slice((int)hoff.Value, 2 * ptrSize);
        ulong ptr = ptrSize == 8 ? r.U64(h) : r.U32(h);
        ulong len = ptrSize == 8 ? r.U64(h[8..]) : r.U32(h[4..]);
        if (len > 1 << 24 || !file.TryAddressToOffset(new IO.VirtualAddress(ptr), len, out var soff)) return null;
        return Encoding.UTF8.GetString(file.Image.Span.Slice((int)soff.Value, (int)len));
    }

    /// <summary>Strips the 16-byte sentinels cmd/go puts around modinfo and splits out <c>path</c> and <c>build</c> lines.</summary>
    private static GoBuildInfo Parse(string version, string modinfo)
    {
        if (modinfo.Length >= 33 && modinfo[^17] == '\n')
            modinfo = modinfo[16..^16];
        string? path = null;
        var settings = new List<KeyValuePair<string, string>>();
        foreach (var line in modinfo.Split('\n'))
        {
            var parts = line.Split('\t');
            if (parts[0] == "path" && parts.Length > 1) path = parts[1];
            else if (parts[0] == "build" && parts.Length > 1)
            {
                int eq = parts[1].IndexOf('=');
                if (eq > 0) settings.Add(new(parts[1][..eq], parts[1][(eq + 1)..]));
            }
        }
        return new GoBuildInfo(version, path, modinfo, settings);
    }
}
