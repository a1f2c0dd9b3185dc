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
        bool inHost = dlopen && request.Host is not null;
        if (inHost && g.HostFailed)
        {
            foreach (var e in g.Errors) b.Say(e);
            return b.Explain($"the host {request.Host} does not start itself, so it never calls dlopen()").Fail(null);
        }
        foreach (var e in g.Errors) b.Say(e);
        if (g.Errors.Count > 0) FixAdvisor.MissingLibraries(request, g, b);
        // In a host, a dlopen that failed to map anything relocates nothing.
        var unresolved = inHost && g.Errors.Count > 0 ? new List<UnresolvedSymbol>() : new SymbolBinder(g, musl: true).Bind(bindNowEverywhere: true);
        if (dlopen && !inHost)
        {
            // Opened alone, a library of a plugin API expects its host to define these (a Node addon's napi_*).
            foreach (var u in unresolved.Where(u => HostApis.Find(u.Name) is not null))
                b.Explain(HostApis.Describe(u.Name, HostApis.Find(u.Name)!));
            unresolved = [.. unresolved.Where(u => HostApis.Find(u.Name) is null)];
        }
        foreach (var u in unresolved)
            b.Say(LoaderMessage.From(MuslMessages.SymbolNotFound, u.Referencer.IsMain && !inHost ? argv0 : u.Referencer.Path, u.Name));
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
