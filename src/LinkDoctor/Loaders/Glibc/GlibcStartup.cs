using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Elf;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// glibc's start after execve (elf/rtld.c <c>dl_main</c>: map, <c>_dl_check_all_versions</c>, relocate) or a
/// <c>dlopen(FILE, RTLD_NOW)</c> (elf/dl-open.c), rendered from <see cref="GlibcMessages"/>: the exact lines,
/// the exit status (127; 1 for a missing version), explanations and remedies.
/// </summary>
internal static class GlibcStartup
{
    public static WhyReport Simulate(LoadRequest request, LoadGraph g, bool dlopen)
    {
        string argv0 = request.Argv0;
        var b = new WhyBuilder(argv0, "glibc").Assume(g.Assumptions);
        bool inHost = dlopen && request.Host is not null;
        if (inHost && g.HostFailed)
        {
            b.Say(g.Errors[0]);
            return b.Explain($"the host {request.Host} does not start itself, so it never calls dlopen()").Fail(null);
        }
        if (inHost && g.Errors.Count > 0)
        {
            // dl_open_worker: the first object that cannot be mapped is dlerror().
            b.Say(g.Errors[0]);
            FixAdvisor.MissingLibraries(request, g, b);
            return b.Fail(null);
        }
        // The object dlopen maps: the library opened into the host, or the library itself.
        var main = (g.Opened ?? g.Main).Elf!;
        string Req(LoadedObject o) => o.IsMain && !inHost ? argv0 : o.Path;

        // elf/dl-load.c _dl_map_object_from_fd refuses these for dlopen before anything else.
        if (dlopen && main.Header.Type == ET_EXEC)
            return b.Say(LoaderMessage.From(GlibcMessages.CannotLoadExecutable, argv0))
                .Explain("dlopen() maps shared objects only; this is a position-dependent executable")
                .Fix("link it as a shared library (-shared -fPIC)").Fail(null);
        if (dlopen && main.Dynamic?.IsPie == true)
            return b.Say(LoaderMessage.From(GlibcMessages.CannotLoadPie, argv0))
                .Explain("glibc ≥ 2.30 refuses to dlopen a PIE (DF_1_PIE)")
                .Fix("build it with -shared instead of -pie").Fail(null);

        if (!dlopen) foreach (var w in g.Warnings) b.Say(w);
        if (g.Errors.Count > 0)
        {
            var missing = g.Objects.First(o => !o.Found);
            b.Say(dlopen ? missing.ErrorMessage! : g.Errors[0]);
            FixAdvisor.MissingLibraries(request, g, b);
            return b.Fail(dlopen ? null : 127);
        }

        var binder = new SymbolBinder(g, musl: false);
        int versionErrors = 0;
        foreach (var v in binder.CheckVersions())
        {
            if (v.NoVersionInformation)
            {
                if (!dlopen) b.Say(LoaderMessage.From(GlibcMessages.VersionCheckLine, argv0, LoaderMessage.From(GlibcMessages.NoVersionInformation, v.Provider.Path, Req(v.Requirer)).Text));
                b.Explain($"{v.Provider.Path} has no version definitions, but {Req(v.Requirer)} was linked against a versioned one: symbols bind by name only");
                continue;
            }
            if (v.Weak) continue;
            var line = LoaderMessage.From(GlibcMessages.VersionNotFound, v.Provider.Path, v.Version!, Req(v.Requirer));
            // dlerror() keeps the first error; the start-up check prints them all.
            if (!dlopen) b.Say(LoaderMessage.From(GlibcMessages.VersionCheckLine, argv0, line.Text));
            else if (versionErrors == 0) b.Say(line);
            versionErrors++;
        }
        if (versionErrors > 0)
        {
            FixAdvisor.Versions(g, b);
            return b.Fail(dlopen ? null : 1);
        }

        bool bindNow = dlopen || request.Environment.TryGetValue("LD_BIND_NOW", out var bn) && bn.Length > 0;
        foreach (var u in binder.Bind(bindNow))
        {
            if (u.AssertsInCheckMatch)
            {
                // The assertion's line in elf/dl-lookup.c: 106 in 2.35, 2.39 and 2.40; 107 in 2.36 to 2.38 (removed in 2.41).
                string assertLine = g.LoaderVersion is { Major: 2, Minor: >= 36 and <= 38 } or null ? "107" : "106";
                b.Say(LoaderMessage.From(GlibcMessages.CheckMatchAssertion, assertLine))
                    .Explain($"{Req(u.Referencer)} references {u.Name}@{u.Version}, but the library it was linked against now has no symbol versions; glibc before 2.41 aborts with an assertion")
                    .Fix("use the library the program was built against (with its version script), or rebuild the program against this one");
                return b.Fail(dlopen ? null : 127);
            }
            // Opened alone, a library of a plugin API expects its host to define these (a Node addon's napi_*).
            if (dlopen && !inHost && HostApis.Find(u.Name) is { } api)
            {
                b.Explain(HostApis.Describe(u.Name, api));
                continue;
            }
            var error = u.Version is null
                ? LoaderMessage.From(GlibcMessages.UndefinedSymbol, Req(u.Referencer), u.Name)
                : LoaderMessage.From(GlibcMessages.UndefinedVersionedSymbol, Req(u.Referencer), u.Name, u.Version);
            var line = LoaderMessage.From(GlibcMessages.SymbolLookupError, argv0, error.Text);
            if (u.Lazy) { b.Later(line.Text); continue; }
            b.Say(dlopen ? error : line)
                .Explain($"{Req(u.Referencer)} needs {u.Name}{(u.Version is null ? "" : "@" + u.Version)}, which none of the loaded objects defines; it is bound at start-up (a data reference, or BIND_NOW)");
            FixAdvisor.UndefinedSymbol(request, g, u, b);
            return b.Fail(dlopen ? null : 127);
        }
        var report = b.Start();
        if (report.Later.Count == 0) return report;
        b.Explain("the program starts, but these functions are bound lazily and are missing: the first call aborts the program with exit status 127")
            .Fix("set LD_BIND_NOW=1 (or link with -Wl,-z,now) to see such problems at start-up; link the library that defines them");
        return b.Start();
    }
}
