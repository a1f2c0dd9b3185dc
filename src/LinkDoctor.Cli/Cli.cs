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
        root.Subcommands.Add(PatchCommand());
        return root;
    }

    /// <summary>
    /// Parses a command line. Arguments are never response files: npm puts native modules under <c>@scope</c>
    /// folders, and <c>@img/sharp-linux-x64/…</c> is a path, not a file of arguments.
    /// </summary>
    public static ParseResult Parse(string[] args) => Build().Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });

    private static Argument<string[]> FilesArgument() => new("files") { Arity = ArgumentArity.OneOrMore, Description = "ELF files (directories with -r)" };

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
