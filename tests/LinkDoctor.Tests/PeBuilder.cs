using System.Buffers.Binary;
using System.Text;
using static LinkDoctor.Formats.Pe.PeNative;

namespace LinkDoctor.Tests;

/// <summary>
/// Writes a small PE image (PE32 or PE32+) from a description: imports by name (with hints) and by ordinal,
/// delay-load imports, and an export table with names, ordinal-only entries and forwarders, all in one
/// <c>.rdata</c> section, so the reader can be checked on known bytes and fuzzed.
/// </summary>
public sealed class PeBuilder
{
    public bool Pe32Plus { get; init; } = true;
    public ushort Machine { get; init; } = IMAGE_FILE_MACHINE_AMD64;
    public bool Dll { get; init; } = true;
    public string? DllName { get; init; }
    public uint OrdinalBase { get; init; } = 1;
    /// <summary>Export address table slots in ordinal order: a name (or null: by ordinal only) and a forwarder (or null).</summary>
    public List<(string? Name, string? Forwarder)> Exports { get; init; } = [];
    public List<(string Dll, List<(string? Name, ushort Hint, int Ordinal)> Functions)> Imports { get; init; } = [];
    public List<(string Dll, List<string> Functions)> DelayImports { get; init; } = [];

    private const uint SectionRva = 0x2000, TextRva = 0x1000, FileAlign = 0x200;

    public byte[] Build()
    {
        // Lay out .rdata: strings and tables appended; RVAs fixed up as they are known.
        var r = new List<byte>();
        uint Rva() => SectionRva + (uint)r.Count;
        void Align(int a) { while (r.Count % a != 0) r.Add(0); }
        uint AddString(string s) { uint at = Rva(); r.AddRange(Encoding.ASCII.GetBytes(s)); r.Add(0); return at; }
        void Put32(uint rva, uint v) => BinaryPrimitives.WriteUInt32LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(r)[(int)(rva - SectionRva)..], v);
        void Put64(uint rva, ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(r)[(int)(rva - SectionRva)..], v);
        int thunk = Pe32Plus ? 8 : 4;
        ulong ordinalFlag = Pe32Plus ? IMAGE_ORDINAL_FLAG64 : IMAGE_ORDINAL_FLAG32;
        void PutThunk(uint rva, ulong v) { if (Pe32Plus) Put64(rva, v); else Put32(rva, (uint)v); }

        // Import descriptors (+ terminator), then per DLL: ILT, IAT, hint/names, name.
        uint importDir = 0, importSize = 0;
        if (Imports.Count > 0)
        {
            importDir = Rva();
            importSize = (uint)(Imports.Count + 1) * 20;
            r.AddRange(new byte[importSize]);
            for (int i = 0; i < Imports.Count; i++)
            {
                var (dll, fns) = Imports[i];
                Align(8);
                uint ilt = Rva(); r.AddRange(new byte[(fns.Count + 1) * thunk]);
                uint iat = Rva(); r.AddRange(new byte[(fns.Count + 1) * thunk]);
                for (int k = 0; k < fns.Count; k++)
                {
                    ulong v;
                    if (fns[k].Name is { } n) { Align(2); v = Rva(); r.Add((byte)fns[k].Hint); r.Add((byte)(fns[k].Hint >> 8)); AddString(n); }
                    else v = ordinalFlag | (ushort)fns[k].Ordinal;
                    PutThunk(ilt + (uint)(k * thunk), v); PutThunk(iat + (uint)(k * thunk), v);
                }
                uint name = AddString(dll);
                uint d = importDir + (uint)i * 20;
                Put32(d, ilt); Put32(d + 12, name); Put32(d + 16, iat);
            }
        }
        uint delayDir = 0, delaySize = 0;
        if (DelayImports.Count > 0)
        {
            Align(8);
            delayDir = Rva();
            delaySize = (uint)(DelayImports.Count + 1) * 32;
            r.AddRange(new byte[delaySize]);
            for (int i = 0; i < DelayImports.Count; i++)
            {
                var (dll, fns) = DelayImports[i];
                Align(8);
                uint hmod = Rva(); r.AddRange(new byte[8]);
                uint iat = Rva(); r.AddRange(new byte[(fns.Count + 1) * thunk]);
                uint intRva = Rva(); r.AddRange(new byte[(fns.Count + 1) * thunk]);
                for (int k = 0; k < fns.Count; k++) { Align(2); uint hn = Rva(); r.Add(0); r.Add(0); AddString(fns[k]); PutThunk(intRva + (uint)(k * thunk), hn); }
                uint name = AddString(dll);
                uint d = delayDir + (uint)i * 32;
                Put32(d, dlattrRva); Put32(d + 4, name); Put32(d + 8, hmod); Put32(d + 12, iat); Put32(d + 16, intRva);
            }
        }
        uint exportDir = 0, exportSize = 0;
        if (Exports.Count > 0 || DllName is not null)
        {
            Align(4);
            exportDir = Rva();
            r.AddRange(new byte[40]);
            uint functions = Rva(); r.AddRange(new byte[Exports.Count * 4]);
            var named = Exports.Select((e, i) => (e.Name, Index: i)).Where(x => x.Name is not null).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
            uint names = Rva(); r.AddRange(new byte[named.Count * 4]);
            uint ordinals = Rva(); r.AddRange(new byte[named.Count * 2]);
            uint dllName = DllName is null ? 0 : AddString(DllName);
            for (int k = 0; k < named.Count; k++)
            {
                Put32(names + (uint)k * 4, AddString(named[k].Name!));
                System.Runtime.InteropServices.CollectionsMarshal.AsSpan(r)[(int)(ordinals - SectionRva + k * 2)] = (byte)named[k].Index;
            }
            for (int i = 0; i < Exports.Count; i++)
                Put32(functions + (uint)i * 4, Exports[i].Forwarder is { } fwd ? AddString(fwd) : TextRva + (uint)i * 16);
            exportSize = Rva() - exportDir;
            Put32(exportDir + 12, dllName); Put32(exportDir + 16, OrdinalBase); Put32(exportDir + 20, (uint)Exports.Count);
            Put32(exportDir + 24, (uint)named.Count); Put32(exportDir + 28, functions); Put32(exportDir + 32, names); Put32(exportDir + 36, ordinals);
        }
        Align((int)FileAlign);

        // Headers: DOS stub, PE signature, file header, optional header with 16 directories, two section headers.
        int optSize = (Pe32Plus ? 112 : 96) + 16 * 8;
        uint lfanew = 0x80, headers = FileAlign, textRaw = headers, rdataRaw = textRaw + FileAlign;
        var f = new byte[rdataRaw + r.Count];
        f[0] = (byte)'M'; f[1] = (byte)'Z';
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(0x3c), lfanew);
        BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan((int)lfanew), IMAGE_NT_SIGNATURE);
        var fh = f.AsSpan((int)lfanew + 4);
        BinaryPrimitives.WriteUInt16LittleEndian(fh, Machine);
        BinaryPrimitives.WriteUInt16LittleEndian(fh[2..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(fh[16..], (ushort)optSize);
        BinaryPrimitives.WriteUInt16LittleEndian(fh[18..], (ushort)(IMAGE_FILE_EXECUTABLE_IMAGE | (Dll ? IMAGE_FILE_DLL : 0) | (Pe32Plus ? IMAGE_FILE_LARGE_ADDRESS_AWARE : IMAGE_FILE_32BIT_MACHINE)));
        var o = f.AsSpan((int)lfanew + 24);
        BinaryPrimitives.WriteUInt16LittleEndian(o, Pe32Plus ? IMAGE_NT_OPTIONAL_HDR64_MAGIC : IMAGE_NT_OPTIONAL_HDR32_MAGIC);
        BinaryPrimitives.WriteUInt32LittleEndian(o[16..], TextRva);
        if (Pe32Plus) BinaryPrimitives.WriteUInt64LittleEndian(o[24..], 0x180000000); else BinaryPrimitives.WriteUInt32LittleEndian(o[28..], 0x10000000);
        BinaryPrimitives.WriteUInt32LittleEndian(o[32..], 0x1000);
        BinaryPrimitives.WriteUInt32LittleEndian(o[36..], FileAlign);
        BinaryPrimitives.WriteUInt16LittleEndian(o[48..], 6);
        BinaryPrimitives.WriteUInt32LittleEndian(o[56..], SectionRva + (uint)r.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(o[60..], headers);
        BinaryPrimitives.WriteUInt16LittleEndian(o[68..], IMAGE_SUBSYSTEM_WINDOWS_CUI);
        BinaryPrimitives.WriteUInt16LittleEndian(o[70..], IMAGE_DLLCHARACTERISTICS_NX_COMPAT | IMAGE_DLLCHARACTERISTICS_DYNAMIC_BASE);
        int dd = Pe32Plus ? 112 : 96;
        BinaryPrimitives.WriteUInt32LittleEndian(o[(dd - 4)..], 16);
        int dirAt = (int)lfanew + 24 + dd;
        void Dir(int i, uint rva, uint size) { BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(dirAt + i * 8), rva); BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(dirAt + i * 8 + 4), size); }
        Dir(IMAGE_DIRECTORY_ENTRY_EXPORT, exportDir, exportSize);
        Dir(IMAGE_DIRECTORY_ENTRY_IMPORT, importDir, importSize);
        Dir(IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT, delayDir, delaySize);
        var sh = f.AsSpan((int)lfanew + 24 + optSize);
        void Section(Span<byte> s, string name, uint vsize, uint rva, uint rawSize, uint raw, uint flags)
        {
            Encoding.ASCII.GetBytes(name).CopyTo(s);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], vsize); BinaryPrimitives.WriteUInt32LittleEndian(s[12..], rva);
            BinaryPrimitives.WriteUInt32LittleEndian(s[16..], rawSize); BinaryPrimitives.WriteUInt32LittleEndian(s[20..], raw);
            BinaryPrimitives.WriteUInt32LittleEndian(s[36..], flags);
        }
        Section(sh, ".text", 0x100, TextRva, FileAlign, textRaw, IMAGE_SCN_CNT_CODE | IMAGE_SCN_MEM_EXECUTE | IMAGE_SCN_MEM_READ);
        Section(sh[40..], ".rdata", (uint)r.Count, SectionRva, (uint)r.Count, rdataRaw, IMAGE_SCN_CNT_INITIALIZED_DATA | IMAGE_SCN_MEM_READ);
        f[textRaw] = 0xc3;
        r.CopyTo(f, (int)rdataRaw);
        return f;
    }
}
