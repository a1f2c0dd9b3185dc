using System.CommandLine;
using LinkDoctor.IO;
using LinkDoctor.Reports;

namespace LinkDoctor.Cli;

public static partial class Cli
{
    private static Command InspectCommand()
    {
        var files = FilesArgument();
        var json = new Option<bool>("--json") { Description = "One JSON array, one object per file" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Descend into directories, quietly skipping files that are not ELF, Mach-O or PE" };
        var dynamic = new Option<bool>("--dynamic", "-d") { Description = "Show every dynamic section entry (like readelf -d)" };
        var versions = new Option<bool>("--versions", "-V") { Description = "Show version needs and definitions and the highest GLIBC_/GLIBCXX_/CXXABI_/GCC_ version needed, with the symbols that need it" };
        var notes = new Option<bool>("--notes", "-n") { Description = "Show the notes (build-id, ABI tag, GNU properties, Go build ID)" };
        var headers = new Option<bool>("--headers", "-e") { Description = "Show the file header, program headers and section headers" };
        var cmd = new Command("inspect", "Summarise ELF, Mach-O and PE files: format, type, interpreter, libc, linkage, SONAME/install name, NEEDED/dylibs/DLLs, RPATH/RUNPATH/LC_RPATH and more")
        {
            files, json, recursive, dynamic, versions, notes, headers,
        };
        cmd.SetAction(pr =>
        {
            var options = new InspectOptions(pr.GetValue(dynamic), pr.GetValue(versions), pr.GetValue(notes), pr.GetValue(headers));
            var errors = new List<(string, string)>();
            var paths = FileWalker.Expand(pr.GetValue(files)!, pr.GetValue(recursive), errors);
            var all = ForEachFile(paths, p => Inspector.InspectAll(p, options)).SelectMany(l => l).ToList();
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
}
