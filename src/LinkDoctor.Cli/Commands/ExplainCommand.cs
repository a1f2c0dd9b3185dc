using System.CommandLine;
using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command ExplainCommand()
    {
        var text = new Argument<string[]>("text") { Arity = ArgumentArity.ZeroOrMore, Description = "The error message (words are joined with spaces); '-' or nothing with a pipe: read a log from standard input" };
        var file = new Option<string?>("--file") { Description = "Also run the why simulation on this binary and say whether it reproduces the pasted error" };
        var json = new Option<bool>("--json") { Description = "One JSON array of findings" };
        var lo = new LoaderOptions();
        var cmd = new Command("explain", "Explain loader, linker and plugin errors in a message or a whole log: the component, the cause, the command that confirms it and the fix. Exit 0 if nothing is recognised, 1 if something is") { text, file, json };
        lo.AddTo(cmd);
        cmd.SetAction(pr =>
        {
            var words = pr.GetValue(text) ?? [];
            string input;
            if (words.Length == 0 || (words.Length == 1 && words[0] == "-"))
            {
                if (words.Length == 0 && !Console.IsInputRedirected)
                    return UsageError("explain: give the error message as arguments, or a log on standard input ('explain -' or a pipe)");
                input = Console.In.ReadToEnd();
            }
            else input = string.Join(' ', words);

            var findings = Explainer.Default.Explain(input);
            if (pr.GetValue(file) is { } binary)
            {
                if (!lo.TryRequest(pr, binary, trace: false, out var request, out var usage)) return UsageError(usage!);
                IReadOnlyList<ExplainFinding> correlated = findings;
                string? err = FileErrors.Capture(() => correlated = ExplainCorrelator.Correlate(findings, request));
                if (err is not null) return ReportErrors([(binary, err)]);
                findings = correlated;
            }
            using (var stdout = StandardOutput())
            {
                if (pr.GetValue(json)) ExplainRenderer.WriteJson(stdout, findings);
                else ExplainRenderer.WriteText(stdout, findings);
            }
            return findings.Count == 0 ? ExitOk : ExitFinding;
        });
        return cmd;
    }
}
