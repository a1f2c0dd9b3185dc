using LinkDoctor.Formats.Elf;
using LinkDoctor.Loaders;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>An undefined reference that no loaded object satisfies.</summary>
public sealed record UnresolvedSymbol(LoadedObject Referencer, string Name, string? Version, bool Lazy, bool IsFunction)
{
    /// <summary>
    /// glibc &lt; 2.41 asserts in check_match instead of reporting: a versioned reference met, in the very library
    /// the version was required from, a definition without version information.
    /// </summary>
    public bool AssertsInCheckMatch { get; init; }
}

/// <summary>A DT_VERNEED entry that the providing library does not define (glibc), or a library without version information.</summary>
public sealed record VersionProblem(LoadedObject Requirer, LoadedObject Provider, string? Version, bool NoVersionInformation, bool Weak);

/// <summary>
/// Binds every symbol reference of the loaded objects as the loader would, without running anything:
/// glibc <c>_dl_check_all_versions</c> (elf/dl-version.c) then <c>_dl_relocate_object</c> with
/// <c>_dl_lookup_symbol_x</c>/<c>check_match</c> (elf/dl-lookup.c); musl <c>reloc_all</c>/<c>find_sym</c>.
/// </summary>
public sealed class SymbolBinder
{
    private readonly LoadGraph _graph;
    private readonly bool _musl;
    private readonly Dictionary<LoadedObject, Dictionary<string, List<int>>> _defs = [];

    /// <param name="musl">musl's rules (no versions, everything eager, libraries before the program) instead of glibc's.</param>
    public SymbolBinder(LoadGraph graph, bool musl)
    {
        _graph = graph;
        _musl = musl;
    }

    /// <summary>
    /// The lookup scope: the main program, preloads, then dependencies in breadth-first order. For a dlopen into a
    /// host (<see cref="LoadGraph.Opened"/>), glibc's <c>l_scope</c> of each new object: the global scope (the host's
    /// link map and earlier RTLD_GLOBAL objects), then the opened object's own search list (itself and its
    /// dependencies, breadth first; elf/dl-open.c <c>dl_open_worker_begin</c>, elf/dl-object.c
    /// <c>_dl_new_object</c>); musl's symbol list: the host's objects, then the new ones (<c>add_syms</c>).
    /// </summary>
    private IEnumerable<LoadedObject> Scope => _scope ??= ComputeScope();

    private List<LoadedObject>? _scope;

    private List<LoadedObject> ComputeScope()
    {
        var all = _graph.Objects.Where(o => o.Found).ToList();
        if (_graph.Opened is not { Found: true } opened || _musl) return all;
        var scope = _graph.Objects.Take(_graph.GlobalScopeCount).Where(o => o.Found).ToList();
        var local = new List<LoadedObject> { opened };
        for (int i = 0; i < local.Count; i++)
            foreach (var (_, t) in local[i].Needed)
                if (t.Found && !local.Contains(t)) local.Add(t);
        scope.AddRange(local);
        return scope;
    }

    /// <summary>The objects whose references are bound and versions checked: all of them, or those a dlopen into a host added.</summary>
    private List<LoadedObject> Relocated =>
        (_graph.GlobalScopeCount == 0 ? _graph.Objects : _graph.Objects.Skip(_graph.GlobalScopeCount)).Where(o => o.Found).ToList();

    /// <summary>glibc elf/dl-version.c: for each object's DT_VERNEED, the providing library must define each version.</summary>
    public List<VersionProblem> CheckVersions()
    {
        var problems = new List<VersionProblem>();
        if (_musl) return problems; // musl has no symbol versioning
        foreach (var obj in Relocated)
        {
            foreach (var need in obj.Elf!.Versions.Needs)
            {
                var provider = FindNeeded(obj, need.File);
                if (provider?.Elf is null) continue;
                var defs = provider.Elf.Versions.Definitions;
                foreach (var v in need.Versions)
                {
                    // match_symbol: a provider without DT_VERDEF gets one warning per required version.
                    if (defs.Count == 0)
                    {
                        problems.Add(new VersionProblem(obj, provider, v.Name, NoVersionInformation: true, Weak: v.IsWeak));
                        continue;
                    }
                    if (defs.Any(d => d.Hash == v.Hash && d.Name == v.Name)) continue;
                    problems.Add(new VersionProblem(obj, provider, v.Name, NoVersionInformation: false, Weak: v.IsWeak));
                }
            }
        }
        return problems;
    }

    /// <summary>elf/dl-version.c <c>find_needed</c>: the object among <paramref name="obj"/>'s dependencies known by that name.</summary>
    private LoadedObject? FindNeeded(LoadedObject obj, string name)
    {
        foreach (var (_, t) in obj.Needed)
            if (t.Found && (t.Names.Contains(name) || t.Path == name || t.Elf?.Dynamic?.SoName == name)) return t;
        return Scope.FirstOrDefault(o => !o.IsMain && (o.Names.Contains(name) || o.Elf?.Dynamic?.SoName == name));
    }

    /// <summary>
    /// Every relocation's symbol looked up in the global scope, objects in the loader's relocation order
    /// (glibc: last loaded first, the main program last; musl: libraries in load order, then the program).
    /// </summary>
    public List<UnresolvedSymbol> Bind(bool bindNowEverywhere)
    {
        var result = new List<UnresolvedSymbol>();
        var objects = Relocated;
        // musl's dlopen relocates the new objects in load order (reloc_all from the opened one).
        IEnumerable<LoadedObject> order = _musl
            ? (_graph.GlobalScopeCount == 0 ? objects.Where(o => !o.IsMain).Append(_graph.Main) : objects)
            : Enumerable.Reverse(objects);
        bool musl = _musl;
        foreach (var obj in order)
        {
            var file = obj.Elf!;
            if (obj == _graph.Interpreter && !musl) continue; // ld.so relocated itself
            var syms = file.DynamicSymbols;
            if (syms is null) continue;
            bool eager = musl || bindNowEverywhere || file.Dynamic?.BindNow == true;
            // musl's reloc_all does DT_JMPREL first, then DT_REL/DT_RELA.
            IEnumerable<ElfRelocation> relocs = musl ? file.Relocations.Where(r => r.IsPlt).Concat(file.Relocations.Where(r => !r.IsPlt)) : file.Relocations;
            var seen = new HashSet<(uint, bool)>();
            foreach (var rel in relocs)
            {
                if (rel.SymbolIndex == 0 || rel.SymbolIndex >= syms.Count) continue;
                var sym = syms[(int)rel.SymbolIndex];
                if (sym.Binding == STB_LOCAL) continue;
                if (sym.IsDefined && !musl && sym.Visibility is STV_HIDDEN or STV_INTERNAL) continue;
                string name = syms.GetName(sym);
                var version = musl ? null : file.Versions.GetSymbolVersion(sym);
                bool isCopy = IsCopyRelocation(file.Header.Machine, rel.Type);
                if (!musl && version is { IsReference: true } && !(_graph.LoaderVersion >= FixedCheckMatch) && AssertsInCheckMatch(obj, name, version.Value))
                {
                    result.Add(new UnresolvedSymbol(obj, name, version?.Name, false, true) { AssertsInCheckMatch = true });
                    return result;
                }
                if (Lookup(name, version, skip: isCopy ? obj : null)) continue;
                // A weak undefined reference resolves to 0; a defined symbol the object itself provides is kept.
                if (sym.Binding == STB_WEAK && !sym.IsDefined) continue;
                if (sym.IsDefined && !isCopy) continue;
                bool lazy = rel.IsPlt && !eager;
                if (!musl && !seen.Add((rel.SymbolIndex, lazy))) continue;
                result.Add(new UnresolvedSymbol(obj, name, version?.Name, lazy, sym.Type is STT_FUNC or STT_GNU_IFUNC || rel.IsPlt));
            }
        }
        return result;
    }

    /// <summary>glibc 2.41 (bdaf500353) replaced the assertion: a definer without versym then satisfies any version.</summary>
    private static readonly Version FixedCheckMatch = new(2, 41);

    /// <summary>
    /// elf/dl-lookup.c check_match (glibc ≤ 2.40): the first object in scope defining <paramref name="name"/>
    /// has no DT_VERSYM and is the file the version was required from: <c>assert (version->filename == NULL ||
    /// ! _dl_name_match_p (version->filename, map))</c> fails.
    /// </summary>
    private bool AssertsInCheckMatch(LoadedObject obj, string name, ElfSymbolVersion version)
    {
        var need = obj.Elf!.Versions.FindNeed(version.Index);
        if (need is null) return false;
        foreach (var o in Scope)
        {
            if (!Defs(o).ContainsKey(name)) continue;
            if (o.Elf!.Versions.HasVersym) return false;
            return o.Names.Contains(need.Value.File.File) || o.Elf.Dynamic?.SoName == need.Value.File.File;
        }
        return false;
    }

    private static bool IsCopyRelocation(ushort machine, uint type) => (machine, type) switch
    {
        (EM_X86_64, 5) or (EM_386, 5) or (EM_AARCH64, 1024) or (EM_ARM, 20) or (EM_S390, 9) or (EM_PPC64, 19) or (EM_PPC, 19) or (EM_RISCV, 4) => true,
        _ => false,
    };

    /// <summary>_dl_lookup_symbol_x over the scope with check_match's version rules (musl: first definition, hidden versions skipped).</summary>
    private bool Lookup(string name, ElfSymbolVersion? version, LoadedObject? skip)
    {
        bool musl = _musl;
        foreach (var o in Scope)
        {
            if (o == skip) continue;
            if (!Defs(o).TryGetValue(name, out var indices)) continue;
            var file = o.Elf!;
            int versioned = 0;
            foreach (int idx in indices)
            {
                ushort? vs = file.Versions.GetVersym(idx);
                if (musl)
                {
                    if (vs is { } m && (m & VERSYM_HIDDEN) != 0) continue;
                    return true;
                }
                if (version is { } want)
                {
                    if (vs is null) return true;
                    ushort ndx = (ushort)(vs.Value & VERSYM_VERSION);
                    var def = file.Versions.FindDefinition(ndx);
                    bool defIsBase = ndx <= VER_NDX_GLOBAL || def is null || def.IsBase;
                    if (def is not null && !def.IsBase && def.Name == want.Name) return true;
                    // A definition without a real version satisfies a versioned reference (unless hidden).
                    if (defIsBase && (vs.Value & VERSYM_HIDDEN) == 0) return true;
                }
                else
                {
                    if (vs is null) return true;
                    ushort ndx = (ushort)(vs.Value & VERSYM_VERSION);
                    if (ndx < 3) return true;
                    if ((vs.Value & VERSYM_HIDDEN) == 0) versioned++;
                }
            }
            // An unversioned reference takes the single non-hidden versioned definition (the oldest-version rule).
            if (version is null && versioned == 1) return true;
        }
        return false;
    }

    /// <summary>Defined, exported symbols by name (glibc do_lookup_x: not LOCAL, a type it can bind, value or TLS).</summary>
    private Dictionary<string, List<int>> Defs(LoadedObject o)
    {
        if (_defs.TryGetValue(o, out var d)) return d;
        d = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var syms = o.Elf!.DynamicSymbols;
        if (syms is not null)
        {
            for (int i = 1; i < syms.Count; i++)
            {
                var s = syms[i];
                if (!s.IsDefined || s.Binding == STB_LOCAL) continue;
                if (s.Type is not (STT_NOTYPE or STT_OBJECT or STT_FUNC or STT_COMMON or STT_TLS or STT_GNU_IFUNC)) continue;
                if (s.Value == 0 && s.Type != STT_TLS && s.SectionIndex != SHN_ABS) continue;
                string n = syms.GetName(s);
                if (!d.TryGetValue(n, out var list)) d[n] = list = [];
                list.Add(i);
            }
        }
        _defs[o] = d;
        return d;
    }
}
