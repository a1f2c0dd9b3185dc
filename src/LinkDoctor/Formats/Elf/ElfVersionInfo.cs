using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>
/// GNU symbol versioning: the version needs (DT_VERNEED/DT_VERNEEDNUM), the version definitions
/// (DT_VERDEF/DT_VERDEFNUM) and the per-symbol version indices (DT_VERSYM), located through the dynamic
/// section as glibc's <c>_dl_check_map_versions</c> (elf/dl-version.c) locates them.
/// </summary>
public sealed class ElfVersionInfo
{
    private readonly ElfFile _file;
    private ulong _versymOffset;
    private int _versymCount = -1;
    private Dictionary<ushort, ElfVersionDefinition>? _defsByIndex;
    private Dictionary<ushort, (ElfVersionNeedFile File, ElfVersionNeed Need)>? _needsByIndex;

    private ElfVersionInfo(ElfFile file, IReadOnlyList<ElfVersionNeedFile> needs, IReadOnlyList<ElfVersionDefinition> defs)
    {
        _file = file;
        Needs = needs;
        Definitions = defs;
    }

    public bool HasVersym => VersymCount > 0;

    /// <summary>Entries of DT_VERSYM: one per dynamic symbol (located lazily, as it needs the symbol count).</summary>
    private int VersymCount
    {
        get
        {
            if (_versymCount >= 0) return _versymCount;
            _versymCount = 0;
            if (_file.Dynamic is { } dyn && dyn.TryGetValue(DT_VERSYM, out ulong versymAddr))
            {
                int nsyms = _file.DynamicSymbols?.Count ?? 0;
                if (_file.MapAddress(versymAddr, (ulong)nsyms * 2, out _versymOffset)) _versymCount = nsyms;
                else _file.AddAnomaly("ELF041", $"DT_VERSYM table (0x{versymAddr:x}, {nsyms} entries) is not within a loadable segment");
            }
            return _versymCount;
        }
    }
    public IReadOnlyList<ElfVersionNeedFile> Needs { get; }
    public IReadOnlyList<ElfVersionDefinition> Definitions { get; }

    /// <summary>The raw versym entry of symbol <paramref name="symbolIndex"/>, or null when there is none.</summary>
    public ushort? GetVersym(int symbolIndex)
    {
        if (symbolIndex < 0 || symbolIndex >= VersymCount) return null;
        return _file.Reader.U16(_file.Image.Span[(int)(_versymOffset + (ulong)symbolIndex * 2)..]);
    }

    public ElfVersionDefinition? FindDefinition(ushort index)
    {
        _defsByIndex ??= BuildDefs();
        return _defsByIndex.TryGetValue((ushort)(index & VERSYM_VERSION), out var d) ? d : null;
    }

    public (ElfVersionNeedFile File, ElfVersionNeed Need)? FindNeed(ushort index)
    {
        _needsByIndex ??= BuildNeeds();
        return _needsByIndex.TryGetValue((ushort)(index & VERSYM_VERSION), out var n) ? n : null;
    }

    private Dictionary<ushort, ElfVersionDefinition> BuildDefs()
    {
        var d = new Dictionary<ushort, ElfVersionDefinition>();
        foreach (var def in Definitions) d.TryAdd((ushort)(def.Index & VERSYM_VERSION), def);
        return d;
    }

    private Dictionary<ushort, (ElfVersionNeedFile, ElfVersionNeed)> BuildNeeds()
    {
        var d = new Dictionary<ushort, (ElfVersionNeedFile, ElfVersionNeed)>();
        foreach (var f in Needs)
            foreach (var n in f.Versions) d.TryAdd((ushort)(n.Index & VERSYM_VERSION), (f, n));
        return d;
    }

    /// <summary>
    /// The version a dynamic symbol carries. Index 0 (local) and 1 (global) carry none. A defined symbol takes
    /// its name from the matching verdef (<c>@@</c> unless hidden); an undefined one, or a defined one with no
    /// matching verdef (a copy-relocated variable), from the verneed entry with that index (<c>@</c>).
    /// </summary>
    public ElfSymbolVersion? GetSymbolVersion(in ElfSymbol symbol)
    {
        ushort? raw = GetVersym(symbol.Index);
        if (raw is not { } v) return null;
        ushort index = (ushort)(v & VERSYM_VERSION);
        bool hidden = (v & VERSYM_HIDDEN) != 0;
        if (index <= VER_NDX_GLOBAL) return null;
        if (symbol.IsDefined && FindDefinition(index) is { } def)
            return new ElfSymbolVersion(def.Name, IsDefault: !hidden, IsReference: false, index);
        if (FindNeed(index) is { } need)
            return new ElfSymbolVersion(need.Need.Name, IsDefault: false, IsReference: true, index);
        _file.AddAnomaly("ELF040", $"symbol {symbol.Index} has version index {index}, which no verdef or verneed defines");
        return null;
    }

    /// <summary>
    /// The version as nm and readelf display it: like <see cref="GetSymbolVersion"/>, except for the absolute
    /// symbols the linker emits to name a version node (<c>LLVM_14</c> in version LLVM_14), shown bare.
    /// </summary>
    public ElfSymbolVersion? GetDisplayVersion(in ElfSymbol symbol, ReadOnlySpan<byte> name)
    {
        var v = GetSymbolVersion(symbol);
        if (v is { IsReference: false } d && symbol.SectionIndex == SHN_ABS && symbol.Value == 0
            && name.Length == System.Text.Encoding.UTF8.GetByteCount(d.Name) && System.Text.Encoding.UTF8.GetString(name) == d.Name)
            return null;
        return v;
    }

    internal static ElfVersionInfo Read(ElfFile file)
    {
        var dyn = file.Dynamic;
        if (dyn is null) return new ElfVersionInfo(file, [], []);
        return new ElfVersionInfo(file, ReadNeeds(file, dyn), ReadDefs(file, dyn));
    }

    private static List<ElfVersionNeedFile> ReadNeeds(ElfFile file, ElfDynamicSection dyn)
    {
        var result = new List<ElfVersionNeedFile>();
        if (!dyn.TryGetValue(DT_VERNEED, out ulong addr)) return result;
        dyn.TryGetValue(DT_VERNEEDNUM, out ulong num);
        if (!file.MapAddress(addr, 16, out ulong off))
        {
            file.AddAnomaly("ELF042", $"DT_VERNEED address 0x{addr:x} is not in any loadable segment");
            return result;
        }
        var r = file.Reader;
        for (ulong i = 0; i < num; i++)
        {
            if (!file.TryBytes(off, 16, out var vn)) { file.AddAnomaly("ELF043", "verneed entry extends past end of file", (long)off); break; }
            ushort version = r.U16(vn), cnt = r.U16(vn[2..]);
            uint fileName = r.U32(vn[4..]), aux = r.U32(vn[8..]), next = r.U32(vn[12..]);
            var versions = new List<ElfVersionNeed>(cnt);
            ulong a = off + aux;
            for (int j = 0; j < cnt; j++)
            {
                if (!file.TryBytes(a, 16, out var vna)) { file.AddAnomaly("ELF044", "vernaux entry extends past end of file", (long)Math.Min(a, long.MaxValue)); break; }
                versions.Add(new ElfVersionNeed(dyn.GetString(r.U32(vna[8..])), r.U32(vna), r.U16(vna[4..]), r.U16(vna[6..])));
                uint anext = r.U32(vna[12..]);
                if (anext == 0) break;
                a += anext;
            }
            result.Add(new ElfVersionNeedFile(dyn.GetString(fileName), version, versions));
            if (next == 0) break;
            off += next;
        }
        return result;
    }

    private static List<ElfVersionDefinition> ReadDefs(ElfFile file, ElfDynamicSection dyn)
    {
        var result = new List<ElfVersionDefinition>();
        if (!dyn.TryGetValue(DT_VERDEF, out ulong addr)) return result;
        dyn.TryGetValue(DT_VERDEFNUM, out ulong num);
        if (!file.MapAddress(addr, 20, out ulong off))
        {
            file.AddAnomaly("ELF045", $"DT_VERDEF address 0x{addr:x} is not in any loadable segment");
            return result;
        }
        var r = file.Reader;
        for (ulong i = 0; i < num; i++)
        {
            if (!file.TryBytes(off, 20, out var vd)) { file.AddAnomaly("ELF046", "verdef entry extends past end of file", (long)off); break; }
            ushort version = r.U16(vd), flags = r.U16(vd[2..]), ndx = r.U16(vd[4..]), cnt = r.U16(vd[6..]);
            uint hash = r.U32(vd[8..]), aux = r.U32(vd[12..]), next = r.U32(vd[16..]);
            var names = new List<string>(cnt);
            ulong a = off + aux;
            for (int j = 0; j < cnt; j++)
            {
                if (!file.TryBytes(a, 8, out var vda)) { file.AddAnomaly("ELF047", "verdaux entry extends past end of file", (long)Math.Min(a, long.MaxValue)); break; }
                names.Add(dyn.GetString(r.U32(vda)));
                uint anext = r.U32(vda[4..]);
                if (anext == 0) break;
                a += anext;
            }
            result.Add(new ElfVersionDefinition(version, flags, ndx, hash, names.Count > 0 ? names[0] : "", names.Count > 1 ? names.GetRange(1, names.Count - 1) : []));
            if (next == 0) break;
            off += next;
        }
        return result;
    }

}
