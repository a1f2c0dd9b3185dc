using System.Text;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Rewriting;
using Xunit.Abstractions;

namespace LinkDoctor.Tests;

/// <summary>
/// The rewriter on damaged input (truncated at every table boundary, single-field pokes, random corruption of real
/// files): every attempt ends in a verified result or a one-line reason, never another exception or a hang. And the
/// string placement rules of <see cref="DynStrAllocator"/> on hand-made tables.
/// </summary>
public sealed class RewritingTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> RealFiles() =>
        new[] { "/usr/bin/ls", "/lib/x86_64-linux-gnu/libz.so.1", "/usr/bin/bash" }.Where(File.Exists).Select(f => new object[] { f });

    /// <summary>Edits that move things: a long search path, a new NEEDED, a longer interpreter, a clear stack.</summary>
    private static readonly PatchOperations[] Growing =
    [
        new() { SetRunPath = string.Concat(Enumerable.Repeat("/linkdoctor/long/path", 30)), AddNeeded = ["libextra.so.1"] },
        new() { SetInterpreter = "/lib/x86_64-linux-gnu/../../lib64/ld-linux-x86-64.so.2", ClearExecStack = true },
        new() { SetRPath = "/x", RemoveNeeded = ["libc.so.6"], ReplaceNeeded = [("libz.so.1", "libzz.so.1")] },
    ];

    private static string? Attempt(string name, byte[] bytes, PatchOperations ops)
    {
        var (outBytes, _, error) = ElfPatcher.RewriteBytes(name, bytes, ops);
        if (error is not null)
        {
            Assert.DoesNotContain('\n', error);
            Assert.False(string.IsNullOrWhiteSpace(error));
        }
        else Assert.NotNull(outBytes);
        return error;
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void TruncatedFilesGiveOneLineErrors(string path)
    {
        byte[] original = File.ReadAllBytes(path);
        var cuts = new SortedSet<int>();
        using (var image = BinaryImage.FromBytes(path, original))
        {
            var elf = ElfFile.Open(image);
            foreach (var p in elf.ProgramHeaders) { cuts.Add((int)p.Offset); cuts.Add((int)(p.Offset + p.FileSize) - 1); }
            foreach (var s in elf.Sections) { cuts.Add((int)s.Offset); cuts.Add((int)(s.Offset + s.Size) - 1); }
            cuts.Add((int)elf.Header.ShOff + 10);
        }
        int errors = 0;
        foreach (int cut in cuts.Where(c => c > 0 && c < original.Length))
            foreach (var ops in Growing)
                if (Attempt(path, original[..cut], ops) is not null) errors++;
        output.WriteLine($"{path}: {cuts.Count * Growing.Length} truncated rewrites, {errors} refused with a one-line error");
        Assert.True(errors > 0);
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void CorruptedFilesNeverCrashTheRewriter(string path)
    {
        byte[] original = File.ReadAllBytes(path);
        var rng = new Random(4242);
        int refused = 0, rewritten = 0;
        using var image = BinaryImage.FromBytes(path, original);
        var elf = ElfFile.Open(image);
        // Pokes where the rewriter looks: the headers, the dynamic section, the string and version tables, the first page.
        var hot = new List<(int Start, int Length)> { (0, 64), ((int)elf.Header.PhOff, (int)elf.Header.PhNum * 56), ((int)elf.Header.ShOff, (int)elf.Header.ShNum * 64), (0, 4096) };
        foreach (var s in elf.Sections.Where(s => s.Name is ".dynamic" or ".dynstr" or ".gnu.version_r" or ".interp" or ".dynsym"))
            hot.Add(((int)s.Offset, (int)Math.Min(s.Size, 8192)));
        for (int i = 0; i < 600; i++)
        {
            var bytes = (byte[])original.Clone();
            int pokes = rng.Next(1, 4);
            for (int k = 0; k < pokes; k++)
            {
                var (start, length) = hot[rng.Next(hot.Count)];
                int at = Math.Min(bytes.Length - 1, start + rng.Next(Math.Max(length, 1)));
                bytes[at] = rng.Next(3) switch { 0 => 0xff, 1 => 0, _ => (byte)rng.Next(256) };
            }
            if (Attempt(path, bytes, Growing[i % Growing.Length]) is null) rewritten++;
            else refused++;
        }
        output.WriteLine($"{path}: 600 corrupted copies: {rewritten} rewritten and verified, {refused} refused with a one-line error");
    }

    private static DynStrAllocator Table(string contents, IEnumerable<ulong> refs, bool inPlace = true) =>
        new(Encoding.ASCII.GetBytes(contents.Replace('|', '\0')), refs, inPlace);

    [Fact]
    public void StringsAreReusedThenOverwrittenInPlaceOnlyWhenUnsharedThenAppended()
    {
        // "|libfoo.so.1|/opt/old/lib|xlibbar.so|" with references to libfoo (1) and to the tail "libbar.so" (27).
        const string t = "|libfoo.so.1|/opt/old/lib|xlibbar.so|";
        var a = Table(t, [1, 27]);
        Assert.Equal(27ul, a.FindExisting("libbar.so"));               // a tail of a longer string counts
        Assert.Equal(2ul, a.FindExisting("ibfoo.so.1"));
        Assert.Null(a.FindExisting("libbaz.so"));
        Assert.True(a.TryInPlace(13, "/opt/new"));                     // "/opt/old/lib" is referenced by nothing else
        Assert.Equal("|libfoo.so.1|/opt/new|||||xlibbar.so|".Replace('|', '\0'), Encoding.ASCII.GetString(a.EditedTable()));
        Assert.False(a.TryInPlace(26, "xlibqux.so"));                  // its tail "libbar.so" is referenced
        Assert.False(a.TryInPlace(1, "libfoo.so.1.long"));             // does not fit
        ulong p = a.Append("libnew.so.2");
        Assert.Equal((ulong)t.Length, p);
        Assert.Equal(p, a.Append("libnew.so.2"));                      // appended once
        Assert.Equal((ulong)t.Length + 12, a.NewSize);

        // One old string shared by two edits (DT_NEEDED and vn_file) with the same new value: both in place.
        var b = Table("|libold.so.1|", []);
        Assert.True(b.TryInPlace(1, "libnu.so.1"));
        Assert.True(b.TryInPlace(1, "libnu.so.1"));
        Assert.False(b.TryInPlace(1, "libother.1"));
        // Not every reference known (a GNU-hash-only symbol count): nothing is overwritten.
        Assert.False(Table("|/opt/old|", [], inPlace: false).TryInPlace(1, "/x"));
    }
}
