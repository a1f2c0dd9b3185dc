using System.Text;
using System.Text.Json.Serialization;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Formats.Go;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>A package whose hash differs between a plugin and the copy its relocation binds to, with the reasons found.</summary>
public sealed record GoPackageMismatch(string Package, string BoundTo, string PluginHash, string BoundHash, IReadOnlyList<string> Reasons);

/// <summary>The predicted outcome of one <c>plugin.Open</c>.</summary>
public sealed record GoPluginCheckReport
{
    public required string Plugin { get; init; }
    /// <summary>Exactly <c>OK</c>, or exactly the error plugin.Open returns (or the fatal error the runtime prints).</summary>
    public required string Result { get; init; }
    public bool Ok { get; init; }
    /// <summary>The message id from <see cref="GoPluginMessages"/>, null for OK.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MessageId { get; init; }
    /// <summary>True when the runtime throws: the host process dies and later plugins are never opened.</summary>
    public bool Fatal { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RealPath { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PluginPath { get; init; }
    /// <summary>Every package whose hash differs (the runtime reports only the first).</summary>
    public IReadOnlyList<GoPackageMismatch> Mismatches { get; init; } = [];
    public IReadOnlyList<string> Details { get; init; } = [];
}

/// <summary>
/// <c>plugin-check HOST PLUGIN...</c>: will <c>plugin.Open</c> succeed, in order, for each plugin, in one host
/// process? Mirrors src/plugin/plugin_dlopen.go <c>open</c> and src/runtime/plugin.go <c>plugin_lastmoduleinit</c>
/// (go1.19): the stub without cgo; realpath; the map of opened real paths (an earlier failure is "(previous
/// failure)", an earlier success is returned again); dlopen(RTLD_NOW|RTLD_GLOBAL), simulated by the loader model;
/// the last module data (a non-Go library adds none); "plugin already loaded" for a pluginpath already active;
/// then the package hashes: each <c>go:link.pkghash.PKG</c> relocation of the plugin binds, under RTLD_GLOBAL, to
/// the first definition in the host, then in the objects opened before (failed plugins stay loaded), then the
/// plugin itself; the first <c>pkghashes</c> entry (in relocation-offset order) whose bytes differ is the error.
/// </summary>
public static class GoPluginCheck
{
    /// <summary>Something that is in the process: the host, or an object dlopen loaded.</summary>
    private sealed class Loaded(string path, GoBinary? go, string? pluginPath, bool isGoPlugin)
    {
        public string Path { get; } = path;
        public GoBinary? Go { get; } = go;
        public string? PluginPath { get; } = pluginPath;
        public bool IsGoModule { get; } = isGoPlugin;
        public bool Bad { get; set; }
        public bool Initialized { get; set; }
        public (ulong Dev, ulong Ino)? Id { get; init; }
        private Dictionary<string, byte[]>? _hashes;
        /// <summary>PKG → the 8 bytes of its <c>go:link.pkghashbytes.PKG</c>, for packages whose <c>go:link.pkghash.PKG</c> it exports.</summary>
        public Dictionary<string, byte[]> Hashes => _hashes ??= Go is null ? [] : ReadHashes(Go);
    }

    /// <summary>Runs the check; throws <see cref="BinaryFormatException"/> or IO errors when the host cannot be read.</summary>
    public static List<GoPluginCheckReport> Check(string host, IReadOnlyList<string> plugins, Func<string, string, WhyReport>? dlopen = null)
    {
        using var hostBin = GoBinary.Open(host);
        var reports = new List<GoPluginCheckReport>();
        var support = hostBin.IsGo ? GoAnalyzerFacts.Plugin(hostBin) : null;
        if (support is null || support.Value == "not linked")
            throw new BinaryFormatException($"does not link package plugin ({(hostBin.IsGo ? "no plugin.Open" : "not a Go program")}): it cannot call plugin.Open");
        if (support.Value == "stub")
        {
            foreach (var p in plugins)
                reports.Add(new GoPluginCheckReport
                {
                    Plugin = p, Result = GoPluginMessages.NotImplemented.Render(), MessageId = GoPluginMessages.NotImplemented.Id,
                    Details = [$"{host}: {support.Evidence}", "plugin_dlopen.go is built only with cgo on linux, darwin and freebsd: rebuild the host with CGO_ENABLED=1 (and a C compiler)"],
                });
            return reports;
        }

        var scope = new List<Loaded> { new(host, hostBin, "", false) { Initialized = true } };
        // dlopen in the host's process: the host's global scope, then the plugins opened before (RTLD_GLOBAL, and they stay loaded).
        dlopen ??= (real, name) => DefaultDlopen(host, [.. scope.Skip(1).Select(l => l.Path)], real, name);
        var opened = new Dictionary<string, (string? Error, Loaded? Module)>(StringComparer.Ordinal);
        var disposables = new List<GoBinary>();
        try
        {
            foreach (var name in plugins)
            {
                var r = OpenOne(name, scope, opened, disposables, dlopen, hostBin);
                reports.Add(r);
                if (r.Fatal) break;
            }
        }
        finally
        {
            foreach (var d in disposables) d.Dispose();
        }
        return reports;
    }

    private static GoPluginCheckReport OpenOne(string name, List<Loaded> scope, Dictionary<string, (string? Error, Loaded? Module)> opened,
        List<GoBinary> disposables, Func<string, string, WhyReport> dlopen, GoBinary host)
    {
        var details = new List<string>();
        string? real = RealPath(name);
        if (real is null)
            return Fail(name, GoPluginMessages.RealpathFailed, details, name);
        if (opened.TryGetValue(real, out var prev))
        {
            if (prev.Error is not null)
            {
                details.Add($"{real} failed before in this process; plugin.Open remembers the failure");
                return Fail(name, GoPluginMessages.PreviousFailure, details, name, prev.Error) with { RealPath = real };
            }
            details.Add($"{real} is already open: plugin.Open returns the same plugin again");
            return new GoPluginCheckReport { Plugin = name, Result = "OK", Ok = true, RealPath = real, PluginPath = prev.Module?.PluginPath, Details = details };
        }

        // dlopen(realpath, RTLD_NOW|RTLD_GLOBAL).
        var id = FileId(real);
        var same = id is null ? null : scope.FirstOrDefault(l => l.Id == id);
        if (same is null)
        {
            var why = dlopen(real, name);
            if (!why.Starts)
            {
                string dlerror = why.LoaderOutput.FirstOrDefault() ?? "dlopen failed";
                details.AddRange(why.Explanation.Select(e => "why: " + e));
                details.AddRange(why.Fixes.Select(f => "fix: " + f));
                return Fail(name, GoPluginMessages.DlopenFailed, details, name, dlerror) with { RealPath = real };
            }
        }
        else details.Add($"{real} is the same file as {same.Path}, already loaded: dlopen returns that object and no new Go module is added");
        string stripped = name.Length > 3 && name.EndsWith(".so", StringComparison.Ordinal) ? name[..^3] : name;

        Loaded? module = null;
        if (same is null)
        {
            GoBinary? bin = null;
            try { bin = GoBinary.Open(real); disposables.Add(bin); }
            catch (Exception e) when (FileErrors_Describe(e) is not null) { }
            bool isGoPlugin = bin is not null && bin.IsGo && GoAnalyzerFacts.IsPlugin(bin);
            string? pluginPath = isGoPlugin ? GoAnalyzer.PluginPath(bin!) : null;
            module = new Loaded(real, bin, pluginPath, isGoPlugin) { Id = id };
            scope.Add(module);
            if (!isGoPlugin) { details.Add($"{real} is not a Go plugin: dlopen adds no Go module data"); module = null; }
        }

        if (module is null)
        {
            // lastmoduleinit takes the last module that is not bad (firstmoduledata.next onwards: the host is not a candidate).
            Loaded? md = null;
            foreach (var l in scope.Skip(1).Where(l => l.IsGoModule)) md = l.Bad ? null : l;
            if (md is null)
                return Fatal(name, GoPluginMessages.NoModuleData, details, real);
            details.Add($"the newest Go module is {md.Path} ({md.PluginPath}), already initialised");
            opened[real] = (GoPluginMessages.AlreadyLoaded.Render(), null);
            return Fail(stripped, GoPluginMessages.ModuleInitFailed, details, stripped, GoPluginMessages.AlreadyLoaded.Render(), GoPluginMessages.AlreadyLoaded.Id) with { Plugin = name, RealPath = real };
        }

        if (string.IsNullOrEmpty(module.PluginPath))
            return Fatal(name, GoPluginMessages.EmptyPluginPath, details, real);
        foreach (var pmd in scope.Where(l => l.Initialized && !l.Bad && l != module))
        {
            if (pmd.PluginPath == module.PluginPath)
            {
                module.Bad = true;
                details.Add($"pluginpath {module.PluginPath} is already active: {pmd.Path}");
                opened[real] = (GoPluginMessages.AlreadyLoaded.Render(), module);
                return Fail(stripped, GoPluginMessages.ModuleInitFailed, details, stripped, GoPluginMessages.AlreadyLoaded.Render(), GoPluginMessages.AlreadyLoaded.Id) with { Plugin = name, RealPath = real, PluginPath = module.PluginPath };
            }
        }

        // The package hashes, in pkghashes order, against the copies the relocations bind to.
        var mismatches = new List<GoPackageMismatch>();
        foreach (var pkg in PkgHashOrder(module.Go!))
        {
            if (!module.Hashes.TryGetValue(pkg, out var mine)) continue;
            var definer = scope.First(l => l == module || l.Hashes.ContainsKey(pkg));
            if (definer == module) continue;
            var theirs = definer.Hashes[pkg];
            if (mine.AsSpan().SequenceEqual(theirs)) continue;
            mismatches.Add(new GoPackageMismatch(pkg, definer.Path, Convert.ToHexStringLower(mine), Convert.ToHexStringLower(theirs),
                Reasons(pkg, module.Go!, definer.Go!, definer == scope[0])));
        }
        if (mismatches.Count > 0)
        {
            module.Bad = true;
            string err = GoPluginMessages.DifferentVersion.Render(mismatches[0].Package);
            opened[real] = (err, module);
            details.Add($"{mismatches.Count} package{(mismatches.Count == 1 ? " differs" : "s differ")} (the runtime names only the first); the plugin stays loaded (RTLD_GLOBAL) and its symbols stay visible to later plugins");
            return Fail(stripped, GoPluginMessages.ModuleInitFailed, details, stripped, err, GoPluginMessages.DifferentVersion.Id)
                with { Plugin = name, RealPath = real, PluginPath = module.PluginPath, Mismatches = mismatches };
        }
        module.Initialized = true;
        opened[real] = (null, module);
        return new GoPluginCheckReport { Plugin = name, Result = "OK", Ok = true, RealPath = real, PluginPath = module.PluginPath, Details = details };
    }

    private static string? FileErrors_Describe(Exception e) => Reports.FileErrors.Describe(e);

    private static GoPluginCheckReport Fail(string name, MessageTemplate t, List<string> details, params string[] values) =>
        Fail(name, t, details, values, null);

    private static GoPluginCheckReport Fail(string name, MessageTemplate t, List<string> details, string v1, string v2, string id) =>
        Fail(name, t, details, [v1, v2], id);

    private static GoPluginCheckReport Fail(string name, MessageTemplate t, List<string> details, string[] values, string? id) =>
        new() { Plugin = name, Result = t.Render(values), Ok = false, MessageId = id ?? t.Id, Details = details };

    private static GoPluginCheckReport Fatal(string name, MessageTemplate t, List<string> details, string real)
    {
        details.Add("the runtime throws: the host process dies with exit status 2, and later plugins are never opened");
        return new GoPluginCheckReport { Plugin = name, Result = t.Render(), Ok = false, Fatal = true, MessageId = t.Id, RealPath = real, Details = details };
    }

    /// <summary>
    /// The loader's part of plugin.Open: <c>dlopen(realpath, RTLD_NOW|RTLD_GLOBAL)</c> simulated in the host's
    /// process on this machine: the host's link map and the plugins opened before are the global scope.
    /// </summary>
    private static WhyReport DefaultDlopen(string host, IReadOnlyList<string> earlier, string realPath, string name)
    {
        // The one place that calls the loader simulation.
        var request = new LoadRequest { Program = realPath, ProgramName = realPath, Host = host, GlobalObjects = earlier, WorkingDirectory = Directory.GetCurrentDirectory() };
        try { return StartupSimulator.Simulate(request, dlopen: true); }
        catch (BinaryFormatException e)
        {
            // dlopen's words for a file that is not a loadable ELF object (elf/dl-load.c open_verify).
            return new WhyReport { Path = realPath, Starts = false, LoaderOutput = [$"{realPath}: invalid ELF header"], Explanation = [e.Describe()] };
        }
    }

    /// <summary>realpath(3): the absolute path with every symbolic link resolved; null when a component is missing.</summary>
    public static string? RealPath(string name)
    {
        if (name.Length == 0) return null;
        string path = Path.GetFullPath(name);
        for (int hops = 0; hops < 40; hops++)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            string current = "/";
            bool restarted = false;
            for (int i = 0; i < parts.Length; i++)
            {
                string next = current == "/" ? "/" + parts[i] : current + "/" + parts[i];
                FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (info.LinkTarget is { } target)
                {
                    string resolved = target.StartsWith('/') ? target : Path.Combine(current, target);
                    string rest = string.Join('/', parts.Skip(i + 1));
                    path = Path.GetFullPath(rest.Length > 0 ? resolved + "/" + rest : resolved);
                    restarted = true;
                    break;
                }
                if (!info.Exists) return null;
                if (i < parts.Length - 1 && info is not DirectoryInfo) return null;
                current = next;
            }
            if (!restarted) return current;
        }
        return null;
    }

    private static (ulong, ulong)? FileId(string path)
    {
        // Hard links share an inode: glibc's dlopen returns the object already loaded (elf/dl-load.c _dl_map_object_from_fd).
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) return null;
            return InodeOf(path);
        }
        catch (IOException) { return null; }
    }

    private static (ulong, ulong)? InodeOf(string path)
    {
        var id = GoFileStat.Identity(path);
        return id;
    }

    /// <summary>PKG → 8 hash bytes for every <c>go[.:]link.pkghash.PKG</c> the object exports (host and plugins both export them).</summary>
    private static Dictionary<string, byte[]> ReadHashes(GoBinary bin)
    {
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (bin.Elf is not { } elf || elf.DynamicSymbols is not { } syms) return result;
        var bytesSyms = new Dictionary<string, ElfSymbol>(StringComparer.Ordinal);
        var hashSyms = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < syms.Count; i++)
        {
            var s = syms[i];
            if (!s.IsDefined) continue;
            string n = syms.GetName(s);
            if (n.Length < 16 || !(n.StartsWith("go.link.", StringComparison.Ordinal) || n.StartsWith("go:link.", StringComparison.Ordinal))) continue;
            string rest = n[8..];
            if (rest.StartsWith("pkghashbytes.", StringComparison.Ordinal)) bytesSyms[rest[13..]] = s;
            else if (rest.StartsWith("pkghash.", StringComparison.Ordinal)) hashSyms.Add(rest[8..]);
        }
        foreach (var pkg in hashSyms)
        {
            if (!bytesSyms.TryGetValue(pkg, out var b)) continue;
            if (bin.Executable.TryRead(b.Value, 8, out var bytes)) result[pkg] = bytes.ToArray();
        }
        return result;
    }

    /// <summary>
    /// The plugin's <c>pkghashes</c> order (= the linker's library order): its relocations against
    /// <c>go[.:]link.pkghash.PKG</c> (the runtimehash pointers), sorted by offset. Survives stripping.
    /// </summary>
    private static List<string> PkgHashOrder(GoBinary bin)
    {
        var list = new List<(ulong Offset, string Pkg)>();
        if (bin.Elf is not { } elf || elf.DynamicSymbols is not { } syms) return [];
        foreach (var rel in elf.Relocations)
        {
            if (rel.SymbolIndex == 0 || rel.SymbolIndex >= syms.Count) continue;
            string n = syms.GetName(syms[(int)rel.SymbolIndex]);
            if (n.StartsWith("go.link.pkghash.", StringComparison.Ordinal) || n.StartsWith("go:link.pkghash.", StringComparison.Ordinal))
                list.Add((rel.Offset, n[16..]));
        }
        return [.. list.OrderBy(x => x.Offset).Select(x => x.Pkg)];
    }

    /// <summary>Why a package's hash differs, from what both binaries show: toolchain, module version or replacement, build settings, files, compiler flags, paths.</summary>
    private static List<string> Reasons(string pkg, GoBinary plugin, GoBinary other, bool otherIsHost)
    {
        var reasons = new List<string>();
        string who = otherIsHost ? "host" : "earlier plugin";
        string? pv = plugin.BuildInfo.Info?.GoVersion ?? plugin.RecoveredVersion?.Version;
        string? ov = other.BuildInfo.Info?.GoVersion ?? other.RecoveredVersion?.Version;
        if (pv is not null && ov is not null && pv != ov) reasons.Add($"another toolchain: {who} {ov}, plugin {pv}");
        var pi = plugin.BuildInfo.Info;
        var oi = other.BuildInfo.Info;
        if (pi is not null && oi is not null)
        {
            var pm = pi.ModuleOf(pkg);
            var om = oi.ModuleOf(pkg);
            if (pm is not null && om is not null && Describe(pm) != Describe(om)) reasons.Add($"module {om.Path}: {who} {Describe(om)}, plugin {Describe(pm)}");
            foreach (var key in new[] { "-tags", "-gcflags", "-trimpath", "-asmflags", "GOAMD64", "GOARM", "GO386", "CGO_ENABLED", "-race", "-msan", "-asan", "GOEXPERIMENT" })
            {
                string? a = oi.Setting(key), b = pi.Setting(key);
                if (a != b) reasons.Add($"build setting {key}: {who} {a ?? "(unset)"}, plugin {b ?? "(unset)"}");
            }
        }
        else if (pi is null && oi is not null && pkg != "main")
        {
            // A go1.19 plugin has no build info: say what the host's says, for the user to compare with the plugin's build.
            if (oi.ModuleOf(pkg) is { } om && om.Path != oi.Main?.Path) reasons.Add($"the {who} uses {om.Path} {Describe(om)} (the plugin has no build info to compare: go1.19 does not write it for plugins)");
            foreach (var key in new[] { "-tags", "-gcflags", "-trimpath" })
                if (oi.Setting(key) is { } v) reasons.Add($"the {who} was built with {key}={v}");
        }
        // Compiler flags, from the DWARF producer of the package's unit (Go records -N, -l, -race …). Plugins (and
        // code that may be linked into one) are always compiled with -shared -dynlink: those two say nothing.
        string? pp = Flags(Producer(plugin, pkg)), op = Flags(Producer(other, pkg));
        bool flagsDiffer = pp is not null && op is not null && pp != op;
        if (flagsDiffer) reasons.Add($"compiler flags (-gcflags): {who} \"{(op!.Length == 0 ? "(none)" : op)}\", plugin \"{(pp!.Length == 0 ? "(none)" : pp)}\"");
        // Source files of the package, from the pclntab of each (the file of each function's entry). Other flags
        // (inlining) change which functions exist, so files are compared only when the flags agree.
        var pf = OwnFiles(Files(plugin, pkg), pkg);
        var of = OwnFiles(Files(other, pkg), pkg);
        if (!flagsDiffer && pf is { Count: > 0 } && of is { Count: > 0 })
        {
            if (pf.Any(f => f.StartsWith('/')) != of.Any(f => f.StartsWith('/')))
                reasons.Add($"-trimpath differs: {who} files {Sample(of)}, plugin files {Sample(pf)}");
            else
            {
                var pd = pf.Select(Dir).ToHashSet();
                var od = of.Select(Dir).ToHashSet();
                var pn = pf.Select(Path.GetFileName).ToHashSet();
                var on = of.Select(Path.GetFileName).ToHashSet();
                if (!pd.SetEquals(od)) reasons.Add($"compiled from another directory: {who} {string.Join(", ", od)}, plugin {string.Join(", ", pd)}{VersionHint(od, pd)}");
                else if (!pn.SetEquals(on)) reasons.Add($"other files compiled (build tags or constraints?): {who} {string.Join(" ", on.Order())}, plugin {string.Join(" ", pn.Order())}");
            }
        }
        if (reasons.Count == 0)
            reasons.Add("same toolchain, directory, files and compiler flags as far as the binaries show: the source of the package, or the export data of a package it imports, changed between the builds");
        return reasons;
    }

    private static string Describe(GoModule m) => m.Replace is { } r ? $"{m.Version} => {r.Path} {r.Version}".TrimEnd() : m.Version;

    private static string VersionHint(HashSet<string> a, HashSet<string> b)
    {
        static string? Ver(string d) { int at = d.LastIndexOf('@'); return at < 0 ? null : d[(at + 1)..].Split('/')[0]; }
        var va = a.Select(Ver).OfType<string>().FirstOrDefault();
        var vb = b.Select(Ver).OfType<string>().FirstOrDefault();
        return va is not null && vb is not null && va != vb ? $" (module version {va} vs {vb})" : va is null != (vb is null) ? " (a module version against a replace directive)" : "";
    }

    private static string Dir(string f) { int s = f.LastIndexOf('/'); return s < 0 ? "." : f[..s]; }
    private static string Sample(IReadOnlyCollection<string> files) => files.FirstOrDefault() ?? "";

    private static IReadOnlyCollection<string>? Files(GoBinary bin, string pkg)
    {
        try { return bin.Pclntab?.FilesByPackage().TryGetValue(pkg, out var set) == true ? set : []; }
        catch (BinaryFormatException) { return null; }
    }

    /// <summary>The flags part of a Go producer (<c>Go cmd/compile go1.19.8; -l -shared -dynlink regabi</c>), without -shared and -dynlink.</summary>
    private static string? Flags(string? producer)
    {
        if (producer is null) return null;
        int semi = producer.IndexOf(';');
        var flags = semi < 0 ? [] : producer[(semi + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', flags.Where(f => f is not ("-shared" or "-dynlink")));
    }

    /// <summary>The files that live in the package's own directory (linknamed functions of other packages left out).</summary>
    private static IReadOnlyCollection<string>? OwnFiles(IReadOnlyCollection<string>? files, string pkg)
    {
        if (files is null) return null;
        var own = files.Where(f =>
        {
            string d = Dir(f);
            int at = d.IndexOf('@');
            if (at >= 0) { int slash = d.IndexOf('/', at); d = d[..at] + (slash < 0 ? "" : d[slash..]); }
            return d == pkg || d.EndsWith("/" + pkg, StringComparison.Ordinal);
        }).ToList();
        return own.Count > 0 ? own : files;
    }

    private static string? Producer(GoBinary bin, string pkg)
    {
        try
        {
            foreach (var u in bin.Dwarf?.Units() ?? [])
                if (u.IsGo && u.Name == pkg) return u.Producer;
        }
        catch (BinaryFormatException) { }
        return null;
    }
}

/// <summary>The facts <see cref="GoPluginCheck"/> shares with <see cref="GoAnalyzer"/>.</summary>
internal static class GoAnalyzerFacts
{
    public static Reports.GoFact Plugin(GoBinary bin) => GoAnalyzer.Plugin(bin);

    public static bool IsPlugin(GoBinary bin) => bin.Object.Kind == Formats.ObjectKind.SharedLibrary
        && (GoAnalyzer.PluginPath(bin) is { Length: > 0 } || bin.DynamicExports.Any(n => n.StartsWith("go.link.pkghash.", StringComparison.Ordinal) || n.StartsWith("go:link.pkghash.", StringComparison.Ordinal)));
}
