using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Formats.Elf;

/// <summary>The file header (Elf32_Ehdr/Elf64_Ehdr), with e_phnum/e_shnum/e_shstrndx escapes (PN_XNUM, SHN_XINDEX) resolved.</summary>
public readonly record struct ElfHeader(
    byte Class, byte Data, byte IdentVersion, byte OsAbi, byte AbiVersion,
    ushort Type, ushort Machine, uint Version, ulong Entry, ulong PhOff, ulong ShOff, uint Flags,
    ushort EhSize, ushort PhEntSize, uint PhNum, ushort ShEntSize, uint ShNum, uint ShStrNdx)
{
    public bool Is64 => Class == ELFCLASS64;
    public bool IsBigEndian => Data == ELFDATA2MSB;
}

/// <summary>A program header (Elf_Phdr).</summary>
public readonly record struct ElfProgramHeader(
    int Index, uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong PhysicalAddress,
    ulong FileSize, ulong MemorySize, ulong Align);

/// <summary>A section header (Elf_Shdr); <see cref="Name"/> is resolved through e_shstrndx.</summary>
public readonly record struct ElfSection(
    int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size,
    uint Link, uint Info, ulong AddrAlign, ulong EntSize)
{
    public bool HasFileData => Type != SHT_NOBITS && Type != SHT_NULL;
}

/// <summary>One dynamic entry (Elf_Dyn).</summary>
public readonly record struct ElfDynamicEntry(long Tag, ulong Value);

/// <summary>A symbol (Elf_Sym). Its name is read from the table's string table on demand.</summary>
public readonly record struct ElfSymbol(int Index, uint NameOffset, byte Info, byte Other, ushort SectionIndex, ulong Value, ulong Size)
{
    public byte Binding => (byte)(Info >> 4);
    public byte Type => (byte)(Info & 0xf);
    public byte Visibility => (byte)(Other & 3);
    public bool IsDefined => SectionIndex != SHN_UNDEF;
}

/// <summary>One version of a needed file (Elf_Vernaux).</summary>
public readonly record struct ElfVersionNeed(string Name, uint Hash, ushort Flags, ushort Index)
{
    public bool IsHidden => (Index & VERSYM_HIDDEN) != 0;
    public bool IsWeak => (Flags & VER_FLG_WEAK) != 0;
}

/// <summary>A needed file with its versions (Elf_Verneed + its Elf_Vernaux chain).</summary>
public sealed record ElfVersionNeedFile(string File, ushort Version, IReadOnlyList<ElfVersionNeed> Versions);

/// <summary>A version definition (Elf_Verdef): its name (first Elf_Verdaux) and the names it inherits.</summary>
public sealed record ElfVersionDefinition(ushort Version, ushort Flags, ushort Index, uint Hash, string Name, IReadOnlyList<string> Parents)
{
    public bool IsBase => (Flags & VER_FLG_BASE) != 0;
}

/// <summary>The version a symbol carries, as readelf and nm print it: <c>name@VER</c> or <c>name@@VER</c>.</summary>
public readonly record struct ElfSymbolVersion(string Name, bool IsDefault, bool IsReference, ushort Index)
{
    public string Suffix => (IsDefault ? "@@" : "@") + Name;
}

/// <summary>A note (Elf_Nhdr with its name and descriptor).</summary>
public sealed record ElfNote(string Owner, uint Type, long DescriptorOffset, int DescriptorSize, string Source);

