using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Pe;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.Reports;
using Xunit.Abstractions;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The PE reader against LLVM 14's tools on every PE file of the corpora (NuGet native assets built by MSVC and
/// clang for x86, x64, arm and arm64; Go cross builds; mingw-w64 and clang/lld builds): file and optional headers
/// (<c>llvm-readobj --file-headers</c>), every import with its hint or ordinal and every delay-load import
/// (<c>--coff-imports</c>), every export with ordinal, name and RVA (<c>--coff-exports</c>) and forwarder
/// (<c>llvm-objdump -p</c>), the PDB path (<c>--coff-debug-directory</c>) and the needed DLLs (<c>--needed-libs</c>).
/// </summary>
public sealed class PeTests(ITestOutputHelper output)
{
    private static List<string> CorpusFiles() =>
    [
        .. NativeCorpora.Files(Path.Combine(NativeCorpora.NuGet(), "packages"), BinaryFormat.Pe),
        .. NativeCorpora.Files(NativeCorpora.Go(), BinaryFormat.Pe),
        .. NativeCorpora.Files(NativeCorpora.Mingw(), BinaryFormat.Pe),
    ];

    private sealed class Tally
    {
        public int Files, Imports, Exports, DelayImports;
        public readonly ConcurrentBag<string> Mismatches = [];
        public readonly ConcurrentDictionary<string, int> Seen = new();
        public void Mismatch(string file, string what) => Mismatches.Add($"{file}: {what}");
        public void Saw(string feature) => Seen.AddOrUpdate(feature, 1, (_, n) => n + 1);
    }

    private static string Run(string tool, params string[] args)
    {
        var r = Tool.Run(tool, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: {r.Stderr}");
        return r.Stdout;
    }

    private static ulong Hex(string s) => ulong.Parse(s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? s[2..] : s, NumberStyles.HexNumber);

    [Fact]
    public void EveryPeFileAgreesWithLlvm()
    {
        var files = CorpusFiles();
        var t = new Tally();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            using var bf = BinaryFile.Open(file);
            var pe = (PeFile)bf.Objects[0];
            Interlocked.Increment(ref t.Files);
            t.Saw(pe.Machine);
            t.Saw(pe.Is64 ? "PE32+" : "PE32");
            if (pe.IsDll) t.Saw("DLL");
            if (pe.ClrHeader is not null) t.Saw(".NET");
            CompareHeaders(file, pe, t);
            CompareImports(file, pe, t);
            CompareExports(file, pe, t);
            CompareDebug(file, pe, t);
            CompareNeeded(file, pe, t);
        });
        foreach (var m in t.Mismatches.Take(40)) output.WriteLine(m);
        output.WriteLine($"PE vs LLVM 14: {t.Files} files, {t.Imports} imports, {t.DelayImports} delay-load imports, {t.Exports} exports compared; {t.Mismatches.Count} mismatches");
        output.WriteLine("features seen: " + string.Join(", ", t.Seen.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        Assert.True(t.Files >= 20, $"only {t.Files} PE files in the corpora");
        foreach (var feature in new[] { "x86", "x64", "arm64", "arm", "PE32", "PE32+", "DLL", "delay-load", "import-by-ordinal", "export-by-ordinal-only", "forwarder", "pdb", "windows-gui", "windows-cui" })
            Assert.True(t.Seen.ContainsKey(feature), $"no file of the corpora has {feature}");
        Assert.True(t.Mismatches.IsEmpty, $"{t.Mismatches.Count} mismatches; first:\n" + string.Join("\n", t.Mismatches.Take(15)));
    }

    /// <summary>"Key: Value" lines of llvm-readobj (the first occurrence of each key).</summary>
    private static Dictionary<string, string> Fields(string text)
    {
        var d = new Dictionary<string, string>();
        foreach (var line in text.Split('\n'))
        {
            var m = Regex.Match(line, @"^\s*(\w+): (.*)$");
            if (m.Success) d.TryAdd(m.Groups[1].Value, m.Groups[2].Value.Trim());
        }
        return d;
    }

    private static void CompareHeaders(string file, PeFile pe, Tally t)
    {
        var text = Run("llvm-readobj-14", ["--file-headers", file]);
        var f = Fields(text);
        var o = pe.OptionalHeader;
        void Eq(string key, string ours, string theirs) { if (ours != theirs) t.Mismatch(file, $"{key}: ours {ours}, llvm-readobj {theirs}"); }
        Eq("Machine", $"{CoffMachineName(pe.FileHeader.Machine)} (0x{pe.FileHeader.Machine:X})", f["Machine"]);
        Eq("SectionCount", pe.Sections.Count.ToString(), f["SectionCount"]);
        Eq("Magic", $"0x{o.Magic:X}", f["Magic"]);
        Eq("AddressOfEntryPoint", $"0x{o.AddressOfEntryPoint:X}", f["AddressOfEntryPoint"]);
        Eq("ImageBase", $"0x{o.ImageBase:X}", f["ImageBase"]);
        Eq("MajorSubsystemVersion", o.MajorSubsystemVersion.ToString(), f["MajorSubsystemVersion"]);
        Eq("SizeOfImage", o.SizeOfImage.ToString(), f["SizeOfImage"]);
        Eq("Subsystem", $"0x{o.Subsystem:X}", Regex.Match(f["Subsystem"], @"\((0x[0-9A-F]+)\)").Groups[1].Value);
        t.Saw(SubsystemName(o.Subsystem));
        // Two "Characteristics [ (0x..)" blocks: the file header's, then the optional header's DLL characteristics.
        var flags = Regex.Matches(text, @"Characteristics \[ \((0x[0-9A-F]+)\)").Select(m => Hex(m.Groups[1].Value)).ToList();
        Eq("Characteristics", $"0x{pe.FileHeader.Characteristics:x}", $"0x{flags[0]:x}");
        Eq("DllCharacteristics", $"0x{o.DllCharacteristics:x}", $"0x{flags[1]:x}");
        var dirs = Regex.Matches(text, @"^\s+(\w+)(RVA|Size): (0x[0-9A-F]+)$", RegexOptions.Multiline).Select(m => Hex(m.Groups[3].Value)).ToList();
        var ours = pe.DataDirectories.SelectMany(d => new ulong[] { d.VirtualAddress, d.Size }).ToList();
        if (!ours.SequenceEqual(dirs.Take(ours.Count))) t.Mismatch(file, "data directories differ");
    }

    private static void CompareImports(string file, PeFile pe, Tally t)
    {
        var text = Run("llvm-readobj-14", ["--coff-imports", file]);
        var theirs = new List<string>();
        string? dll = null, kind = null;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (raw.StartsWith("Import {", StringComparison.Ordinal)) kind = "import";
            else if (raw.StartsWith("DelayImport {", StringComparison.Ordinal)) kind = "delay";
            else if (line.StartsWith("Name: ", StringComparison.Ordinal) && !raw.StartsWith("    ", StringComparison.Ordinal)) { dll = line[6..]; theirs.Add($"{kind} {dll}"); }
            else if (line.StartsWith("ImportLookupTableRVA: ", StringComparison.Ordinal)) theirs.Add($"  ilt 0x{Hex(line[22..]):x}");
            else if (line.StartsWith("ImportAddressTableRVA: ", StringComparison.Ordinal)) theirs.Add($"  iat 0x{Hex(line[23..]):x}");
            else if (line.StartsWith("Symbol: ", StringComparison.Ordinal))
            {
                var m = Regex.Match(line, @"^Symbol: (.*) \((\d+)\)$");
                theirs.Add($"  {m.Groups[1].Value} ({m.Groups[2].Value})");
            }
        }
        var ours = new List<string>();
        foreach (var d in pe.ImportTable.Concat(pe.DelayImportTable))
        {
            ours.Add($"{(d.DelayLoad ? "delay" : "import")} {d.Name}");
            if (!d.DelayLoad) { ours.Add($"  ilt 0x{d.NameTableRva:x}"); ours.Add($"  iat 0x{d.AddressTableRva:x}"); }
            else t.Saw("delay-load");
            foreach (var f in d.Functions)
            {
                if (f.Ordinal is not null) t.Saw("import-by-ordinal");
                ours.Add(f.Ordinal is { } ord ? $"   ({ord})" : $"  {f.Name} ({f.Hint})");
                if (d.DelayLoad) Interlocked.Increment(ref t.DelayImports); else Interlocked.Increment(ref t.Imports);
            }
        }
        // LLVM prints an ordinal import as "Symbol:  (N)": an empty name.
        theirs = [.. theirs.Select(l => Regex.IsMatch(l, @"^  \(\d+\)$") ? " " + l : l)];
        if (!ours.SequenceEqual(theirs))
        {
            int i = 0;
            while (i < Math.Min(ours.Count, theirs.Count) && ours[i] == theirs[i]) i++;
            t.Mismatch(file, $"imports differ at line {i}: ours '{(i < ours.Count ? ours[i] : "<end>")}', llvm-readobj '{(i < theirs.Count ? theirs[i] : "<end>")}'");
        }
    }

    private static void CompareExports(string file, PeFile pe, Tally t)
    {
        var text = Run("llvm-readobj-14", ["--coff-exports", file]);
        var theirs = Regex.Matches(text, @"Export \{\s+Ordinal: (\d+)\s+Name: ?(.*?)\s+RVA: (0x[0-9A-F]+)\s+\}")
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} 0x{Hex(m.Groups[3].Value):x}").ToList();
        var entries = pe.ExportDirectory?.Entries ?? [];
        var ours = entries.Select(e => $"{e.Ordinal} {e.Name} 0x{e.Rva:x}").ToList();
        Interlocked.Add(ref t.Exports, ours.Count);
        if (!ours.SequenceEqual(theirs))
            t.Mismatch(file, $"exports: {ours.Count} vs llvm-readobj {theirs.Count}; first difference ours '{ours.Except(theirs).FirstOrDefault()}', llvm '{theirs.Except(ours).FirstOrDefault()}'");
        if (entries.Any(e => e.Names.Count == 0 && e.Rva != 0)) t.Saw("export-by-ordinal-only");
        if (entries.Count == 0) return;

        // Forwarders and the DLL name from llvm-objdump -p ("Export Table:", " DLL name: X", "  9   fwd_exit (forwarded to msvcrt.exit)").
        var p = Run("llvm-objdump-14", ["-p", file]);
        var section = p[p.IndexOf("Export Table:", StringComparison.Ordinal)..];
        string dllName = Regex.Match(section, @"DLL name: (.*)").Groups[1].Value.Trim();
        if (dllName != (pe.ExportDirectory!.Name ?? "")) t.Mismatch(file, $"export DLL name: ours {pe.ExportDirectory.Name}, llvm-objdump {dllName}");
        var fwd = Regex.Matches(section, @"^\s+(\d+)\s+(\S*) \(forwarded to (.*)\)$", RegexOptions.Multiline).Select(m => $"{m.Groups[1].Value} {m.Groups[3].Value}").ToList();
        var ourFwd = entries.Where(e => e.Forwarder is not null).Select(e => $"{e.Ordinal} {e.Forwarder}").ToList();
        if (ourFwd.Count > 0) t.Saw("forwarder");
        if (!ourFwd.SequenceEqual(fwd)) t.Mismatch(file, $"forwarders: ours [{string.Join("; ", ourFwd)}], llvm-objdump [{string.Join("; ", fwd)}]");
    }

    private static void CompareDebug(string file, PeFile pe, Tally t)
    {
        var text = Run("llvm-readobj-14", ["--coff-debug-directory", file]);
        var theirs = Regex.Matches(text, @"PDBFileName: (.*)").Select(m => m.Groups[1].Value.TrimEnd()).ToList();
        var ours = pe.DebugDirectory.Where(d => d.CodeView is { Signature: "RSDS" }).Select(d => d.CodeView!.PdbPath).ToList();
        if (ours.Any(p => p.Length > 0)) t.Saw("pdb");
        if (!ours.SequenceEqual(theirs)) t.Mismatch(file, $"PDB paths: ours [{string.Join("; ", ours)}], llvm-readobj [{string.Join("; ", theirs)}]");
        int entries = Regex.Matches(text, "DebugEntry {").Count;
        if (entries != pe.DebugDirectory.Count) t.Mismatch(file, $"{pe.DebugDirectory.Count} debug entries, llvm-readobj {entries}");
    }

    private static void CompareNeeded(string file, PeFile pe, Tally t)
    {
        var text = Run("llvm-readobj-14", ["--needed-libs", file]);
        var theirs = text[(text.IndexOf("NeededLibraries [", StringComparison.Ordinal) + 17)..].Split('\n')
            .Select(l => l.Trim()).TakeWhile(l => l != "]").Where(l => l.Length > 0).ToList();
        var ours = pe.Dependencies.Where(d => d.Kind == DependencyKind.Normal).Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        if (!ours.SequenceEqual(theirs)) t.Mismatch(file, $"needed: ours [{string.Join("; ", ours)}], llvm-readobj [{string.Join("; ", theirs)}]");
    }

    [Fact]
    public void InspectJsonOfTheMingwProgramsNamesTheirDllsAndDelayLoads()
    {
        string dir = NativeCorpora.Mingw();
        var r = Tool.LinkDoctor("inspect", "--json", Path.Combine(dir, "delay.exe"), Path.Combine(dir, "mylib.dll"));
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var exe = doc.RootElement[0];
        var dll = doc.RootElement[1];
        Assert.Equal("PE", exe.GetProperty("format").GetString());
        Assert.Equal("x64", exe.GetProperty("machine").GetString());
        // The import table's DLLs in table order, from llvm-readobj's "Import {" blocks.
        var imports = Run("llvm-readobj-14", ["--coff-imports", Path.Combine(dir, "delay.exe")]);
        var expectedNeeded = Regex.Matches(imports, @"^Import \{\s+Name: (.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim());
        var expectedDelay = Regex.Matches(imports, @"^DelayImport \{\s+Name: (.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Trim());
        Assert.Equal(expectedNeeded, exe.GetProperty("needed").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(expectedDelay, exe.GetProperty("delayNeeded").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["delayed.dll"], expectedDelay);
        Assert.Equal("mylib.dll", dll.GetProperty("installName").GetString());
        Assert.Equal("shared-library", dll.GetProperty("type").GetString());
        Assert.False(dll.GetProperty("isDotNet").GetBoolean());

        var symbols = SymbolLister.List(Path.Combine(dir, "mylib.dll"), new SymbolOptions(DefinedOnly: true));
        Assert.Contains(symbols, s => s.Name == "fwd_heap" && s.Forwarder == "kernel32.HeapAlloc");
        Assert.Contains(symbols, s => s.Name == "" && s.Ordinal == 7);
    }

    [Fact]
    public void ManagedAssembliesAreRecognisedByTheirClrHeader()
    {
        // The test host's own assemblies are IL-only PE files: their CLR header and metadata version as the runtime sees them.
        string asm = typeof(PeTests).Assembly.Location;
        var r = Inspector.Inspect(asm, new InspectOptions());
        Assert.Null(r.Error);
        Assert.True(r.IsDotNet);
        Assert.Equal("v4.0.30319", r.Clr!.MetadataVersion);
        Assert.Contains("ILONLY", r.Clr.Flags);
        using var peReader = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(asm));
        Assert.Equal(peReader.PEHeaders.CorHeader!.MajorRuntimeVersion + "." + peReader.PEHeaders.CorHeader.MinorRuntimeVersion, r.Clr.RuntimeVersion);
        Assert.Equal(peReader.PEHeaders.CoffHeader.Machine switch
        {
            System.Reflection.PortableExecutable.Machine.I386 => "x86",
            System.Reflection.PortableExecutable.Machine.Amd64 => "x64",
            var m => m.ToString(),
        }, r.Machine);
        Assert.Equal(["mscoree.dll"], r.Needed!);
    }
}
