using System.Buffers.Binary;
using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using Xunit.Abstractions;
using static LinkDoctor.Formats.MachO.MachONative;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Tests;

/// <summary>
/// The Mach-O and PE readers on images written byte by byte (<see cref="MachOBuilder"/>, <see cref="PeBuilder"/>):
/// what was written is what is read, in both byte orders, 32 and 64 bits, thin and universal; then truncation at
/// every header and table boundary ±1, single-field pokes and random corruption of those images and of real PE
/// files (the managed assemblies of this test run): always a report or a one-line error, never a crash or hang.
/// </summary>
public sealed class MachOPeReaderTests(ITestOutputHelper output)
{
    private static readonly byte[] TestUuid = [0x4c, 0x4c, 0x44, 0xe1, 0x55, 0x55, 0x31, 0x44, 0xa1, 0x68, 0x4c, 0x5e, 0xfb, 0x0d, 0x08, 0x27];

    private static MachOBuilder Dylib(bool bigEndian, bool is64, bool chained = false, uint chainedFormat = DYLD_CHAINED_IMPORT) => new()
    {
        BigEndian = bigEndian,
        Is64 = is64,
        CpuType = bigEndian ? (is64 ? CPU_TYPE_POWERPC64 : CPU_TYPE_POWERPC) : (is64 ? CPU_TYPE_ARM64 : CPU_TYPE_ARM64_32),
        FileType = MH_DYLIB,
        Id = ("@rpath/libdemo.1.dylib", 0x10200, 0x30405),
        Dylibs =
        [
            (LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib", 0x10000, 0x51f0000),
            (LC_LOAD_WEAK_DYLIB, "@rpath/libweak.dylib", 0x10000, 0x10000),
            (LC_REEXPORT_DYLIB, "@loader_path/libre.dylib", 0x10000, 0x20000),
            (LC_LAZY_LOAD_DYLIB, "/usr/lib/liblazy.dylib", 0x10000, 0x10000),
            (LC_LOAD_UPWARD_DYLIB, "@executable_path/../Frameworks/Up.framework/Up", 0x10000, 0x10000),
        ],
        RPaths = ["@loader_path/../lib", "/opt/demo/lib"],
        BuildVersion = (PLATFORM_MACOS, 0x0b0000, 0x0e0500),
        Uuid = TestUuid,
        Exports =
        [
            ("_demo", 0x4a0, 0, 0, null),
            ("_demo_weak", 0x4b0, EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION, 0, null),
            ("_demo_tls", 0x10, EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL, 0, null),
            ("_reexported", 0, EXPORT_SYMBOL_FLAGS_REEXPORT, 3, "_original"),
        ],
        Imports = [("_malloc", 1, false, false), ("_maybe", 2, true, false), ("_printf", 1, false, true), ("_flat", -2, false, false)],
        ChainedFixups = chained,
        ChainedImportsFormat = chainedFormat,
    };

    public static IEnumerable<object[]> Layouts() =>
    [
        [false, true, false, DYLD_CHAINED_IMPORT], [false, false, false, DYLD_CHAINED_IMPORT], [true, true, false, DYLD_CHAINED_IMPORT],
        [true, false, false, DYLD_CHAINED_IMPORT], [false, true, true, DYLD_CHAINED_IMPORT], [false, true, true, DYLD_CHAINED_IMPORT_ADDEND],
        [false, true, true, DYLD_CHAINED_IMPORT_ADDEND64],
    ];

    [Theory]
    [MemberData(nameof(Layouts))]
    public void MachOReadsWhatWasWritten(bool bigEndian, bool is64, bool chained, uint chainedFormat)
    {
        var builder = Dylib(bigEndian, is64, chained, chainedFormat);
        using var image = BinaryImage.FromBytes("demo.dylib", builder.Build());
        var m = (MachOFile)BinaryFile.Open(image, ownsImage: false).Objects.Single();
        Assert.Equal((is64, bigEndian), (m.Is64, m.IsBigEndian));
        Assert.Equal(bigEndian ? (is64 ? "ppc64" : "ppc") : (is64 ? "arm64" : "arm64_32"), m.Machine);
        Assert.Equal(ObjectKind.SharedLibrary, m.Kind);
        Assert.Equal("@rpath/libdemo.1.dylib", m.InstallName);
        Assert.Equal(("1.2.0", "3.4.5"), (FormatDylibVersion(m.IdDylib!.Value.CompatibilityVersion), FormatDylibVersion(m.IdDylib.Value.CurrentVersion)));
        Assert.Equal(builder.Dylibs.Select(d => d.Name), m.Dependencies.Select(d => d.Name));
        Assert.Equal([DependencyKind.Normal, DependencyKind.Weak, DependencyKind.Reexport, DependencyKind.Lazy, DependencyKind.Upward], m.Dependencies.Select(d => d.Kind));
        Assert.Equal("1311.0.0", FormatDylibVersion(m.Dylibs[0].CurrentVersion));
        Assert.Equal([new SearchPath("@loader_path/../lib", SearchPathKind.LcRpath), new SearchPath("/opt/demo/lib", SearchPathKind.LcRpath)], m.SearchPaths);
        Assert.Equal("macos 11.0", m.MinimumOs!.ToString());
        Assert.Equal("14.5", FormatVersion(m.MinimumOs.Sdk));
        Assert.Equal(TestUuid, m.Uuid);
        Assert.InRange(m.HeaderPadding, builder.HeaderPad, builder.HeaderPad + 15);
        Assert.Empty(m.Anomalies);

        var exports = m.Exports.ToList();
        Assert.Equal(["_demo", "_demo_weak", "_demo_tls", "_reexported"], exports.Select(e => e.Name));
        Assert.Equal("@loader_path/libre.dylib:_original", exports[3].Forwarder);
        Assert.Equal(0x4b0ul, m.TrieExports[1].Address);
        Assert.True(m.TrieExports[1].IsWeakDefinition);
        Assert.Equal(MachOExportKind.ThreadLocal, m.TrieExports[2].Kind);

        var imports = m.Imports.ToList();
        Assert.Equal(["_flat", "_malloc", "_maybe", "_printf"], imports.Select(i => i.Name).Order(StringComparer.Ordinal));
        Assert.Equal("/usr/lib/libSystem.B.dylib", imports.Single(i => i.Name == "_malloc").Library);
        Assert.Equal(("@rpath/libweak.dylib", true), (imports.Single(i => i.Name == "_maybe").Library, imports.Single(i => i.Name == "_maybe").Weak));
        Assert.Null(imports.Single(i => i.Name == "_flat").Library);
        Assert.Equal(BIND_SPECIAL_DYLIB_FLAT_LOOKUP, m.Bindings.Single(b => b.Name == "_flat").LibraryOrdinal);
        if (!chained)
        {
            Assert.Equal(MachOBindTable.LazyBind, m.Bindings.Single(b => b.Name == "_printf").Table);
            // Each bind writes the pointer slot of its import in __DATA,__got.
            Assert.All(m.Bindings, b => Assert.Equal("__got", m.SectionContaining(new VirtualAddress(b.Address))!.Value.Name));
        }
        // The symbol table agrees with the binds: undefined external symbols with the same library ordinals.
        Assert.Equal(4, m.Symbols.Count(s => s.IsUndefined));

        var report = Inspector.InspectAll(image, new InspectOptions(Headers: true)).Single();
        Assert.Null(report.Error);
        Assert.Equal(["load", "weak", "reexport", "lazy", "upward"], report.Dylibs!.Select(d => d.Kind));
        Assert.Equal("4C4C44E1-5555-3144-A168-4C5EFB0D0827", report.Uuid);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void UniversalFilesGiveOneObjectPerSlice(bool fat64, bool swapped)
    {
        var le = Dylib(false, true).Build();
        var be = Dylib(true, false).Build();
        var bytes = MachOBuilder.Fat([(CPU_TYPE_ARM64, 0, le), (CPU_TYPE_POWERPC, 0, be)], fat64, swapped);
        using var image = BinaryImage.FromBytes("fat", bytes);
        var file = BinaryFile.Open(image, ownsImage: false);
        Assert.Equal(BinaryFormat.MachO, file.Format);
        Assert.Equal(["arm64", "ppc"], file.Objects.Select(o => o.Machine));
        Assert.All(file.Objects, o => Assert.Equal("@rpath/libdemo.1.dylib", o.InstallName));
        var reports = Inspector.InspectAll(image, new InspectOptions());
        Assert.Equal(["arm64", "ppc"], reports.Select(r => r.Slice));
        Assert.All(reports, r => Assert.Equal(["arm64", "ppc"], r.Architectures!));
        var symbols = SymbolLister.List(image, new SymbolOptions());
        Assert.Equal(["arm64", "ppc"], symbols.Select(s => s.Slice).Distinct());
    }

    [Fact]
    public void AJavaClassFileIsNotAUniversalBinary()
    {
        // 0xCAFEBABE, minor 0, major 55 (Java 11): LLVM and file(1) call it a class file because 55 >= 43 arches is implausible.
        byte[] cls = [0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x37, 0x00, 0x10, 0x0a, 0x00];
        Assert.Null(BinaryFile.Identify(cls));
        using var image = BinaryImage.FromBytes("Hello.class", cls);
        var r = Inspector.Inspect(image, new InspectOptions());
        Assert.Contains("bad magic", r.Error);
        byte[] fat = [0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x02];
        Assert.Equal(BinaryFormat.MachO, BinaryFile.Identify(fat)!.Format);
    }

    private static PeBuilder Pe(bool plus) => new()
    {
        Pe32Plus = plus,
        Machine = plus ? IMAGE_FILE_MACHINE_ARM64 : IMAGE_FILE_MACHINE_I386,
        DllName = "demo.dll",
        OrdinalBase = 3,
        Exports = [("demo_add", null), (null, null), ("demo_heap", "NTDLL.RtlAllocateHeap"), ("alpha", null)],
        Imports =
        [
            ("KERNEL32.dll", [("GetLastError", 0x25a, 0), ("Sleep", 0x5c2, 0)]),
            ("WS2_32.dll", [(null, 0, 115), ("ntohs", 0, 0)]),
        ],
        DelayImports = [("delayed.dll", ["delayed_fn", "delayed_other"])],
    };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PeReadsWhatWasWritten(bool plus)
    {
        using var image = BinaryImage.FromBytes("demo.dll", Pe(plus).Build());
        var pe = (PeFile)BinaryFile.Open(image, ownsImage: false).Objects.Single();
        Assert.Equal(plus, pe.Is64);
        Assert.Equal(plus ? "arm64" : "x86", pe.Machine);
        Assert.Equal(ObjectKind.SharedLibrary, pe.Kind);
        Assert.Equal("demo.dll", pe.InstallName);
        Assert.Equal([new Dependency("KERNEL32.dll"), new Dependency("WS2_32.dll"), new Dependency("delayed.dll", DependencyKind.DelayLoad)], pe.Dependencies);
        var imports = pe.Imports.ToList();
        Assert.Equal(["GetLastError", "Sleep", "#115", "ntohs", "delayed_fn", "delayed_other"], imports.Select(i => i.Name));
        Assert.Equal(115, imports[2].Ordinal);
        Assert.Equal((ushort)0x5c2, pe.ImportTable[0].Functions[1].Hint);
        Assert.True(imports[4].Weak);
        var exports = pe.ExportDirectory!.Entries;
        Assert.Equal([3, 4, 5, 6], exports.Select(e => e.Ordinal));
        Assert.Equal(["demo_add", null, "demo_heap", "alpha"], exports.Select(e => e.Name));
        Assert.Equal("NTDLL.RtlAllocateHeap", exports[2].Forwarder);
        Assert.Equal(["demo_add", "#4", "demo_heap", "alpha"], pe.Exports.Select(e => e.Name));
        Assert.Empty(pe.Anomalies);
        var report = Inspector.Inspect(image, new InspectOptions(Headers: true));
        Assert.Equal(["KERNEL32.dll", "WS2_32.dll"], report.Needed!);
        Assert.Equal(["delayed.dll"], report.DelayNeeded!);
        Assert.False(report.IsDotNet);
    }

    // --- Malformed input -------------------------------------------------------------------------------------

    private static readonly InspectOptions Everything = new(Headers: true);

    /// <summary>Every reader over the bytes (inspect with headers, symbols with --all, every object's imports and exports); the error or null.</summary>
    private static string? ReadEverything(string name, byte[] bytes)
    {
        using var image = BinaryImage.FromBytes(name, bytes);
        var reports = Inspector.InspectAll(image, Everything);
        var symbols = SymbolLister.List(image, new SymbolOptions(All: true));
        foreach (var r in reports.Where(r => r.Error is not null)) { Assert.DoesNotContain('\n', r.Error!); Assert.False(string.IsNullOrWhiteSpace(r.Error)); }
        foreach (var s in symbols.Where(s => s.Error is not null)) Assert.DoesNotContain('\n', s.Error!);
        string? error = reports.FirstOrDefault(r => r.Error is not null)?.Error ?? symbols.FirstOrDefault(s => s.Error is not null)?.Error;
        if (error is null)
        {
            // The loader-facing view too, as the loaders will call it.
            using var f = BinaryFile.Open(image, ownsImage: false);
            foreach (var o in f.Objects) { _ = o.Dependencies; _ = o.SearchPaths; _ = o.Imports.Count(); _ = o.Exports.Count(); _ = o.Anomalies; }
            if (reports.Any(r => r.Anomalies is { Count: > 0 })) return "anomaly: " + reports.First(r => r.Anomalies is { Count: > 0 }).Anomalies![0];
        }
        return error;
    }

    public static IEnumerable<object[]> Samples() =>
    [
        ["macho-le64"], ["macho-be32"], ["macho-chained"], ["macho-fat"], ["macho-fat64"], ["pe32+"], ["pe32"], ["managed"],
    ];

    private static byte[] Sample(string name) => name switch
    {
        "macho-le64" => Dylib(false, true).Build(),
        "macho-be32" => Dylib(true, false).Build(),
        "macho-chained" => Dylib(false, true, chained: true, DYLD_CHAINED_IMPORT_ADDEND64).Build(),
        "macho-fat" => MachOBuilder.Fat([(CPU_TYPE_ARM64, 0, Dylib(false, true).Build()), (CPU_TYPE_POWERPC, 0, Dylib(true, false).Build())]),
        "macho-fat64" => MachOBuilder.Fat([(CPU_TYPE_ARM64, 0, Dylib(false, true, chained: true).Build())], fat64: true),
        "pe32+" => Pe(true).Build(),
        "pe32" => Pe(false).Build(),
        // A real PE file: this assembly as Roslyn wrote it (imports mscoree.dll, debug directory, CLR header).
        _ => File.ReadAllBytes(typeof(MachOPeReaderTests).Assembly.Location),
    };

    /// <summary>Where headers and tables of the sample start and end (slice-relative offsets shifted to file offsets).</summary>
    private static SortedSet<long> Boundaries(byte[] bytes)
    {
        var b = new SortedSet<long> { 0, 1, 2, 4, 8 };
        using var image = BinaryImage.FromBytes("x", bytes);
        var file = BinaryFile.Open(image, ownsImage: false);
        if (MachOFormatReader.IsUniversal(bytes))
            foreach (var a in MachOFormatReader.ReadFatArches(bytes)) { b.Add(8 + a.Index * 20); b.Add((long)a.Offset); b.Add((long)(a.Offset + a.Size)); }
        foreach (var o in file.Objects)
        {
            switch (o)
            {
                case MachOFile m:
                {
                    long s = (long)m.SliceOffset;
                    b.Add(s + m.Header.Size); b.Add(s + (long)m.LoadCommandsEnd);
                    foreach (var c in m.LoadCommands) { b.Add(s + (long)c.Offset); b.Add(s + (long)c.Offset + c.CmdSize); }
                    foreach (var g in m.Segments) { b.Add(s + (long)g.FileOff); b.Add(s + (long)(g.FileOff + g.FileSize)); }
                    foreach (var x in m.Sections) { b.Add(s + x.Offset); b.Add(s + x.Offset + (long)x.Size); }
                    if (m.DyldInfo is { } d) foreach (var (off, size) in new[] { (d.BindOff, d.BindSize), (d.LazyBindOff, d.LazyBindSize), (d.ExportOff, d.ExportSize) }) { b.Add(s + off); b.Add(s + off + size); }
                    foreach (var l in new[] { m.ChainedFixups, m.ExportsTrie }) if (l is { } v) { b.Add(s + v.DataOff); b.Add(s + v.DataOff + v.DataSize); }
                    if (m.Symtab is { } st) { b.Add(s + st.SymOff); b.Add(s + st.StrOff); b.Add(s + st.StrOff + st.StrSize); }
                    break;
                }
                case PeFile p:
                {
                    long h = p.PeHeaderOffset;
                    b.Add(0x3c); b.Add(64); b.Add(h); b.Add(h + 4); b.Add(h + 24); b.Add(h + 24 + p.FileHeader.SizeOfOptionalHeader);
                    b.Add(h + 24 + p.FileHeader.SizeOfOptionalHeader + p.Sections.Count * 40);
                    foreach (var x in p.Sections) { b.Add(x.PointerToRawData); b.Add(x.PointerToRawData + (long)x.SizeOfRawData); }
                    foreach (var d in p.DataDirectories)
                        if (d.VirtualAddress != 0 && p.TryRvaToOffset(new Rva(d.VirtualAddress), 0, out var off)) { b.Add((long)off.Value); b.Add((long)off.Value + d.Size); }
                    break;
                }
            }
        }
        return b;
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void TruncationAtEveryBoundaryGivesAnErrorOrAnAnomaly(string sample)
    {
        byte[] original = Sample(sample);
        Assert.Null(ReadEverything(sample, original));
        int cases = 0, errors = 0;
        // A universal file pads each slice to its alignment: cutting only that padding loses nothing.
        long dataEnd = MachOFormatReader.IsUniversal(original) ? MachOFormatReader.ReadFatArches(original).Max(a => (long)(a.Offset + a.Size)) : original.Length;
        foreach (long boundary in Boundaries(original))
            foreach (long cut in new[] { boundary - 1, boundary, boundary + 1 })
            {
                if (cut < 0 || cut >= dataEnd) continue;
                string? result = ReadEverything(sample, original[..(int)cut]);
                // Every byte of these files belongs to a header, a segment or a section: a cut is always noticed.
                Assert.True(result is not null, $"{sample} truncated to {cut} bytes read without a word");
                if (!result.StartsWith("anomaly:", StringComparison.Ordinal)) errors++;
                cases++;
            }
        output.WriteLine($"{sample}: {cases} truncations, {errors} one-line errors, {cases - errors} reads with anomalies");
        Assert.True(cases >= 30, $"only {cases} truncations");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task RandomCorruptionNeverCrashesOrHangs(string sample)
    {
        byte[] original = Sample(sample);
        var rng = new Random(sample.GetHashCode(StringComparison.Ordinal) & 0x7fff);
        int runs = 400, rejected = 0;
        var task = Task.Run(() =>
        {
            for (int i = 0; i < runs; i++)
            {
                byte[] bytes = (byte[])original.Clone();
                int n = rng.Next(1, 12);
                for (int k = 0; k < n; k++)
                {
                    int at = rng.Next(3) == 0 ? rng.Next(bytes.Length) : rng.Next(Math.Min(bytes.Length, 4096));
                    bytes[at] = (byte)rng.Next(256);
                }
                if (ReadEverything(sample, bytes) is not null) rejected++;
            }
        });
        await task.WaitAsync(TimeSpan.FromMinutes(2));
        output.WriteLine($"{sample}: {runs} corruptions, {rejected} rejected or flagged, the rest read");
    }

    private static void Poke32(byte[] b, int at, uint v, bool bigEndian = false)
    {
        if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v);
    }

    public static IEnumerable<object[]> MachOPokes() =>
    [
        ["ncmds", 16, 0x7fffffffu, "ncmds"],
        ["sizeofcmds", 20, 0xfffffff0u, "sizeofcmds"],
        ["first cmdsize", 32 + 4, 4u, "cmdsize"],
        ["first cmdsize huge", 32 + 4, 0x100000u, "cmdsize"],
        ["__TEXT nsects", 32 + 64, 0x10000u, "nsects"],
        ["__TEXT fileoff", 32 + 40, 0x7fff0000u, "segment __TEXT"],
        ["magic", 0, 0xfeedfaceu + 7, "magic"],
    ];

    [Theory]
    [MemberData(nameof(MachOPokes))]
    public void MachOFieldPokesGiveAnErrorNamingTheField(string what, int offset, uint value, string expected)
    {
        byte[] bytes = Dylib(false, true).Build();
        Poke32(bytes, offset, value);
        string? error = ReadEverything(what, bytes);
        output.WriteLine($"{what}: {error}");
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void MachOStringOffsetsAndFatTablesAreChecked()
    {
        byte[] bytes = Dylib(false, true).Build();
        using (var image = BinaryImage.FromBytes("x", bytes))
        {
            var m = (MachOFile)BinaryFile.Open(image, ownsImage: false).Objects[0];
            var id = m.LoadCommands.First(c => c.Cmd == LC_ID_DYLIB);
            Poke32(bytes, (int)id.Offset + 8, 0xfff0);
        }
        Assert.Contains("string offset", ReadEverything("lc_str", bytes));

        // FAT_MAGIC_64 has no Java twin, so any nfat_arch is believed and must fit; a FAT_MAGIC one of 43 or more is a class file.
        byte[] nfat = MachOBuilder.Fat([(CPU_TYPE_ARM64, 0, Dylib(false, true).Build())], fat64: true);
        Poke32(nfat, 4, 0x1000000, bigEndian: true);
        Assert.Contains("fat_arch table", ReadEverything("nfat", nfat));
        byte[] fat = MachOBuilder.Fat([(CPU_TYPE_ARM64, 0, Dylib(false, true).Build())]);
        byte[] java = (byte[])fat.Clone();
        Poke32(java, 4, 43, bigEndian: true);
        Assert.Contains("bad magic", ReadEverything("nfat 43", java));
        byte[] offset = (byte[])fat.Clone();
        Poke32(offset, 8 + 8, 0x7ffffff0, bigEndian: true);
        Assert.Contains("slice 0 (arm64", ReadEverything("fat offset", offset));
        byte[] overlap = (byte[])fat.Clone();
        Poke32(overlap, 8 + 8, 4, bigEndian: true);
        Assert.Contains("overlaps the universal headers", ReadEverything("fat overlap", overlap));
    }

    [Fact]
    public void AnExportTrieLoopIsAnAnomalyNotAHang()
    {
        byte[] bytes = Dylib(false, true).Build();
        uint trieOff;
        using (var image = BinaryImage.FromBytes("x", bytes))
            trieOff = ((MachOFile)BinaryFile.Open(image, ownsImage: false).Objects[0]).DyldInfo!.Value.ExportOff;
        // The root: terminal size 0, child count, then "_demo\0" and its 4-byte child offset: point it back at the root.
        int child = (int)trieOff + 2 + "_demo".Length + 1;
        bytes[child] = 0x80; bytes[child + 1] = 0x80; bytes[child + 2] = 0x80; bytes[child + 3] = 0x00;
        using var looped = BinaryImage.FromBytes("loop", bytes);
        var m = (MachOFile)BinaryFile.Open(looped, ownsImage: false).Objects[0];
        Assert.Empty(m.TrieExports);
        Assert.Contains(m.Anomalies, a => a.Code == "MACHO011" && a.Message.Contains("loop"));
    }

    public static IEnumerable<object[]> PePokes() =>
    [
        ["e_lfanew", 0x3c, 0x7ffffff0u, "e_lfanew"],
        ["PE signature", 0x80, 0x00004551u, "PE signature"],
        ["Magic", 0x80 + 24, 0x0000030bu, "Magic"],
        ["NumberOfSections", 0x80 + 4, 0x00ff8664u, "section table"],
        ["SizeOfOptionalHeader", 0x80 + 4 + 16, 0x22000001u, "SizeOfOptionalHeader"],
    ];

    [Theory]
    [MemberData(nameof(PePokes))]
    public void PeFieldPokesGiveAnErrorNamingTheField(string what, int offset, uint value, string expected)
    {
        byte[] bytes = Pe(true).Build();
        Poke32(bytes, offset, value);
        string? error = ReadEverything(what, bytes);
        output.WriteLine($"{what}: {error}");
        Assert.NotNull(error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void PeTablesPointingOutsideTheFileAreAnomaliesAndMissingRawDataAnError()
    {
        byte[] bytes = Pe(true).Build();
        byte[] raw = (byte[])bytes.Clone();
        using (var image = BinaryImage.FromBytes("x", bytes))
        {
            var pe = (PeFile)BinaryFile.Open(image, ownsImage: false).Objects[0];
            int dirs = (int)pe.PeHeaderOffset + 24 + 112;
            Poke32(bytes, dirs + IMAGE_DIRECTORY_ENTRY_IMPORT * 8, 0x7fff0000);
            Poke32(bytes, dirs + IMAGE_DIRECTORY_ENTRY_EXPORT * 8, 0x7fff0000);
            Poke32(raw, (int)pe.PeHeaderOffset + 24 + pe.FileHeader.SizeOfOptionalHeader + 40 + 20, 0x7ffff000);
        }
        using (var image = BinaryImage.FromBytes("dirs", bytes))
        {
            var pe = (PeFile)BinaryFile.Open(image, ownsImage: false).Objects[0];
            Assert.Empty(pe.ImportTable);
            Assert.Null(pe.ExportDirectory);
            Assert.Contains(pe.Anomalies, a => a.Code == "PE010");
            Assert.Contains(pe.Anomalies, a => a.Code == "PE030");
            Assert.Equal(["delayed.dll"], pe.Dependencies.Select(d => d.Name));
        }
        Assert.Contains("section 2 (.rdata) raw data", ReadEverything("raw data", raw));
    }
}
