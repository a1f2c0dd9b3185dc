using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// Real third-party Mach-O and PE files (a universal dylib and MSVC-built DLLs from NuGet, a Go and a mingw
/// program) cut at every header, load command, segment, section and table boundary ±1: every cut gives a one-line
/// error (the readers refuse what dyld and the Windows loader would refuse to map), never a crash.
/// </summary>
public sealed class MachOPeTruncationTests(ITestOutputHelper output)
{
    public static IEnumerable<object[]> Files() =>
    [
        ["nuget", "harfbuzzsharp.nativeassets.macos/8.3.1.1/runtimes/osx/native/libHarfBuzzSharp.dylib"],
        ["nuget", "sqlitepclraw.lib.e_sqlite3/2.1.11/runtimes/maccatalyst-arm64/native/libe_sqlite3.dylib"],
        ["nuget", "harfbuzzsharp.nativeassets.win32/8.3.1.1/runtimes/win-x86/native/libHarfBuzzSharp.dll"],
        ["nuget", "sqlitepclraw.lib.e_sqlite3/2.1.11/runtimes/win-arm64/native/e_sqlite3.dll"],
        ["go", "hello-darwin-arm64"],
        ["mingw", "delay.exe"],
    ];

    private static string Locate(string corpus, string name) => corpus switch
    {
        "nuget" => Path.Combine(NativeCorpora.NuGet(), "packages", name),
        "go" => Path.Combine(NativeCorpora.Go(), name),
        _ => Path.Combine(NativeCorpora.Mingw(), name),
    };

    private static SortedSet<long> Boundaries(BinaryFile file, byte[] bytes)
    {
        var b = new SortedSet<long> { 0, 1, 4, 8 };
        if (MachOFormatReader.IsUniversal(bytes))
            foreach (var a in MachOFormatReader.ReadFatArches(bytes)) { b.Add(8 + a.Index * 20); b.Add((long)a.Offset); b.Add((long)(a.Offset + a.Size)); }
        foreach (var o in file.Objects)
        {
            if (o is MachOFile m)
            {
                long s = (long)m.SliceOffset;
                b.Add(s + m.Header.Size); b.Add(s + (long)m.LoadCommandsEnd);
                foreach (var c in m.LoadCommands) b.Add(s + (long)c.Offset);
                foreach (var g in m.Segments) { b.Add(s + (long)g.FileOff); b.Add(s + (long)(g.FileOff + g.FileSize)); }
                foreach (var x in m.Sections) if (x.Offset != 0) { b.Add(s + x.Offset); b.Add(s + x.Offset + (long)x.Size); }
                if (m.Symtab is { } st) { b.Add(s + st.SymOff); b.Add(s + st.StrOff); }
            }
            else if (o is PeFile p)
            {
                long h = p.PeHeaderOffset;
                b.Add(0x3c); b.Add(h); b.Add(h + 24); b.Add(h + 24 + p.FileHeader.SizeOfOptionalHeader);
                foreach (var x in p.Sections) { b.Add(x.PointerToRawData); b.Add(x.PointerToRawData + (long)x.SizeOfRawData); }
            }
        }
        return b;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void CutsAtEveryBoundaryGiveOneLineErrors(string corpus, string name)
    {
        string path = Locate(corpus, name);
        byte[] original = File.ReadAllBytes(path);
        SortedSet<long> boundaries;
        long dataEnd;
        using (var image = BinaryImage.FromBytes(path, original))
        {
            using var file = BinaryFile.Open(image, ownsImage: false);
            boundaries = Boundaries(file, original);
            dataEnd = file.Objects.Max(o => o is MachOFile m ? (long)(m.SliceOffset + m.SliceSize) : ((PeFile)o).Sections.Max(s => (long)s.PointerToRawData + s.SizeOfRawData));
        }
        int cases = 0;
        foreach (long boundary in boundaries)
            foreach (long cut in new[] { boundary - 1, boundary, boundary + 1 })
            {
                if (cut < 0 || cut >= dataEnd) continue;
                using var image = BinaryImage.FromBytes(path, original[..(int)cut]);
                var reports = Inspector.InspectAll(image, new InspectOptions(Headers: true));
                var symbols = SymbolLister.List(image, new SymbolOptions(All: true));
                var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
                Assert.True(error is not null, $"{name} cut to {cut} bytes read without an error");
                Assert.DoesNotContain('\n', error);
                Assert.All(symbols.Where(s => s.Error is not null), s => Assert.DoesNotContain('\n', s.Error!));
                cases++;
            }
        output.WriteLine($"{name}: {cases} cuts, each a one-line error");
        Assert.True(cases >= 20);
    }
}
