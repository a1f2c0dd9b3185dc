using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>One member of a Unix <c>ar</c> archive: its name and where its bytes are.</summary>
public readonly record struct GoArchiveMember(string Name, FileOffset Offset, ulong Size);

/// <summary>
/// A minimal reader of System V / GNU <c>ar</c> archives (<c>!&lt;arch&gt;\n</c>, 60-byte member headers, the
/// <c>//</c> long-name table): enough to find the members of a <c>-buildmode=c-archive</c> library, whose Go
/// code is the member <c>go.o</c> (cmd/link/internal/ld/lib.go <c>archive</c>).
/// </summary>
public static class GoArchive
{
    public static bool HasMagic(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual("!<arch>\n"u8);

    /// <summary>The members in file order. Throws <see cref="BinaryFormatException"/> for a damaged header.</summary>
    public static List<GoArchiveMember> Members(ReadOnlySpan<byte> data)
    {
        var list = new List<GoArchiveMember>();
        var r = new SpanReader(data, false);
        ulong pos = 8;
        ReadOnlySpan<byte> longNames = default;
        while (pos + 60 <= (ulong)data.Length)
        {
            var h = r.Slice(pos, 60, "ar member header");
            if (h[58] != '`' || h[59] != '\n') BinaryFormatException.Throw("bad ar member header (no `\\n terminator)", (long)pos);
            string sizeText = Encoding.ASCII.GetString(h.Slice(48, 10)).Trim();
            if (!ulong.TryParse(sizeText, out ulong size)) BinaryFormatException.Throw($"bad ar member size '{sizeText}'", (long)pos + 48);
            var body = r.Slice(pos + 60, size, "ar member");
            string raw = Encoding.ASCII.GetString(h[..16]).TrimEnd(' ');
            string name = raw;
            if (raw == "//") longNames = body;
            else if (raw.StartsWith('/') && raw.Length > 1 && int.TryParse(raw.AsSpan(1), out int idx) && idx < longNames.Length)
            {
                var rest = longNames[idx..];
                int end = rest.IndexOf((byte)'\n');
                name = Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]).TrimEnd('/');
            }
            else if (raw != "/" && raw.EndsWith('/')) name = raw[..^1];
            if (raw is not ("/" or "//" or "/SYM64/")) list.Add(new GoArchiveMember(name, new FileOffset(pos + 60), size));
            pos += 60 + size + (size & 1);
        }
        return list;
    }
}
