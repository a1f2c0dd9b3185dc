using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

/// <summary>Argument parsing and exit codes only: each command maps options to one library call and renders the result.</summary>
public static partial class Cli
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
        root.Subcommands.Add(GoCommand());
        root.Subcommands.Add(PluginCheckCommand());
        root.Subcommands.Add(PatchCommand());
        root.Subcommands.Add(BundleCommand());
        root.Subcommands.Add(ExplainCommand());
        return root;
    }

    /// <summary>
    /// Parses a command line. Arguments are never response files: npm puts native modules under <c>@scope</c>
    /// folders, and <c>@img/sharp-linux-x64/…</c> is a path, not a file of arguments.
    /// </summary>
    public static ParseResult Parse(string[] args) => Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static Argument<string[]> FilesArgument()
    {
        var files = new Argument<string[]>("files") { Arity = ArgumentArity.OneOrMore, Description = "Binaries: ELF, Mach-O or PE files (directories with -r)" };
        // A mistyped option would otherwise be taken for a file name; a real file named "-x" can follow "--".
        files.Validators.Add(result =>
        {
            foreach (var t in result.Tokens)
                if (t.Value.Length > 1 && t.Value[0] == '-' && !File.Exists(t.Value) && !Directory.Exists(t.Value))
                    result.AddError($"Unrecognized option '{t.Value}'.");
        });
        return files;
    }

    /// <summary>The options every loader command shares: --root, --env, --loader.</summary>
    private sealed class LoaderOptions
    {
        public readonly Option<string?> Root = new("--root") { Description = "Resolve everything inside this directory (an unpacked image); FILE may lie outside it" };
        public readonly Option<string[]> Env = new("--env") { Description = "NAME=VALUE for the loader (LD_LIBRARY_PATH, LD_PRELOAD, LD_BIND_NOW); repeatable", AllowMultipleArgumentsPerToken = false };
        public readonly Option<string> Loader = new("--loader") { Description = "auto, or a loader model: " + string.Join(", ", LinkDoctor.Loaders.LoaderRegistry.All.Select(l => l.Name)), DefaultValueFactory = _ => "auto" };

        public void AddTo(Command c) { c.Options.Add(Root); c.Options.Add(Env); c.Options.Add(Loader); }

        private (ParseResult Parse, LinkDoctor.Loaders.LoadRequest? Template, string? Error)? _context;

        /// <summary>
        /// Checks the options once per command (one <see cref="RootedFileSystem"/> for all files: its resolve cache
        /// and the per-root caches hang off it) and makes the request for one file.
        /// </summary>
        public bool TryRequest(ParseResult pr, string file, bool trace, out LinkDoctor.Loaders.LoadRequest request, out string? error)
        {
            lock (this)
            {
                if (_context is not { } c || c.Parse != pr) _context = c = (pr, MakeTemplate(pr, out var e), e);
                error = c.Error;
                request = c.Template is null ? null! : c.Template with { Program = file, ProgramName = file, Trace = trace };
                return c.Template is not null;
            }
        }

        /// <summary>Checks the options, once: a usage error is reported once, not per file.</summary>
        public bool Validate(ParseResult pr, out string? error) => TryRequest(pr, "", false, out _, out error);

        private LinkDoctor.Loaders.LoadRequest? MakeTemplate(ParseResult pr, out string? error)
        {
            error = null;
            var env = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var kv in pr.GetValue(Env) ?? [])
            {
                int eq = kv.IndexOf('=');
                if (eq <= 0) { error = $"--env expects NAME=VALUE, got '{kv}'"; return null; }
                env[kv[..eq]] = kv[(eq + 1)..];
            }
            string loader = pr.GetValue(Loader) ?? "auto";
            if (loader != "auto" && LinkDoctor.Loaders.LoaderRegistry.Find(loader) is null)
            {
                error = $"--loader must be auto or one of {string.Join(", ", LinkDoctor.Loaders.LoaderRegistry.All.Select(l => l.Name))}, not '{loader}'";
                return null;
            }
            var root = RootedFileSystem.Host;
            if (pr.GetValue(Root) is { } r)
            {
                if (!Directory.Exists(r)) { error = $"--root {r}: No such directory"; return null; }
                root = new RootedFileSystem(r);
            }
            return new LinkDoctor.Loaders.LoadRequest { Program = "", Root = root, Environment = env, Loader = loader, WorkingDirectory = root.IsHost ? Directory.GetCurrentDirectory() : "/" };
        }
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

    /// <summary>A usage error: one line on stderr, exit 2.</summary>
    private static int UsageError(string message)
    {
        Console.Error.WriteLine($"linkdoctor: {message}");
        return ExitBadInput;
    }

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
