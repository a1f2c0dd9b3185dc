namespace LinkDoctor.Formats.Elf;

/// <summary>Constants spelled as in the System V gABI and glibc's &lt;elf.h&gt;.</summary>
public static class ElfNative
{
    public const int EI_NIDENT = 16, EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_ABIVERSION = 8, EI_PAD = 9;
    public const byte ELFCLASSNONE = 0, ELFCLASS32 = 1, ELFCLASS64 = 2;
    public const byte ELFDATANONE = 0, ELFDATA2LSB = 1, ELFDATA2MSB = 2;
    public const byte EV_CURRENT = 1;
    public const byte ELFOSABI_SYSV = 0, ELFOSABI_GNU = 3, ELFOSABI_FREEBSD = 9;

    public const ushort ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;

    public const ushort EM_NONE = 0, EM_SPARC = 2, EM_386 = 3, EM_68K = 4, EM_MIPS = 8, EM_PARISC = 15, EM_SPARC32PLUS = 18,
        EM_PPC = 20, EM_PPC64 = 21, EM_S390 = 22, EM_ARM = 40, EM_SH = 42, EM_SPARCV9 = 43, EM_IA_64 = 50,
        EM_X86_64 = 62, EM_AARCH64 = 183, EM_RISCV = 243, EM_BPF = 247, EM_LOONGARCH = 258;

    public const ushort PN_XNUM = 0xffff;
    public const ushort SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;

    public const uint PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_SHLIB = 5, PT_PHDR = 6, PT_TLS = 7,
        PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552, PT_GNU_PROPERTY = 0x6474e553,
        PT_GNU_SFRAME = 0x6474e554;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;

    public const uint SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_HASH = 5, SHT_DYNAMIC = 6,
        SHT_NOTE = 7, SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11, SHT_SYMTAB_SHNDX = 18,
        SHT_GNU_HASH = 0x6ffffff6, SHT_GNU_verdef = 0x6ffffffd, SHT_GNU_verneed = 0x6ffffffe, SHT_GNU_versym = 0x6fffffff;

    public const long DT_NULL = 0, DT_NEEDED = 1, DT_PLTRELSZ = 2, DT_PLTGOT = 3, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6,
        DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9, DT_STRSZ = 10, DT_SYMENT = 11, DT_INIT = 12, DT_FINI = 13, DT_SONAME = 14,
        DT_RPATH = 15, DT_SYMBOLIC = 16, DT_REL = 17, DT_RELSZ = 18, DT_RELENT = 19, DT_PLTREL = 20, DT_DEBUG = 21,
        DT_TEXTREL = 22, DT_JMPREL = 23, DT_BIND_NOW = 24, DT_INIT_ARRAY = 25, DT_FINI_ARRAY = 26, DT_INIT_ARRAYSZ = 27,
        DT_FINI_ARRAYSZ = 28, DT_RUNPATH = 29, DT_FLAGS = 30, DT_PREINIT_ARRAY = 32, DT_PREINIT_ARRAYSZ = 33,
        DT_SYMTAB_SHNDX = 34, DT_RELRSZ = 35, DT_RELR = 36, DT_RELRENT = 37,
        DT_GNU_PRELINKED = 0x6ffffdf5, DT_GNU_CONFLICTSZ = 0x6ffffdf6, DT_GNU_LIBLISTSZ = 0x6ffffdf7, DT_CHECKSUM = 0x6ffffdf8,
        DT_PLTPADSZ = 0x6ffffdf9, DT_MOVEENT = 0x6ffffdfa, DT_MOVESZ = 0x6ffffdfb, DT_FEATURE_1 = 0x6ffffdfc,
        DT_POSFLAG_1 = 0x6ffffdfd, DT_SYMINSZ = 0x6ffffdfe, DT_SYMINENT = 0x6ffffdff,
        DT_GNU_HASH = 0x6ffffef5, DT_TLSDESC_PLT = 0x6ffffef6, DT_TLSDESC_GOT = 0x6ffffef7, DT_GNU_CONFLICT = 0x6ffffef8,
        DT_GNU_LIBLIST = 0x6ffffef9, DT_CONFIG = 0x6ffffefa, DT_DEPAUDIT = 0x6ffffefb, DT_AUDIT = 0x6ffffefc,
        DT_PLTPAD = 0x6ffffefd, DT_MOVETAB = 0x6ffffefe, DT_SYMINFO = 0x6ffffeff,
        DT_VERSYM = 0x6ffffff0, DT_RELACOUNT = 0x6ffffff9, DT_RELCOUNT = 0x6ffffffa, DT_FLAGS_1 = 0x6ffffffb,
        DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd, DT_VERNEED = 0x6ffffffe, DT_VERNEEDNUM = 0x6fffffff,
        DT_AUXILIARY = 0x7ffffffd, DT_FILTER = 0x7fffffff;

    public const ulong DF_ORIGIN = 0x1, DF_SYMBOLIC = 0x2, DF_TEXTREL = 0x4, DF_BIND_NOW = 0x8, DF_STATIC_TLS = 0x10;
    public const ulong DF_1_NOW = 0x1, DF_1_GLOBAL = 0x2, DF_1_GROUP = 0x4, DF_1_NODELETE = 0x8, DF_1_LOADFLTR = 0x10,
        DF_1_INITFIRST = 0x20, DF_1_NOOPEN = 0x40, DF_1_ORIGIN = 0x80, DF_1_DIRECT = 0x100, DF_1_TRANS = 0x200,
        DF_1_INTERPOSE = 0x400, DF_1_NODEFLIB = 0x800, DF_1_NODUMP = 0x1000, DF_1_CONFALT = 0x2000, DF_1_ENDFILTEE = 0x4000,
        DF_1_DISPRELDNE = 0x8000, DF_1_DISPRELPND = 0x10000, DF_1_NODIRECT = 0x20000, DF_1_IGNMULDEF = 0x40000,
        DF_1_NOKSYMS = 0x80000, DF_1_NOHDR = 0x100000, DF_1_EDITED = 0x200000, DF_1_NORELOC = 0x400000,
        DF_1_SYMINTPOSE = 0x800000, DF_1_GLOBAUDIT = 0x1000000, DF_1_SINGLETON = 0x2000000, DF_1_STUB = 0x4000000,
        DF_1_PIE = 0x8000000;

    public const byte STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;
    public const byte STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4, STT_COMMON = 5, STT_TLS = 6,
        STT_GNU_IFUNC = 10;
    public const byte STV_DEFAULT = 0, STV_INTERNAL = 1, STV_HIDDEN = 2, STV_PROTECTED = 3;

    public const ushort VER_NDX_LOCAL = 0, VER_NDX_GLOBAL = 1, VERSYM_HIDDEN = 0x8000, VERSYM_VERSION = 0x7fff;
    public const ushort VER_FLG_BASE = 0x1, VER_FLG_WEAK = 0x2, VER_FLG_INFO = 0x4;

    public const uint NT_GNU_ABI_TAG = 1, NT_GNU_HWCAP = 2, NT_GNU_BUILD_ID = 3, NT_GNU_GOLD_VERSION = 4, NT_GNU_PROPERTY_TYPE_0 = 5;
    public const uint NT_GO_BUILDID = 4;
    /// <summary>The freedesktop.org dlopen metadata note (owner "FDO", section .note.dlopen; https://systemd.io/ELF_DLOPEN_METADATA/, glibc elf.h).</summary>
    public const uint NT_FDO_DLOPEN_METADATA = 0x407c0c0a;
    public const uint GNU_PROPERTY_X86_FEATURE_1_AND = 0xc0000002, GNU_PROPERTY_X86_ISA_1_NEEDED = 0xc0008002,
        GNU_PROPERTY_AARCH64_FEATURE_1_AND = 0xc0000000;

    /// <summary>The short machine name used in summaries and by Debian multiarch (x86_64, aarch64 …).</summary>
    public static string MachineName(ushort machine, byte elfClass, bool bigEndian) => machine switch
    {
        EM_X86_64 => "x86_64",
        EM_386 => "i386",
        EM_AARCH64 => bigEndian ? "aarch64_be" : "aarch64",
        EM_ARM => bigEndian ? "armeb" : "arm",
        EM_PPC64 => bigEndian ? "ppc64" : "ppc64le",
        EM_PPC => "ppc",
        EM_S390 => elfClass == ELFCLASS64 ? "s390x" : "s390",
        EM_MIPS => (elfClass == ELFCLASS64 ? "mips64" : "mips") + (bigEndian ? "" : "el"),
        EM_RISCV => elfClass == ELFCLASS64 ? "riscv64" : "riscv32",
        EM_LOONGARCH => elfClass == ELFCLASS64 ? "loongarch64" : "loongarch32",
        EM_SPARCV9 => "sparc64",
        EM_SPARC or EM_SPARC32PLUS => "sparc",
        EM_IA_64 => "ia64",
        EM_PARISC => "hppa",
        EM_68K => "m68k",
        EM_SH => "sh",
        EM_BPF => "bpf",
        EM_NONE => "none",
        _ => $"machine-{machine}",
    };

    public static string TypeName(ushort type) => type switch
    {
        ET_NONE => "NONE", ET_REL => "REL", ET_EXEC => "EXEC", ET_DYN => "DYN", ET_CORE => "CORE", _ => $"0x{type:x}",
    };

    public static string SymbolBindingName(byte b) => b switch
    {
        STB_LOCAL => "LOCAL", STB_GLOBAL => "GLOBAL", STB_WEAK => "WEAK", STB_GNU_UNIQUE => "UNIQUE", _ => $"<{b}>",
    };

    public static string SymbolTypeName(byte t) => t switch
    {
        STT_NOTYPE => "NOTYPE", STT_OBJECT => "OBJECT", STT_FUNC => "FUNC", STT_SECTION => "SECTION", STT_FILE => "FILE",
        STT_COMMON => "COMMON", STT_TLS => "TLS", STT_GNU_IFUNC => "IFUNC", _ => $"<{t}>",
    };

    public static string VisibilityName(byte v) => (v & 3) switch
    {
        STV_DEFAULT => "DEFAULT", STV_INTERNAL => "INTERNAL", STV_HIDDEN => "HIDDEN", _ => "PROTECTED",
    };

    public static string SegmentTypeName(uint t) => t switch
    {
        PT_NULL => "NULL", PT_LOAD => "LOAD", PT_DYNAMIC => "DYNAMIC", PT_INTERP => "INTERP", PT_NOTE => "NOTE",
        PT_SHLIB => "SHLIB", PT_PHDR => "PHDR", PT_TLS => "TLS", PT_GNU_EH_FRAME => "GNU_EH_FRAME",
        PT_GNU_STACK => "GNU_STACK", PT_GNU_RELRO => "GNU_RELRO", PT_GNU_PROPERTY => "GNU_PROPERTY",
        PT_GNU_SFRAME => "GNU_SFRAME", _ => $"0x{t:x}",
    };

    /// <summary>Dynamic tag names as readelf prints them between parentheses.</summary>
    public static string DynamicTagName(long tag) => tag switch
    {
        DT_NULL => "NULL", DT_NEEDED => "NEEDED", DT_PLTRELSZ => "PLTRELSZ", DT_PLTGOT => "PLTGOT", DT_HASH => "HASH",
        DT_STRTAB => "STRTAB", DT_SYMTAB => "SYMTAB", DT_RELA => "RELA", DT_RELASZ => "RELASZ", DT_RELAENT => "RELAENT",
        DT_STRSZ => "STRSZ", DT_SYMENT => "SYMENT", DT_INIT => "INIT", DT_FINI => "FINI", DT_SONAME => "SONAME",
        DT_RPATH => "RPATH", DT_SYMBOLIC => "SYMBOLIC", DT_REL => "REL", DT_RELSZ => "RELSZ", DT_RELENT => "RELENT",
        DT_PLTREL => "PLTREL", DT_DEBUG => "DEBUG", DT_TEXTREL => "TEXTREL", DT_JMPREL => "JMPREL",
        DT_BIND_NOW => "BIND_NOW", DT_INIT_ARRAY => "INIT_ARRAY", DT_FINI_ARRAY => "FINI_ARRAY",
        DT_INIT_ARRAYSZ => "INIT_ARRAYSZ", DT_FINI_ARRAYSZ => "FINI_ARRAYSZ", DT_RUNPATH => "RUNPATH", DT_FLAGS => "FLAGS",
        DT_PREINIT_ARRAY => "PREINIT_ARRAY", DT_PREINIT_ARRAYSZ => "PREINIT_ARRAYSZ", DT_SYMTAB_SHNDX => "SYMTAB_SHNDX",
        DT_RELRSZ => "RELRSZ", DT_RELR => "RELR", DT_RELRENT => "RELRENT",
        DT_GNU_PRELINKED => "GNU_PRELINKED", DT_GNU_CONFLICTSZ => "GNU_CONFLICTSZ", DT_GNU_LIBLISTSZ => "GNU_LIBLISTSZ",
        DT_CHECKSUM => "CHECKSUM", DT_PLTPADSZ => "PLTPADSZ", DT_MOVEENT => "MOVEENT", DT_MOVESZ => "MOVESZ",
        DT_FEATURE_1 => "FEATURE_1", DT_POSFLAG_1 => "POSFLAG_1", DT_SYMINSZ => "SYMINSZ", DT_SYMINENT => "SYMINENT",
        DT_GNU_HASH => "GNU_HASH", DT_TLSDESC_PLT => "TLSDESC_PLT", DT_TLSDESC_GOT => "TLSDESC_GOT",
        DT_GNU_CONFLICT => "GNU_CONFLICT", DT_GNU_LIBLIST => "GNU_LIBLIST", DT_CONFIG => "CONFIG", DT_DEPAUDIT => "DEPAUDIT",
        DT_AUDIT => "AUDIT", DT_PLTPAD => "PLTPAD", DT_MOVETAB => "MOVETAB", DT_SYMINFO => "SYMINFO",
        DT_VERSYM => "VERSYM", DT_RELACOUNT => "RELACOUNT", DT_RELCOUNT => "RELCOUNT", DT_FLAGS_1 => "FLAGS_1",
        DT_VERDEF => "VERDEF", DT_VERDEFNUM => "VERDEFNUM", DT_VERNEED => "VERNEED", DT_VERNEEDNUM => "VERNEEDNUM",
        DT_AUXILIARY => "AUXILIARY", DT_FILTER => "FILTER",
        _ => $"0x{tag:x}",
    };
}
