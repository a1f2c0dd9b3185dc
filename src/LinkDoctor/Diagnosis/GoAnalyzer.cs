using System.Text;
using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.Go;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>What <c>linkdoctor go</c> computes beyond the build info.</summary>
public sealed record GoAnalysisOptions(bool Static = false);

/// <summary>
/// Everything one Go binary shows about how it was built, read without running it: the build info (or the
/// version recovered without it), the pclntab's function and file names (which survive <c>-s -w</c>), the
/// symbol tables, dynamic section and DWARF. Each fact keeps its evidence.
/// </summary>
public sealed class GoBinary : IDisposable
{
    private readonly BinaryImage? _ownedImage;
    private GoPclntab? _pclntab;
    private bool _pclntabRead;
    private GoModuleData? _moduledata;
    private bool _moduledataRead;
    private GoDwarf? _dwarf;
    private bool _dwarfRead;
    private GoRecoveredVersion? _recovered;
    private bool _recoveredRead;
    private GoBuildInfoResult? _buildInfo;

    private GoBinary(string path, IGoExecutable x, ILoadableObject obj, BinaryImage? owned, string? archiveMember = null)
    {
        Path = path;
        Executable = x;
        Object = obj;
        _ownedImage = owned;
        ArchiveMember = archiveMember;
    }

    public string Path { get; }
    public IGoExecutable Executable { get; }
    public ILoadableObject Object { get; }
    public ElfFile? Elf => Object as ElfFile;
    /// <summary>Set for a c-archive: the member holding the Go code (<c>go.o</c>).</summary>
    public string? ArchiveMember { get; }

    /// <summary>Opens a file (an ELF, Mach-O or PE object, or an <c>ar</c> archive holding <c>go.o</c>). Throws for bad input.</summary>
    public static GoBinary Open(string path)
    {
        var image = BinaryImage.Open(path);
        try
        {
            if (GoArchive.HasMagic(image.Span))
            {
                var members = GoArchive.Members(image.Span);
                var go = members.FirstOrDefault(m => m.Name == "go.o");
                if (go == default) BinaryFormatException.Throw("an ar archive without a go.o member (not a Go c-archive)");
                var bytes = image.Span.Slice((int)go.Offset.Value, (int)go.Size).ToArray();
                image.Dispose();
                var memberImage = BinaryImage.FromBytes(path + "(go.o)", bytes);
                var elf = ElfFile.Open(memberImage);
                return new GoBinary(path, new ElfGoExecutable(elf), elf, memberImage, "go.o");
            }
            var file = BinaryFile.Open(image, ownsImage: false);
            var obj = file.Objects[0];
            var x = GoExecutable.From(obj) ?? throw new BinaryFormatException($"{file.Format} objects have no Go view in this build of LinkDoctor");
            return new GoBinary(path, x, obj, image);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    public void Dispose() => _ownedImage?.Dispose();

    public GoPclntab? Pclntab
    {
        get
        {
            if (!_pclntabRead) { _pclntab = GoPclntab.Find(Executable); _pclntabRead = true; }
            return _pclntab;
        }
    }

    public GoModuleData? ModuleData
    {
        get
        {
            if (!_moduledataRead) { _moduledata = Pclntab is { } t ? GoModuleData.Find(Executable, t) : null; _moduledataRead = true; }
            return _moduledata;
        }
    }

    public GoDwarf? Dwarf
    {
        get
        {
            if (!_dwarfRead) { _dwarf = GoDwarf.Open(Executable); _dwarfRead = true; }
            return _dwarf;
        }
    }

    /// <summary>The build info as current Go reads it (for a c-archive's go.o: the inline blob in its <c>.go.buildinfo</c> section).</summary>
    public GoBuildInfoResult BuildInfo => _buildInfo ??= ReadBuildInfo();

    private GoBuildInfoResult ReadBuildInfo()
    {
        if (Elf is { Header.Type: ET_REL } rel)
        {
            foreach (var s in SafeSections(rel))
                if (s.Name == ".go.buildinfo" && s.HasFileData && rel.TryBytes(s.Offset, s.Size, out var blob))
                    return GoBuildInfoReader.ReadInlineBlob(blob);
            return new GoBuildInfoResult(null, GoBuildInfoReader.ErrNotGoExe);
        }
        return GoBuildInfoReader.Read(Executable);
    }

    public GoRecoveredVersion? RecoveredVersion
    {
        get
        {
            if (!_recoveredRead) { _recovered = GoVersionRecovery.Recover(Executable, Pclntab, ModuleData, Dwarf); _recoveredRead = true; }
            return _recovered;
        }
    }

    /// <summary>True when the file is a Go binary at all: build info, or a pclntab.</summary>
    public bool IsGo => BuildInfo.Info is not null || Pclntab is not null;

    internal static IReadOnlyList<ElfSection> SafeSections(ElfFile elf)
    {
        try { return elf.Sections; }
        catch (BinaryFormatException) { return []; }
    }

    /// <summary>Function names (pclntab; for a relocatable go.o, the symbol table).</summary>
    public IReadOnlySet<string> Functions => _functions ??= ReadFunctions();
    private IReadOnlySet<string>? _functions;

    private IReadOnlySet<string> ReadFunctions()
    {
        if (Pclntab is { } t)
        {
            try { return t.FunctionNameSet; }
            catch (BinaryFormatException) { }
        }
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (Elf?.Symbols is { } syms)
            for (int i = 1; i < syms.Count; i++)
            {
                var s = syms[i];
                if (s.Type == STT_FUNC) set.Add(syms.GetName(s));
            }
        return set;
    }

    /// <summary>Names of defined, global dynamic symbols (exports).</summary>
    public IReadOnlySet<string> DynamicExports => _exports ??= Elf is null ? Object.Exports.Select(e => e.Name).ToHashSet(StringComparer.Ordinal) : ReadDynamic(defined: true);
    private IReadOnlySet<string>? _exports;

    /// <summary>Names of undefined dynamic symbols (imports).</summary>
    public IReadOnlySet<string> DynamicImports => _imports ??= Elf is null ? Object.Imports.Select(e => e.Name).ToHashSet(StringComparer.Ordinal) : ReadDynamic(defined: false);
    private IReadOnlySet<string>? _imports;

    private HashSet<string> ReadDynamic(bool defined)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        ElfSymbolTable? syms;
        try { syms = Elf!.DynamicSymbols; }
        catch (BinaryFormatException) { return set; }
        if (syms is null) return set;
        for (int i = 1; i < syms.Count; i++)
        {
            var s = syms[i];
            if (s.Binding == STB_LOCAL || s.IsDefined != defined) continue;
            set.Add(syms.GetName(s));
        }
        return set;
    }

    /// <summary>Whether any function name starts with <paramref name="prefix"/>.</summary>
    public bool HasFunctionPrefix(string prefix, out string? example)
    {
        foreach (var f in Functions)
            if (f.StartsWith(prefix, StringComparison.Ordinal)) { example = f; return true; }
        example = null;
        return false;
    }

    /// <summary>The names exported with <c>//export</c>: cgo's wrappers are named <c>_cgoexp_&lt;12 hex&gt;_NAME</c> (cmd/cgo/out.go).</summary>
    public IReadOnlyList<string> CgoExports()
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var f in Functions)
        {
            int p = f.IndexOf("_cgoexp_", StringComparison.Ordinal);
            if (p < 0) continue;
            string rest = f[(p + 8)..];
            int us = rest.IndexOf('_');
            if (us != 12) continue;
            string name = rest[(us + 1)..];
            if (name.EndsWith(".abi0", StringComparison.Ordinal)) name = name[..^5];
            if (name.Length > 0) names.Add(name);
        }
        return [.. names];
    }
}

/// <summary>Builds <see cref="GoBinaryReport"/>s: the go1.19 file walk, then each Go binary's view.</summary>
public static class GoAnalyzer
{
    public static List<GoBinaryReport> AnalyzeAll(IReadOnlyList<string> operands, GoAnalysisOptions options, bool verbose)
    {
        var scan = GoVersionScan.Run(operands, verbose);
        var entries = scan.Entries;
        var reports = new GoBinaryReport?[entries.Count];
        Parallel.For(0, entries.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            var e = entries[i];
            if (!e.WasRead)
            {
                if (e.MustPrint && e.GoError is not null)
                    reports[i] = new GoBinaryReport { Path = e.Path, Error = e.GoError.StartsWith(e.Path + ": ", StringComparison.Ordinal) ? e.GoError[(e.Path.Length + 2)..] : e.GoError };
                return;
            }
            var r = Analyze(e.Path, options, e);
            if (r.IsGo || e.MustPrint) reports[i] = r;
        });
        // Operands that are not executable ("not executable file" for go version) can still be analysed: a c-archive, a library without x bits.
        for (int i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (!e.WasRead && e.MustPrint && e.GoError is { } ge && ge.EndsWith(": not executable file", StringComparison.Ordinal))
                reports[i] = Analyze(e.Path, options, e);
        }
        return [.. reports.OfType<GoBinaryReport>()];
    }

    /// <summary>Analyses one file; bad input becomes <see cref="GoBinaryReport.Error"/>.</summary>
    public static GoBinaryReport Analyze(string path, GoAnalysisOptions options, GoVersionEntry? entry = null)
    {
        GoBinaryReport? report = null;
        string? error = FileErrors.Capture(() =>
        {
            using var bin = GoBinary.Open(path);
            report = Build(bin, options, entry);
        });
        return report ?? new GoBinaryReport { Path = path, Error = error ?? "cannot be read" };
    }

    /// <summary>Analyses a binary already open.</summary>
    public static GoBinaryReport Analyze(GoBinary bin, GoAnalysisOptions? options = null) => Build(bin, options ?? new GoAnalysisOptions(), null);

    private static GoBinaryReport Build(GoBinary bin, GoAnalysisOptions options, GoVersionEntry? entry)
    {
        var bi = bin.BuildInfo;
        var info = bi.Info;
        string? goError = entry?.GoError is { } ge && ge.StartsWith(bin.Path + ": ", StringComparison.Ordinal) ? ge[(bin.Path.Length + 2)..] : entry?.GoError;
        if (info is null && goError is null && bi.Error is not null) goError = $"could not read Go build info from {bin.Path}: {bi.Error}";
        if (!bin.IsGo)
            return new GoBinaryReport { Path = bin.Path, IsGo = false, GoVersionError = goError, Format = bin.Executable.FormatName, Machine = bin.Object.Machine };
        var recovered = info is null ? bin.RecoveredVersion : null;
        var report = new GoBinaryReport
        {
            Path = bin.Path,
            IsGo = true,
            GoVersionError = info is null ? goError : null,
            Format = bin.ArchiveMember is null ? bin.Executable.FormatName : "ar archive (go.o: ELF)",
            Machine = bin.Object.Machine,
            GoVersion = info?.GoVersion ?? recovered?.Version,
            GoVersionSource = info is not null ? "build info" : recovered?.Source,
            VersionRecovered = info is null && recovered is not null,
            BuildInfoFormat = info is null ? null : bi.Inline ? "inline" : "pointers",
            ModulePath = info?.Path,
            Main = Module(info?.Main),
            Deps = info?.Deps.Select(d => Module(d)!).ToList(),
            Settings = info?.Settings.Select(s => new GoSettingReport(s.Key, s.Value)).ToList(),
            Pclntab = bin.Pclntab?.VersionRange,
            Info = info,
        };
        var mode = BuildMode(bin, info);
        report = report with
        {
            BuildMode = mode,
            Cgo = Cgo(bin, info),
            LinkMode = LinkMode(bin, info),
            Net = Resolver(bin, "net", ["net._C2func_getaddrinfo", "net._Cfunc_getaddrinfo", "net._C2func_res_search", "net._Cfunc_res_search"], ["getaddrinfo"], "the cgo resolver (getaddrinfo from libc) is linked: Go uses it when its pure-Go resolver cannot serve a lookup (nsswitch.conf, GODEBUG=netdns=cgo)", "pure Go (netgo)"),
            OsUser = Resolver(bin, "os/user", ["os/user._Cfunc_mygetpwuid_r", "os/user._Cfunc_mygetpwnam_r", "os/user._C2func_getpwuid_r", "os/user._C2func_getpwnam_r", "os/user._Cfunc_getpwuid_r"], ["getpwuid_r", "getpwnam_r"], "libc's getpwuid_r/getpwnam_r (NSS) through cgo", "pure Go (osusergo: /etc/passwd and /etc/group only)"),
            Plugin = Plugin(bin),
            PluginPath = mode.Value == "plugin" ? PluginPath(bin) : null,
            Exports = mode.Value is "c-shared" or "c-archive" ? Exports(bin) : null,
        };
        if (options.Static) report = report with { Static = GoStaticReadiness.Analyze(bin, report) };
        return report;
    }

    private static GoModuleReport? Module(GoModule? m) => m is null ? null : new GoModuleReport(m.Path, m.Version, m.Sum, Module(m.Replace));

    /// <summary>
    /// <c>-buildmode</c>: the build setting when the toolchain records it (after go1.19); else from the file: an
    /// archive holding go.o is a c-archive; ET_EXEC is exe; ET_DYN with DF_1_PIE is pie; a shared object with
    /// <c>go:link.pkghash*</c> exports and a pluginpath is a plugin; with <c>go:link.abihashbytes</c> it is
    /// <c>-buildmode=shared</c>; else c-shared.
    /// </summary>
    private static GoFact BuildMode(GoBinary bin, GoBuildInfo? info)
    {
        if (info?.Setting("-buildmode") is { Length: > 0 } m) return new GoFact(m, "build setting -buildmode");
        if (bin.ArchiveMember is not null) return new GoFact("c-archive", "an ar archive with the Go code in go.o");
        switch (bin.Object.Kind)
        {
            case ObjectKind.Executable: return new GoFact("exe", "position-dependent executable (ET_EXEC)");
            case ObjectKind.PieExecutable: return new GoFact("pie", "position-independent executable (ET_DYN with DF_1_PIE)");
            case ObjectKind.Relocatable: return new GoFact("c-archive", "relocatable object");
        }
        var exports = bin.DynamicExports;
        bool pkghash = exports.Any(n => n.StartsWith("go.link.pkghash", StringComparison.Ordinal) || n.StartsWith("go:link.pkghash", StringComparison.Ordinal));
        if (bin.Executable.TryFindSymbol("go.link.thispluginpath"u8, out _, out _) || bin.Executable.TryFindSymbol("go:link.thispluginpath"u8, out _, out _))
            return new GoFact("plugin", "go:link.thispluginpath symbol");
        if (exports.Any(n => n.StartsWith("go.link.abihashbytes", StringComparison.Ordinal) || n.StartsWith("go:link.abihashbytes", StringComparison.Ordinal)))
            return new GoFact("shared", "go:link.abihashbytes export (-buildmode=shared)");
        if (pkghash && bin.ModuleData?.PluginPath is { Length: > 0 })
            return new GoFact("plugin", "go:link.pkghash exports and a moduledata pluginpath");
        if (pkghash && !exports.Contains("crosscall2"))
            return new GoFact("plugin", "go:link.pkghash exports");
        return new GoFact("c-shared", bin.CgoExports().Count > 0 ? "shared library with cgo //export functions" : "shared library (no pluginpath, no go:link.pkghash exports)");
    }

    private static GoFact Cgo(GoBinary bin, GoBuildInfo? info)
    {
        if (info?.Setting("CGO_ENABLED") is { } v) return new GoFact(v == "1" ? "on" : "off", $"build setting CGO_ENABLED={v}");
        if (bin.HasFunctionPrefix("runtime/cgo.", out var f) || bin.HasFunctionPrefix("_cgo_", out f) || bin.HasFunctionPrefix("x_cgo_", out f))
            return new GoFact("on", $"runtime/cgo is linked ({f})");
        if (bin.DynamicExports.Contains("crosscall2")) return new GoFact("on", "crosscall2 is exported");
        return new GoFact("off", "no runtime/cgo functions");
    }

    /// <summary>
    /// <c>-linkmode</c>: stated in the recorded <c>-ldflags</c>, else seen in the file: the external linker (gcc, clang)
    /// leaves a <c>.comment</c> section naming itself, C runtime start files (<c>.init</c>), PT_GNU_EH_FRAME; Go's
    /// internal linker writes none of these.
    /// </summary>
    private static GoFact LinkMode(GoBinary bin, GoBuildInfo? info)
    {
        if (info?.Setting("-ldflags") is { } ld)
        {
            if (ld.Contains("-linkmode=external") || ld.Contains("-linkmode external")) return new GoFact("external", "build setting -ldflags");
            if (ld.Contains("-linkmode=internal") || ld.Contains("-linkmode internal")) return new GoFact("internal", "build setting -ldflags");
        }
        if (bin.Elf is not { } elf) return new GoFact("unknown", "only ELF files are inspected for link-mode evidence");
        if (elf.Header.Type == ET_REL) return new GoFact("external", "a c-archive is always linked by the external linker");
        foreach (var s in GoBinary.SafeSections(elf))
        {
            if (s.Name == ".comment" && s.HasFileData && elf.TryBytes(s.Offset, s.Size, out var c))
            {
                string text = Encoding.ASCII.GetString(c).Replace('\0', ' ');
                if (text.Contains("GCC:") || text.Contains("clang") || text.Contains("Linker:")) return new GoFact("external", ".comment section written by the C toolchain: " + text.Trim().Split("  ")[0]);
            }
            if (s.Name == ".init") return new GoFact("external", ".init section from the C runtime start files");
        }
        if (elf.FindProgramHeader(PT_GNU_EH_FRAME) is not null) return new GoFact("external", "PT_GNU_EH_FRAME (from the C toolchain)");
        return new GoFact("internal", "no trace of an external linker (.comment, .init, PT_GNU_EH_FRAME)");
    }

    private static GoFact Resolver(GoBinary bin, string package, string[] cgoFunctions, string[] libcImports, string cgoText, string goText)
    {
        foreach (var f in cgoFunctions)
            foreach (var name in new[] { f, f + ".abi0" })
                if (bin.Functions.Contains(name)) return new GoFact("cgo", $"{cgoText} ({name})");
        if (!bin.HasFunctionPrefix(package + ".", out var any)) return new GoFact("not linked", $"no {package} functions");
        foreach (var i in libcImports)
            if (bin.DynamicImports.Contains(i) && bin.HasFunctionPrefix(package + "._C", out var c)) return new GoFact("cgo", $"{cgoText} ({c}, imports {i})");
        return new GoFact("go", $"{goText}: {package} is linked ({any}) without its cgo functions");
    }

    /// <summary>
    /// Package plugin: linked at all (plugin.Open), and which <c>open</c>: plugin_dlopen.go (built with cgo on
    /// linux, darwin, freebsd: <c>plugin._Cfunc_pluginOpen</c>) or plugin_stubs.go ("plugin: not implemented").
    /// </summary>
    internal static GoFact Plugin(GoBinary bin)
    {
        if (!bin.HasFunctionPrefix("plugin.Open", out _) && !bin.HasFunctionPrefix("plugin.open", out _))
            return new GoFact("not linked", "no plugin.Open");
        foreach (var n in new[] { "plugin._Cfunc_pluginOpen", "plugin._Cfunc_pluginOpen.abi0", "plugin._C2func_pluginOpen" })
            if (bin.Functions.Contains(n)) return new GoFact("dlopen", $"plugin_dlopen.go is linked ({n}); the program exports its symbols to plugins");
        return new GoFact("stub", "plugin_stubs.go is linked (no cgo): plugin.Open returns \"plugin: not implemented\"");
    }

    /// <summary>A plugin's path: the <c>go:link.thispluginpath</c> string, or moduledata.pluginpath.</summary>
    public static string? PluginPath(GoBinary bin)
    {
        var x = bin.Executable;
        foreach (var sym in new[] { "go.link.thispluginpath"u8.ToArray(), "go:link.thispluginpath"u8.ToArray() })
        {
            if (!x.TryFindSymbol(sym, out ulong addr, out ulong size)) continue;
            // The symbol holds the bytes of the path (cmd/link/internal/ld/symtab.go: AddString of the path).
            if (size is > 0 and < 4096 && x.TryRead(addr, size, out var bytes))
            {
                var s = SpanReader.CString(bytes);
                if (GoModuleData.IsPrintable(s) && s.Length > 0) return Encoding.UTF8.GetString(s);
            }
        }
        return bin.ModuleData?.PluginPath;
    }

    private static List<GoExportReport> Exports(GoBinary bin)
    {
        var names = bin.CgoExports();
        IReadOnlyDictionary<string, GoCPrototype>? protos = null;
        try { protos = bin.Dwarf?.CFunctions(); }
        catch (BinaryFormatException) { }
        var dyn = bin.DynamicExports;
        return [.. names.Select(n => new GoExportReport(n, protos is not null && protos.TryGetValue(n, out var p) ? p.ToString() : null, dyn.Contains(n)))];
    }
}
