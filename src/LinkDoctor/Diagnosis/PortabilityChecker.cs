using System.Text.RegularExpressions;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;

namespace LinkDoctor.Diagnosis;

/// <summary>One portability check: what was checked, whether it passed, and why (with the symbols, and libraries, responsible).</summary>
public sealed record CheckItem(string Check, bool Ok, string Detail, IReadOnlyList<string>? Symbols = null)
{
    /// <summary>The libraries a <c>libraries</c> check found not allowed; null elsewhere.</summary>
    public IReadOnlyList<string>? Libraries { get; init; }
}

/// <summary><c>check</c>'s verdict for one file against one target.</summary>
public sealed record CheckReport
{
    public required string Path { get; init; }
    public string? Target { get; init; }
    public bool Ok { get; init; }
    public IReadOnlyList<CheckItem> Checks { get; init; } = [];
    public string? Error { get; init; }
}

/// <summary>
/// Will FILE load on TARGET? Against a built-in target (<see cref="TargetCatalog"/>): machine, C library, interpreter, then
/// for a distribution release the highest GLIBC_/GLIBCXX_/CXXABI_/GCC_ version needed (with the symbols that need more than
/// the target has), and for a manylinux/musllinux policy the rules auditwheel applies to one ELF file of a wheel
/// (<see cref="CheckPolicy"/>). Against a root: the same, decided by simulating the loader in that root.
/// </summary>
public static partial class PortabilityChecker
{
    public static readonly string[] Families = ["GLIBC", "GLIBCXX", "CXXABI", "GCC"];

    public static CheckReport Check(string path, TargetSystem target)
    {
        using var image = BinaryImage.Open(path);
        var elf = ElfFile.Open(image);
        var checks = new List<CheckItem>();
        string machine = ElfNative.MachineName(elf.Header.Machine, elf.Header.Class, elf.IsBigEndian);
        checks.Add(new("machine", target.Architectures.Contains(machine),
            target.Architectures.Contains(machine) ? $"{machine} is supported" : $"{machine} is not among {target.Name}'s architectures ({string.Join(", ", target.Architectures)})"));

        var libc = LibcFlavour.Detect(elf, isGo: false);
        bool isStatic = elf.Dynamic is null;
        if (isStatic)
            checks.Add(new("libc", true, "statically linked: no C library or loader needed at run time"));
        else if (libc.Flavour is LibcFlavour.Glibc or LibcFlavour.Musl)
            checks.Add(new("libc", libc.Flavour == target.Libc, libc.Flavour == target.Libc
                ? $"built for {libc.Flavour}, the target's C library"
                : $"built for {libc.Flavour}, but {target.Name} uses {target.Libc}{(libc.Flavour == LibcFlavour.Glibc ? " (Alpine: rebuild there, link statically, or apk add gcompat)" : "")}"));
        if (elf.Interpreter is { } interp)
        {
            var ok = target.InterpretersFor(machine);
            checks.Add(new("interpreter", ok.Contains(interp), ok.Contains(interp) ? $"{interp} is provided" : $"{interp} is not provided (the target has {(ok.Count == 0 ? "none for " + machine : string.Join(", ", ok))})"));
        }
        if (target.IsPolicy)
            CheckPolicy(elf, path, machine, target, checks);
        else
            CheckDistributionVersions(elf, machine, target, checks);
        return new CheckReport { Path = path, Target = target.Id, Ok = checks.All(c => c.Ok), Checks = checks };
    }

    /// <summary>A distribution release: the highest version of each family needed against the release's own.</summary>
    private static void CheckDistributionVersions(ElfFile elf, string machine, TargetSystem target, List<CheckItem> checks)
    {
        foreach (var need in VersionRequirements.ByFamily(elf).Where(f => Families.Contains(f.Family)).OrderBy(f => Array.IndexOf(Families, f.Family)))
        {
            string? max = target.MaxVersion(machine, need.Family);
            if (max is null) continue;
            var tooNew = need.Versions.Where(v => VersionRequirements.Compare(v.Numbers, Parse(max)) > 0).ToList();
            string highest = need.Versions.OrderBy(v => v.Numbers, Comparer<int[]>.Create(VersionRequirements.Compare)).Last().Name;
            if (tooNew.Count == 0)
                checks.Add(new($"{need.Family} version", true, $"needs up to {highest}; {target.Name} provides {need.Family}_{max}"));
            else
                checks.Add(new($"{need.Family} version", false, $"needs {highest}, but {target.Name} provides at most {need.Family}_{max}",
                    [.. tooNew.SelectMany(v => v.Symbols.Select(s => $"{s}@{v.Name}")).DefaultIfEmpty($"(version table only: {string.Join(", ", tooNew.Select(v => v.Name))})")]));
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // manylinux / musllinux: auditwheel's rules for one ELF file (pypa/auditwheel 86154d1, = 6.8.1+3)
    // ------------------------------------------------------------------------------------------------------------

    // elftools.elf.constants.E_FLAGS, as lddtree.py uses them (the ARM ELF ABI's e_flags).
    private const uint EF_ARM_EABIMASK = 0xFF000000, EF_ARM_EABI_VER5 = 0x05000000, EF_ARM_ABI_FLOAT_HARD = 0x00000400;

    /// <summary>Version prefixes in report order; others follow in ordinal order.</summary>
    private static readonly string[] PolicyPrefixes = ["GLIBC", "GLIBCXX", "CXXABI", "GCC", "LIBATOMIC", "ZLIB"];

    /// <summary>
    /// The ELF interpreter, which auditwheel never counts as a dependency to bundle: policy/__init__.py filter_libs
    /// (<c>"ld-linux" in lib or lib in ["ld64.so.2", "ld64.so.1"]</c>).
    /// </summary>
    public static bool IsInterpreterDependency(string soname) => soname.Contains("ld-linux", StringComparison.Ordinal) || soname is "ld64.so.2" or "ld64.so.1";

    /// <summary>elfutils.py elf_find_versioned_symbols skips the version needs of <c>verneed.name.startswith("ld-linux")</c>, ld64.so.2 and ld64.so.1.</summary>
    private static bool IsInterpreterVerneed(string file) => file.StartsWith("ld-linux", StringComparison.Ordinal) || file is "ld64.so.2" or "ld64.so.1";

    /// <summary>lddtree.py LIBPYTHON_RE (the unescaped '.' before "so" is auditwheel's).</summary>
    [GeneratedRegex(@"^libpython\d+\.\d+m?.so(\.\d)*$")]
    private static partial Regex LibPythonRegex();

    /// <summary>The prefix auditwheel files a version name under: policy/__init__.py versioned_symbols_policy, <c>symbol.partition("_")[0]</c>.</summary>
    public static string VersionPrefix(string versionName)
    {
        int us = versionName.IndexOf('_');
        return us < 0 ? versionName : versionName[..us];
    }

    /// <summary>
    /// What auditwheel 6.8 decides for one ELF file of a wheel against a manylinux/musllinux policy, without repair (as
    /// <c>auditwheel show</c>, and <c>repair --plat</c>'s refusals):
    /// <list type="bullet">
    /// <item>ISA (wheel_abi.py _get_machine_policy, lddtree.py _get_platform): on x86_64 a GNU_PROPERTY_X86_ISA_1_NEEDED above the
    /// baseline (x86-64-v2/v3/v4) fails every policy ("depends on unsupported ISA extensions").</item>
    /// <item>libraries (policy/__init__.py lddtree_external_references): each DT_NEEDED is allowed when it is the ELF interpreter
    /// (<see cref="IsInterpreterDependency"/>), in the policy's lib_whitelist (musl's libc as libc.musl-ARCH.so.1), or resolves
    /// inside the wheel (is_subdir(realpath, wheel_path); here: through the file's own $ORIGIN RPATH/RUNPATH). Anything else,
    /// libpython included, is an external library: the policy fails (ref_policy) until repair grafts or removes it.</item>
    /// <item>symbol versions (elfutils.py elf_find_versioned_symbols, policy/__init__.py versioned_symbols_policy): every version
    /// name of the verneed table, except those needed from the interpreter, is filed under its prefix (the text before the
    /// first '_': GLIBC_PRIVATE is GLIBC, GLIBCXX_LDBL_3.4 is GLIBCXX). For each prefix the policy lists, every needed name must
    /// be in the list (a set, not a range); prefixes the policy does not list are not checked. auditwheel keeps the
    /// highest-priority policy that holds, so the file passes when the target or any stricter policy holds.</item>
    /// <item>blacklist (elfutils.py filter_undefined_symbols, wheel_abi.py blacklist_policy): for each blacklisted library the
    /// file NEEDs, an undefined, non-weak dynamic symbol of a blacklisted name (whatever its version, whatever library it binds
    /// to) fails the policy; again the target or any stricter policy must hold.</item>
    /// <item>Python extensions (elfutils.py elf_is_python_extension, elf_references_pyfpe_jbuf, elf_find_ucs2_symbols): an
    /// extension module must not reference PyFPE_jbuf/PyFPE_dummy/PyFPE_counter, nor (Python 2) PyUnicodeUCS2_* functions.</item>
    /// </list>
    /// </summary>
    private static void CheckPolicy(ElfFile elf, string path, string machine, TargetSystem target, List<CheckItem> checks)
    {
        if (!target.Architectures.Contains(machine)) return;   // the machine check has failed; the policy has no lists for it
        // The target and the auditwheel policies of higher priority that cover this machine (WheelPolicies keeps only those).
        var ladder = new List<TargetSystem> { target };
        ladder.AddRange(target.StricterPolicies.Where(p => p.Architectures.Contains(machine)));

        if (machine == "arm")
        {
            // lddtree.py _get_platform: a 32-bit ARM file counts as armv7l only with EABI version 5 and the hard-float ABI;
            // otherwise auditwheel ignores it as of an unknown architecture.
            uint flags = elf.Header.Flags;
            if ((flags & EF_ARM_EABIMASK) != EF_ARM_EABI_VER5)
                checks.Add(new("arm ABI", false, $"e_flags 0x{flags:x}: not EABI version 5 (auditwheel: \"Invalid ARM EABI version for armv7l\")"));
            else if ((flags & EF_ARM_ABI_FLOAT_HARD) == 0)
                checks.Add(new("arm ABI", false, $"e_flags 0x{flags:x}: soft-float ABI (auditwheel: \"armv7l shall use hard-float\")"));
            else
                checks.Add(new("arm ABI", true, "EABI version 5, hard-float ABI (armv7l)"));
        }
        if (machine == "x86_64" && X86IsaNeeded(elf) is { } isa)
        {
            uint bits = isa & ~1u;   // lddtree.py: data -= data & 1 (the baseline bit)
            string? level = (bits & 8) != 0 ? "x86-64-v4" : (bits & 4) != 0 ? "x86-64-v3" : (bits & 2) != 0 ? "x86-64-v2" : null;
            if (level is not null)
                checks.Add(new("isa", false, $"needs {level} (GNU_PROPERTY_X86_ISA_1_NEEDED 0x{isa:x}); {target.Id} allows the x86-64 baseline only (auditwheel: \"depends on unsupported ISA extensions\"; repair --disable-isa-ext-check skips this)"));
            else if (bits != 0)
                checks.Add(new("isa", false, $"GNU_PROPERTY_X86_ISA_1_NEEDED 0x{isa:x} names no x86-64 level auditwheel knows (it stops with \"unknown x86_64 ISA\")"));
            else
                checks.Add(new("isa", true, "needs the x86-64 baseline only (GNU_PROPERTY_X86_ISA_1_NEEDED)"));
        }

        var needed = elf.Dynamic?.Needed ?? [];
        CheckPolicyLibraries(elf, path, machine, target, needed, checks);
        CheckPolicyVersions(elf, machine, target, ladder, checks);
        CheckPolicyBlacklist(elf, target, ladder, needed, checks);
        CheckPythonExtension(elf, path, checks);
    }

    private static void CheckPolicyLibraries(ElfFile elf, string path, string machine, TargetSystem target, IReadOnlyList<string> needed, List<CheckItem> checks)
    {
        if (elf.Dynamic is null) return;
        var allowed = target.AllowedLibrariesFor(machine);
        List<string> interpreter = [], bundled = [], libpython = [], outside = [];
        foreach (var lib in needed.Distinct())
        {
            if (IsInterpreterDependency(lib)) interpreter.Add(lib);
            else if (allowed.Contains(lib)) continue;
            else if (LibPythonRegex().IsMatch(lib)) libpython.Add(lib);
            else if (FindThroughOrigin(elf, path, lib) is { } found) bundled.Add($"{lib} ({found})");
            else outside.Add(lib);
        }
        var notes = new List<string>();
        if (interpreter.Count > 0) notes.Add($"the ELF interpreter ({string.Join(", ", interpreter)}) is always allowed");
        if (bundled.Count > 0) notes.Add($"found through $ORIGIN, so shipped with the file: {string.Join(", ", bundled)}");
        if (outside.Count == 0 && libpython.Count == 0)
        {
            checks.Add(new("libraries", true, $"every NEEDED library is in {target.Id}'s whitelist" + (notes.Count > 0 ? "; " + string.Join("; ", notes) : "")));
            return;
        }
        var why = new List<string>();
        bool muslLibc = target.Libc == "musl" && outside.Remove("libc.so");
        if (outside.Count > 0) why.Add($"not in {target.Id}'s whitelist: {string.Join(", ", outside)} (bundle them with auditwheel repair, or link them statically)");
        if (muslLibc)
            why.Add($"libc.so is not in {target.Id}'s whitelist: musl's libc is allowed as {TargetCatalog.MuslLibcSoname(machine) ?? "libc.musl-ARCH.so.1"}, the SONAME of Alpine's musl (build on Alpine, e.g. in the musllinux image; Debian's musl-gcc links libc.so)");
        if (libpython.Count > 0) why.Add($"{string.Join(", ", libpython)}: linking with libpython is forbidden for manylinux/musllinux wheels (auditwheel repair removes it from DT_NEEDED)");
        List<string> rejected = [.. outside, .. muslLibc ? ["libc.so"] : Array.Empty<string>(), .. libpython];
        checks.Add(new("libraries", false, string.Join("; ", why.Concat(notes)), ImportsFrom(elf, rejected)) { Libraries = rejected });
    }

    /// <summary>
    /// lddtree.py ldd/find_lib search the file's own RPATH (or RUNPATH, which hides it) first; a library found through an entry
    /// with $ORIGIN lies beside the file, inside the wheel (auditwheel: "RPATH FTW", not external). Returns the path found, or
    /// null when the first hit is elsewhere or nothing is found. Only files of the same class, byte order and machine count.
    /// </summary>
    private static string? FindThroughOrigin(ElfFile elf, string path, string lib)
    {
        string? list = elf.Dynamic!.RunPath ?? elf.Dynamic.RPath;
        if (string.IsNullOrEmpty(list) || lib.Contains('/')) return null;
        string origin = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)) ?? "/";
        foreach (var entry in list.Split(':'))
        {
            bool viaOrigin = entry.Contains("$ORIGIN", StringComparison.Ordinal) || entry.Contains("${ORIGIN}", StringComparison.Ordinal);
            if (entry.Length == 0) continue;
            string dir = entry.Replace("${ORIGIN}", origin, StringComparison.Ordinal).Replace("$ORIGIN", origin, StringComparison.Ordinal);
            string candidate = System.IO.Path.Combine(dir, lib);
            if (!File.Exists(candidate) || !IsCompatible(elf, candidate)) continue;
            return viaOrigin ? System.IO.Path.GetFullPath(candidate) : null;
        }
        return null;
    }

    /// <summary>lddtree.py Platform.is_compatible: same ELF class, byte order and machine (OS/ABI SYSV/GNU/Linux or equal).</summary>
    private static bool IsCompatible(ElfFile elf, string candidate)
    {
        try
        {
            using var image = BinaryImage.Open(candidate);
            var other = ElfFile.Open(image);
            return other.Header.Class == elf.Header.Class && other.Header.Data == elf.Header.Data && other.Header.Machine == elf.Header.Machine;
        }
        catch (Exception e) when (e is BinaryFormatException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The undefined symbols the file binds to <paramref name="libraries"/> through its version needs, as sym@VER.</summary>
    private static List<string>? ImportsFrom(ElfFile elf, IReadOnlyCollection<string> libraries)
    {
        var list = new List<string>();
        foreach (var (name, version, file) in VersionedImports(elf))
            if (libraries.Contains(file)) list.Add($"{name}@{version}");
        return list.Count == 0 ? null : list;
    }

    /// <summary>Every undefined dynamic symbol bound to a verneed entry: name, version name, library.</summary>
    private static IEnumerable<(string Name, string Version, string File)> VersionedImports(ElfFile elf)
    {
        if (elf.DynamicSymbols is not { } syms || elf.Versions.Needs.Count == 0) yield break;
        foreach (var s in syms.All())
            if (!s.IsDefined && elf.Versions.GetSymbolVersion(s) is { IsReference: true } ver && elf.Versions.FindNeed(ver.Index) is { } need)
                yield return (syms.GetName(s), ver.Name, need.File.File);
    }

    private static void CheckPolicyVersions(ElfFile elf, string machine, TargetSystem target, List<TargetSystem> ladder, List<CheckItem> checks)
    {
        // elf_find_versioned_symbols: (library, version name) for every verneed entry, the interpreter's skipped.
        var required = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);   // prefix -> names
        var libraryOf = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);         // name -> libraries
        var fromInterpreter = new List<string>();
        foreach (var f in elf.Versions.Needs)
            foreach (var v in f.Versions)
            {
                if (IsInterpreterVerneed(f.File)) { fromInterpreter.Add($"{v.Name} ({f.File})"); continue; }
                string prefix = VersionPrefix(v.Name);
                if (!required.TryGetValue(prefix, out var set)) required[prefix] = set = new(StringComparer.Ordinal);
                set.Add(v.Name);
                if (!libraryOf.TryGetValue(v.Name, out var libs)) libraryOf[v.Name] = libs = new(StringComparer.Ordinal);
                libs.Add(f.File);
            }
        if (required.Count == 0 && fromInterpreter.Count == 0) return;
        var symbolsOf = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (name, version, file) in VersionedImports(elf))
        {
            if (IsInterpreterVerneed(file)) continue;
            if (!symbolsOf.TryGetValue(version, out var l)) symbolsOf[version] = l = [];
            l.Add($"{name}@{version}");
        }

        IReadOnlyDictionary<string, IReadOnlySet<string>> ListsOf(TargetSystem p) =>
            p.PolicyVersionNames is { } all && all.TryGetValue(machine, out var lists) ? lists : new Dictionary<string, IReadOnlySet<string>>();
        // versioned_symbols_policy's policy_is_satisfied: for each prefix both sides have, the needed names are a subset.
        bool Holds(TargetSystem p)
        {
            var lists = ListsOf(p);
            foreach (var (prefix, names) in required)
                if (lists.TryGetValue(prefix, out var allowed) && !names.IsSubsetOf(allowed)) return false;
            return true;
        }
        var holding = ladder.FirstOrDefault(Holds);   // the target first, then the stricter policies
        var targetLists = ListsOf(target);
        var unchecked_ = new List<string>();
        foreach (var prefix in required.Keys.OrderBy(p => Array.IndexOf(PolicyPrefixes, p) is var i && i < 0 ? int.MaxValue : i).ThenBy(p => p, StringComparer.Ordinal))
        {
            var names = required[prefix];
            if (!targetLists.TryGetValue(prefix, out var allowed))
            {
                unchecked_.AddRange(names.Select(n => $"{n} ({string.Join(", ", libraryOf[n])})"));
                continue;
            }
            var missing = names.Where(n => !allowed.Contains(n)).ToList();
            string highest = Highest(names);
            if (missing.Count == 0)
            {
                checks.Add(new($"{prefix} version", true, $"needs up to {highest}; every name is in {target.Id}'s {prefix} list (highest {Highest(allowed)})"));
                continue;
            }
            var symbols = missing.SelectMany(n => symbolsOf.TryGetValue(n, out var s) ? s : [$"(version table only: {n})"]).ToList();
            string list = string.Join(", ", missing);
            if (holding is null)
                checks.Add(new($"{prefix} version", false, $"needs {list}, not in {target.Id}'s {prefix} list{(allowed.Count > 0 ? $" (highest {Highest(allowed)})" : " (which is empty)")} (auditwheel: \"too-recent versioned symbols\"; rebuild on an older toolchain, e.g. in a pypa/manylinux image no newer than the policy)", symbols));
            else
                checks.Add(new($"{prefix} version", true, $"needs {list}, not in {target.Id}'s {prefix} list, but auditwheel accepts the file: the stricter {holding.Id} holds (it has no {prefix} list), and auditwheel keeps the highest-priority policy that holds", symbols));
        }
        var notChecked = new List<string>();
        if (unchecked_.Count > 0) notChecked.Add($"{target.Id} has no list for their prefix: {string.Join(", ", unchecked_)}");
        if (fromInterpreter.Count > 0) notChecked.Add($"needed from the ELF interpreter, which auditwheel skips: {string.Join(", ", fromInterpreter)}");
        if (notChecked.Count > 0) checks.Add(new("unchecked versions", true, "auditwheel does not check these: " + string.Join("; ", notChecked)));
    }

    /// <summary>The highest name by version number (GLIBC_2.34 over GLIBC_2.4), non-numeric names last in ordinal order.</summary>
    private static string Highest(IEnumerable<string> names)
    {
        string? best = null;
        int[]? bestNumbers = null;
        foreach (var n in names)
        {
            if (!VersionRequirements.TryParse(n, out _, out var numbers)) { best ??= n; continue; }
            if (bestNumbers is null || VersionRequirements.Compare(numbers, bestNumbers) > 0) { best = n; bestNumbers = numbers; }
        }
        return best ?? "-";
    }

    private static void CheckPolicyBlacklist(ElfFile elf, TargetSystem target, List<TargetSystem> ladder, IReadOnlyList<string> needed, List<CheckItem> checks)
    {
        if (needed.Count == 0) return;
        // get_undefined_symbols: undefined and not weak (weak references are optional, auditwheel >= 6.6); filter_undefined_symbols adds "*".
        var undefined = new Dictionary<string, string>(StringComparer.Ordinal) { ["*"] = "*" };
        if (elf.DynamicSymbols is { } syms)
            foreach (var s in syms.All())
                if (!s.IsDefined && s.Binding != ElfNative.STB_WEAK && s.Index != 0)
                {
                    string name = syms.GetName(s);
                    undefined.TryAdd(name, elf.Versions.GetSymbolVersion(s) is { } v ? $"{name}@{v.Name}" : name);
                }
        List<(string Library, List<string> Symbols)> Hits(TargetSystem p)
        {
            var hits = new List<(string, List<string>)>();
            if (p.PolicyBlockedSymbols is null) return hits;
            foreach (var lib in needed.Distinct().Where(p.PolicyBlockedSymbols.ContainsKey).OrderBy(l => l, StringComparer.Ordinal))
            {
                var found = p.PolicyBlockedSymbols[lib].Where(undefined.ContainsKey).OrderBy(x => x, StringComparer.Ordinal).Select(x => undefined[x]).ToList();
                if (found.Count > 0) hits.Add((lib, found));
            }
            return hits;
        }
        if (target.PolicyBlockedSymbols is not { } blocked || !needed.Any(blocked.ContainsKey)) return;
        var hits = Hits(target);
        if (hits.Count == 0)
        {
            checks.Add(new("blacklisted symbols", true, $"uses none of the symbols {target.Id} blacklists in {string.Join(", ", needed.Where(blocked.ContainsKey).Distinct())}"));
            return;
        }
        string what = string.Join("; ", hits.Select(h => $"{h.Library}: {string.Join(", ", h.Symbols)}"));
        var symbols = hits.SelectMany(h => h.Symbols).ToList();
        var holding = ladder.Skip(1).FirstOrDefault(p => Hits(p).Count == 0);
        if (holding is null)
            checks.Add(new("blacklisted symbols", false, $"uses symbols {target.Id} blacklists: {what} (auditwheel: \"depends on black-listed symbols\")", symbols));
        else
            checks.Add(new("blacklisted symbols", true, $"uses symbols {target.Id} blacklists ({what}), but auditwheel accepts the file: the stricter {holding.Id} does not blacklist them, and auditwheel keeps the highest-priority policy that holds", symbols));
    }

    /// <summary>
    /// elfutils.py elf_is_python_extension: the file defines the module's init function (PyInit_MOD for Python 3, initMOD or
    /// _cffi_pypyinit_MOD for Python 2; MOD = the file name up to its first '.'). Such a file must not reference PyFPE_jbuf,
    /// PyFPE_dummy or PyFPE_counter (elf_references_pyfpe_jbuf), nor, for Python 2, PyUnicodeUCS2_* (elf_find_ucs2_symbols).
    /// </summary>
    private static void CheckPythonExtension(ElfFile elf, string path, List<CheckItem> checks)
    {
        if (elf.DynamicSymbols is not { } syms) return;
        string file = System.IO.Path.GetFileName(path);
        string module = file.Split('.', 2)[0];
        int pythonMajor = 0;
        foreach (var s in syms.All())
        {
            if (!s.IsDefined || s.Type != ElfNative.STT_FUNC) continue;
            string name = syms.GetName(s);
            if (name == "PyInit_" + module) { pythonMajor = 3; break; }
            if (name == "init" + module || name == "_cffi_pypyinit_" + module) { pythonMajor = 2; break; }
        }
        if (pythonMajor == 0) return;
        var pyfpe = new List<string>();
        var ucs2 = new List<string>();
        foreach (var s in syms.All())
        {
            if (s.IsDefined) continue;
            string name = syms.GetName(s);
            if (name is "PyFPE_jbuf" or "PyFPE_dummy" or "PyFPE_counter" && s.Type is ElfNative.STT_FUNC or ElfNative.STT_NOTYPE) pyfpe.Add(name);
            if (pythonMajor == 2 && s.Type == ElfNative.STT_FUNC && name.Contains("PyUnicodeUCS2_", StringComparison.Ordinal)) ucs2.Add(name);
        }
        var why = new List<string>();
        if (pyfpe.Count > 0) why.Add("uses the PyFPE_jbuf function, which is not compatible with the manylinux/musllinux tags (PEP 513: fpectl builds)");
        if (ucs2.Count > 0) why.Add("is compiled against a narrow unicode (UCS2) build of Python");
        checks.Add(why.Count == 0
            ? new("python extension", true, $"a Python {pythonMajor} extension module ({module}) without PyFPE_jbuf or UCS2 references")
            : new("python extension", false, $"this Python {pythonMajor} extension module {string.Join(" and ", why)}", [.. pyfpe, .. ucs2]));
    }

    /// <summary>
    /// GNU_PROPERTY_X86_ISA_1_NEEDED of the first GNU property note, as lddtree.py _get_platform reads it (a 4-byte datum;
    /// null when there is none).
    /// </summary>
    private static uint? X86IsaNeeded(ElfFile elf)
    {
        foreach (var n in elf.Notes)
        {
            if (n.Owner != "GNU" || n.Type != ElfNative.NT_GNU_PROPERTY_TYPE_0) continue;
            var d = ElfNotes.Descriptor(elf, n);
            var r = elf.Reader;
            int align = elf.Is64 ? 8 : 4, p = 0;
            while (d.Length - p >= 8)
            {
                uint type = r.U32(d[p..]), size = r.U32(d[(p + 4)..]);
                if (size > (uint)(d.Length - p - 8)) break;
                if (type == ElfNative.GNU_PROPERTY_X86_ISA_1_NEEDED && size == 4) return r.U32(d[(p + 8)..]);
                p += 8 + (int)((size + (uint)align - 1) & ~(uint)(align - 1));
            }
            return null;
        }
        return null;
    }

    private static int[] Parse(string version) => version.Split('.').Select(p => int.TryParse(p, out int n) ? n : 0).ToArray();

    /// <summary>Against a root: the loader is simulated there; missing interpreter, libraries, versions or symbols fail.</summary>
    public static CheckReport CheckInRoot(LoadRequest request)
    {
        var why = StartupSimulator.Simulate(request);
        var checks = new List<CheckItem>();
        using (var image = BinaryImage.Open(request.Program))
        {
            var elf = ElfFile.Open(image);
            if (elf.Dynamic is not null && elf.Interpreter is { } interp)
                checks.Add(new("interpreter", request.Root.Resolve(interp).Exists, request.Root.Resolve(interp).Exists ? $"{interp} exists" : $"{interp} does not exist in {request.Root.Root}"));
        }
        if (why.Starts)
            checks.Add(new("load", true, why.Later.Count == 0 ? "every library, version and symbol resolves" : $"starts, but later: {string.Join("; ", why.Later)}"));
        else
            checks.Add(new("load", false, string.Join(" | ", why.LoaderOutput), why.Explanation));
        return new CheckReport { Path = request.ProgramName ?? request.Program, Target = request.Root.Root, Ok = checks.All(c => c.Ok), Checks = checks };
    }
}
