namespace LinkDoctor.Diagnosis;

/// <summary>A C API that a host process defines for the plugins and extension modules it loads.</summary>
/// <param name="Host">The program that provides it (<c>node</c>, <c>python3</c>…).</param>
/// <param name="Api">The API's name.</param>
/// <param name="Source">Where the symbols are documented as the host's.</param>
public sealed record HostApi(string Host, string Api, string Source);

/// <summary>
/// Symbols that a plugin or extension module leaves undefined on purpose, because the process that loads it defines
/// them: <c>dlopen</c> simulated without <c>--host</c> reports them as provided by the host, not as missing.
/// Prefixes, first match wins.
/// </summary>
public static class HostApis
{
    private static readonly HostApi Node = new("node", "Node-API",
        "nodejs.org/api/n-api.html: Node-API functions are exported by the node executable, addons are not linked against a library");
    private static readonly HostApi NodeInternal = new("node", "Node.js embedder and libuv API",
        "nodejs.org/api/addons.html: node exports its own (node::, node_module_register) and libuv's (uv_*) symbols to addons");
    private static readonly HostApi Python = new("python3", "the Python/C API",
        "docs.python.org/3/extending/building.html and PEP 3149: extension modules are not linked against libpython; the interpreter exports Py*/_Py*");
    private static readonly HostApi Java = new("java (libjvm.so)", "the Java Native Interface",
        "docs.oracle.com/en/java/javase/21/docs/specs/jni/invocation.html: JNI_* are exported by libjvm.so, loaded by the java launcher");
    private static readonly HostApi Lua = new("lua", "the Lua C API",
        "lua.org/manual/5.4/manual.html §4 and §5 (lua.h, lauxlib.h): C modules call lua_*/luaL_* defined by the interpreter");

    /// <summary>The table: a symbol prefix and the API it belongs to.</summary>
    public static IReadOnlyList<(string Prefix, HostApi Api)> Table { get; } =
    [
        ("napi_", Node), ("node_", NodeInternal), ("uv_", NodeInternal),
        ("Py", Python), ("_Py", Python),
        ("JNI_", Java), ("Java_", Java),
        ("lua_", Lua), ("luaL_", Lua),
    ];

    /// <summary>The host API <paramref name="symbol"/> belongs to, or null.</summary>
    public static HostApi? Find(string symbol)
    {
        foreach (var (prefix, api) in Table)
            if (symbol.StartsWith(prefix, StringComparison.Ordinal) && symbol.Length > prefix.Length) return api;
        return null;
    }

    /// <summary>The explanation line for an undefined host-API symbol.</summary>
    public static string Describe(string symbol, HostApi api) =>
        $"{symbol}: provided by the host process ({api.Host}, {api.Api}), not by a library; check it loaded into its host with --host PATH-TO-{api.Host.Split(' ')[0]}";
}
