namespace LinkDoctor.IntegrationTests.Infrastructure;

/// <summary>One ELF file of the machine as pax-utils' scanelf sees it (type, class, machine, interpreter, NEEDED).</summary>
public sealed record CorpusFile(string Path, string Type, string Class, string Machine, string? Interpreter, IReadOnlyList<string> Needed);

/// <summary>
/// The whole-machine corpus, chosen by a real tool (scanelf), never by LinkDoctor's own parser, so that a reader
/// bug cannot silently shrink what it is compared on. Symbolic links are left out: each file is compared once.
/// </summary>
public static class Corpus
{
    public static readonly string[] Roots = ["/usr/bin", "/usr/sbin", "/usr/lib", "/usr/libexec"];

    private static readonly Lazy<List<CorpusFile>> Files = new(Scan);

    public static IReadOnlyList<CorpusFile> All => Files.Value;

    private static List<CorpusFile> Scan()
    {
        var r = Tool.Run("scanelf", ["-R", "-B", "-F", "%o;%M;%a;%i;%n;%F", .. Roots.Where(Directory.Exists)]);
        var list = new List<CorpusFile>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(';', 6);
            if (f.Length < 6 || !seen.Add(f[5])) continue;
            if (new FileInfo(f[5]).Attributes.HasFlag(FileAttributes.ReparsePoint)) continue;
            list.Add(new CorpusFile(f[5], f[0], f[1], f[2], f[3].Length == 0 ? null : f[3], f[4].Length == 0 ? [] : f[4].Split(',')));
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return list;
    }
}
