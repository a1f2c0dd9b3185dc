using LinkDoctor.Diagnosis;

namespace LinkDoctor.Loaders.Musl;

/// <summary>
/// musl's start after execve (ldso/dynlink.c <c>__dls3</c>: load_deps reporting every missing library, then
/// reloc_all binding every symbol eagerly and reporting each missing one) or a <c>dlopen</c> (the first error only),
/// rendered from <see cref="MuslMessages"/>.
/// </summary>
internal static class MuslStartup
{
    public static WhyReport Simulate(LoadRequest request, LoadGraph g, bool dlopen)
    {
        string argv0 = request.Argv0;
        var b = new WhyBuilder(argv0, "musl").Assume(g.Assumptions);
        foreach (var e in g.Errors) b.Say(e);
        if (g.Errors.Count > 0) FixAdvisor.MissingLibraries(request, g, b);
        var unresolved = new SymbolBinder(g, musl: true).Bind(bindNowEverywhere: true);
        foreach (var u in unresolved)
            b.Say(LoaderMessage.From(MuslMessages.SymbolNotFound, u.Referencer.IsMain ? argv0 : u.Referencer.Path, u.Name));
        if (b.Messages.Count == 0) return b.Start();
        if (unresolved.Count > 0)
        {
            b.Explain("musl binds every symbol at start-up and reports each one it cannot find");
            foreach (var u in unresolved) FixAdvisor.UndefinedSymbol(request, g, u, b);
        }
        var report = b.Fail(dlopen ? null : 127);
        // dlerror() holds only the first error.
        return dlopen ? report with { LoaderOutput = [report.LoaderOutput[0]], Messages = [report.Messages[0]] } : report;
    }
}
