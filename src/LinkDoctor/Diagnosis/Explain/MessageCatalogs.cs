using LinkDoctor.Loaders;
using LinkDoctor.Loaders.Kernel;

namespace LinkDoctor.Diagnosis.Explain;

/// <summary>
/// Every message catalogue <c>explain</c> reads logs with: each registered loader's own (<see cref="LoaderRegistry.All"/>,
/// so a loader added there brings its messages along), the shell's, and the catalogues of the components that are
/// not loaders (linkers, <c>go build</c>, glibc's static-link warning, the runtimes that wrap <c>dlerror()</c>).
/// </summary>
public static class MessageCatalogs
{
    /// <summary>Catalogues of components that are not loaders; a new one joins with one line here.</summary>
    public static IReadOnlyList<IMessageCatalog> Components { get; } =
    [
        ShellMessages.Instance, ShellVariantMessages.Instance, LinkerMessages.Instance, GlibcStaticMessages.Instance,
        GoBuildMessages.Instance, RuntimeWrapperMessages.Instance, GoPluginMessages.Instance,
    ];

    /// <summary>Every catalogue <c>explain</c> uses: loaders first, then the other components.</summary>
    public static IReadOnlyList<IMessageCatalog> All =>
        [.. LoaderRegistry.All.Select(l => l.Messages).Distinct(), .. Components.Where(c => !LoaderRegistry.All.Any(l => l.Messages.GetType() == c.GetType()))];

    /// <summary>Every template of <see cref="All"/>, each id once (the first catalogue that has it wins).</summary>
    public static IReadOnlyList<MessageTemplate> Templates
    {
        get
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            return [.. All.SelectMany(c => c.Messages).Where(m => seen.Add(m.Id))];
        }
    }
}
