using LinkDoctor.Formats.Pe;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Reports;

/// <summary>The <c>inspect</c> report of one PE image.</summary>
public static class PeInspector
{
    private static readonly string[] DirectoryNames =
    [
        "EXPORT", "IMPORT", "RESOURCE", "EXCEPTION", "SECURITY", "BASERELOC", "DEBUG", "ARCHITECTURE", "GLOBALPTR", "TLS",
        "LOAD_CONFIG", "BOUND_IMPORT", "IAT", "DELAY_IMPORT", "COM_DESCRIPTOR", "RESERVED",
    ];

    public static InspectReport Inspect(PeFile pe, string path, InspectOptions options)
    {
        var f = pe.FileHeader;
        var o = pe.OptionalHeader;
        var clr = pe.ClrHeader;
        var imports = pe.ImportTable;
        var report = new InspectReport
        {
            Path = path,
            Format = "PE",
            Class = o.IsPe32Plus ? "PE32+" : "PE32",
            Endian = "little",
            Machine = pe.Machine,
            Type = Inspector.KindName(pe.Kind),
            Interpreter = null,
            Needed = [.. imports.Select(d => d.Name)],
            DelayNeeded = [.. pe.DelayImportTable.Select(d => d.Name)],
            InstallName = pe.InstallName,
            Linkage = imports.Count > 0 ? "dynamic" : "static",
            Entry = $"0x{o.AddressOfEntryPoint:x}",
            Subsystem = SubsystemName(o.Subsystem),
            SubsystemVersion = $"{o.MajorSubsystemVersion}.{o.MinorSubsystemVersion}",
            Characteristics = [.. CharacteristicsNames(f.Characteristics)],
            DllCharacteristics = [.. DllCharacteristicsNames(o.DllCharacteristics)],
            ImageBase = $"0x{o.ImageBase:x}",
            Pdb = pe.PdbPath,
            IsDotNet = clr is not null,
            Clr = clr is null ? null : new ClrReport($"{clr.MajorRuntimeVersion}.{clr.MinorRuntimeVersion}", clr.MetadataVersion, [.. ClrFlagNames(clr.Flags)]),
            CodeSignature = pe.Directory(IMAGE_DIRECTORY_ENTRY_SECURITY).IsPresent,
            ImportCount = pe.Imports.Count(),
            ExportCount = pe.Exports.Count(),
            PeHeaders = options.Headers ? Headers(pe) : null,
        };
        return pe.Anomalies.Count == 0 ? report : report with { Anomalies = [.. pe.Anomalies.Select(a => a.ToString())] };
    }

    public static string SectionFlags(uint c)
    {
        var parts = new List<string>();
        if ((c & IMAGE_SCN_CNT_CODE) != 0) parts.Add("CODE");
        if ((c & IMAGE_SCN_CNT_INITIALIZED_DATA) != 0) parts.Add("INITIALIZED_DATA");
        if ((c & IMAGE_SCN_CNT_UNINITIALIZED_DATA) != 0) parts.Add("UNINITIALIZED_DATA");
        if ((c & IMAGE_SCN_MEM_DISCARDABLE) != 0) parts.Add("DISCARDABLE");
        if ((c & IMAGE_SCN_MEM_SHARED) != 0) parts.Add("SHARED");
        if ((c & IMAGE_SCN_MEM_EXECUTE) != 0) parts.Add("EXECUTE");
        if ((c & IMAGE_SCN_MEM_READ) != 0) parts.Add("READ");
        if ((c & IMAGE_SCN_MEM_WRITE) != 0) parts.Add("WRITE");
        return $"0x{c:x8} {string.Join('|', parts)}".TrimEnd();
    }

    private static PeHeadersReport Headers(PeFile pe)
    {
        var f = pe.FileHeader;
        var o = pe.OptionalHeader;
        return new PeHeadersReport(CoffMachineName(f.Machine), f.NumberOfSections, $"0x{f.TimeDateStamp:x}", o.IsPe32Plus ? "PE32+ (0x20b)" : "PE32 (0x10b)",
            $"{o.MajorLinkerVersion}.{o.MinorLinkerVersion}", $"0x{o.AddressOfEntryPoint:x}", $"0x{o.ImageBase:x}", $"0x{o.SectionAlignment:x}",
            $"0x{o.FileAlignment:x}", $"{o.MajorOperatingSystemVersion}.{o.MinorOperatingSystemVersion}", $"{o.MajorImageVersion}.{o.MinorImageVersion}",
            $"{o.MajorSubsystemVersion}.{o.MinorSubsystemVersion}", $"0x{o.SizeOfImage:x}", $"0x{o.SizeOfHeaders:x}", $"0x{o.CheckSum:x}",
            [.. pe.DataDirectories.Select((d, i) => new DataDirectoryReport(DirectoryNames[i], $"0x{d.VirtualAddress:x}", $"0x{d.Size:x}"))],
            [.. pe.Sections.Select(s => new PeSectionReport(s.Index, s.Name, $"0x{s.VirtualSize:x}", $"0x{s.VirtualAddress:x}", $"0x{s.SizeOfRawData:x}",
                $"0x{s.PointerToRawData:x}", SectionFlags(s.Characteristics)))]);
    }
}
