using System.Text.Json.Serialization;

namespace LinkDoctor.Reports;

/// <summary>One symbol of <c>symbols --json</c> (or, for a file that cannot be read, <c>path</c> + <c>error</c>).</summary>
public sealed class SymbolReport
{
    public required string Path { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Table { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Index { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Name { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Version { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? DefaultVersion { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Defined { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Binding { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Type { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Visibility { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Section { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Value { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ulong? Size { get; init; }
    /// <summary>Mach-O: the slice's architecture in a universal file.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Slice { get; init; }
    /// <summary>Mach-O imports: the dylib of the two-level namespace ordinal; PE imports: the DLL.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Library { get; init; }
    /// <summary>Mach-O: the library ordinal (1-based, or 0 self, -1 main executable, -2 flat lookup, -3 weak lookup).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? LibraryOrdinal { get; init; }
    /// <summary>PE: the export ordinal, or the ordinal an import is imported by.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Ordinal { get; init; }
    /// <summary>PE imports by name: the hint (the index into the DLL's export name table the linker expected).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? Hint { get; init; }
    /// <summary>PE: the forwarder (<c>NTDLL.RtlAllocateHeap</c>); Mach-O re-exports: <c>install-name:symbol</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Forwarder { get; init; }
}
