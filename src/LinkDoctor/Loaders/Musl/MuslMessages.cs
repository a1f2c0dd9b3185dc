using LinkDoctor.Diagnosis;

namespace LinkDoctor.Loaders.Musl;

/// <summary>What musl's dynamic linker prints (ldso/dynlink.c, checked against musl 1.2.3, Debian 12's musl).</summary>
public sealed class MuslMessages : IMessageCatalog
{
    private const string Dynlink = "musl ldso/dynlink.c";

    public static readonly MessageTemplate LoadError = new("musl.load-error", "musl",
        "Error loading shared library {library}: {strerror} (needed by {requiredBy})", Dynlink + " load_deps: error(\"Error loading shared library %s: %m (needed by %s)\")");
    public static readonly MessageTemplate DlopenLoadError = new("musl.dlopen-load-error", "musl",
        "Error loading shared library {library}: {strerror}", Dynlink + " dlopen: error(\"Error loading shared library %s: %m\")");
    public static readonly MessageTemplate SymbolNotFound = new("musl.symbol-not-found", "musl",
        "Error relocating {file}: {symbol}: symbol not found", Dynlink + " do_relocs: error(\"Error relocating %s: %s: symbol not found\")");
    public static readonly MessageTemplate TraceFound = new("musl.trace-found", "musl",
        "\t{name} => {path}", Dynlink + " load_library with ldd_mode (\"\\t%s => %s (%p)\\n\", without the address)");
    public static readonly MessageTemplate TraceSelf = new("musl.trace-self", "musl",
        "\t{name}", Dynlink + " __dls3 with ldd_mode (\"\\t%s (%p)\\n\" for the loader itself)");

    public IReadOnlyList<MessageTemplate> Messages { get; } = [LoadError, DlopenLoadError, SymbolNotFound, TraceFound, TraceSelf];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static MuslMessages Instance { get; } = new();
}
