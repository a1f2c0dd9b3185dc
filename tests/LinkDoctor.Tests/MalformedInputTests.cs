using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.Tests;

/// <summary>
/// Truncation at every header and table boundary, single-field pokes and random corruption of real files:
/// every reader path must end in a report or a one-line error, never an unexpected exception or a hang.
/// </summary>
public sealed class MalformedInputTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> RealFiles() =>
        new[] { "/usr/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/bin/bash", "/lib64/ld-linux-x86-64.so.2" }
            .Where(File.Exists).Select(f => new object[] { f });

    private static readonly InspectOptions Everything = new(Dynamic: true, Versions: true, Notes: true, Headers: true);

    /// <summary>Runs every reader over the bytes; returns the error (null when the file read fine).</summary>
    private static string? ReadEverything(string name, byte[] bytes)
    {
        using var image = BinaryImage.FromBytes(name, bytes);
        var report = Inspector.Inspect(image, Everything);
        var symbols = SymbolLister.List(image, new SymbolOptions(All: true));
        if (report.Error is not null)
        {
            Assert.DoesNotContain('\n', report.Error);
            Assert.False(string.IsNullOrWhiteSpace(report.Error));
        }
        foreach (var s in symbols.Where(s => s.Error is not null)) Assert.DoesNotContain('\n', s.Error!);
        return report.Error ?? symbols.FirstOrDefault(s => s.Error is not null)?.Error;
    }

    /// <summary>Offsets where a header or table of <paramref name="elf"/> starts or ends.</summary>
    private static SortedSet<long> Boundaries(ElfFile elf)
    {
        var b = new SortedSet<long> { 0, 1, 4, 16, 18, 24, elf.Is64 ? 64 : 52 };
        var h = elf.Header;
        b.Add((long)h.PhOff); b.Add((long)h.PhOff + h.PhNum * h.PhEntSize);
        b.Add((long)h.ShOff); b.Add((long)h.ShOff + h.ShNum * h.ShEntSize);
        foreach (var p in elf.ProgramHeaders) { b.Add((long)p.Offset); b.Add((long)(p.Offset + p.FileSize)); }
        foreach (var s in elf.Sections) { b.Add((long)s.Offset); b.Add((long)(s.Offset + s.Size)); }
        return b;
    }

    /// <summary>The end of what the loader reads: the file header, the program headers and every segment's file image.</summary>
    private static long LoaderExtent(ElfFile elf)
    {
        long end = (long)(elf.Header.PhOff + elf.Header.PhNum * elf.Header.PhEntSize);
        foreach (var p in elf.ProgramHeaders) if (p.FileSize > 0) end = Math.Max(end, (long)(p.Offset + p.FileSize));
        return end;
    }

    /// <summary>
    /// A cut inside what the loader reads is a one-line error. A cut after it only damages the section table (which
    /// sits at the end of these files): the loader-facing view (interpreter, SONAME, NEEDED, dynamic symbols) must
    /// stay exactly the original's, and the damage is reported as an anomaly.
    /// </summary>
    [Theory]
    [MemberData(nameof(RealFiles))]
    public void TruncationAtEveryBoundaryGivesAnErrorOrLosesOnlyTheSections(string path)
    {
        byte[] original = File.ReadAllBytes(path);
        using var image = BinaryImage.FromBytes(path, original);
        var elf = ElfFile.Open(image);
        long extent = LoaderExtent(elf);
        var full = Inspector.Inspect(image, Everything);
        int errors = 0, sectionLosses = 0;
        foreach (long boundary in Boundaries(elf))
        {
            foreach (long cut in new[] { boundary - 1, boundary, boundary + 1 })
            {
                if (cut < 0 || cut >= original.Length) continue;
                string? error = ReadEverything(path, original[..(int)cut]);
                if (cut < extent)
                {
                    Assert.True(error is not null, $"truncated to {cut} bytes (the loader reads up to {extent}), no error");
                    errors++;
                    continue;
                }
                Assert.True(error is null, $"truncated to {cut} bytes, past everything the loader reads ({extent}), but: {error}");
                using var cutImage = BinaryImage.FromBytes(path, original[..(int)cut]);
                var report = Inspector.Inspect(cutImage, Everything);
                Assert.Equal((full.Interpreter, full.Soname, string.Join(",", full.Needed!)), (report.Interpreter, report.Soname, string.Join(",", report.Needed!)));
                Assert.Equal(SymbolLister.List(image, new SymbolOptions()).Select(s => s.Name + s.Version), SymbolLister.List(cutImage, new SymbolOptions()).Select(s => s.Name + s.Version));
                if (cut < (long)(elf.Header.ShOff + elf.Header.ShNum * elf.Header.ShEntSize))
                    Assert.Contains(report.Anomalies ?? [], a => a.StartsWith("ELF010", StringComparison.Ordinal) || a.StartsWith("ELF0", StringComparison.Ordinal));
                sectionLosses++;
            }
        }
        output.WriteLine($"{path}: {errors} truncations inside the loader's view gave a one-line error; {sectionLosses} past it kept the loader-facing view");
        Assert.True(errors > 30 && sectionLosses > 3, $"{errors} errors, {sectionLosses} section-only cuts");
        Assert.Null(ReadEverything(path, original));
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public async Task RandomCorruptionNeverCrashes(string path)
    {
        byte[] original = File.ReadAllBytes(path);
        var rng = new Random(path.Length * 7919);
        int errors = 0, runs = 300;
        var task = Task.Run(() =>
        {
            for (int i = 0; i < runs; i++)
            {
                byte[] bytes = (byte[])original.Clone();
                int n = rng.Next(1, 16);
                for (int k = 0; k < n; k++)
                {
                    // Mostly the headers and tables at the front, sometimes anywhere.
                    int at = rng.Next(4) == 0 ? rng.Next(bytes.Length) : rng.Next(Math.Min(bytes.Length, 8192));
                    bytes[at] = (byte)rng.Next(256);
                }
                if (ReadEverything(path, bytes) is not null) errors++;
            }
        });
        // A TimeoutException here means corrupt input made a reader hang.
        await task.WaitAsync(TimeSpan.FromMinutes(3));
        output.WriteLine($"{path}: {runs} corruptions, {errors} rejected with an error, the rest read");
    }

    /// <summary>(offset, bytes, the field the message must name, whether the loader needs that field) pokes of ELF64 LE header fields.</summary>
    public static IEnumerable<object[]> FieldPokes()
    {
        yield return [56, new byte[] { 0xff, 0xff }, "e_phnum", true];          // PN_XNUM
        yield return [54, new byte[] { 12, 0 }, "e_phentsize", true];
        yield return [32, new byte[] { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f }, "e_phoff", true];
        yield return [4, new byte[] { 9 }, "EI_CLASS", true];
        yield return [5, new byte[] { 0 }, "EI_DATA", true];
        yield return [0, new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'G' }, "magic", true];
        // The section table is not the loader's: damage there is an anomaly naming the field, and the rest reads.
        yield return [58, new byte[] { 7, 0 }, "e_shentsize", false];
        yield return [60, new byte[] { 0xff, 0xff }, "e_shnum", false];
        yield return [62, new byte[] { 0xfe, 0xff }, "e_shstrndx", false];
        yield return [40, new byte[] { 0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, "e_shoff", false];
    }

    [Theory]
    [MemberData(nameof(FieldPokes))]
    public void HeaderFieldPokesNameTheField(int offset, byte[] value, string field, bool loaderNeedsIt)
    {
        byte[] bytes = File.ReadAllBytes("/usr/bin/ls");
        value.CopyTo(bytes, offset);
        string? error = ReadEverything("/usr/bin/ls", bytes);
        using var image = BinaryImage.FromBytes("/usr/bin/ls", bytes);
        var report = Inspector.Inspect(image, Everything);
        string said = error ?? string.Join("; ", report.Anomalies ?? []);
        output.WriteLine(said);
        Assert.Contains(field, said);
        if (loaderNeedsIt) { Assert.NotNull(error); return; }
        Assert.Null(error);
        using var good = BinaryImage.FromBytes("/usr/bin/ls", File.ReadAllBytes("/usr/bin/ls"));
        Assert.Equal(Inspector.Inspect(good, Everything).Needed, report.Needed);
    }

    [Fact]
    public void TinyAndEmptyFilesGiveErrors()
    {
        byte[][] inputs = [[], [0x7f, 0x45, 0x4c], [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], new byte[63], [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0]];
        foreach (var bytes in inputs)
        {
            string? error = ReadEverything("tiny", bytes);
            Assert.NotNull(error);
        }
    }
}
