namespace LinkDoctor.Diagnosis;

/// <summary>
/// What <c>plugin.Open</c> returns and what the runtime throws, as data (checked on go1.19.8; the strings are the
/// same through go1.23). <c>{name}</c> is the name given to Open (with <c>.so</c> stripped only after a
/// successful dlopen, plugin_dlopen.go:71-73).
/// </summary>
public sealed class GoPluginMessages : IMessageCatalog
{

    /// <summary>src/plugin/plugin_stubs.go:16 (built when <c>!cgo</c> or not linux/darwin/freebsd).</summary>
    public static readonly MessageTemplate NotImplemented = new("go-plugin.not-implemented", "go-plugin",
        "plugin: not implemented", "src/plugin/plugin_stubs.go:16 open (go1.19)");

    /// <summary>src/plugin/plugin_dlopen.go:49.</summary>
    public static readonly MessageTemplate RealpathFailed = new("go-plugin.realpath-failed", "go-plugin",
        "plugin.Open(\"{name}\"): realpath failed", "src/plugin/plugin_dlopen.go:49 open (go1.19)");

    /// <summary>src/plugin/plugin_dlopen.go:58: the same real path failed in lastmoduleinit before.</summary>
    public static readonly MessageTemplate PreviousFailure = new("go-plugin.previous-failure", "go-plugin",
        "plugin.Open(\"{name}\"): {err} (previous failure)", "src/plugin/plugin_dlopen.go:58 open (go1.19): p.err, the first failure's words, kept as they were (not read as a message of its own)");

    /// <summary>
    /// src/plugin/plugin_dlopen.go:67 (dlopen(realpath, RTLD_NOW|RTLD_GLOBAL) failed; the error is dlerror()) and :84
    /// (an errstr from runtime.plugin_lastmoduleinit): the same words, so one template.
    /// </summary>
    public static readonly MessageTemplate DlopenFailed = new("go-plugin.dlopen", "go-plugin",
        "plugin.Open(\"{name}\"): {error}", "src/plugin/plugin_dlopen.go:67,84 open (go1.19)");

    /// <summary>plugin_dlopen.go:84 prints what lastmoduleinit returned with the same words as a dlopen failure.</summary>
    public static MessageTemplate ModuleInitFailed => DlopenFailed;

    /// <summary>src/runtime/plugin.go:26 and :32: the newest module is already initialised, or its pluginpath is loaded.</summary>
    public static readonly MessageTemplate AlreadyLoaded = new("go-plugin.already-loaded", "go-plugin",
        "plugin already loaded", "src/runtime/plugin.go:26,32 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/runtime/plugin.go:54.</summary>
    public static readonly MessageTemplate DifferentVersion = new("go-plugin.different-version", "go-plugin",
        "plugin was built with a different version of package {package}", "src/runtime/plugin.go:54 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/plugin/plugin_dlopen.go:119.</summary>
    public static readonly MessageTemplate SymbolNotFound = new("go-plugin.symbol-not-found", "go-plugin",
        "plugin.Open(\"{name}\"): could not find symbol {symbol}: {detail}", "src/plugin/plugin_dlopen.go:119 open (go1.19)");

    /// <summary>src/runtime/plugin.go:20 (a fatal throw: the process exits with status 2).</summary>
    public static readonly MessageTemplate NoModuleData = new("go-plugin.no-module-data", "go-plugin",
        "fatal error: runtime: no plugin module data", "src/runtime/plugin.go:20 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/runtime/plugin.go:23 (fatal).</summary>
    public static readonly MessageTemplate EmptyPluginPath = new("go-plugin.empty-pluginpath", "go-plugin",
        "fatal error: runtime: plugin has empty pluginpath", "src/runtime/plugin.go:23 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/plugin/plugin_dlopen.go:141 lookup.</summary>
    public static readonly MessageTemplate LookupNotFound = new("go-plugin.lookup-not-found", "go-plugin",
        "plugin: symbol {symbol} not found in plugin {pluginpath}", "src/plugin/plugin_dlopen.go:141 lookup (go1.19)");

    /// <summary>src/runtime/plugin.go:48 (fatal): the plugin's module data overlaps a loaded module's.</summary>
    public static readonly MessageTemplate Overlap = new("go-plugin.overlap", "go-plugin",
        "fatal error: plugin: new module data overlaps with previous moduledata", "src/runtime/plugin.go:48 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/runtime/plugin.go:122 (fatal): the plugin's function table fails moduledataverify.</summary>
    public static readonly MessageTemplate BadSymbolTable = new("go-plugin.bad-symbol-table", "go-plugin",
        "fatal error: runtime: plugin has bad symbol table", "src/runtime/plugin.go:122 plugin_lastmoduleinit (go1.19)");

    /// <summary>src/runtime/symtab.go:641 moduledataverify1 (-linkshared modules): println, then throw("abi mismatch").</summary>
    public static readonly MessageTemplate AbiMismatch = new("go-plugin.abi-mismatch", "go-plugin",
        "abi mismatch detected between {name} and {package}", "src/runtime/symtab.go:641 moduledataverify1 (go1.19)");

    public IReadOnlyList<MessageTemplate> Messages { get; } =
        [NotImplemented, RealpathFailed, PreviousFailure, DlopenFailed, AlreadyLoaded, DifferentVersion, SymbolNotFound, NoModuleData, EmptyPluginPath, LookupNotFound, Overlap, BadSymbolTable, AbiMismatch];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static GoPluginMessages Instance { get; } = new();
}
