using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.IntegrationTests.Infrastructure;
using LinkDoctor.IO;
using LinkDoctor.Reports;
using Xunit.Abstractions;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The Mach-O reader against LLVM 14's tools on every Mach-O file of the corpora (NuGet native assets, Go cross
/// builds, clang/lld builds), slice by slice: every load command (name, size, and the fields of segments, sections,
/// dylibs, rpaths, build versions, UUID, LC_MAIN, linkedit commands) against <c>llvm-objdump --macho
/// --private-headers</c>; dylibs with versions against otool -L (<c>llvm-objdump --macho --dylibs-used</c>: llvm-otool-14 ignores -arch); LC_RPATH against <c>--rpaths</c>; the
/// export trie against <c>--exports-trie</c>; every binding against <c>--bind/--lazy-bind/--weak-bind</c>; and, for
/// chained-fixups images (which LLVM 14's objdump cannot decode), the imports against the undefined symbols with
/// their libraries from <c>llvm-nm -m</c> and the exports against its external defined symbols.
/// </summary>
public sealed class MachOTests(ITestOutputHelper output)
{
    private static List<string> CorpusFiles() =>
    [
        .. NativeCorpora.Files(Path.Combine(NativeCorpora.NuGet(), "packages"), BinaryFormat.MachO),
        .. NativeCorpora.Files(NativeCorpora.Go(), BinaryFormat.MachO),
        .. NativeCorpora.Files(NativeCorpora.MachO(), BinaryFormat.MachO),
    ];

    private sealed class Tally
    {
        public int Files, Slices, LoadCommands, Exports, Bindings, Imports;
        public readonly ConcurrentBag<string> Mismatches = [];
        public readonly ConcurrentDictionary<string, int> Seen = new();
        public void Mismatch(string file, string slice, string what) => Mismatches.Add($"{file} [{slice}]: {what}");
        public void Saw(string feature) => Seen.AddOrUpdate(feature, 1, (_, n) => n + 1);
    }

    [Fact]
    public void EveryMachOFileAgreesWithLlvm()
    {
        var files = CorpusFiles();
        var t = new Tally();
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, file =>
        {
            using var bf = OpenOrNull(file, t);
            if (bf is null) return;
            Interlocked.Increment(ref t.Files);
            bool fat = bf.Objects.Count > 1 || ((MachOFile)bf.Objects[0]).IsSlice;
            if (fat) t.Saw("universal");
            foreach (MachOFile m in bf.Objects.Cast<MachOFile>())
            {
                Interlocked.Increment(ref t.Slices);
                string[] arch = fat ? [$"--arch={m.Machine}"] : [];
                CompareLoadCommands(file, m, arch, t);
                CompareDylibs(file, m, arch, t);
                CompareRpaths(file, m, arch, t);
                if (m.ChainedFixups is null) { CompareExportTrie(file, m, arch, t); CompareBindings(file, m, arch, t); }
                else CompareWithSymbolTable(file, m, arch, t);
                CompareNeededLibs(file, m, fat, t);
            }
        });
        foreach (var m in t.Mismatches.Take(40)) output.WriteLine(m);
        output.WriteLine($"Mach-O vs LLVM 14: {t.Files} files, {t.Slices} images, {t.LoadCommands} load commands, {t.Exports} exports, " +
                         $"{t.Bindings} bindings, {t.Imports} chained/symbol-table imports compared; {t.Mismatches.Count} mismatches");
        output.WriteLine("features seen: " + string.Join(", ", t.Seen.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        Assert.True(t.Files >= 15, $"only {t.Files} Mach-O files in the corpora");
        // The corpora must exercise what the reader claims: fail loudly if a fixture stops producing a feature.
        foreach (var feature in new[] { "universal", "chained-fixups", "dyld-info", "LC_RPATH", "LC_LOAD_WEAK_DYLIB", "LC_REEXPORT_DYLIB",
                     "LC_VERSION_MIN_MACOSX", "LC_BUILD_VERSION", "32-bit", "MH_BUNDLE", "MH_EXECUTE", "weak-import", "arm64e" })
            Assert.True(t.Seen.ContainsKey(feature), $"no image of the corpora has {feature}");
        Assert.True(t.Mismatches.IsEmpty, $"{t.Mismatches.Count} mismatches; first:\n" + string.Join("\n", t.Mismatches.Take(15)));
    }

    private static BinaryFile? OpenOrNull(string file, Tally t)
    {
        try { return BinaryFile.Open(file); }
        catch (BinaryFormatException e) when (e.Message.Contains("ar archive"))
        {
            t.Saw("universal static library (skipped)");
            return null;
        }
    }

    private static string Run(string tool, params string[] args)
    {
        var r = Tool.Run(tool, args);
        if (r.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: {r.Stderr}");
        return r.Stdout;
    }

    private static ulong Num(string s)
    {
        s = s.Trim();
        return s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? ulong.Parse(s[2..], NumberStyles.HexNumber) : ulong.Parse(s, CultureInfo.InvariantCulture);
    }

    private static readonly Regex FieldLine = new(@"^\s*(cmd|cmdsize|segname|vmaddr|vmsize|fileoff|filesize|nsects|sectname|addr|size|offset|name|path|current version|compatibility version|platform|minos|sdk|version|uuid|entryoff|stacksize|dataoff|datasize|symoff|nsyms|stroff|strsize|rebase_off|rebase_size|bind_off|bind_size|weak_bind_off|weak_bind_size|lazy_bind_off|lazy_bind_size|export_off|export_size|nextdefsym|nundefsym|nindirectsyms|indirectsymoff)\s+(.*?)\s*$");

    /// <summary>The load commands of <c>llvm-objdump --macho --private-headers</c>: per command its fields, and its sections' fields.</summary>
    private static List<(Dictionary<string, string> Fields, List<Dictionary<string, string>> Sections)> ParsePrivateHeaders(string text)
    {
        var list = new List<(Dictionary<string, string>, List<Dictionary<string, string>>)>();
        Dictionary<string, string>? current = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("Load command ", StringComparison.Ordinal))
            {
                current = new Dictionary<string, string>();
                list.Add((current, []));
                continue;
            }
            if (list.Count == 0) continue;
            if (line.Trim() == "Section") { current = new Dictionary<string, string>(); list[^1].Item2.Add(current); continue; }
            var m = FieldLine.Match(line);
            if (m.Success && current is not null) current.TryAdd(m.Groups[1].Value, Regex.Replace(m.Groups[2].Value, @" \(offset \d+\)$", ""));
        }
        return list;
    }

    private static void CompareLoadCommands(string file, MachOFile m, string[] arch, Tally t)
    {
        var theirs = ParsePrivateHeaders(Run("llvm-objdump-14", ["--macho", "--private-headers", .. arch, file]));
        if (theirs.Count != m.LoadCommands.Count) { t.Mismatch(file, m.Machine, $"{m.LoadCommands.Count} load commands, llvm-objdump {theirs.Count}"); return; }
        if (!m.Is64) t.Saw("32-bit");
        t.Saw(FileTypeName(m.Header.FileType));
        t.Saw(m.ChainedFixups is not null ? "chained-fixups" : m.DyldInfo is not null ? "dyld-info" : "symtab-only");
        if (m.Machine == "arm64e") t.Saw("arm64e");
        int dylib = 0, rpath = 0, build = 0, segIndex = 0;
        for (int i = 0; i < theirs.Count; i++)
        {
            var lc = m.LoadCommands[i];
            var (f, sections) = theirs[i];
            Interlocked.Increment(ref t.LoadCommands);
            t.Saw(lc.Name);
            void Eq(string key, string ours)
            {
                if (!f.TryGetValue(key, out var v)) { t.Mismatch(file, m.Machine, $"load command {i} {lc.Name}: llvm-objdump shows no {key}"); return; }
                bool same = TryNum(ours, out var a) && TryNum(v, out var b) ? a == b : v == ours;
                if (!same) t.Mismatch(file, m.Machine, $"load command {i} {lc.Name} {key}: ours '{ours}', llvm-objdump '{v}'");
            }
            Eq("cmd", lc.Name);
            Eq("cmdsize", lc.CmdSize.ToString());
            switch (lc.Cmd)
            {
                case LC_SEGMENT or LC_SEGMENT_64:
                {
                    var s = m.Segments[segIndex++];
                    Eq("segname", s.Name); Eq("vmaddr", $"0x{s.VmAddr:x}"); Eq("vmsize", $"0x{s.VmSize:x}");
                    Eq("fileoff", s.FileOff.ToString()); Eq("filesize", s.FileSize.ToString()); Eq("nsects", s.Sections.Count.ToString());
                    if (sections.Count != s.Sections.Count) { t.Mismatch(file, m.Machine, $"segment {s.Name}: {s.Sections.Count} sections, llvm-objdump {sections.Count}"); break; }
                    for (int k = 0; k < sections.Count; k++)
                    {
                        var ts = sections[k];
                        var os = s.Sections[k];
                        foreach (var (key, ours) in new[] { ("sectname", os.Name), ("segname", os.SegmentName), ("addr", $"0x{os.Address:x}"), ("size", $"0x{os.Size:x}"), ("offset", os.Offset.ToString()) })
                            if (!ts.TryGetValue(key, out var v) || (key is "sectname" or "segname" ? v != ours : !TryNum(v, out var a) || a != Num(ours)))
                                t.Mismatch(file, m.Machine, $"section {k} of {s.Name} {key}: ours '{ours}', llvm-objdump '{v}'");
                    }
                    break;
                }
                case LC_LOAD_DYLIB or LC_LOAD_WEAK_DYLIB or LC_REEXPORT_DYLIB or LC_LAZY_LOAD_DYLIB or LC_LOAD_UPWARD_DYLIB:
                {
                    var d = m.Dylibs[dylib++];
                    Eq("name", d.Name); Eq("current version", FormatDylibVersion(d.CurrentVersion)); Eq("compatibility version", FormatDylibVersion(d.CompatibilityVersion));
                    break;
                }
                case LC_ID_DYLIB:
                    Eq("name", m.IdDylib!.Value.Name); Eq("current version", FormatDylibVersion(m.IdDylib.Value.CurrentVersion));
                    Eq("compatibility version", FormatDylibVersion(m.IdDylib.Value.CompatibilityVersion));
                    break;
                case LC_RPATH: Eq("path", m.RPaths[rpath++]); break;
                case LC_LOAD_DYLINKER: Eq("name", m.Dylinker!); break;
                case LC_UUID: Eq("uuid", new Guid(m.Uuid!, bigEndian: true).ToString().ToUpperInvariant()); break;
                case LC_MAIN: Eq("entryoff", m.EntryPoint!.Value.EntryOff.ToString()); Eq("stacksize", m.EntryPoint.Value.StackSize.ToString()); break;
                case LC_BUILD_VERSION:
                {
                    var b = m.BuildVersions[build++];
                    Eq("platform", b.PlatformName); Eq("minos", FormatVersion(b.MinOs)); Eq("sdk", b.Sdk == 0 ? "n/a" : FormatVersion(b.Sdk));
                    break;
                }
                case LC_VERSION_MIN_MACOSX or LC_VERSION_MIN_IPHONEOS or LC_VERSION_MIN_TVOS or LC_VERSION_MIN_WATCHOS:
                {
                    var b = m.BuildVersions[build++];
                    Eq("version", FormatVersion(b.MinOs)); Eq("sdk", b.Sdk == 0 ? "n/a" : FormatVersion(b.Sdk));
                    break;
                }
                case LC_CODE_SIGNATURE: Eq("dataoff", m.CodeSignature!.Value.DataOff.ToString()); Eq("datasize", m.CodeSignature.Value.DataSize.ToString()); break;
                case LC_DYLD_CHAINED_FIXUPS: Eq("dataoff", m.ChainedFixups!.Value.DataOff.ToString()); Eq("datasize", m.ChainedFixups.Value.DataSize.ToString()); break;
                case LC_DYLD_EXPORTS_TRIE: Eq("dataoff", m.ExportsTrie!.Value.DataOff.ToString()); Eq("datasize", m.ExportsTrie.Value.DataSize.ToString()); break;
                case LC_SYMTAB:
                    Eq("symoff", m.Symtab!.Value.SymOff.ToString()); Eq("nsyms", m.Symtab.Value.NSyms.ToString());
                    Eq("stroff", m.Symtab.Value.StrOff.ToString()); Eq("strsize", m.Symtab.Value.StrSize.ToString());
                    break;
                case LC_DYSYMTAB:
                    Eq("nextdefsym", m.Dysymtab!.Value.NExtDefSym.ToString()); Eq("nundefsym", m.Dysymtab.Value.NUndefSym.ToString());
                    Eq("nindirectsyms", m.Dysymtab.Value.NIndirectSyms.ToString());
                    break;
                case LC_DYLD_INFO or LC_DYLD_INFO_ONLY:
                {
                    var d = m.DyldInfo!.Value;
                    Eq("rebase_off", d.RebaseOff.ToString()); Eq("bind_off", d.BindOff.ToString()); Eq("bind_size", d.BindSize.ToString());
                    Eq("weak_bind_off", d.WeakBindOff.ToString()); Eq("lazy_bind_off", d.LazyBindOff.ToString()); Eq("lazy_bind_size", d.LazyBindSize.ToString());
                    Eq("export_off", d.ExportOff.ToString()); Eq("export_size", d.ExportSize.ToString());
                    break;
                }
            }
        }
    }

    private static bool TryNum(string s, out ulong v)
    {
        try { v = Num(s); return true; }
        catch (FormatException) { v = 0; return false; }
        catch (OverflowException) { v = 0; return false; }
    }

    /// <summary><c>otool -L</c> (<c>llvm-objdump --macho --dylibs-used</c>): the install name (for a dylib) then every dylib, with versions and kinds.</summary>
    private static void CompareDylibs(string file, MachOFile m, string[] arch, Tally t)
    {
        // otool -L's output; llvm-otool-14 ignores -arch (it always shows the first slice), so ask llvm-objdump.
        var lines = Run("llvm-objdump-14", ["--macho", "--dylibs-used", .. arch, file]).Split('\n')
            .Where(l => l.StartsWith('\t')).Select(l => l.Trim()).ToList();
        var ours = new List<string>();
        if (m.IdDylib is { } id) ours.Add($"{id.Name} (compatibility version {FormatDylibVersion(id.CompatibilityVersion)}, current version {FormatDylibVersion(id.CurrentVersion)})");
        foreach (var d in m.Dylibs)
        {
            string kind = d.Kind switch { DependencyKind.Weak => ", weak", DependencyKind.Reexport => ", reexport", DependencyKind.Lazy => ", lazy", DependencyKind.Upward => ", upward", _ => "" };
            ours.Add($"{d.Name} (compatibility version {FormatDylibVersion(d.CompatibilityVersion)}, current version {FormatDylibVersion(d.CurrentVersion)}{kind})");
        }
        if (!ours.SequenceEqual(lines)) t.Mismatch(file, m.Machine, $"dylibs: ours [{string.Join("; ", ours)}], otool -L [{string.Join("; ", lines)}]");
    }

    private static void CompareRpaths(string file, MachOFile m, string[] arch, Tally t)
    {
        var lines = Run("llvm-objdump-14", ["--macho", "--rpaths", .. arch, file]).Split('\n')
            .Skip(1).Where(l => l.Length > 0).ToList();
        if (!m.RPaths.SequenceEqual(lines)) t.Mismatch(file, m.Machine, $"rpaths: ours [{string.Join("; ", m.RPaths)}], llvm-objdump [{string.Join("; ", lines)}]");
    }

    /// <summary><c>llvm-readobj --needed-libs</c> (sorted) for thin files (it dumps only the first slice of a universal one).</summary>
    private static void CompareNeededLibs(string file, MachOFile m, bool fat, Tally t)
    {
        if (fat) return;
        var text = Run("llvm-readobj-14", ["--needed-libs", file]);
        var theirs = text[(text.IndexOf("NeededLibraries [", StringComparison.Ordinal) + 17)..].Split('\n')
            .Select(l => l.Trim()).TakeWhile(l => l != "]").Where(l => l.Length > 0).ToList();
        // LLVM's MachODumper lists LC_ID_DYLIB with the dependencies.
        var ours = m.Dependencies.Select(d => d.Name).Concat(m.InstallName is { } id ? [id] : []).Order(StringComparer.Ordinal).ToList();
        if (!ours.SequenceEqual(theirs)) t.Mismatch(file, m.Machine, $"needed-libs: ours [{string.Join("; ", ours)}], llvm-readobj [{string.Join("; ", theirs)}]");
    }

    private static readonly Regex TrieLine = new(@"^(?:0x(?<addr>[0-9A-F]+)  |\[re-export\] )(?<name>\S+)(?: \[(?<flags>[^\]]*)\])?(?: \((?:(?<other>\S+) )?from (?<lib>\S+)\))?$");

    private static void CompareExportTrie(string file, MachOFile m, string[] arch, Tally t)
    {
        var text = Run("llvm-objdump-14", ["--macho", "--exports-trie", .. arch, file]);
        var theirs = new List<string>();
        foreach (var line in text.Split('\n').SkipWhile(l => l != "Exports trie:").Skip(1).Where(l => l.Length > 0))
        {
            var x = TrieLine.Match(line);
            if (!x.Success) { t.Mismatch(file, m.Machine, $"unparsed trie line '{line}'"); continue; }
            theirs.Add(x.Groups["addr"].Success
                ? $"{x.Groups["name"].Value} 0x{Num("0x" + x.Groups["addr"].Value):x} [{x.Groups["flags"].Value}]"
                : $"{x.Groups["name"].Value} reexport {x.Groups["other"].Value} from {x.Groups["lib"].Value}");
        }
        ulong baseAddress = m.BaseAddress;
        var ours = new List<string>();
        foreach (var e in m.TrieExports)
        {
            if (e.IsReexport)
            {
                t.Saw("reexport-export");
                ours.Add($"{e.Name} reexport {e.ImportName} from {ShortName(m.LibraryName(e.LibraryOrdinal) ?? "unknown")}");
                continue;
            }
            var flags = new List<string>();
            if (e.IsWeakDefinition) flags.Add("weak_def");
            if (e.Kind == MachOExportKind.ThreadLocal) flags.Add("per-thread");
            if (e.Kind == MachOExportKind.Absolute) flags.Add("absolute");
            if (e.IsStubAndResolver) flags.Add($"resolver=0x{e.Resolver:X8}");
            ours.Add($"{e.Name} 0x{baseAddress + e.Address:x} [{string.Join(", ", flags)}]");
        }
        Interlocked.Add(ref t.Exports, ours.Count);
        Diff(file, m, "exports", ours, theirs, t);
    }

    private static void Diff(string file, MachOFile m, string what, List<string> ours, List<string> theirs, Tally t)
    {
        ours.Sort(StringComparer.Ordinal);
        theirs.Sort(StringComparer.Ordinal);
        if (ours.SequenceEqual(theirs)) return;
        var onlyOurs = ours.Except(theirs).Take(3);
        var onlyTheirs = theirs.Except(ours).Take(3);
        t.Mismatch(file, m.Machine, $"{what}: {ours.Count} vs LLVM {theirs.Count}; only ours [{string.Join("; ", onlyOurs)}], only LLVM [{string.Join("; ", onlyTheirs)}]");
    }

    private static void CompareBindings(string file, MachOFile m, string[] arch, Tally t)
    {
        var text = Run("llvm-objdump-14", ["--macho", "--bind", "--lazy-bind", "--weak-bind", .. arch, file]);
        var theirs = new List<string>();
        string? table = null;
        foreach (var raw in text.Split('\n'))
        {
            if (raw is "Bind table:" or "Lazy bind table:" or "Weak bind table:") { table = raw; continue; }
            if (table is null || raw.Length == 0 || raw.StartsWith("segment", StringComparison.Ordinal)) continue;
            var cols = raw.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            bool weakImport = raw.EndsWith(" (weak_import)", StringComparison.Ordinal);
            if (weakImport) cols = cols[..^1];
            switch (table)
            {
                case "Bind table:": theirs.Add($"bind {cols[0]} {cols[1]} 0x{Num(cols[2]):x} {cols[3]} {cols[4]} {cols[5]} {cols[6]}{(weakImport ? " weak" : "")}"); break;
                case "Lazy bind table:": theirs.Add($"lazy {cols[0]} {cols[1]} 0x{Num(cols[2]):x} {cols[3]} {cols[4]}"); break; // LLVM prints no weak_import here
                default:
                    if (cols[0] == "strong") continue; // a strong definition overriding weak ones: no location
                    theirs.Add($"weak {cols[0]} {cols[1]} 0x{Num(cols[2]):x} {cols[3]} {cols[4]} {cols[5]}");
                    break;
            }
        }
        var ours = new List<string>();
        foreach (var b in m.Bindings)
        {
            var sec = m.SectionContaining(new VirtualAddress(b.Address));
            string where = $"{m.Segments[b.SegmentIndex].Name} {sec?.Name ?? "?"} 0x{b.Address:x}";
            string type = b.Type switch { BIND_TYPE_POINTER => "pointer", BIND_TYPE_TEXT_ABSOLUTE32 => "text abs32", BIND_TYPE_TEXT_PCREL32 => "text rel32", _ => "unknown" };
            if (b.WeakImport) t.Saw("weak-import");
            string lib = b.LibraryOrdinal switch
            {
                BIND_SPECIAL_DYLIB_SELF => "this-image",
                BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE => "main-executable",
                BIND_SPECIAL_DYLIB_FLAT_LOOKUP => "flat-namespace",
                _ => ShortName(m.LibraryName(b.LibraryOrdinal) ?? "?"),
            };
            ours.Add(b.Table switch
            {
                MachOBindTable.Bind => $"bind {where} {type} {b.Addend} {lib} {b.Name}{(b.WeakImport ? " weak" : "")}",
                MachOBindTable.LazyBind => $"lazy {where} {lib} {b.Name}",
                _ => $"weak {where} {type} {b.Addend} {b.Name}",
            });
        }
        Interlocked.Add(ref t.Bindings, ours.Count);
        Diff(file, m, "bindings", ours, theirs, t);
    }

    private static readonly Regex NmLine = new(@"^(?:[0-9a-f]+)?\s*\((?<kind>[^)]*)\) (?:(?<wk>weak (?:external|private external|definition) )?)?(?<scope>external|non-external|private external)?\s*(?<name>\S+)(?: \(from (?<lib>[^)]+)\))?");

    /// <summary>
    /// Chained-fixups images: LLVM 14 cannot decode LC_DYLD_CHAINED_FIXUPS, so the imports are checked against the
    /// symbol table's undefined symbols with their two-level-namespace library (<c>llvm-nm -m</c>), and the export
    /// trie (LC_DYLD_EXPORTS_TRIE) against its external defined symbols.
    /// </summary>
    private static void CompareWithSymbolTable(string file, MachOFile m, string[] arch, Tally t)
    {
        var undef = Run("llvm-nm-14", ["-m", "-u", .. arch, file]).Split('\n').Where(l => l.Contains("(undefined)"));
        var theirs = new List<string>();
        foreach (var line in undef)
        {
            var name = Regex.Match(line, @"external (\S+)").Groups[1].Value;
            var lib = Regex.Match(line, @"\(from ([^)]+)\)").Groups[1].Value;
            theirs.Add($"{name} {lib}");
        }
        var ours = m.Bindings.Select(b => $"{b.Name} {ShortName(m.LibraryName(b.LibraryOrdinal) ?? "?")}").Distinct().ToList();
        Interlocked.Add(ref t.Imports, ours.Count);
        Diff(file, m, "chained imports vs nlist undefined", ours, theirs, t);

        var defined = Run("llvm-nm-14", ["-g", "-U", "-j", .. arch, file]).Split('\n').Where(l => l.Length > 0).ToList();
        var exports = m.TrieExports.Select(e => e.Name).ToList();
        Interlocked.Add(ref t.Exports, exports.Count);
        Diff(file, m, "export trie vs nlist external defined", exports, defined, t);
    }

    /// <summary>LLVM's <c>MachOObjectFile::guessLibraryShortName</c> (libSystem for /usr/lib/libSystem.B.dylib, Foo for Foo.framework/…/Foo).</summary>
    public static string ShortName(string name)
    {
        int a = name.LastIndexOf('/');
        if (a > 0)
        {
            string foo = name[(a + 1)..];
            int us = foo.LastIndexOf('_');
            if (us >= 0 && foo.Length >= 2 && foo[us..] is "_debug" or "_profile") foo = foo[..us];
            int b = name.LastIndexOf('/', a - 1);
            int idx = b < 0 ? 0 : b + 1;
            if (Slice(name, idx, idx + foo.Length) == foo && Slice(name, idx + foo.Length, idx + foo.Length + 11) == ".framework/") return foo;
            if (b > 0)
            {
                int c = name.LastIndexOf('/', b - 1);
                if (c > 0 && name[(c + 1)..].StartsWith("Versions/", StringComparison.Ordinal))
                {
                    int d = name.LastIndexOf('/', c - 1);
                    idx = d < 0 ? 0 : d + 1;
                    if (Slice(name, idx, idx + foo.Length) == foo && Slice(name, idx + foo.Length, idx + foo.Length + 11) == ".framework/") return foo;
                }
            }
        }
        int dot = name.LastIndexOf('.');
        if (dot <= 0 || name[dot..] != ".dylib") return name;
        if (dot >= 3 && name[dot - 2] == '.') dot -= 2;
        int slash = dot > 0 ? name.LastIndexOf('/', dot - 1) : -1;
        int start = slash < 0 ? 0 : slash + 1;
        string lib = name[start..dot];
        int u = name.LastIndexOf('_');
        if (u >= 0 && u != start && u < dot && name[u..dot] is "_debug" or "_profile") lib = name[start..u];
        if (lib.Length >= 3 && lib[^2] == '.') lib = lib[..^2];
        return lib;
    }

    private static string Slice(string s, int from, int to) => from >= s.Length ? "" : s[from..Math.Min(to, s.Length)];

    [Fact]
    public void InspectJsonOfAUniversalFileHasOneObjectPerSlice()
    {
        string file = Path.Combine(NativeCorpora.MachO(), "main-universal");
        var r = Tool.LinkDoctor("inspect", "--json", file);
        Assert.Equal(0, r.ExitCode);
        using var doc = System.Text.Json.JsonDocument.Parse(r.Stdout);
        var slices = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["arm64", "x86_64"], slices.Select(s => s.GetProperty("slice").GetString()!).Order().ToArray());
        // Each slice against otool -L / --rpaths / --private-headers of that architecture.
        foreach (var s in slices)
        {
            string arch = s.GetProperty("slice").GetString()!;
            Assert.Equal("Mach-O", s.GetProperty("format").GetString());
            Assert.Equal(arch, s.GetProperty("machine").GetString());
            var otool = Run("llvm-objdump-14", ["--macho", "--dylibs-used", $"--arch={arch}", file]).Split('\n').Where(l => l.StartsWith('\t')).Select(l => l.Trim()[..l.Trim().IndexOf(" (", StringComparison.Ordinal)]);
            Assert.Equal(otool, s.GetProperty("needed").EnumerateArray().Select(x => x.GetString()));
            var rpaths = Run("llvm-objdump-14", ["--macho", "--rpaths", $"--arch={arch}", file]).Split('\n').Skip(1).Where(l => l.Length > 0);
            Assert.Equal(rpaths, s.GetProperty("rpaths").EnumerateArray().Select(x => x.GetString()));
            var headers = Run("llvm-objdump-14", ["--macho", "--private-headers", $"--arch={arch}", file]);
            string minos = Regex.Match(headers, @"minos (\S+)").Groups[1].Value, platform = Regex.Match(headers, @"platform (\S+)").Groups[1].Value;
            Assert.Equal($"{platform} {minos}", s.GetProperty("minOs").GetString());
            Assert.Equal(Regex.Match(headers, @"uuid (\S+)").Groups[1].Value, s.GetProperty("uuid").GetString());
            Assert.Null(JsonNull(s, "installName"));
            Assert.True(s.GetProperty("headerPadding").GetUInt64() >= 0x400, "-headerpad 0x400 was asked for");
        }
        var dylib = Inspector.InspectAll(Path.Combine(NativeCorpora.MachO(), "libfoo-universal.dylib"), new InspectOptions());
        Assert.All(dylib, d => Assert.Equal("@rpath/libfoo.dylib", d.InstallName));
        Assert.All(dylib, d => Assert.Equal(("1.2.0", "3.4.5"), (d.CompatibilityVersion, d.CurrentVersion)));
    }

    private static string? JsonNull(System.Text.Json.JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.String ? v.GetString() : null;

    [Fact]
    public void HeaderPaddingIsWhatIsLeftBeforeTheFirstSection()
    {
        // ld64.lld reserves -headerpad bytes (0x400 asked for the programs, the default 0x20 for libraries) after the
        // load commands: the free space must be at least that, and exactly first-section-offset minus commands end.
        string dir = NativeCorpora.MachO();
        foreach (var (name, atLeast) in new[] { ("main-arm64", 0x400ul), ("main-x86_64", 0x400ul), ("libbar-arm64.dylib", 0x20ul) })
        {
            using var f = BinaryFile.Open(Path.Combine(dir, name));
            var m = (MachOFile)f.Objects[0];
            string text = Run("llvm-objdump-14", ["--macho", "--private-headers", Path.Combine(dir, name)]);
            var headers = ParsePrivateHeaders(text);
            ulong firstSection = headers.SelectMany(h => h.Sections).Where(s => Num(s["offset"]) != 0 && Num(s["size"]) != 0).Min(s => Num(s["offset"]));
            // "MH_MAGIC_64 ARM64 ALL 0x00 EXECUTE 17 1320 NOUNDEFS …": sizeofcmds is the seventh column.
            var header = text.Split('\n').First(l => l.StartsWith("MH_MAGIC", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            ulong commandsEnd = (ulong)(m.Is64 ? 32 : 28) + ulong.Parse(header[6]);
            Assert.Equal(firstSection - commandsEnd, m.HeaderPadding);
            Assert.True(m.HeaderPadding >= atLeast, $"{name}: {m.HeaderPadding} bytes of padding, asked for at least {atLeast}");
        }
    }

    [Fact]
    public void GoBuildInfoDataIsWhereGoLooksForIt()
    {
        // debug/buildinfo finds "\xff Go buildinf:" at the start of the data it reads; `go version -m` reads the same files.
        foreach (var file in NativeCorpora.Files(NativeCorpora.Go(), BinaryFormat.MachO, BinaryFormat.Pe))
        {
            using var f = BinaryFile.Open(file);
            ReadOnlySpan<byte> data;
            VirtualAddress at;
            bool ok = f.Objects[0] switch
            {
                MachOFile m => m.TryGetGoBuildInfoData(out data, out at),
                LinkDoctor.Formats.Pe.PeFile p => p.TryGetGoBuildInfoData(out data, out at),
                _ => throw new InvalidOperationException(),
            };
            Assert.True(ok, file);
            byte[] magic = [0xff, .. " Go buildinf:"u8];
            Assert.True(data.IndexOf(magic) is >= 0 and < 65536, file);
            var version = Tool.Run("go", ["version", file]);
            Assert.Contains("go1.19", version.Stdout);
        }
    }
}
