using System.Globalization;
using System.Text;

namespace LinkDoctor.Formats.Go;

/// <summary>
/// The parts of Go's strconv that build info lines use: <c>Quote</c> (for <c>BuildInfo.String</c> and error
/// messages' <c>%q</c>), <c>Unquote</c> and <c>QuotedPrefix</c> (for <c>ParseBuildInfo</c>). Mirrors
/// src/strconv/quote.go; strings are the UTF-16 form of the file's UTF-8 bytes.
/// </summary>
public static class GoStrconv
{
    /// <summary><c>strconv.Quote</c>: a double-quoted Go string literal, non-printable runes escaped.</summary>
    public static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2);
        sb.Append('"');
        foreach (var rune in s.EnumerateRunes())
        {
            int r = rune.Value;
            if (r == '"' || r == '\\') { sb.Append('\\').Append((char)r); continue; }
            if (r == 0xFFFD) { sb.Append(@"\ufffd"); continue; }
            if (IsPrint(rune)) { sb.Append(rune.ToString()); continue; }
            switch (r)
            {
                case '\a': sb.Append(@"\a"); break;
                case '\b': sb.Append(@"\b"); break;
                case '\f': sb.Append(@"\f"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\r': sb.Append(@"\r"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\v': sb.Append(@"\v"); break;
                default:
                    if (r < ' ' || r == 0x7f) sb.Append(@"\x").Append(r.ToString("x2", CultureInfo.InvariantCulture));
                    else if (r < 0x10000) sb.Append(@"\u").Append(r.ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(@"\U").Append(r.ToString("x8", CultureInfo.InvariantCulture));
                    break;
            }
        }
        sb.Append('"');
        return sb.ToString();
    }

    /// <summary>An approximation of <c>strconv.IsPrint</c> (unicode.IsPrint): letters, marks, numbers, punctuation, symbols and U+0020.</summary>
    private static bool IsPrint(Rune r)
    {
        if (r.Value == ' ') return true;
        return Rune.GetUnicodeCategory(r) switch
        {
            UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse
                or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                or UnicodeCategory.SpaceSeparator => false,
            _ => true,
        };
    }

    /// <summary><c>strconv.QuotedPrefix</c>: the quoted string (with its quotes) at the start of <paramref name="s"/>, or null.</summary>
    public static string? QuotedPrefix(string s)
    {
        if (s.Length < 2) return null;
        char q = s[0];
        if (q == '`')
        {
            int end = s.IndexOf('`', 1);
            return end < 0 ? null : s[..(end + 1)];
        }
        if (q != '"' && q != '\'') return null;
        for (int i = 1; i < s.Length; i++)
        {
            char c = s[i];
            if (c == '\n') return null;
            if (c == '\\') { i++; continue; }
            if (c == q)
            {
                string candidate = s[..(i + 1)];
                return Unquote(candidate) is null ? null : candidate;
            }
        }
        return null;
    }

    /// <summary><c>strconv.Unquote</c> for double-quoted and back-quoted strings; null when invalid.</summary>
    public static string? Unquote(string s)
    {
        if (s.Length < 2) return null;
        char q = s[0];
        if (q != s[^1]) return null;
        string body = s[1..^1];
        if (q == '`')
        {
            if (body.Contains('`')) return null;
            return body.Contains('\r') ? body.Replace("\r", "") : body;
        }
        if (q != '"') return null;
        var sb = new StringBuilder(body.Length);
        for (int i = 0; i < body.Length; i++)
        {
            char c = body[i];
            if (c == '"' || c == '\n') return null;
            if (c != '\\') { sb.Append(c); continue; }
            if (++i >= body.Length) return null;
            char e = body[i];
            switch (e)
            {
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'n': sb.Append('\n'); break;
                case 'r': sb.Append('\r'); break;
                case 't': sb.Append('\t'); break;
                case 'v': sb.Append('\v'); break;
                case '\\': sb.Append('\\'); break;
                case '"': sb.Append('"'); break;
                case 'x':
                case 'u':
                case 'U':
                    {
                        int n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                        if (i + 1 + n > body.Length) return null;
                        if (!uint.TryParse(body.AsSpan(i + 1, n), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint v)) return null;
                        i += n;
                        if (e == 'x') { sb.Append((char)v); break; }
                        if (!Rune.IsValid((int)v)) return null;
                        sb.Append(new Rune((int)v).ToString());
                        break;
                    }
                case >= '0' and <= '7':
                    {
                        if (i + 3 > body.Length) return null;
                        int v = 0;
                        for (int k = 0; k < 3; k++)
                        {
                            char d = body[i + k];
                            if (d < '0' || d > '7') return null;
                            v = v * 8 + (d - '0');
                        }
                        if (v > 255) return null;
                        sb.Append((char)v);
                        i += 2;
                        break;
                    }
                default: return null;
            }
        }
        return sb.ToString();
    }
}
