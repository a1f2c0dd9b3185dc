using System.Text.Json;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>
/// One entry of a dlopen metadata note (https://systemd.io/ELF_DLOPEN_METADATA/): a library the object may
/// <c>dlopen</c>, with the alternatives of its SONAME in the order they are tried.
/// </summary>
/// <param name="Priority"><c>required</c>, <c>recommended</c> or <c>suggested</c> (the spec's default is <c>recommended</c>).</param>
public sealed record DlopenNote(string? Feature, string? Description, string Priority, IReadOnlyList<string> Soname);

/// <summary>Reads the FDO dlopen notes (type 0x407c0c0a, a zero-terminated JSON array of objects).</summary>
public static class DlopenMetadata
{
    /// <summary>
    /// Every entry of every dlopen note: from the PT_NOTE segments, and from SHT_NOTE sections no segment covers
    /// (a note added with <c>objcopy --add-section</c> is not allocated). Notes that are not valid JSON are reported
    /// as anomalies (ELF053) and skipped.
    /// </summary>
    public static IReadOnlyList<DlopenNote> Read(ElfFile file)
    {
        var notes = new List<ElfNote>();
        foreach (var n in file.Notes)
            if (n.Owner == "FDO" && n.Type == NT_FDO_DLOPEN_METADATA) notes.Add(n);
        if (file.ProgramHeaders.Count > 0)
        {
            foreach (var s in file.Sections)
            {
                if (s.Type != SHT_NOTE || s.Size == 0) continue;
                bool covered = file.ProgramHeaders.Any(ph => ph.Type == PT_NOTE && s.Offset >= ph.Offset && s.Offset < ph.Offset + ph.FileSize);
                if (covered || !file.TryBytes(s.Offset, s.Size, out _)) continue;
                var more = new List<ElfNote>();
                ElfNotes.ReadBlock(file, s.Offset, s.Size, s.AddrAlign, s.Name, more);
                notes.AddRange(more.Where(n => n.Owner == "FDO" && n.Type == NT_FDO_DLOPEN_METADATA));
            }
        }
        var result = new List<DlopenNote>();
        foreach (var n in notes)
        {
            var desc = ElfNotes.Descriptor(file, n);
            int nul = desc.IndexOf((byte)0);
            if (nul >= 0) desc = desc[..nul];
            try
            {
                using var doc = JsonDocument.Parse(desc.ToArray());
                if (doc.RootElement.ValueKind != JsonValueKind.Array) throw new JsonException("not a JSON array");
                foreach (var e in doc.RootElement.EnumerateArray())
                {
                    if (e.ValueKind != JsonValueKind.Object) continue;
                    var sonames = new List<string>();
                    if (e.TryGetProperty("soname", out var so) && so.ValueKind == JsonValueKind.Array)
                        foreach (var x in so.EnumerateArray())
                            if (x.ValueKind == JsonValueKind.String && x.GetString() is { Length: > 0 } name) sonames.Add(name);
                    result.Add(new DlopenNote(Str(e, "feature"), Str(e, "description"), Str(e, "priority") ?? "recommended", sonames));
                }
            }
            catch (JsonException e)
            {
                file.AddAnomaly("ELF053", $"dlopen metadata note in {n.Source} is not a JSON array of objects: {e.Message.Split('\n')[0]}", n.DescriptorOffset);
            }
        }
        return result;
    }

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
