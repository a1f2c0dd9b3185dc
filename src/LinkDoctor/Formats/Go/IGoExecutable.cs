using LinkDoctor.IO;

namespace LinkDoctor.Formats.Go;

/// <summary>How a read of mapped data ended, in the words of Go's readers.</summary>
public enum GoDataStatus
{
    /// <summary>All the bytes asked for (capped at the end of the segment or section) were read.</summary>
    Ok,
    /// <summary>Fewer bytes than the segment promises exist in the file (Go's <c>io.EOF</c>); the bytes that exist are returned.</summary>
    EndOfFile,
    /// <summary>No segment or section holds the address (Go's <c>errUnrecognizedFormat</c>, or XCOFF's "address not mapped").</summary>
    Unmapped,
}

/// <summary>A named piece of a Go binary's image: an ELF section, a Mach-O section, a PE section.</summary>
/// <param name="Name">As the format names it (<c>.gopclntab</c>, <c>__gopclntab</c>, <c>.rdata</c>).</param>
/// <param name="Writable">Mapped writable (Go's data, noptrdata, moduledata live there).</param>
/// <param name="Executable">Mapped executable.</param>
public readonly record struct GoSection(string Name, VirtualAddress Address, FileOffset Offset, ulong Size, bool Writable, bool Executable);

/// <summary>
/// What Go's readers need from a container format, and nothing else: the <c>exe</c> interface of
/// src/debug/buildinfo/buildinfo.go (<c>DataStart</c>, <c>ReadData</c>/<c>DataReader</c>), plus the sections,
/// symbols and relocated pointers the pclntab, moduledata, DWARF and plugin readers use. ELF implements it in
/// <see cref="ElfGoExecutable"/>, Mach-O in <see cref="MachOGoExecutable"/>, PE in <see cref="PeGoExecutable"/>;
/// <see cref="GoExecutable.From"/> picks one.
/// </summary>
public interface IGoExecutable
{
    /// <summary>The bytes of the whole file.</summary>
    BinaryImage Image { get; }
    bool Is64 { get; }
    bool IsBigEndian { get; }
    /// <summary>The format, for messages (<c>ELF</c>, <c>Mach-O</c>, <c>PE</c>).</summary>
    string FormatName { get; }

    /// <summary>
    /// go1.19's <c>exe.DataStart()</c>: the virtual address of the section or segment that should hold the build
    /// info blob (ELF: <c>.go.buildinfo</c>, else the first <c>PT_LOAD</c> with <c>(PF_X|PF_W) == PF_W</c>; 0 when none).
    /// </summary>
    ulong DataStartGo119();

    /// <summary>Newer Go's <c>exe.DataStart()</c>: the address and size (ELF: the section's size, or the segment's <c>p_memsz</c>).</summary>
    (ulong Address, ulong Size) DataStart();

    /// <summary>
    /// <c>exe.ReadData(addr, size)</c>: the file bytes at <paramref name="address"/>, up to <paramref name="size"/> and
    /// never past the end of the segment or section that holds the address, chosen exactly as Go chooses it (for ELF:
    /// the first program header of any type whose <c>[p_vaddr, p_vaddr+p_filesz-1]</c> holds it, in 64-bit wrapping arithmetic).
    /// </summary>
    GoDataStatus ReadData(ulong address, ulong size, out ReadOnlySpan<byte> data);

    /// <summary>The sections that have file data and an address (empty when the file has no section table).</summary>
    IReadOnlyList<GoSection> Sections { get; }

    /// <summary>The loaded, file-backed regions (ELF PT_LOAD segments), for scans when sections are gone.</summary>
    IReadOnlyList<GoSection> Segments { get; }

    /// <summary>Finds a symbol by name in the static, then the dynamic symbol table.</summary>
    bool TryFindSymbol(ReadOnlySpan<byte> name, out ulong address, out ulong size);

    /// <summary>
    /// A pointer-sized word at <paramref name="address"/> as the program sees it after relative relocations
    /// (a PIE or shared object may keep the value in the relocation's addend, not in the word).
    /// </summary>
    bool TryReadPointer(ulong address, out ulong value);

    /// <summary>Translates <paramref name="size"/> bytes at a virtual address to a file slice through the loaded regions.</summary>
    bool TryRead(ulong address, ulong size, out ReadOnlySpan<byte> data);

    /// <summary>
    /// A DWARF section's contents, decompressed (ELF <c>.debug_NAME</c> with SHF_COMPRESSED or <c>.zdebug_NAME</c>;
    /// Mach-O <c>__debug_NAME</c>/<c>__zdebug_NAME</c>; PE <c>.debug_NAME</c>); null when absent or unreadable.
    /// <paramref name="name"/> is the part after <c>debug_</c>: <c>info</c>, <c>abbrev</c>, <c>str</c>, <c>line_str</c>, <c>str_offsets</c>.
    /// </summary>
    ReadOnlyMemory<byte>? DwarfSection(string name);
}

/// <summary>Finds the <see cref="IGoExecutable"/> view of an object of any format.</summary>
public static class GoExecutable
{
    /// <summary>
    /// The Go view of <paramref name="obj"/>: the object itself when its format view implements
    /// <see cref="IGoExecutable"/>, else the adapter of its format (ELF, Mach-O, PE), else null.
    /// </summary>
    public static IGoExecutable? From(ILoadableObject obj) => obj switch
    {
        IGoExecutable g => g,
        Elf.ElfFile elf => new ElfGoExecutable(elf),
        MachO.MachOFile macho => new MachOGoExecutable(macho),
        Pe.PeFile pe => new PeGoExecutable(pe),
        _ => null,
    };
}
