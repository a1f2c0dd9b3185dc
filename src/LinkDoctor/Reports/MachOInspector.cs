using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Reports;

/// <summary>The <c>inspect</c> report of one Mach-O image (a thin file or one slice).</summary>
public static class MachOInspector
{
    public static InspectReport Inspect(MachOFile m, string path, InspectOptions options, IReadOnlyList<ILoadableObject>? siblings)
    {
        var h = m.Header;
        var min = m.MinimumOs;
        var id = m.IdDylib;
        var imports = m.Imports.Count();
        var exports = m.Exports.Count();
        bool executable = h.FileType == MH_EXECUTE;
        var report = new InspectReport
        {
            Path = path,
            Format = "Mach-O",
            Class = m.Is64 ? "64-bit" : "32-bit",
            Endian = m.IsBigEndian ? "big" : "little",
            Machine = m.Machine,
            Type = Inspector.KindName(m.Kind),
            Interpreter = m.Interpreter,
            Needed = [.. m.Dylibs.Select(d => d.Name)],
            Linkage = (h.Flags & MH_DYLDLINK) != 0 || m.Dylinker is not null ? "dynamic" : executable ? "static" : "none",
            ExecutableStack = executable ? (h.Flags & MH_ALLOW_STACK_EXECUTION) != 0 : null,
            Entry = m.EntryPoint is { } e ? $"0x{e.EntryOff:x}" : null,
            Slice = m.IsSlice ? m.Machine : null,
            Architectures = m.IsSlice && siblings is not null ? [.. siblings.Select(s => s.Machine)] : null,
            Rpaths = m.RPaths,
            InstallName = id?.Name,
            CurrentVersion = id is { } i1 ? FormatDylibVersion(i1.CurrentVersion) : null,
            CompatibilityVersion = id is { } i2 ? FormatDylibVersion(i2.CompatibilityVersion) : null,
            Dylibs = [.. m.Dylibs.Select(d => new DylibReport(d.Name, DylibKind(d.Command), FormatDylibVersion(d.CompatibilityVersion), FormatDylibVersion(d.CurrentVersion)))],
            MinOs = min?.ToString(),
            Platform = min?.PlatformName,
            Sdk = min is null || min.Sdk == 0 ? null : FormatVersion(min.Sdk),
            BuildVersions = [.. m.BuildVersions.Select(b => new BuildVersionReport(LoadCommandName(b.Command), b.PlatformName, FormatVersion(b.MinOs),
                b.Sdk == 0 ? "n/a" : FormatVersion(b.Sdk), [.. b.Tools.Select(t => $"{ToolName(t.Tool)} {FormatVersion(t.Version)}")]))],
            Uuid = m.Uuid is { } u ? new Guid(u, bigEndian: true).ToString().ToUpperInvariant() : null,
            CodeSignature = m.CodeSignature is not null,
            HeaderPadding = m.HeaderPadding,
            HeaderFlags = [.. HeaderFlagNames(h.Flags)],
            FixupFormat = m.ChainedFixups is not null ? "chained-fixups" : m.DyldInfo is not null ? "dyld-info" : m.Symtab is not null ? "symbol-table" : "none",
            ImportCount = imports,
            ExportCount = exports,
            MachOHeaders = options.Headers ? Headers(m) : null,
        };
        return m.Anomalies.Count == 0 ? report : report with { Anomalies = [.. m.Anomalies.Select(a => a.ToString())] };
    }

    /// <summary>load, weak, reexport, lazy or upward: the dylib command's kind.</summary>
    public static string DylibKind(uint cmd) => cmd switch
    {
        LC_LOAD_WEAK_DYLIB => "weak",
        LC_REEXPORT_DYLIB => "reexport",
        LC_LAZY_LOAD_DYLIB => "lazy",
        LC_LOAD_UPWARD_DYLIB => "upward",
        LC_ID_DYLIB => "id",
        _ => "load",
    };

    private static string Prot(uint p) =>
        $"{((p & VM_PROT_READ) != 0 ? 'r' : '-')}{((p & VM_PROT_WRITE) != 0 ? 'w' : '-')}{((p & VM_PROT_EXECUTE) != 0 ? 'x' : '-')}";

    private static MachOHeadersReport Headers(MachOFile m)
    {
        var h = m.Header;
        return new MachOHeadersReport(
            h.Magic switch { MH_MAGIC => "MH_MAGIC", MH_MAGIC_64 => "MH_MAGIC_64", MH_CIGAM => "MH_CIGAM", _ => "MH_CIGAM_64" },
            $"0x{h.CpuType:x}", $"0x{h.CpuSubType:x}", FileTypeName(h.FileType), h.NCmds, h.SizeOfCmds, $"0x{h.Flags:x}",
            [.. m.LoadCommands.Select(c => new LoadCommandReport(c.Index, c.Name, c.CmdSize, $"0x{c.Offset:x}"))],
            [.. m.Segments.Select(s => new SegmentReport(s.Name, $"0x{s.VmAddr:x}", $"0x{s.VmSize:x}", $"0x{s.FileOff:x}", $"0x{s.FileSize:x}",
                Prot(s.MaxProt), Prot(s.InitProt),
                [.. s.Sections.Select(x => new MachOSectionReport(x.SegmentName, x.Name, $"0x{x.Address:x}", $"0x{x.Size:x}", $"0x{x.Offset:x}", x.Align, $"0x{x.Flags:x}"))]))]);
    }
}
