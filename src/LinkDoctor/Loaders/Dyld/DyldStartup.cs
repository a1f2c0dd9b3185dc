using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.IO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Loaders.Dyld;

/// <summary>
/// dyld's start (or dlopen) after the images are found: the first error halts the process
/// (<c>RuntimeState::halt</c>: "dyld[PID]: " + the message, then SIGABRT, exit status 134), or becomes dlerror()
/// ("dlopen(PATH, 0x0002): " + the message, dyld-1378 <c>APIs::dlopen_from</c>); then every image's binds are resolved
/// (<c>Loader::resolveSymbol</c>): by library ordinal in the two-level namespace, in every image for a flat lookup;
/// a weak import may be missing, a missing lazy bind fails at its first call.
/// </summary>
internal static class DyldStartup
{
    /// <summary>RTLD_NOW, as dlopen's mode (the %04X of the message).</summary>
    private const string RtldNow = "0x0002";

    public static WhyReport Simulate(LoadRequest request, LoadGraph g, bool dlopen)
    {
        var b = new WhyBuilder(request.Argv0, "dyld").Assume(g.Assumptions);
        var loader = DyldLoader.Of(g);
        LoaderMessage? first = g.Errors.Count > 0 ? g.Errors[0] : null;
        if (first is not null) DyldFixes.MissingLibraries(request, g, b);
        else
        {
            foreach (var u in Bind(g, loader, b))
            {
                first = u.Message;
                DyldFixes.MissingSymbol(request, g, u, b);
                break;
            }
        }
        if (first is null) return b.Start();
        if (dlopen)
        {
            b.Say(LoaderMessage.From(DyldMessages.Dlopen, request.Argv0, RtldNow, first.Text) with { Id = DyldMessages.Dlopen.Id });
            return b.Fail(null);
        }
        b.Say(DyldMessages.Halt(first));
        b.Explain("dyld stops at the first error and aborts the process (SIGABRT: the shell says \"Abort trap: 6\", exit status 134)");
        return b.Fail(134);
    }

    internal sealed record Unresolved(LoadedObject Referencer, string Symbol, LoadedObject? Expected, LoaderMessage Message);

    /// <summary>Every bind of every image, in load order; yields the fatal ones, notes the lazy ones as "later".</summary>
    private static IEnumerable<Unresolved> Bind(LoadGraph g, DyldLoader loader, WhyBuilder b)
    {
        var exports = new Dictionary<MachOFile, Dictionary<string, MachOExport?>>();
        foreach (var obj in g.Objects.ToList())
        {
            if (obj.File is not MachOFile mf) continue;
            var deps = loader.Dependents.GetValueOrDefault(obj) ?? [];
            bool twoLevel = (mf.Header.Flags & MH_TWOLEVEL) != 0;
            var seen = new HashSet<(string, int)>();
            foreach (var (name, ordinalRaw, weak, lazy) in Binds(mf))
            {
                int ordinal = twoLevel ? ordinalRaw : BIND_SPECIAL_DYLIB_FLAT_LOOKUP;
                if (ordinal == BIND_SPECIAL_DYLIB_WEAK_LOOKUP || !seen.Add((name, ordinal))) continue;
                LoadedObject? target = null;
                bool found;
                if (ordinal == BIND_SPECIAL_DYLIB_FLAT_LOOKUP)
                {
                    found = g.Objects.Any(o => o.Found && HasExport(o, name, loader, exports, []));
                    if (found || weak) continue;
                    if (lazy) { b.Later($"{name} (flat lookup from {Shown(obj)}): no loaded image exports it; the first call aborts (dyld binds it to __dyld_missing_symbol_abort)"); continue; }
                    var fm = LoaderMessage.From(DyldMessages.FlatSymbolNotFound, name);
                    string text = fm.Text + $"\n  Referenced from: <{DyldLoader.Uuid(obj)}> {obj.Path}\n  Expected in:     <no uuid> unknown";
                    yield return new Unresolved(obj, name, null, fm with { Text = text });
                    continue;
                }
                target = ordinal switch
                {
                    BIND_SPECIAL_DYLIB_SELF => obj,
                    BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE => g.Main,
                    > 0 when ordinal <= deps.Length => deps[ordinal - 1],
                    _ => null,
                };
                found = target is not null && HasExport(target, name, loader, exports, []);
                if (found || weak) continue;
                if (lazy) { b.Later($"{name} from {(target is null ? "a missing weak dylib" : target.Path)} (needed by {Shown(obj)}): not exported; the first call aborts (dyld binds it to __dyld_missing_symbol_abort)"); continue; }
                var m = LoaderMessage.From(DyldMessages.SymbolNotFound, name, DyldLoader.Uuid(obj), obj.Path, target is null ? "no uuid" : DyldLoader.Uuid(target), target?.Path ?? "unknown");
                yield return new Unresolved(obj, name, target, m);
            }
        }
    }

    private static string Shown(LoadedObject o) => o.IsMain ? o.Name : o.Path;

    /// <summary>
    /// The image's binds: chained-fixups imports and bind opcodes (weak-bind entries coalesce weak definitions and are
    /// not imports), else the undefined symbols of the symbol table with the ordinal of their n_desc.
    /// </summary>
    private static IEnumerable<(string Name, int Ordinal, bool Weak, bool Lazy)> Binds(MachOFile mf)
    {
        bool any = false;
        foreach (var bind in mf.Bindings)
        {
            if (bind.Table == MachOBindTable.WeakBind) continue;
            any = true;
            yield return (bind.Name, bind.LibraryOrdinal, bind.WeakImport, bind.Table == MachOBindTable.LazyBind);
        }
        if (any || mf.ChainedFixups is not null || mf.DyldInfo is not null) yield break;
        foreach (var s in mf.Symbols)
        {
            if (!s.IsUndefined || !s.IsExternal) continue;
            int ordinal = s.LibraryOrdinal switch { 0xfe => BIND_SPECIAL_DYLIB_FLAT_LOOKUP, 0xff => BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE, var o => o };
            yield return (s.Name, ordinal, (s.Desc & N_WEAK_REF) != 0, false);
        }
    }

    /// <summary>
    /// Loader::hasExportedSymbol with staticLink: the image's export trie (following a re-export entry to its dylib),
    /// then every LC_REEXPORT_DYLIB's exports. An image from the shared cache is taken to export it.
    /// </summary>
    internal static bool HasExport(LoadedObject o, string name, DyldLoader loader, Dictionary<MachOFile, Dictionary<string, MachOExport?>> cache, HashSet<LoadedObject> visited)
    {
        if (!visited.Add(o)) return false;
        if (o.File is SystemImage) return true;
        if (o.File is not MachOFile mf) return false;
        if (!cache.TryGetValue(mf, out var table))
        {
            table = new Dictionary<string, MachOExport?>(StringComparer.Ordinal);
            if (mf.ExportsTrie is not null || mf.DyldInfo is { ExportSize: > 0 })
                foreach (var e in mf.TrieExports) table.TryAdd(e.Name, e);
            else
                foreach (var e in mf.Exports) table.TryAdd(e.Name, null);
            cache[mf] = table;
        }
        var deps = loader.Dependents.GetValueOrDefault(o) ?? [];
        if (table.TryGetValue(name, out var export))
        {
            if (export is not { IsReexport: true } re) return true;
            int i = re.LibraryOrdinal - 1;
            return i >= 0 && i < deps.Length && deps[i] is { } from && HasExport(from, string.IsNullOrEmpty(re.ImportName) ? name : re.ImportName, loader, cache, visited);
        }
        for (int i = 0; i < mf.Dylibs.Count && i < deps.Length; i++)
            if (mf.Dylibs[i].Kind == DependencyKind.Reexport && deps[i] is { } r && HasExport(r, name, loader, cache, visited)) return true;
        return false;
    }
}

/// <summary>What to do about dyld's failures: where the missing dylib is, and the install_name_tool edit or copy that makes dyld find it.</summary>
internal static class DyldFixes
{
    public static void MissingLibraries(LoadRequest request, LoadGraph g, WhyBuilder b)
    {
        var missing = g.Objects.SelectMany(o => o.Needed).Select(n => n.Target).Where(t => !t.Found && t.ErrorMessage is not null).Distinct().ToList();
        foreach (var m in missing)
        {
            var referencer = m.Loader ?? g.Main;
            string who = referencer.IsMain ? request.Argv0 : referencer.Path;
            var incompatible = m.Tried.Where(c => c.Outcome == CandidateOutcome.Incompatible).ToList();
            foreach (var c in incompatible)
                b.Explain($"{c.Path} exists but dyld cannot use it: {c.Detail}");
            if (incompatible.Count > 0 && incompatible.Any(c => c.Detail?.Contains("architecture") == true))
                b.Fix($"get {LeafName(m.Name)} built for {g.Main.File!.Machine} (or a universal build with that slice: lipo -create A B -output {LeafName(m.Name)}), or run the program as the library's architecture (arch -x86_64 under Rosetta)", [m.Name]);
            if (m.Name.StartsWith("@rpath/", StringComparison.Ordinal) && m.Tried.Count == 0)
                b.Explain($"{m.Name} is searched through LC_RPATH, but neither {who} nor the images that loaded it have an LC_RPATH");
            else
                b.Explain($"{m.Name} (needed by {who}) was not found; dyld tried {(m.Tried.Count == 0 ? "nothing" : string.Join(", ", m.Tried.Select(c => c.Path)))}");
            if (DyldSharedCache.FindAnyRelease(m.Name) is { Until: { } until } gone && DyldLoader.Of(g).MacOs >= until)
                b.Explain($"{m.Name} was removed from macOS in {until.ToString(2)}");
            string? dir = FindCopy(request, g, m);
            string hostReferencer = HostPath(request, g, referencer);
            string leaf = LeafName(m.Name);
            if (dir is not null)
            {
                string rel = RelativeDir(referencer.Path, dir);
                string hostDir = request.Root.IsHost ? dir : request.Root.Resolve(dir).HostPath;
                if (m.Name.StartsWith("@rpath/", StringComparison.Ordinal))
                {
                    string rpath = "@loader_path" + rel;
                    b.Fix($"{leaf} is in {dir}, which is not on {who}'s LC_RPATH: install_name_tool -add_rpath {rpath} {who} (then re-sign: codesign -f -s - {who}), or run with DYLD_LIBRARY_PATH={dir}", [m.Name],
                        RemedyAction.Run("install_name_tool", "-add_rpath", rpath, hostReferencer), RemedyAction.Env("DYLD_LIBRARY_PATH", hostDir));
                }
                else
                {
                    string newName = "@loader_path" + rel + "/" + leaf;
                    b.Fix($"{leaf} is in {dir}: point {who} at it with install_name_tool -change {m.Name} {newName} {who} (then re-sign: codesign -f -s - {who}), or run with DYLD_LIBRARY_PATH={dir}", [m.Name],
                        RemedyAction.Run("install_name_tool", "-change", m.Name, newName, hostReferencer), RemedyAction.Env("DYLD_LIBRARY_PATH", hostDir));
                }
                continue;
            }
            // Nowhere: say where dyld looks first.
            var firstTry = m.Tried.FirstOrDefault(c => c.Outcome == CandidateOutcome.Missing);
            if (firstTry is not null)
                b.Fix($"copy {leaf} (built for {g.Main.File!.Machine}) to {firstTry.Path}, the first place dyld looks ({firstTry.Source.Describe(firstTry.Owner)})", [m.Name]);
            else if (m.Name.StartsWith("@rpath/", StringComparison.Ordinal))
                b.Fix($"ship {leaf} next to {who} and add an LC_RPATH: install_name_tool -add_rpath @loader_path {who}", [m.Name],
                    RemedyAction.Run("install_name_tool", "-add_rpath", "@loader_path", hostReferencer));
        }
    }

    public static void MissingSymbol(LoadRequest request, LoadGraph g, DyldStartup.Unresolved u, WhyBuilder b)
    {
        string who = u.Referencer.IsMain ? request.Argv0 : u.Referencer.Path;
        if (u.Expected is null)
        {
            b.Explain($"{who} looks {u.Symbol} up in every loaded image (flat namespace), and none exports it");
            b.Fix($"link {who} against the library that defines {u.Symbol} (or load it first)");
            return;
        }
        b.Explain($"{u.Expected.Path} was found but does not export {u.Symbol}, which {who} was linked against: it is another version of the library than the one at link time");
        if (u.Referencer.File is MachOFile mf && mf.Dylibs.FirstOrDefault(d => d.Name == u.Expected.Name || u.Expected.Names.Contains(d.Name)) is { Name: not null } d && u.Expected.File is MachOFile lib && lib.IdDylib is { } id)
            b.Explain($"{who} was linked against compatibility version {FormatDylibVersion(d.CompatibilityVersion)}; {u.Expected.Path} has current version {FormatDylibVersion(id.CurrentVersion)}");
        b.Fix($"ship the {LeafName(u.Expected.Name)} {who} was built against (one that exports {u.Symbol}), or rebuild {who} against the one installed; mark the symbol weak (-weak_framework / __attribute__((weak_import))) if it may be absent", [u.Symbol]);
    }

    private static string LeafName(string p) => p[(p.LastIndexOf('/') + 1)..];

    /// <summary>"/../lib" style: the directory <paramref name="dir"/> relative to the image's directory, as an @loader_path suffix ("" for the same).</summary>
    private static string RelativeDir(string imagePath, string dir)
    {
        string from = imagePath[..Math.Max(imagePath.LastIndexOf('/'), 0)];
        string rel = Path.GetRelativePath(from.Length == 0 ? "/" : from, dir);
        return rel == "." ? "" : "/" + rel;
    }

    private static string HostPath(LoadRequest request, LoadGraph g, LoadedObject o)
    {
        if (o.IsMain) return Path.GetFullPath(request.Program);
        return request.Root.Resolve(o.RealPath ?? o.Path) is { Exists: true } r ? r.HostPath : o.Path;
    }

    /// <summary>
    /// A directory (inside the root) holding a file named like the missing dylib that has a slice for the process's
    /// architecture: next to the program and the loaded images first, then anywhere in a --root (bounded walk).
    /// </summary>
    private static string? FindCopy(LoadRequest request, LoadGraph g, LoadedObject m)
    {
        string leaf = LeafName(m.Name);
        var main = (MachOFile)g.Main.File!;
        var dirs = new List<string>();
        foreach (var o in g.Objects.Where(o => o.Found && o.File is MachOFile))
        {
            string d = o.Path[..Math.Max(o.Path.LastIndexOf('/'), 0)];
            foreach (var c in new[] { d, d + "/lib", d + "/../lib", d + "/../Frameworks", d + "/Frameworks" }) dirs.Add(Path.GetFullPath(c.Length == 0 ? "/" : c));
        }
        foreach (var d in dirs.Distinct())
            if (Fits(request, d + "/" + leaf, main)) return d;
        if (request.Root.IsHost) return null;
        int budget = 20000;
        var stack = new Stack<string>([request.Root.Root]);
        string prefix = request.Root.Root.TrimEnd('/');
        while (stack.Count > 0 && budget > 0)
        {
            string dir = stack.Pop();
            IEnumerable<string> entries;
            try { entries = Directory.EnumerateFileSystemEntries(dir).ToList(); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            foreach (var e in entries)
            {
                if (--budget <= 0) break;
                var info = new FileInfo(e);
                if (info.LinkTarget is null && Directory.Exists(e)) { stack.Push(e); continue; }
                if (Path.GetFileName(e) != leaf) continue;
                string inRoot = e[prefix.Length..];
                string d = inRoot[..Math.Max(inRoot.LastIndexOf('/'), 0)];
                if (Fits(request, inRoot, main)) return d.Length == 0 ? "/" : d;
            }
        }
        return null;
    }

    private static bool Fits(LoadRequest request, string path, MachOFile main)
    {
        var r = request.Root.Resolve(path);
        if (!r.Exists || Directory.Exists(r.HostPath)) return false;
        try
        {
            using var f = BinaryFile.Open(r.HostPath);
            return f.Objects.Any(o => o is MachOFile m && m.Header.CpuType == main.Header.CpuType && m.Kind == ObjectKind.SharedLibrary);
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException) { return false; }
    }
}
