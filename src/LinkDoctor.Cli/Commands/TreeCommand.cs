using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
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
            if (!lo.Validate(pr, out var usageError)) return UsageError(usageError!);
            var paths = pr.GetValue(files)!;
            string? fmt = pr.GetValue(format);
            if (fmt is not (null or "dot" or "mermaid")) { Console.Error.WriteLine($"linkdoctor: --format must be dot or mermaid"); return ExitBadInput; }
            var errors = new List<(string, string)>();
            var outputs = ForEachFile(paths, p =>
            {
                if (!lo.TryRequest(pr, p, trace: true, out var request, out var usage)) return (Text: (string?)null, Error: usage, Json: (LoadGraphReport?)null);
                if (!pr.GetValue(flat)) request = request with { DlopenNotes = true };
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
}
