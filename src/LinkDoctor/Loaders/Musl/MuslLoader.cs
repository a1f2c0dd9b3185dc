namespace LinkDoctor.Loaders.Musl;

/// <summary>A model of musl's dynamic linker (ldso/dynlink.c); see <see cref="Load"/>.</summary>
public static class MuslLoader
{
    public static LoadGraph Load(LoadRequest request) => throw new NotSupportedException("musl loader model: not yet implemented");
}
