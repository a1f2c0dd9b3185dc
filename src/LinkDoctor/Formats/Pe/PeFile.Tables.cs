using System.Text;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Formats.Pe;

/// <summary>The import, delay-load import, export, debug and CLR tables of a PE image.</summary>
public sealed partial class PeFile
{
    /// <summary>Descriptors and thunks read per table, at most (a table without its terminator would otherwise run to the end of the section).</summary>
    public const int MaxTableEntries = 1 << 20;

    /// <summary>The import table (IMAGE_DIRECTORY_ENTRY_IMPORT), in descriptor order.</summary>
    public IReadOnlyList<PeImportedDll> ImportTable => Lazy(ref _imports, ref _importsRead, () => ReadImports(delay: false))!;

    /// <summary>The delay-load import table (IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT), in descriptor order.</summary>
    public IReadOnlyList<PeImportedDll> DelayImportTable => Lazy(ref _delayImports, ref _delayImportsRead, () => ReadImports(delay: true))!;

    /// <summary>The export directory, or null when the image exports nothing.</summary>
    public PeExportDirectory? ExportDirectory => Lazy(ref _exports, ref _exportsRead, ReadExports);

    /// <summary>The debug directory entries.</summary>
    public IReadOnlyList<PeDebugEntry> DebugDirectory => Lazy(ref _debug, ref _debugRead, ReadDebug)!;

    /// <summary>The CLR (COM descriptor) header: present for a .NET assembly, null for a native image.</summary>
    public PeClrHeader? ClrHeader => Lazy(ref _clr, ref _clrRead, ReadClr);

    /// <summary>The PDB path of the first CodeView debug record, or null.</summary>
    public string? PdbPath => DebugDirectory.FirstOrDefault(d => d.CodeView is not null)?.CodeView!.PdbPath;

    private ulong OrdinalFlag => Is64 ? IMAGE_ORDINAL_FLAG64 : IMAGE_ORDINAL_FLAG32;

    /// <summary>
    /// Reads IMAGE_IMPORT_DESCRIPTORs up to the all-zero terminator (or ImgDelayDescrs up to one without a name), each
    /// with its name table (OriginalFirstThunk, or FirstThunk when a linker left it 0, as the loader then does), as
    /// LLVM's <c>ImportDirectoryEntryRef</c> / <c>DelayImportDirectoryEntryRef</c> and the Windows loader's snapping
    /// walk them. Old (Visual C++ 6) delay descriptors without <c>dlattrRva</c> hold VAs: ImageBase is subtracted.
    /// </summary>
    private IReadOnlyList<PeImportedDll> ReadImports(bool delay)
    {
        var dir = Directory(delay ? IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT : IMAGE_DIRECTORY_ENTRY_IMPORT);
        if (dir.VirtualAddress == 0) return [];
        string table = delay ? "delay import table" : "import table";
        string code = delay ? "PE020" : "PE010";
        var start = BytesFrom(new Rva(dir.VirtualAddress));
        if (start.IsEmpty) { AddAnomaly(code, $"{table} RVA 0x{dir.VirtualAddress:x} is not in any section's raw data"); return []; }
        int size = delay ? SIZEOF_IMAGE_DELAYLOAD_DESCRIPTOR : SIZEOF_IMAGE_IMPORT_DESCRIPTOR;
        var r = new SpanReader(start, false);
        var list = new List<PeImportedDll>();
        for (int i = 0; ; i++)
        {
            ulong at = (ulong)i * (ulong)size;
            if (!r.Contains(at, (ulong)size)) { AddAnomaly(code, $"{table} has no terminating descriptor before the end of its section"); break; }
            if (i >= MaxTableEntries) { AddAnomaly(code, $"{table} has more than {MaxTableEntries} descriptors"); break; }
            var d = r.Slice(at, (ulong)size, "descriptor");
            uint rva = dir.VirtualAddress + (uint)at;
            uint attributes = 0, nameRva, intRva, iatRva;
            if (delay)
            {
                attributes = r.U32(d);
                nameRva = r.U32(d[4..]);
                iatRva = r.U32(d[12..]);
                intRva = r.U32(d[16..]);
                if (nameRva == 0) break;
                if ((attributes & dlattrRva) == 0)
                {
                    // Visual C++ 6 wrote virtual addresses (delayimp.h: "dlattrRva ... otherwise VAs").
                    nameRva = VaToRva(nameRva); iatRva = VaToRva(iatRva); intRva = VaToRva(intRva);
                }
            }
            else
            {
                uint originalFirstThunk = r.U32(d), firstThunk = r.U32(d[16..]);
                nameRva = r.U32(d[12..]);
                if (d.IndexOfAnyExcept((byte)0) < 0) break;
                iatRva = firstThunk;
                intRva = originalFirstThunk != 0 ? originalFirstThunk : firstThunk;
            }
            string name = StringAt(new Rva(nameRva)) ?? Corrupt(code, $"{table} descriptor {i}: DLL name RVA 0x{nameRva:x} is not a string in the file");
            list.Add(new PeImportedDll(name, delay, rva, intRva, iatRva, attributes, ReadThunks(intRva, name, table, code)));
        }
        return list;
    }

    private uint VaToRva(uint va) => va >= OptionalHeader.ImageBase ? (uint)(va - OptionalHeader.ImageBase) : va;

    private string Corrupt(string code, string message)
    {
        AddAnomaly(code, message);
        return "<corrupt>";
    }

    /// <summary>An import name table: thunks up to a zero, each an ordinal (high bit) or the RVA of a hint/name entry.</summary>
    private IReadOnlyList<PeImport> ReadThunks(uint rva, string dll, string table, string code)
    {
        if (rva == 0) return [];
        var t = BytesFrom(new Rva(rva));
        if (t.IsEmpty) { AddAnomaly(code, $"{table}: name table of {dll} at RVA 0x{rva:x} is not in any section's raw data"); return []; }
        var r = new SpanReader(t, false);
        ulong entry = Is64 ? 8u : 4u;
        var list = new List<PeImport>();
        for (ulong at = 0; ; at += entry)
        {
            if (!r.TryWord(at, Is64, out ulong thunk)) { AddAnomaly(code, $"{table}: name table of {dll} has no terminating zero before the end of its section"); break; }
            if (thunk == 0) break;
            if (list.Count >= MaxTableEntries) { AddAnomaly(code, $"{table}: name table of {dll} has more than {MaxTableEntries} entries"); break; }
            if ((thunk & OrdinalFlag) != 0)
            {
                list.Add(new PeImport(null, 0, (int)(thunk & 0xffff)));
                continue;
            }
            uint hintName = (uint)(thunk & 0x7fffffff);
            var hn = BytesFrom(new Rva(hintName));
            hn = hn[..Math.Min(hn.Length, MaxNameLength)];
            int nul = hn.Length >= 2 ? hn[2..].IndexOf((byte)0) : -1;
            if (nul < 0) { list.Add(new PeImport(Corrupt(code, $"{table}: {dll} import {list.Count}: hint/name RVA 0x{hintName:x} is not a string in the file"), 0, null)); continue; }
            list.Add(new PeImport(Encoding.UTF8.GetString(hn.Slice(2, nul)), (ushort)(hn[0] | hn[1] << 8), null));
        }
        return list;
    }

    /// <summary>
    /// IMAGE_EXPORT_DIRECTORY: one entry per slot of the export address table (ordinal = Base + index), its names
    /// from the name pointer and name ordinal tables, and a forwarder when the RVA lies inside the export directory
    /// (as the Windows loader's <c>LdrpSnapModule</c> treats it, and LLVM's <c>ExportDirectoryEntryRef::isForwarder</c>).
    /// </summary>
    private PeExportDirectory? ReadExports()
    {
        var dir = Directory(IMAGE_DIRECTORY_ENTRY_EXPORT);
        if (dir.VirtualAddress == 0) return null;
        if (!TryRvaToOffset(new Rva(dir.VirtualAddress), SIZEOF_IMAGE_EXPORT_DIRECTORY, out var off))
        {
            AddAnomaly("PE030", $"export directory RVA 0x{dir.VirtualAddress:x} is not in any section's raw data");
            return null;
        }
        var r = Reader;
        var d = r.Slice(off, SIZEOF_IMAGE_EXPORT_DIRECTORY, "IMAGE_EXPORT_DIRECTORY");
        uint nameRva = r.U32(d[12..]), ordinalBase = r.U32(d[16..]), nFunctions = r.U32(d[20..]), nNames = r.U32(d[24..]);
        uint functionsRva = r.U32(d[28..]), namesRva = r.U32(d[32..]), ordinalsRva = r.U32(d[36..]);
        string? name = nameRva == 0 ? null : StringAt(new Rva(nameRva)) ?? Corrupt("PE031", $"export directory Name RVA 0x{nameRva:x} is not a string in the file");
        var entries = new List<PeExport>();
        var result = new PeExportDirectory(name, r.U32(d[4..]), r.U16(d[8..]), r.U16(d[10..]), ordinalBase, nFunctions, nNames, entries);
        if (nFunctions == 0) return result;
        if (nFunctions > MaxTableEntries || !TryRvaToOffset(new Rva(functionsRva), (ulong)nFunctions * 4, out var fOff))
        {
            AddAnomaly("PE032", $"export address table ({nFunctions} entries at RVA 0x{functionsRva:x}) is not in the file");
            return result;
        }
        var names = new List<string>?[nFunctions];
        if (nNames > 0)
        {
            if (nNames > MaxTableEntries || !TryRvaToOffset(new Rva(namesRva), (ulong)nNames * 4, out var nOff) ||
                !TryRvaToOffset(new Rva(ordinalsRva), (ulong)nNames * 2, out var oOff))
                AddAnomaly("PE033", $"export name tables ({nNames} names at RVA 0x{namesRva:x}, ordinals at RVA 0x{ordinalsRva:x}) are not in the file");
            else
            {
                for (uint i = 0; i < nNames; i++)
                {
                    ushort index = r.U16(oOff.Value + i * 2);
                    uint rva = r.U32(nOff.Value + i * 4);
                    if (index >= nFunctions) { AddAnomaly("PE034", $"export name {i} has ordinal index {index}, past the {nFunctions} functions"); continue; }
                    string n = StringAt(new Rva(rva)) ?? Corrupt("PE035", $"export name {i} RVA 0x{rva:x} is not a string in the file");
                    (names[index] ??= []).Add(n);
                }
            }
        }
        for (uint i = 0; i < nFunctions; i++)
        {
            uint rva = r.U32(fOff.Value + i * 4);
            string? forwarder = null;
            if (rva >= dir.VirtualAddress && rva - dir.VirtualAddress < dir.Size)
                forwarder = StringAt(new Rva(rva)) ?? Corrupt("PE036", $"export {ordinalBase + i} forwarder RVA 0x{rva:x} is not a string in the file");
            entries.Add(new PeExport((int)(ordinalBase + i), rva, (IReadOnlyList<string>?)names[i] ?? [], forwarder));
        }
        return result;
    }

    /// <summary>IMAGE_DEBUG_DIRECTORY entries; a CodeView entry's RSDS (GUID, age, PDB path) or NB10 record is decoded.</summary>
    private IReadOnlyList<PeDebugEntry> ReadDebug()
    {
        var dir = Directory(IMAGE_DIRECTORY_ENTRY_DEBUG);
        if (!dir.IsPresent) return [];
        uint count = dir.Size / SIZEOF_IMAGE_DEBUG_DIRECTORY;
        if (!TryRvaToOffset(new Rva(dir.VirtualAddress), (ulong)count * SIZEOF_IMAGE_DEBUG_DIRECTORY, out var off))
        {
            AddAnomaly("PE040", $"debug directory ({count} entries at RVA 0x{dir.VirtualAddress:x}) is not in the file");
            return [];
        }
        var r = Reader;
        var list = new List<PeDebugEntry>((int)Math.Min(count, 64));
        for (uint i = 0; i < count; i++)
        {
            var e = r.Slice(off.Value + i * SIZEOF_IMAGE_DEBUG_DIRECTORY, SIZEOF_IMAGE_DEBUG_DIRECTORY, "IMAGE_DEBUG_DIRECTORY");
            uint type = r.U32(e[12..]), sizeOfData = r.U32(e[16..]), addr = r.U32(e[20..]), ptr = r.U32(e[24..]);
            PeCodeView? cv = null;
            if (type == IMAGE_DEBUG_TYPE_CODEVIEW && sizeOfData >= 16)
            {
                ReadOnlySpan<byte> data = default;
                bool ok = (ptr != 0 && r.TrySlice(ptr, sizeOfData, out data)) ||
                          (addr != 0 && TryRvaToOffset(new Rva(addr), sizeOfData, out var dOff) && r.TrySlice(dOff.Value, sizeOfData, out data));
                if (!ok) AddAnomaly("PE041", $"CodeView record ({sizeOfData} bytes) is not in the file", ptr);
                else cv = DecodeCodeView(data);
            }
            list.Add(new PeDebugEntry(type, r.U32(e[4..]), r.U16(e[8..]), r.U16(e[10..]), sizeOfData, addr, ptr, cv));
        }
        return list;
    }

    private static PeCodeView? DecodeCodeView(ReadOnlySpan<byte> data)
    {
        var r = new SpanReader(data, false);
        uint sig = r.U32(0);
        if (sig == CV_SIGNATURE_RSDS && data.Length >= 24)
            return new PeCodeView("RSDS", new Guid(data.Slice(4, 16)), r.U32(20), Encoding.UTF8.GetString(SpanReader.CString(data[24..])));
        if (sig == CV_SIGNATURE_NB10 && data.Length >= 16)
            return new PeCodeView("NB10", null, r.U32(12), Encoding.UTF8.GetString(SpanReader.CString(data[16..])));
        return null;
    }

    /// <summary>IMAGE_COR20_HEADER (corhdr.h) and the metadata root's version string (ECMA-335 II.24.2.1).</summary>
    private PeClrHeader? ReadClr()
    {
        var dir = Directory(IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR);
        if (dir.VirtualAddress == 0) return null;
        if (!TryRvaToOffset(new Rva(dir.VirtualAddress), 24, out var off))
        {
            AddAnomaly("PE050", $"CLR header RVA 0x{dir.VirtualAddress:x} is not in the file");
            return new PeClrHeader(0, 0, 0, 0, null);
        }
        var r = Reader;
        var h = r.Slice(off, 24, "IMAGE_COR20_HEADER");
        uint mdRva = r.U32(h[8..]), mdSize = r.U32(h[12..]);
        string? version = null;
        if (mdSize >= 16 && TryRvaToOffset(new Rva(mdRva), 16, out var mdOff) && r.U32(mdOff.Value) == COR20_METADATA_SIGNATURE)
        {
            uint len = r.U32(mdOff.Value + 12);
            if (len <= 255 && r.TrySlice(mdOff.Value + 16, len, out var v)) version = Encoding.UTF8.GetString(SpanReader.CString(v));
            else AddAnomaly("PE051", $"metadata version string length {len} is not in the file", (long)mdOff.Value + 12);
        }
        return new PeClrHeader(r.U16(h[4..]), r.U16(h[6..]), r.U32(h[16..]), r.U32(h[20..]), version);
    }
}
