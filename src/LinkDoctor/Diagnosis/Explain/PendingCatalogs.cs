namespace LinkDoctor.Diagnosis.Explain;

// ============================================================================================================
// PENDING CATALOGUES. The Go plugin catalogue is being written on another branch (the Go plugin messages in
// Formats/Go or Diagnosis/Go*); dyld's and Windows' are Loaders/Dyld and Loaders/Windows. Until it lands, explain
// reads that component's messages with the minimal templates below.
// MessageCatalogs.All drops a pending catalogue by itself as soon as a registered catalogue has a template of the
// same component, and ExplainRules binds its rules by component and a distinctive literal, not only by id; so when
// the real catalogues are merged this file can simply be deleted (and PendingCatalogs.All with it).
// ============================================================================================================

/// <summary>Stand-ins for catalogues other branches are writing; see the comment at the top of this file.</summary>
public static class PendingCatalogs
{
    public static IReadOnlyList<IMessageCatalog> All { get; } = [PendingGoPluginMessages.Instance];
}

/// <summary>Go's plugin package and runtime (Go 1.19.8: src/plugin/plugin_dlopen.go, plugin_stubs.go, src/runtime/plugin.go, symtab.go).</summary>
public sealed class PendingGoPluginMessages : IMessageCatalog
{
    public static PendingGoPluginMessages Instance { get; } = new();
    private const string Open = "Go 1.19 src/plugin/plugin_dlopen.go open: ";
    private const string Runtime = "Go 1.19 src/runtime/plugin.go plugin_lastmoduleinit: ";

    public IReadOnlyList<MessageTemplate> Messages { get; } =
    [
        new("go-plugin.realpath-failed", "go-plugin", "plugin.Open(\"{name}\"): realpath failed",
            Open + "errors.New (`plugin.Open(\"` + name + `\"): realpath failed`)"),
        new("go-plugin.previous-failure", "go-plugin", "plugin.Open(\"{name}\"): {error} (previous failure)",
            Open + "errors.New (`plugin.Open(\"` + name + `\"): ` + p.err + ` (previous failure)`)"),
        new("go-plugin.already-loaded", "go-plugin", "plugin.Open(\"{name}\"): plugin already loaded",
            Runtime + "return \"\", nil, \"plugin already loaded\"; " + Open + "errors.New (`plugin.Open(\"` + name + `\"): ` + errstr)"),
        new("go-plugin.different-version", "go-plugin", "plugin.Open(\"{name}\"): plugin was built with a different version of package {package}",
            Runtime + "\"plugin was built with a different version of package \" + pkghash.modulename"),
        new("go-plugin.symbol-not-found", "go-plugin", "plugin.Open(\"{name}\"): could not find symbol {symbol}: {detail}",
            Open + "errors.New (`plugin.Open(\"` + name + `\"): could not find symbol ` + symName + `: ` + C.GoString (cErr))"),
        new("go-plugin.dlopen", "go-plugin", "plugin.Open(\"{name}\"): {error}",
            Open + "errors.New (`plugin.Open(\"` + name + `\"): ` + C.GoString (cErr)) after dlopen (realpath, RTLD_NOW|RTLD_GLOBAL)"),
        new("go-plugin.lookup-not-found", "go-plugin", "plugin: symbol {symbol} not found in plugin {name}",
            "Go 1.19 src/plugin/plugin_dlopen.go lookup: errors.New (\"plugin: symbol \" + symName + \" not found in plugin \" + p.pluginpath)"),
        new("go-plugin.not-implemented", "go-plugin", "plugin: not implemented",
            "Go 1.19 src/plugin/plugin_stubs.go open, lookup: errors.New (\"plugin: not implemented\") (built without cgo, or not linux/darwin/freebsd)"),
        new("go-plugin.no-module-data", "go-plugin", "runtime: no plugin module data", Runtime + "throw (\"runtime: no plugin module data\")"),
        new("go-plugin.empty-pluginpath", "go-plugin", "runtime: plugin has empty pluginpath", Runtime + "throw (\"runtime: plugin has empty pluginpath\")"),
        new("go-plugin.overlap", "go-plugin", "plugin: new module data overlaps with previous moduledata", Runtime + "throw (\"plugin: new module data overlaps with previous moduledata\")"),
        new("go-plugin.bad-symbol-table", "go-plugin", "runtime: plugin has bad symbol table", Runtime + "throw (\"runtime: plugin has bad symbol table\")"),
        new("go-plugin.abi-mismatch", "go-plugin", "abi mismatch detected between {name} and {package}",
            "Go 1.19 src/runtime/symtab.go moduledataverify1: println (\"abi mismatch detected between\", datap.modulename, \"and\", modulehash.modulename); throw (\"abi mismatch\")"),
    ];
}
