using System.Text;
using LinkDoctor.IO;

namespace LinkDoctor.Formats.Pe;

/// <summary>
/// One record of the COFF symbol table (IMAGE_SYMBOL, 18 bytes). <see cref="SectionNumber"/> is 1-based for a symbol
/// defined in a section (0 undefined, -1 absolute, -2 debug); <see cref="Value"/> is then its offset in that section.
/// </summary>
public readonly record struct PeCoffSymbol(int Index, string Name, uint Value, short SectionNumber, ushort Type, byte StorageClass, byte NumberOfAuxSymbols);

/// <summary>The COFF symbol table a PE image may still carry (mingw and Go write one; MSVC images have none).</summary>
public sealed partial class PeFile
{
    private IReadOnlyList<PeCoffSymbol>? _coffSymbols;
    private bool _coffSymbolsRead;

    /// <summary>Size of IMAGE_SYMBOL.</summary>
    public const int SIZEOF_IMAGE_SYMBOL = 18;

    /// <summary>
    /// The COFF symbol table at PointerToSymbolTable (NumberOfSymbols records, aux records skipped), names of more than
    /// 8 bytes from the string table that follows it, as LLVM's <c>COFFObjectFile::getSymbolName</c> and Go's
    /// <c>debug/pe</c> <c>readCOFFSymbols</c> read them. Empty when absent; a table past the end of the file is an
    /// anomaly (<c>PE040</c>) and is read as far as the file goes.
    /// </summary>
    public IReadOnlyList<PeCoffSymbol> CoffSymbols => Lazy(ref _coffSymbols, ref _coffSymbolsRead, ReadCoffSymbols)!;

    private IReadOnlyList<PeCoffSymbol> ReadCoffSymbols()
    {
        var h = FileHeader;
        if (h.PointerToSymbolTable == 0 || h.NumberOfSymbols == 0) return [];
        var r = Reader;
        ulong count = h.NumberOfSymbols;
        if (!r.Contains(h.PointerToSymbolTable, count * SIZEOF_IMAGE_SYMBOL))
        {
            ulong available = h.PointerToSymbolTable <= (ulong)r.Length ? ((ulong)r.Length - h.PointerToSymbolTable) / SIZEOF_IMAGE_SYMBOL : 0;
            AddAnomaly("PE040", $"COFF symbol table ({count} records at 0x{h.PointerToSymbolTable:x}) extends past end of file; reading {available}", h.PointerToSymbolTable);
            count = available;
        }
        var strings = CoffStringTable(r, h);
        var list = new List<PeCoffSymbol>((int)Math.Min(count, 1 << 16));
        for (ulong i = 0; i < count; i++)
        {
            ulong at = h.PointerToSymbolTable + i * SIZEOF_IMAGE_SYMBOL;
            var s = r.Slice(at, SIZEOF_IMAGE_SYMBOL, "IMAGE_SYMBOL");
            string name;
            if (r.U32(s) == 0)
            {
                uint off = r.U32(s[4..]);
                if (off < (uint)strings.Length) name = Encoding.UTF8.GetString(SpanReader.CString(strings[(int)off..][..Math.Min(strings.Length - (int)off, MaxNameLength)]));
                else { AddAnomaly("PE041", $"COFF symbol {i} name offset 0x{off:x} is outside the string table", (long)at); name = "<corrupt>"; }
            }
            else name = Encoding.UTF8.GetString(SpanReader.CString(s[..8]));
            byte aux = s[17];
            list.Add(new PeCoffSymbol((int)i, name, r.U32(s[8..]), (short)r.U16(s[12..]), r.U16(s[14..]), s[16], aux));
            i += aux;
        }
        return list;
    }
}
