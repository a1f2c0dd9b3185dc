using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>
/// The dynamic section, read as the loader reads it: from PT_DYNAMIC up to DT_NULL, with DT_STRTAB located
/// through the PT_LOAD mapping (glibc elf/get-dynamic-info.h). Strings (NEEDED, SONAME, RPATH, RUNPATH) are
/// exactly as stored.
/// </summary>
public sealed class ElfDynamicSection
{
    private readonly ElfFile _file;
    private readonly ulong _strtabOffset;
    private readonly ulong _strtabSize;
    private readonly bool _hasStrtab;

    private ElfDynamicSection(ElfFile file, IReadOnlyList<ElfDynamicEntry> entries)
    {
        _file = file;
        Entries = entries;
        ulong strtab = 0, strsz = 0;
        bool hasStrtab = false, hasStrsz = false;
        foreach (var e in entries)
        {
            if (e.Tag == DT_STRTAB && !hasStrtab) { strtab = e.Value; hasStrtab = true; }
            else if (e.Tag == DT_STRSZ && !hasStrsz) { strsz = e.Value; hasStrsz = true; }
        }
        if (hasStrtab)
        {
            if (file.MapAddress(strtab, 1, out ulong off))
            {
                ulong avail = (ulong)file.Image.Length - off;
                _strtabOffset = off;
                _strtabSize = hasStrsz ? Math.Min(strsz, avail) : avail;
                if (hasStrsz && strsz > avail)
                    file.AddAnomaly("ELF020", $"DT_STRSZ 0x{strsz:x} extends past end of file", (long)off);
                _hasStrtab = true;
            }
            else if (file.FindSectionByType(SHT_DYNAMIC) is { } dynSec && dynSec.Link < file.Sections.Count)
            {
                var s = file.Sections[(int)dynSec.Link];
                if (s.HasFileData && file.TryBytes(s.Offset, s.Size, out _)) { _strtabOffset = s.Offset; _strtabSize = s.Size; _hasStrtab = true; }
            }
            if (!_hasStrtab)
                file.AddAnomaly("ELF021", $"DT_STRTAB address 0x{strtab:x} is not in any loadable segment");
        }

        var needed = new List<string>();
        foreach (var e in entries)
        {
            switch (e.Tag)
            {
                case DT_NEEDED: needed.Add(GetString(e.Value)); break;
                case DT_SONAME: SoName ??= GetString(e.Value); break;
                case DT_RPATH: RPath ??= GetString(e.Value); break;
                case DT_RUNPATH: RunPath ??= GetString(e.Value); break;
                case DT_FLAGS: Flags = e.Value; break;
                case DT_FLAGS_1: Flags1 = e.Value; HasFlags1 = true; break;
                case DT_BIND_NOW: HasBindNowTag = true; break;
                case DT_TEXTREL: HasTextRelTag = true; break;
                case DT_SYMBOLIC: HasSymbolicTag = true; break;
            }
        }
        Needed = needed;
    }

    public IReadOnlyList<ElfDynamicEntry> Entries { get; }
    public IReadOnlyList<string> Needed { get; }
    public string? SoName { get; }
    public string? RPath { get; }
    public string? RunPath { get; }
    public ulong Flags { get; }
    public ulong Flags1 { get; }
    public bool HasFlags1 { get; }
    public bool HasBindNowTag { get; }
    public bool HasTextRelTag { get; }
    public bool HasSymbolicTag { get; }

    /// <summary>DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW: this object's PLT is bound at startup.</summary>
    public bool BindNow => HasBindNowTag || (Flags & DF_BIND_NOW) != 0 || (Flags1 & DF_1_NOW) != 0;
    public bool TextRel => HasTextRelTag || (Flags & DF_TEXTREL) != 0;
    public bool IsPie => (Flags1 & DF_1_PIE) != 0;
    public bool NoDefaultLib => (Flags1 & DF_1_NODEFLIB) != 0;

    public bool TryGetValue(long tag, out ulong value)
    {
        foreach (var e in Entries)
            if (e.Tag == tag) { value = e.Value; return true; }
        value = 0;
        return false;
    }

    /// <summary>The NUL-terminated bytes at <paramref name="offset"/> in the dynamic string table.</summary>
    public ReadOnlySpan<byte> GetStringBytes(ulong offset)
    {
        if (!_hasStrtab || offset >= _strtabSize) return default;
        return ElfFile.CString(_file.Image.Span.Slice((int)(_strtabOffset + offset), (int)(_strtabSize - offset)));
    }

    public bool IsValidStringOffset(ulong offset) => _hasStrtab && offset < _strtabSize;

    /// <summary>A string of the dynamic string table; <c>&lt;corrupt&gt;</c> (and an anomaly) for a bad index.</summary>
    public string GetString(ulong offset)
    {
        if (!IsValidStringOffset(offset))
        {
            _file.AddAnomaly("ELF022", $"dynamic string offset 0x{offset:x} lies outside the string table (size 0x{_strtabSize:x})");
            return "<corrupt>";
        }
        return Encoding.UTF8.GetString(GetStringBytes(offset));
    }

    internal static ElfDynamicSection? Read(ElfFile file)
    {
        ulong offset, size;
        if (file.FindProgramHeader(PT_DYNAMIC) is { } ph)
        {
            offset = ph.Offset;
            size = ph.FileSize;
        }
        else if (file.ProgramHeaders.Count == 0 && file.FindSectionByType(SHT_DYNAMIC) is { } sec)
        {
            offset = sec.Offset;
            size = sec.Size;
        }
        else return null;

        int entSize = file.Is64 ? 16 : 8;
        ReadOnlySpan<byte> data = file.Bytes(offset, size, "dynamic section");
        var r = file.Reader;
        int count = data.Length / entSize;
        var entries = new List<ElfDynamicEntry>(Math.Min(count, 64));
        bool terminated = false;
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> e = data.Slice(i * entSize, entSize);
            long tag = file.Is64 ? r.I64(e) : r.I32(e);
            ulong val = file.Is64 ? r.U64(e[8..]) : r.U32(e[4..]);
            if (tag == DT_NULL) { terminated = true; break; }
            entries.Add(new ElfDynamicEntry(tag, val));
        }
        if (!terminated)
            file.AddAnomaly("ELF023", "dynamic section has no DT_NULL terminator", (long)offset);
        return new ElfDynamicSection(file, entries);
    }

    /// <summary>Names of the DF_* bits set in DT_FLAGS, as readelf prints them.</summary>
    public static IEnumerable<string> FlagNames(ulong flags)
    {
        (ulong bit, string name)[] names = [(DF_ORIGIN, "ORIGIN"), (DF_SYMBOLIC, "SYMBOLIC"), (DF_TEXTREL, "TEXTREL"), (DF_BIND_NOW, "BIND_NOW"), (DF_STATIC_TLS, "STATIC_TLS")];
        foreach (var (bit, name) in names)
            if ((flags & bit) != 0) yield return name;
    }

    /// <summary>Names of the DF_1_* bits set in DT_FLAGS_1, as readelf prints them.</summary>
    public static IEnumerable<string> Flag1Names(ulong flags)
    {
        (ulong bit, string name)[] names = [
            (DF_1_NOW, "NOW"), (DF_1_GLOBAL, "GLOBAL"), (DF_1_GROUP, "GROUP"), (DF_1_NODELETE, "NODELETE"),
            (DF_1_LOADFLTR, "LOADFLTR"), (DF_1_INITFIRST, "INITFIRST"), (DF_1_NOOPEN, "NOOPEN"), (DF_1_ORIGIN, "ORIGIN"),
            (DF_1_DIRECT, "DIRECT"), (DF_1_TRANS, "TRANS"), (DF_1_INTERPOSE, "INTERPOSE"), (DF_1_NODEFLIB, "NODEFLIB"),
            (DF_1_NODUMP, "NODUMP"), (DF_1_CONFALT, "CONFALT"), (DF_1_ENDFILTEE, "ENDFILTEE"), (DF_1_DISPRELDNE, "DISPRELDNE"),
            (DF_1_DISPRELPND, "DISPRELPND"), (DF_1_NODIRECT, "NODIRECT"), (DF_1_IGNMULDEF, "IGNMULDEF"), (DF_1_NOKSYMS, "NOKSYMS"),
            (DF_1_NOHDR, "NOHDR"), (DF_1_EDITED, "EDITED"), (DF_1_NORELOC, "NORELOC"), (DF_1_SYMINTPOSE, "SYMINTPOSE"),
            (DF_1_GLOBAUDIT, "GLOBAUDIT"), (DF_1_SINGLETON, "SINGLETON"), (DF_1_STUB, "STUB"), (DF_1_PIE, "PIE")];
        foreach (var (bit, name) in names)
            if ((flags & bit) != 0) yield return name;
    }
}
