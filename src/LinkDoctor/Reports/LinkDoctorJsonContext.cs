using System.Text.Json.Serialization;

namespace LinkDoctor.Reports;

/// <summary>Source-generated JSON (no reflection, NativeAOT-safe). camelCase names; see the README for the schema.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<InspectReport>))]
[JsonSerializable(typeof(List<SymbolReport>))]
[JsonSerializable(typeof(List<LoadGraphReport>))]
[JsonSerializable(typeof(List<LinkDoctor.Diagnosis.WhyReport>))]
[JsonSerializable(typeof(List<LinkDoctor.Diagnosis.CheckReport>))]
[JsonSerializable(typeof(LinkDoctor.Repair.BundleReport))]
public sealed partial class LinkDoctorJsonContext : JsonSerializerContext;
