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
