using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

/// <summary>Argument parsing and exit codes only: each command maps options to one library call and renders the result.</summary>
public static class Cli
{
    public const int ExitOk = 0, ExitFinding = 1, ExitBadInput = 2;

    public static RootCommand Build()
    {
        var root = new RootCommand("LinkDoctor: will this binary load, there, and if not, why and how do I fix it?");
        root.Subcommands.Add(InspectCommand());
        root.Subcommands.Add(SymbolsCommand());
        root.Subcommands.Add(TreeCommand());
        root.Subcommands.Add(WhyCommand());
        root.Subcommands.Add(CheckCommand());
        return root;
    }

    private static Argument<string[]> FilesArgument() => new("files") { Arity = ArgumentArity.OneOrMore, Description = "ELF files (directories with -r)" };

    private static Command InspectCommand()
    {
        var files = FilesArgument();
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Descend into directories, quietly skipping files that are not ELF" };
        var dynamic = new Option<bool>("--dynamic", "-d") { Description = "Show every dynamic section entry (like readelf -d)" };
        var versions = new Option<bool>("--versions", "-V") { Description = "Show version needs and definitions and the highest GLIBC_/GLIBCXX_/CXXABI_/GCC_ version needed, with the symbols that need it" };
        var notes = new Option<bool>("--notes", "-n") { Description = "Show the notes (build-id, ABI tag, GNU properties, Go build ID)" };
        var headers = new Option<bool>("--headers", "-e") { Description = "Show the file header, program headers and section headers" };
        var cmd = new Command("inspect", "Summarise ELF files: format, type, interpreter, libc, linkage, SONAME, NEEDED, RPATH/RUNPATH and more")
        {
            files, json, recursive, dynamic, versions, notes, headers,
        };
        cmd.SetAction(pr =>
        {
            var options = new InspectOptions(pr.GetValue(dynamic), pr.GetValue(versions), pr.GetValue(notes), pr.GetValue(headers));
            var errors = new List<(string, string)>();
            var paths = FileWalker.Expand(pr.GetValue(files)!, pr.GetValue(recursive), errors);
            var all = new List<InspectReport>(ForEachFile(paths, p => Inspector.Inspect(p, options)));
            foreach (var (p, e) in errors) all.Add(new InspectReport { Path = p, Error = e });
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json)) TextRenderer.WriteJson(stdout, all);
                else
                    foreach (var r in all)
                        if (r.Error is null) TextRenderer.WriteInspect(stdout, r);
            }
            return ReportErrors(all.Where(r => r.Error is not null).Select(r => (r.Path, r.Error!)));
        });
        return cmd;
    }

    private static Command SymbolsCommand()
    {
        var files = FilesArgument();
        var json = new Option<bool>("--json") { Description = "One JSON array of symbol objects" };
        var defined = new Option<bool>("--defined") { Description = "Only defined symbols" };
        var undefined = new Option<bool>("--undefined") { Description = "Only undefined symbols" };
        var dynamicOnly = new Option<bool>("--dynamic", "-D") { Description = "The dynamic symbol table only (default)" };
        var all = new Option<bool>("--all", "-a") { Description = "Also the static symbol table (.symtab)" };
        var cmd = new Command("symbols", "List symbols with versions (name@VER, name@@VER), like nm -D / objdump -T")
        {
            files, json, defined, undefined, dynamicOnly, all,
        };
        cmd.SetAction(pr =>
        {
            if (pr.GetValue(defined) && pr.GetValue(undefined))
            {
                Console.Error.WriteLine("linkdoctor: --defined and --undefined cannot be combined");
                return ExitBadInput;
            }
            var options = new SymbolOptions(pr.GetValue(all) && !pr.GetValue(dynamicOnly), pr.GetValue(defined), pr.GetValue(undefined));
            var paths = pr.GetValue(files)!;
            var flat = ForEachFile(paths, p => SymbolLister.List(p, options)).SelectMany(l => l).ToList();
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json)) TextRenderer.WriteJson(stdout, flat);
                else TextRenderer.WriteSymbols(stdout, flat, withHeader: paths.Length > 1 || options.All);
            }
            return ReportErrors(flat.Where(s => s.Error is not null).Select(s => (s.Path, s.Error!)));
        });
        return cmd;
    }

    /// <summary>The options every loader command shares: --root, --env, --loader.</summary>
    private sealed class LoaderOptions
    {
        public readonly Option<string?> Root = new("--root") { Description = "Resolve everything inside this directory (an unpacked image); FILE may lie outside it" };
        public readonly Option<string[]> Env = new("--env") { Description = "NAME=VALUE for the loader (LD_LIBRARY_PATH, LD_PRELOAD, LD_BIND_NOW); repeatable", AllowMultipleArgumentsPerToken = false };
        public readonly Option<string> Loader = new("--loader") { Description = "auto, glibc or musl", DefaultValueFactory = _ => "auto" };

        public void AddTo(Command c) { c.Options.Add(Root); c.Options.Add(Env); c.Options.Add(Loader); }

        public bool TryRequest(ParseResult pr, string file, bool trace, out LinkDoctor.Loaders.LoadRequest request, out string? error)
        {
            request = null!;
            error = null;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in pr.GetValue(Env) ?? [])
            {
                int eq = kv.IndexOf('=');
                if (eq <= 0) { error = $"--env expects NAME=VALUE, got '{kv}'"; return false; }
                env[kv[..eq]] = kv[(eq + 1)..];
            }
            string loader = pr.GetValue(Loader) ?? "auto";
            if (loader is not ("auto" or "glibc" or "musl")) { error = $"--loader must be auto, glibc or musl, not '{loader}'"; return false; }
            var root = RootedFileSystem.Host;
            if (pr.GetValue(Root) is { } r)
            {
                if (!Directory.Exists(r)) { error = $"--root {r}: No such directory"; return false; }
                root = new RootedFileSystem(r);
            }
            request = new LinkDoctor.Loaders.LoadRequest { Program = file, ProgramName = file, Root = root, Environment = env, Loader = loader, Trace = trace, WorkingDirectory = root.IsHost ? Directory.GetCurrentDirectory() : "/" };
            return true;
        }
    }

    private static Command TreeCommand()
    {
        var files = FilesArgument();
        var flat = new Option<bool>("--flat") { Description = "Exactly the loader's own list (ldd / musl --list), without load addresses and the vdso" };
        var json = new Option<bool>("--json") { Description = "The load graph as JSON" };
        var format = new Option<string?>("--format") { Description = "dot or mermaid: the dependency graph as a picture" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Also show the candidates skipped on the way to each library" };
        var lo = new LoaderOptions();
        var cmd = new Command("tree", "The dependency tree as the real loader would resolve it, with where each library came from") { files, flat, json, format, verbose };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            string? fmt = pr.GetValue(format);
            if (fmt is not (null or "dot" or "mermaid")) { Console.Error.WriteLine($"linkdoctor: --format must be dot or mermaid"); return ExitBadInput; }
            var errors = new List<(string, string)>();
            var outputs = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: true, out var request, out var usage)) return (Text: (string?)null, Error: usage, Json: (LoadGraphReport?)null);
                LinkDoctor.Loaders.LoadGraph? graph = null;
                string? err = FileErrors.Capture(() => graph = LinkDoctor.Loaders.DynamicLoader.Load(request));
                if (err is not null) return (null, err, null);
                using (graph)
                {
                    string text = pr.GetValue(flat) ? TreeRenderer.Flat(graph!)
                        : fmt == "dot" ? TreeRenderer.Dot(graph!)
                        : fmt == "mermaid" ? TreeRenderer.Mermaid(graph!)
                        : TreeRenderer.Tree(graph!, pr.GetValue(verbose));
                    return (text, null, pr.GetValue(json) ? LoadGraphReport.From(p, graph!) : null);
                }
            });
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json))
                    TextRenderer.WriteJson(stdout, outputs.Select((o, i) => o.Json ?? new LoadGraphReport { Path = paths[i], Error = o.Error }).ToList());
                else
                    for (int i = 0; i < paths.Length; i++)
                    {
                        if (outputs[i].Text is null) continue;
                        if (paths.Length > 1 && pr.GetValue(flat)) stdout.Write(paths[i] + ":\n");
                        stdout.Write(outputs[i].Text);
                    }
            }
            return ReportErrors(outputs.Select((o, i) => (paths[i], o.Error)).Where(x => x.Error is not null).Select(x => (x.Item1, x.Error!)));
        });
        return cmd;
    }

    private static Command WhyCommand()
    {
        var files = FilesArgument();
        var dlopen = new Option<bool>("--dlopen") { Description = "Predict dlerror() of dlopen(FILE, RTLD_NOW) instead of a program start" };
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var lo = new LoaderOptions();
        var cmd = new Command("why", "Simulate the start: the exact first line the loader would print, every further error, why, and the fix. Exit 0 if it would start, 1 if not") { files, dlopen, json };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var paths = pr.GetValue(files)!;
            var results = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: false, out var request, out var usage)) return (Report: (LinkDoctor.Diagnosis.WhyReport?)null, Error: usage);
                LinkDoctor.Diagnosis.WhyReport? report = null;
                string? err = FileErrors.Capture(() => report = LinkDoctor.Diagnosis.StartupSimulator.Simulate(request, pr.GetValue(dlopen)));
                return (Report: report, Error: err);
            });
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json))
                    TextRenderer.WriteJson(stdout, results.Where(r => r.Report is not null).Select(r => r.Report!).ToList());
                else
                    foreach (var (report, _) in results)
                        if (report is not null) TextRenderer.WriteWhy(stdout, report, paths.Length > 1);
            }
            int code = ReportErrors(results.Select((r, i) => (paths[i], r.Error)).Where(x => x.Error is not null).Select(x => (x.Item1, x.Error!)));
            if (code != ExitOk) return code;
            return results.All(r => r.Report!.Starts) ? ExitOk : ExitFinding;
        });
        return cmd;
    }

    private static Command CheckCommand()
    {
        var files = FilesArgument();
        var target = new Option<string?>("--target", "-t") { Description = "A built-in target (debian-12, ubuntu-22.04, rhel-8, alpine-3.20, manylinux2014, manylinux_2_28, musllinux_1_2 …); use --list-targets to see them. Without it, --root is the target" };
        var list = new Option<bool>("--list-targets") { Description = "List the built-in targets and their facts" };
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var lo = new LoaderOptions();
        var cmd = new Command("check", "Portability verdict for a target: machine, C library, interpreter, symbol versions, libraries. Exit 1 when a check fails (a CI gate)") { files, target, list, json };
        files.Arity = ArgumentArity.ZeroOrMore;
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            using var stdout = StandardOutput();
            if (pr.GetValue(list))
            {
                foreach (var t in LinkDoctor.Diagnosis.TargetCatalog.All)
                    stdout.WriteLine($"{t.Id,-18} {t.Name,-34} {t.Libc} {t.LibcVersion,-6} GLIBCXX {t.GlibcxxVersion ?? "-",-8} {string.Join(",", t.Architectures)}");
                return ExitOk;
            }
            var paths = pr.GetValue(files) ?? [];
            if (paths.Length == 0) { Console.Error.WriteLine("linkdoctor: check needs at least one file"); return ExitBadInput; }
            string? targetName = pr.GetValue(target);
            LinkDoctor.Diagnosis.TargetSystem? system = null;
            if (targetName is not null && (system = LinkDoctor.Diagnosis.TargetCatalog.Find(targetName)) is null)
            {
                Console.Error.WriteLine($"linkdoctor: unknown target '{targetName}' (see linkdoctor check --list-targets)");
                return ExitBadInput;
            }
            if (system is null && pr.GetValue(lo.Root) is null) { Console.Error.WriteLine("linkdoctor: check needs --target or --root"); return ExitBadInput; }
            var results = ForEachFile(paths, p =>
            {
                LinkDoctor.Diagnosis.CheckReport? report = null;
                string? usage = null;
                string? err = FileErrors.Capture(() =>
                {
                    if (system is not null) report = LinkDoctor.Diagnosis.PortabilityChecker.Check(p, system);
                    else if (lo.TryRequest(pr, p, trace: false, out var request, out usage)) report = LinkDoctor.Diagnosis.PortabilityChecker.CheckInRoot(request);
                });
                return (Report: report, Error: err ?? usage);
            });
            if (pr.GetValue(json)) TextRenderer.WriteJson(stdout, results.Where(r => r.Report is not null).Select(r => r.Report!).ToList());
            else foreach (var r in results) if (r.Report is not null) TextRenderer.WriteCheck(stdout, r.Report);
            stdout.Flush();
            int code = ReportErrors(results.Select((r, i) => (paths[i], r.Error)).Where(x => x.Error is not null).Select(x => (x.Item1, x.Error!)));
            if (code != ExitOk) return code;
            return results.All(r => r.Report!.Ok) ? ExitOk : ExitFinding;
        });
        return cmd;
    }

    /// <summary>Runs <paramref name="work"/> on every file, in parallel when there are several; results keep the input order.</summary>
    private static T[] ForEachFile<T>(IReadOnlyList<string> paths, Func<string, T> work)
    {
        var results = new T[paths.Count];
        if (paths.Count == 1) results[0] = work(paths[0]);
        else Parallel.For(0, paths.Count, i => results[i] = work(paths[i]));
        return results;
    }

    /// <summary>A buffered UTF-8 stdout (Console.Out flushes every line, one write(2) each).</summary>
    private static StreamWriter StandardOutput() =>
        new(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };

    /// <summary>One line per bad file on stderr; exit 2 when there was any.</summary>
    private static int ReportErrors(IEnumerable<(string Path, string Error)> errors)
    {
        int code = ExitOk;
        foreach (var (path, error) in errors)
        {
            Console.Error.WriteLine($"linkdoctor: {path}: {error}");
            code = ExitBadInput;
        }
        return code;
    }
}
