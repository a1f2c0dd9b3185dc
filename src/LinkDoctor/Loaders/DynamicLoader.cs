using LinkDoctor.Diagnosis;
using LinkDoctor.Formats;
using LinkDoctor.IO;
using LinkDoctor.Loaders.Glibc;
using LinkDoctor.Loaders.Musl;
using LinkDoctor.Loaders.Dyld;
using LinkDoctor.Loaders.Windows;

namespace LinkDoctor.Loaders;

/// <summary>
/// A model of one dynamic loader (glibc's ld.so, musl's, dyld, the Windows loader). A new loader plugs in by
/// implementing this and adding itself to <see cref="LoaderRegistry.All"/>; the commands never name a loader.
/// </summary>
public interface ILoaderModel
{
    /// <summary>The name users give to <c>--loader</c> and the reports show (<c>glibc</c>, <c>musl</c>).</summary>
    string Name { get; }

    /// <summary>How well this loader fits <paramref name="main"/> in <paramref name="root"/>: 0 = not at all; the highest claim wins.</summary>
    int Claim(ILoadableObject main, RootedFileSystem root);

    /// <summary>Maps the program and its dependencies as the loader would (trace mode when the request says so).</summary>
    LoadGraph Load(LoadRequest request, BinaryFile file, ILoadableObject main);

    /// <summary>
    /// The start after execve succeeded (or a dlopen): what the loader prints, the exit status, explanations and
    /// fixes. The kernel and shell part of the start (<see cref="ExecStep"/>) has already been checked.
    /// </summary>
    WhyReport Simulate(LoadRequest request, LoadGraph graph, bool dlopen);

    /// <summary>Every message this loader prints, cited to its source.</summary>
    IMessageCatalog Messages { get; }
}

/// <summary>The loaders LinkDoctor models, and the choice among them.</summary>
public static class LoaderRegistry
{
    public static IReadOnlyList<ILoaderModel> All { get; } = [GlibcLoader.Model, MuslLoader.Model, DyldLoader.Model, WindowsLoader.Model];

    public static ILoaderModel? Find(string name) => All.FirstOrDefault(l => l.Name == name);

    /// <summary>The loader named by the request, or the one that claims the object most strongly.</summary>
    public static ILoaderModel Choose(LoadRequest request, ILoadableObject main)
    {
        if (request.Loader != "auto")
            return Find(request.Loader) ?? throw new ArgumentException($"unknown loader '{request.Loader}' (known: {string.Join(", ", All.Select(l => l.Name))})");
        // A library opened into a host runs under the host's loader.
        if (request.Host is not null)
        {
            using var host = BinaryFile.Open(request.Host);
            return Choose(request with { Host = null }, host.Objects[0]);
        }
        ILoaderModel? best = null;
        int bestClaim = 0;
        foreach (var l in All)
        {
            int c = l.Claim(main, request.Root);
            if (c > bestClaim) { best = l; bestClaim = c; }
        }
        return best ?? throw new BinaryFormatException($"no loader model for a {main.Format} {main.Machine} object");
    }
}

/// <summary>The entry point of every loader command: open the program, choose its loader, load.</summary>
public static class DynamicLoader
{
    /// <summary>Loads <see cref="LoadRequest.Program"/> with the loader that fits it. Bad input for the program throws.</summary>
    public static LoadGraph Load(LoadRequest request)
    {
        var file = BinaryFile.Open(request.Program);
        try
        {
            var main = file.Objects[0];
            return LoaderRegistry.Choose(request, main).Load(request, file, main);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}
