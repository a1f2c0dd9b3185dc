using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
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
}
