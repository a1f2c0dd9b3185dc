using System.Text;
using LinkDoctor.Diagnosis;
using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.Go;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Loaders.Glibc;
using LinkDoctor.Reports;
using LinkDoctor.Rewriting;

namespace LinkDoctor.Fuzz;

/// <summary>An input that ended in neither a result nor a documented input error: what the harnesses report as a crash.</summary>
public sealed class FuzzFindingException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// One fuzz target per reader and model, shared by the AFL++ harness (fuzz/LinkDoctor.Fuzz) and the deterministic
/// mode of the unit tests (FuzzRegressionTests), which link this file. A target runs the input through every
/// accessor the commands use. Ending in a result or a documented input error is a pass: the readers throw
/// <see cref="BinaryFormatException"/> (and IO exceptions) for bad input, turned into one line by
/// <see cref="FileErrors.Describe"/>, and <c>patch</c> also <c>PatchException</c>. Any other exception escapes
/// (the harness reports it as a crash); a broken invariant throws <see cref="FuzzFindingException"/>.
/// </summary>
public static class FuzzTargets
{
    public static IReadOnlyList<string> Names { get; } = ["elf", "ldcache", "glibc", "musl", "go", "macho", "pe", "explain", "patch"];

    // No static field may hold a LinkDoctor object: the AFL harness must not run instrumented code before
    // SharpFuzz has set up the coverage map (the class constructor runs when Names is first read).
    private static InspectOptions Everything => new(Dynamic: true, Versions: true, Notes: true, Headers: true);

    /// <summary>The repository's <c>fuzz/corpus</c> directory: the glibc, musl and patch targets take their fixed partner files from it.</summary>
    public static string CorpusDirectory { get; set; } = Path.Combine(AppContext.BaseDirectory, "corpus");

    /// <summary>Where a replay shows what each input reached (null while fuzzing).</summary>
    public static Action<string>? Log { get; set; }

    /// <summary>A private scratch directory (a RAM disk when there is one), removed by <see cref="Cleanup"/>.</summary>
    private static readonly Lazy<string> Scratch = new(() =>
    {
        string parent = Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath();
        return Directory.CreateDirectory(Path.Combine(parent, $"linkdoctor-fuzz-{Environment.ProcessId}-{Guid.NewGuid():N}")).FullName;
    });

    public static void Cleanup()
    {
        if (Scratch.IsValueCreated && Directory.Exists(Scratch.Value)) Directory.Delete(Scratch.Value, recursive: true);
    }

    /// <summary>Runs one input through <paramref name="target"/>; returns normally for a result or a documented error.</summary>
    public static void Run(string target, ReadOnlySpan<byte> input)
    {
        byte[] data = input.ToArray();
        switch (target)
        {
            case "elf": Expected(() => Elf(data)); break;
            case "ldcache": LdCache(data); break;
            case "glibc": Loader(data, "glibc"); break;
            case "musl": Loader(data, "musl"); break;
            case "go": Expected(() => Go(data)); break;
            case "macho": Expected(() => Objects(data, BinaryFormat.MachO)); break;
            case "pe": Expected(() => Objects(data, BinaryFormat.Pe)); break;
            case "explain": Explain(data); break;
            case "patch": Patch(data); break;
            default: throw new ArgumentException($"unknown target '{target}' (known: {string.Join(", ", Names)})");
        }
    }

    /// <summary>True for the exceptions the readers document for bad input (the ones that become a one-line error).</summary>
    public static bool IsInputError(Exception e) => FileErrors.Describe(e) is { } m && !m.Contains('\n') || e is PatchException;

    private static void Expected(Action body)
    {
        try { body(); }
        catch (Exception e) when (IsInputError(e)) { Log?.Invoke($"input error: {FileErrors.Describe(e) ?? e.Message}"); }
    }

    private static void OneLine(string? error, string what)
    {
        if (error is not null && (error.Length == 0 || error.Contains('\n')))
            throw new FuzzFindingException($"{what}: an error that is not one line: {error}");
    }

    // ---- elf ----------------------------------------------------------------------------------------------

    /// <summary>
    /// Every ELF accessor the commands use, over a memory-mapped image of the input (the mapping path of
    /// <see cref="BinaryImage"/>, whatever the size), then the reports; after the image is unmapped, any further
    /// read must be refused (ObjectDisposedException), never touch the unmapped pages.
    /// </summary>
    private static void Elf(byte[] data)
    {
        string path = Path.Combine(Scratch.Value, "elf.bin");
        File.WriteAllBytes(path, data);
        ElfFile? elf = null;
        var image = BinaryImage.Open(path, mapThreshold: 0);
        try
        {
            OneLine(Inspector.Inspect(image, Everything).Error, "inspect");
            Log?.Invoke($"inspect: {Inspector.Inspect(image, Everything).Error ?? "ok"}");
            foreach (var s in SymbolLister.List(image, new SymbolOptions(All: true))) OneLine(s.Error, "symbols");
            elf = ElfFile.Open(image);
            ElfAccessors(elf);
            Loadable(elf);
            _ = LibcFlavour.Detect(elf, isGo: false);
            _ = Inspector.Linkage(elf);
        }
        finally
        {
            image.Dispose();
        }
        // Use after unmap: refused, not a read of unmapped memory.
        if (data.Length > 0)
        {
            try
            {
                _ = image.Span[0];
                throw new FuzzFindingException("the image was read after it was unmapped");
            }
            catch (ObjectDisposedException) { }
        }
    }

    private static void ElfAccessors(ElfFile elf)
    {
        _ = elf.Header;
        foreach (var ph in elf.ProgramHeaders)
        {
            _ = elf.SegmentData(ph).Length;
            elf.TryAddressToOffset(new VirtualAddress(ph.VirtualAddress), ph.FileSize, out _);
            elf.TryAddressToOffset(new VirtualAddress(ph.VirtualAddress + ph.MemorySize), 1, out _);
        }
        elf.TryAddressToOffset(new VirtualAddress(elf.Header.Entry), 16, out _);
        elf.TryAddressToOffset(new VirtualAddress(ulong.MaxValue - 4), 8, out _);
        foreach (var s in elf.Sections)
        {
            if (s.HasFileData) _ = elf.SectionData(s).Length;
            _ = elf.FindSectionByType(s.Type);
        }
        _ = elf.FindProgramHeader(ElfNative.PT_DYNAMIC);
        _ = elf.Interpreter;
        if (elf.Dynamic is { } dyn)
        {
            foreach (var e in dyn.Entries)
            {
                if (dyn.IsValidStringOffset(e.Value)) _ = dyn.GetString(e.Value);
                elf.TryAddressToOffset(new VirtualAddress(e.Value), 8, out _);
            }
            _ = (dyn.Needed.Count, dyn.SoName, dyn.RPath, dyn.RunPath, dyn.BindNow, dyn.TextRel, dyn.IsPie, dyn.NoDefaultLib);
            _ = ElfDynamicSection.FlagNames(dyn.Flags).Count() + ElfDynamicSection.Flag1Names(dyn.Flags1).Count();
        }
        var versions = elf.Versions;
        foreach (var table in new[] { elf.DynamicSymbols, elf.Symbols })
        {
            if (table is null) continue;
            for (int i = 0; i < table.Count; i++)
            {
                var sym = table[i];
                var name = table.GetNameBytes(sym);
                _ = table.GetDisplayName(sym);
                if (table.IsDynamic)
                {
                    _ = versions.GetSymbolVersion(sym);
                    _ = versions.GetDisplayVersion(sym, name);
                    _ = versions.GetVersym(i);
                }
                if (i < 4) table.TryFind(name, out _);
            }
            table.TryFind("fz_add"u8, out _);
        }
        foreach (var need in versions.Needs) _ = need;
        foreach (var def in versions.Definitions) _ = versions.FindDefinition(def.Index);
        for (ushort i = 0; i < 4; i++) { _ = versions.FindNeed(i); _ = versions.FindDefinition(i); }
        foreach (var note in elf.Notes) _ = ElfNotes.Descriptor(elf, note).Length;
        _ = (ElfNotes.GnuBuildId(elf), ElfNotes.GoBuildId(elf), ElfNotes.AbiTag(elf), ElfNotes.GnuProperties(elf).Count);
        _ = elf.Relocations.Count;
        _ = elf.Anomalies.Count;
    }

    /// <summary>The format-neutral view the loader models and <c>check</c> use.</summary>
    private static void Loadable(ILoadableObject o)
    {
        _ = (o.Machine, o.Kind, o.Interpreter, o.InstallName, o.Is64, o.IsBigEndian);
        _ = o.Dependencies.Count + o.SearchPaths.Count;
        foreach (var i in o.Imports) _ = i;
        foreach (var e in o.Exports) _ = e;
        _ = o.Anomalies.Count;
    }

    // ---- macho, pe (and their Go views) ------------------------------------------------------------------------

    private static void Objects(byte[] data, BinaryFormat format)
    {
        using var image = BinaryImage.FromBytes(format.ToString(), data);
        foreach (var r in Inspector.InspectAll(image, Everything)) { OneLine(r.Error, "inspect"); Log?.Invoke($"inspect: {r.Error ?? "ok"}"); }
        foreach (var s in SymbolLister.List(image, new SymbolOptions(All: true))) OneLine(s.Error, "symbols");
        using var file = BinaryFile.Open(image, ownsImage: false);
        foreach (var o in file.Objects)
        {
            Loadable(o);
            if (GoExecutable.From(o) is { } x)
            {
                _ = GoBuildInfoReader.Read(x, GoBuildInfoAlgorithm.Current);
                _ = GoBuildInfoReader.Read(x, GoBuildInfoAlgorithm.Go119);
            }
        }
    }

    // ---- go -----------------------------------------------------------------------------------------------

    /// <summary>The inline blob reader on the raw bytes, then <c>go</c> (go version -m) and <c>go --details --static</c> on the input as a file.</summary>
    private static void Go(byte[] data)
    {
        _ = GoBuildInfoReader.ReadInlineBlob(data);
        string path = Path.Combine(Scratch.Value, "go.bin");
        File.WriteAllBytes(path, data);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        var scan = GoVersionScan.Run([path], verbose: true);
        foreach (var e in scan.Entries) OneLine(e.LinkDoctorError, "go version");
        using var writer = new StringWriter();
        GoVersionScan.Write(scan, modules: true, writer, writer);
        var report = GoAnalyzer.Analyze(path, new GoAnalysisOptions(Static: true));
        OneLine(report.Error, "go --details");
        Log?.Invoke($"go: {report.Error ?? report.GoVersion ?? "(no version)"}; {writer}");
    }

    // ---- ldcache ------------------------------------------------------------------------------------------

    private static LdSoCacheLookupOptions[] CacheLookups =>
    [
        new() { Flags = LdSoCache.RequiredFlagsFor(ElfNative.EM_X86_64, true, 0)!.Value, HwcapsSubdirs = ["x86-64-v3", "x86-64-v2"], X86Isa1 = 0x7 },
        new() { Flags = LdSoCache.RequiredFlagsFor(ElfNative.EM_386, false, 0)!.Value, LegacyHwcaps = LegacyHwcapFilter.X86_64("haswell", true) },
    ];

    private static void LdCache(byte[] data)
    {
        foreach (bool? bigEndian in new bool?[] { null, true })
        {
            if (!LdSoCache.TryParse(data, out var cache, out var error, bigEndian))
            {
                if (error is null || error.Length == 0 || error.Contains('\n')) throw new FuzzFindingException($"ld.so.cache rejected without a one-line error: '{error}'");
                continue;
            }
            Log?.Invoke($"ld.so.cache: {cache!.Entries.Count} entries");
            var keys = new List<string> { "libc.so.6", "libfz.so", "" };
            foreach (var e in cache!.Entries)
            {
                _ = e.ToLdconfigLine();
                if (keys.Count < 16) keys.Add(e.Key);
            }
            foreach (var options in CacheLookups)
                foreach (var k in keys) _ = cache.Lookup(k, options);
        }
    }

    // ---- glibc, musl ----------------------------------------------------------------------------------------

    /// <summary>
    /// A small root: /bin/prog needs libfz.so (RUNPATH $ORIGIN/../lib) and libc; the host's loader and C library
    /// are copied in. Byte 0 of the input chooses the mutated file: even = the program, odd = libfz.so (the other
    /// one is the seed from the corpus). Then <c>why</c>'s whole start (exec step, the model's Load and Simulate,
    /// symbol binding) and <c>tree</c>'s trace-mode load.
    /// </summary>
    private static void Loader(byte[] data, string loader)
    {
        if (data.Length == 0) return;
        string root = Root(loader);
        bool programMutated = (data[0] & 1) == 0;
        string prog = Path.Combine(root, "bin/prog"), lib = Path.Combine(root, "lib/libfz.so");
        File.WriteAllBytes(programMutated ? prog : lib, data.AsSpan(1));
        File.WriteAllBytes(programMutated ? lib : prog, Partner(loader, programMutated ? "libfz.so" : "prog"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(prog, (UnixFileMode)0b111_101_101);
        var fs = new RootedFileSystem(root);
        var request = new LoadRequest { Program = prog, ProgramName = "./prog", Root = fs, Loader = loader, Secure = (data[0] & 2) != 0 };
        Expected(() => Log?.Invoke($"why: starts={StartupSimulator.Simulate(request) is var w && w.Starts} {string.Join(" | ", w.LoaderOutput)}"));
        Expected(() => Log?.Invoke($"why --dlopen: starts={StartupSimulator.Simulate(request with { Program = lib, ProgramName = "libfz.so" }, dlopen: true) is var w && w.Starts} {string.Join(" | ", w.LoaderOutput)}"));
        Expected(() =>
        {
            using var graph = DynamicLoader.Load(request with { Trace = true });
            _ = LoadGraphReport.From(prog, graph);
        });
    }

    private static readonly Dictionary<string, string> Roots = [];

    private static string Root(string loader)
    {
        lock (Roots)
        {
            if (Roots.TryGetValue(loader, out var r)) return r;
            r = Directory.CreateDirectory(Path.Combine(Scratch.Value, "root-" + loader)).FullName;
            Directory.CreateDirectory(Path.Combine(r, "bin"));
            Directory.CreateDirectory(Path.Combine(r, "lib"));
            (string Host, string InRoot)[] files = loader == "glibc"
                ? [("/lib64/ld-linux-x86-64.so.2", "lib64/ld-linux-x86-64.so.2"), ("/lib/x86_64-linux-gnu/libc.so.6", "lib/x86_64-linux-gnu/libc.so.6")]
                : [("/lib/ld-musl-x86_64.so.1", "lib/ld-musl-x86_64.so.1")];
            foreach (var (host, inRoot) in files)
            {
                string to = Path.Combine(r, inRoot);
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                if (File.Exists(host)) File.Copy(host, to, overwrite: true);
            }
            Roots[loader] = r;
            return r;
        }
    }

    private static readonly Dictionary<string, byte[]> Partners = [];

    /// <summary>A seed of the corpus without its selector byte.</summary>
    private static byte[] Partner(string target, string name)
    {
        lock (Partners)
        {
            string key = target + "/" + name;
            if (!Partners.TryGetValue(key, out var bytes))
                Partners[key] = bytes = File.ReadAllBytes(Path.Combine(CorpusDirectory, target, name))[1..];
            return bytes;
        }
    }

    // ---- explain ----------------------------------------------------------------------------------------------

    private static void Explain(byte[] data)
    {
        string text = Encoding.UTF8.GetString(data);
        var findings = Explainer.Default.Explain(text);
        Log?.Invoke($"explain: {findings.Count} findings");
        using var writer = new StringWriter();
        ExplainRenderer.WriteText(writer, findings);
        ExplainRenderer.WriteJson(writer, findings);
    }

    // ---- patch --------------------------------------------------------------------------------------------------

    /// <summary>The operation sets byte 0 of a patch input chooses (modulo their count).</summary>
    private static PatchOperations[] PatchSets =>
    [
        new() { SetInterpreter = "/lib/ld-fuzz-loader-with-a-longer-name.so.1" },
        new() { SetSoname = "libfz-renamed.so.7" },
        new() { SetRunPath = "$ORIGIN/../lib64:/opt/fz/lib" },
        new() { AddNeeded = ["libextra.so.1"], RemoveNeeded = ["libc.so.6"] },
        new() { ReplaceNeeded = [("libfz.so", "libfz-other.so.2"), ("libc.so.6", "libc.so.7")] },
        new() { RemoveRPath = true, ClearExecStack = true },
        new() { AddRPath = ["/x", "/y/z"], RPathToRunPath = true },
        new() { SetRPath = "/a:/b", SetSoname = "s", SetInterpreter = "/i" },
    ];

    /// <summary>
    /// <c>patch</c> in memory: the plan, layout and emit of <see cref="ElfRewriter"/> on the input; a changed result
    /// must open again, and either <see cref="ElfPatchVerifier"/> (the check <c>patch</c> makes before writing)
    /// rejects it with one line (nothing would be written) or it reads through <c>inspect</c> (a result or one line).
    /// </summary>
    private static void Patch(byte[] data)
    {
        if (data.Length == 0) return;
        var ops = PatchSets[data[0] % PatchSets.Length];
        using var image = BinaryImage.FromBytes("patch.in", data[1..]);
        ElfFile input;
        try { input = ElfFile.Open(image); }
        catch (Exception e) when (IsInputError(e)) { return; }
        RewriteResult rw;
        try { rw = ElfRewriter.Rewrite(input, ops, _ => null); }
        catch (Exception e) when (IsInputError(e)) { return; }
        Log?.Invoke($"patch: changed={rw.Changed}");
        if (!rw.Changed) return;
        using var output = BinaryImage.FromBytes("patch.out", rw.Output);
        ElfFile reread;
        try { reread = ElfFile.Open(output); }
        catch (BinaryFormatException e) { throw new FuzzFindingException($"patch wrote a file that does not open: {e.Describe()}", e); }
        // The verifier is patch's last guard: a result it rejects is never written ("internal error, nothing written: …",
        // one line, exit 2). That is an error outcome, not a crash; the campaigns count these rejections separately.
        if (ElfPatchVerifier.Verify(input, reread, rw.Expect!) is { } problem)
        {
            OneLine(problem, "patch verification");
            Log?.Invoke($"patch: rejected by the verifier: {problem}");
            return;
        }
        // The output must read (or be reported) like any other file.
        OneLine(Inspector.Inspect(output, Everything).Error, "inspect of the patched file");
    }
}
