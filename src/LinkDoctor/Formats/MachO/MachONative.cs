namespace LinkDoctor.Formats.MachO;

/// <summary>
/// Mach-O constants, spelled as in Apple's &lt;mach-o/loader.h&gt;, &lt;mach-o/fat.h&gt;, &lt;mach-o/nlist.h&gt;,
/// &lt;mach/machine.h&gt; and dyld's &lt;mach-o/fixup-chains.h&gt; (brought in with <c>using static</c>).
/// </summary>
public static class MachONative
{
    // <mach-o/loader.h>: mach_header magic numbers.
    public const uint MH_MAGIC = 0xfeedface, MH_CIGAM = 0xcefaedfe, MH_MAGIC_64 = 0xfeedfacf, MH_CIGAM_64 = 0xcffaedfe;
    // <mach-o/fat.h>: always stored big-endian (FAT_CIGAM is the same header read in the wrong order).
    public const uint FAT_MAGIC = 0xcafebabe, FAT_CIGAM = 0xbebafeca, FAT_MAGIC_64 = 0xcafebabf, FAT_CIGAM_64 = 0xbfbafeca;
    public const int SIZEOF_MACH_HEADER = 28, SIZEOF_MACH_HEADER_64 = 32, SIZEOF_FAT_HEADER = 8, SIZEOF_FAT_ARCH = 20, SIZEOF_FAT_ARCH_64 = 32;

    // mach_header.filetype
    public const uint MH_OBJECT = 0x1, MH_EXECUTE = 0x2, MH_FVMLIB = 0x3, MH_CORE = 0x4, MH_PRELOAD = 0x5, MH_DYLIB = 0x6,
        MH_DYLINKER = 0x7, MH_BUNDLE = 0x8, MH_DYLIB_STUB = 0x9, MH_DSYM = 0xa, MH_KEXT_BUNDLE = 0xb, MH_FILESET = 0xc;

    // mach_header.flags
    public const uint MH_NOUNDEFS = 0x1, MH_INCRLINK = 0x2, MH_DYLDLINK = 0x4, MH_BINDATLOAD = 0x8, MH_PREBOUND = 0x10,
        MH_SPLIT_SEGS = 0x20, MH_LAZY_INIT = 0x40, MH_TWOLEVEL = 0x80, MH_FORCE_FLAT = 0x100, MH_NOMULTIDEFS = 0x200,
        MH_NOFIXPREBINDING = 0x400, MH_PREBINDABLE = 0x800, MH_ALLMODSBOUND = 0x1000, MH_SUBSECTIONS_VIA_SYMBOLS = 0x2000,
        MH_CANONICAL = 0x4000, MH_WEAK_DEFINES = 0x8000, MH_BINDS_TO_WEAK = 0x10000, MH_ALLOW_STACK_EXECUTION = 0x20000,
        MH_ROOT_SAFE = 0x40000, MH_SETUID_SAFE = 0x80000, MH_NO_REEXPORTED_DYLIBS = 0x100000, MH_PIE = 0x200000,
        MH_DEAD_STRIPPABLE_DYLIB = 0x400000, MH_HAS_TLV_DESCRIPTORS = 0x800000, MH_NO_HEAP_EXECUTION = 0x1000000,
        MH_APP_EXTENSION_SAFE = 0x02000000, MH_NLIST_OUTOFSYNC_WITH_DYLDINFO = 0x04000000, MH_SIM_SUPPORT = 0x08000000,
        MH_DYLIB_IN_CACHE = 0x80000000;

    // <mach/machine.h>
    public const uint CPU_ARCH_MASK = 0xff000000, CPU_ARCH_ABI64 = 0x01000000, CPU_ARCH_ABI64_32 = 0x02000000;
    public const uint CPU_TYPE_VAX = 1, CPU_TYPE_MC680x0 = 6, CPU_TYPE_X86 = 7, CPU_TYPE_I386 = CPU_TYPE_X86,
        CPU_TYPE_X86_64 = CPU_TYPE_X86 | CPU_ARCH_ABI64, CPU_TYPE_MC98000 = 10, CPU_TYPE_HPPA = 11, CPU_TYPE_ARM = 12,
        CPU_TYPE_ARM64 = CPU_TYPE_ARM | CPU_ARCH_ABI64, CPU_TYPE_ARM64_32 = CPU_TYPE_ARM | CPU_ARCH_ABI64_32,
        CPU_TYPE_MC88000 = 13, CPU_TYPE_SPARC = 14, CPU_TYPE_I860 = 15, CPU_TYPE_POWERPC = 18,
        CPU_TYPE_POWERPC64 = CPU_TYPE_POWERPC | CPU_ARCH_ABI64;
    public const uint CPU_SUBTYPE_MASK = 0xff000000, CPU_SUBTYPE_LIB64 = 0x80000000, CPU_SUBTYPE_PTRAUTH_ABI = 0x80000000;
    public const uint CPU_SUBTYPE_X86_ALL = 3, CPU_SUBTYPE_X86_64_ALL = 3, CPU_SUBTYPE_X86_64_H = 8;
    public const uint CPU_SUBTYPE_ARM_ALL = 0, CPU_SUBTYPE_ARM_V4T = 5, CPU_SUBTYPE_ARM_V6 = 6, CPU_SUBTYPE_ARM_V5TEJ = 7,
        CPU_SUBTYPE_ARM_XSCALE = 8, CPU_SUBTYPE_ARM_V7 = 9, CPU_SUBTYPE_ARM_V7F = 10, CPU_SUBTYPE_ARM_V7S = 11,
        CPU_SUBTYPE_ARM_V7K = 12, CPU_SUBTYPE_ARM_V8 = 13, CPU_SUBTYPE_ARM_V6M = 14, CPU_SUBTYPE_ARM_V7M = 15,
        CPU_SUBTYPE_ARM_V7EM = 16, CPU_SUBTYPE_ARM_V8M = 17;
    public const uint CPU_SUBTYPE_ARM64_ALL = 0, CPU_SUBTYPE_ARM64_V8 = 1, CPU_SUBTYPE_ARM64E = 2;
    public const uint CPU_SUBTYPE_ARM64_32_V8 = 1;
    public const uint CPU_SUBTYPE_POWERPC_ALL = 0, CPU_SUBTYPE_POWERPC_970 = 100;

    // load_command.cmd
    public const uint LC_REQ_DYLD = 0x80000000;
    public const uint LC_SEGMENT = 0x1, LC_SYMTAB = 0x2, LC_SYMSEG = 0x3, LC_THREAD = 0x4, LC_UNIXTHREAD = 0x5,
        LC_LOADFVMLIB = 0x6, LC_IDFVMLIB = 0x7, LC_IDENT = 0x8, LC_FVMFILE = 0x9, LC_PREPAGE = 0xa, LC_DYSYMTAB = 0xb,
        LC_LOAD_DYLIB = 0xc, LC_ID_DYLIB = 0xd, LC_LOAD_DYLINKER = 0xe, LC_ID_DYLINKER = 0xf, LC_PREBOUND_DYLIB = 0x10,
        LC_ROUTINES = 0x11, LC_SUB_FRAMEWORK = 0x12, LC_SUB_UMBRELLA = 0x13, LC_SUB_CLIENT = 0x14, LC_SUB_LIBRARY = 0x15,
        LC_TWOLEVEL_HINTS = 0x16, LC_PREBIND_CKSUM = 0x17, LC_LOAD_WEAK_DYLIB = 0x18 | LC_REQ_DYLD, LC_SEGMENT_64 = 0x19,
        LC_ROUTINES_64 = 0x1a, LC_UUID = 0x1b, LC_RPATH = 0x1c | LC_REQ_DYLD, LC_CODE_SIGNATURE = 0x1d,
        LC_SEGMENT_SPLIT_INFO = 0x1e, LC_REEXPORT_DYLIB = 0x1f | LC_REQ_DYLD, LC_LAZY_LOAD_DYLIB = 0x20,
        LC_ENCRYPTION_INFO = 0x21, LC_DYLD_INFO = 0x22, LC_DYLD_INFO_ONLY = 0x22 | LC_REQ_DYLD,
        LC_LOAD_UPWARD_DYLIB = 0x23 | LC_REQ_DYLD, LC_VERSION_MIN_MACOSX = 0x24, LC_VERSION_MIN_IPHONEOS = 0x25,
        LC_FUNCTION_STARTS = 0x26, LC_DYLD_ENVIRONMENT = 0x27, LC_MAIN = 0x28 | LC_REQ_DYLD, LC_DATA_IN_CODE = 0x29,
        LC_SOURCE_VERSION = 0x2a, LC_DYLIB_CODE_SIGN_DRS = 0x2b, LC_ENCRYPTION_INFO_64 = 0x2c, LC_LINKER_OPTION = 0x2d,
        LC_LINKER_OPTIMIZATION_HINT = 0x2e, LC_VERSION_MIN_TVOS = 0x2f, LC_VERSION_MIN_WATCHOS = 0x30, LC_NOTE = 0x31,
        LC_BUILD_VERSION = 0x32, LC_DYLD_EXPORTS_TRIE = 0x33 | LC_REQ_DYLD, LC_DYLD_CHAINED_FIXUPS = 0x34 | LC_REQ_DYLD,
        LC_FILESET_ENTRY = 0x35 | LC_REQ_DYLD, LC_ATOM_INFO = 0x36;

    // segment_command.maxprot/initprot (<mach/vm_prot.h>)
    public const uint VM_PROT_READ = 0x1, VM_PROT_WRITE = 0x2, VM_PROT_EXECUTE = 0x4;
    public const int SIZEOF_SEGMENT_COMMAND = 56, SIZEOF_SEGMENT_COMMAND_64 = 72, SIZEOF_SECTION = 68, SIZEOF_SECTION_64 = 80;

    // section.flags
    public const uint SECTION_TYPE = 0x000000ff, SECTION_ATTRIBUTES = 0xffffff00;
    public const uint S_REGULAR = 0x0, S_ZEROFILL = 0x1, S_CSTRING_LITERALS = 0x2, S_NON_LAZY_SYMBOL_POINTERS = 0x6,
        S_LAZY_SYMBOL_POINTERS = 0x7, S_SYMBOL_STUBS = 0x8, S_MOD_INIT_FUNC_POINTERS = 0x9, S_GB_ZEROFILL = 0xc,
        S_THREAD_LOCAL_REGULAR = 0x11, S_THREAD_LOCAL_ZEROFILL = 0x12, S_THREAD_LOCAL_VARIABLES = 0x13;
    public const uint S_ATTR_PURE_INSTRUCTIONS = 0x80000000, S_ATTR_SOME_INSTRUCTIONS = 0x00000400;

    // build_version_command.platform
    public const uint PLATFORM_UNKNOWN = 0, PLATFORM_MACOS = 1, PLATFORM_IOS = 2, PLATFORM_TVOS = 3, PLATFORM_WATCHOS = 4,
        PLATFORM_BRIDGEOS = 5, PLATFORM_MACCATALYST = 6, PLATFORM_IOSSIMULATOR = 7, PLATFORM_TVOSSIMULATOR = 8,
        PLATFORM_WATCHOSSIMULATOR = 9, PLATFORM_DRIVERKIT = 10, PLATFORM_VISIONOS = 11, PLATFORM_VISIONOSSIMULATOR = 12,
        PLATFORM_FIRMWARE = 13, PLATFORM_SEPOS = 14;
    public const uint TOOL_CLANG = 1, TOOL_SWIFT = 2, TOOL_LD = 3, TOOL_LLD = 4;

    // <mach-o/loader.h>: dyld_info_command rebase/bind/export encodings.
    public const byte BIND_OPCODE_MASK = 0xF0, BIND_IMMEDIATE_MASK = 0x0F;
    public const byte BIND_OPCODE_DONE = 0x00, BIND_OPCODE_SET_DYLIB_ORDINAL_IMM = 0x10, BIND_OPCODE_SET_DYLIB_ORDINAL_ULEB = 0x20,
        BIND_OPCODE_SET_DYLIB_SPECIAL_IMM = 0x30, BIND_OPCODE_SET_SYMBOL_TRAILING_FLAGS_IMM = 0x40, BIND_OPCODE_SET_TYPE_IMM = 0x50,
        BIND_OPCODE_SET_ADDEND_SLEB = 0x60, BIND_OPCODE_SET_SEGMENT_AND_OFFSET_ULEB = 0x70, BIND_OPCODE_ADD_ADDR_ULEB = 0x80,
        BIND_OPCODE_DO_BIND = 0x90, BIND_OPCODE_DO_BIND_ADD_ADDR_ULEB = 0xA0, BIND_OPCODE_DO_BIND_ADD_ADDR_IMM_SCALED = 0xB0,
        BIND_OPCODE_DO_BIND_ULEB_TIMES_SKIPPING_ULEB = 0xC0, BIND_OPCODE_THREADED = 0xD0;
    public const byte BIND_SUBOPCODE_THREADED_SET_BIND_ORDINAL_TABLE_SIZE_ULEB = 0x00, BIND_SUBOPCODE_THREADED_APPLY = 0x01;
    public const byte BIND_TYPE_POINTER = 1, BIND_TYPE_TEXT_ABSOLUTE32 = 2, BIND_TYPE_TEXT_PCREL32 = 3;
    public const byte BIND_SYMBOL_FLAGS_WEAK_IMPORT = 0x1, BIND_SYMBOL_FLAGS_NON_WEAK_DEFINITION = 0x8;
    public const int BIND_SPECIAL_DYLIB_SELF = 0, BIND_SPECIAL_DYLIB_MAIN_EXECUTABLE = -1, BIND_SPECIAL_DYLIB_FLAT_LOOKUP = -2,
        BIND_SPECIAL_DYLIB_WEAK_LOOKUP = -3;

    public const ulong EXPORT_SYMBOL_FLAGS_KIND_MASK = 0x03, EXPORT_SYMBOL_FLAGS_KIND_REGULAR = 0x00,
        EXPORT_SYMBOL_FLAGS_KIND_THREAD_LOCAL = 0x01, EXPORT_SYMBOL_FLAGS_KIND_ABSOLUTE = 0x02,
        EXPORT_SYMBOL_FLAGS_WEAK_DEFINITION = 0x04, EXPORT_SYMBOL_FLAGS_REEXPORT = 0x08,
        EXPORT_SYMBOL_FLAGS_STUB_AND_RESOLVER = 0x10, EXPORT_SYMBOL_FLAGS_STATIC_RESOLVER = 0x20;

    // <mach-o/fixup-chains.h>: dyld_chained_fixups_header.imports_format / symbols_format.
    public const uint DYLD_CHAINED_IMPORT = 1, DYLD_CHAINED_IMPORT_ADDEND = 2, DYLD_CHAINED_IMPORT_ADDEND64 = 3;
    public const int SIZEOF_DYLD_CHAINED_FIXUPS_HEADER = 28;
    /// <summary>dyld_chained_starts_in_segment.pointer_format (&lt;mach-o/fixup-chains.h&gt;).</summary>
    public const ushort DYLD_CHAINED_PTR_ARM64E = 1, DYLD_CHAINED_PTR_64 = 2, DYLD_CHAINED_PTR_32 = 3, DYLD_CHAINED_PTR_64_OFFSET = 6,
        DYLD_CHAINED_PTR_ARM64E_USERLAND = 9, DYLD_CHAINED_PTR_ARM64E_USERLAND24 = 12;
    public const ushort DYLD_CHAINED_PTR_START_NONE = 0xFFFF, DYLD_CHAINED_PTR_START_MULTI = 0x8000;

    // <mach-o/nlist.h>
    public const byte N_STAB = 0xe0, N_PEXT = 0x10, N_TYPE = 0x0e, N_EXT = 0x01;
    public const byte N_UNDF = 0x0, N_ABS = 0x2, N_SECT = 0xe, N_PBUD = 0xc, N_INDR = 0xa;
    public const ushort N_ARM_THUMB_DEF = 0x0008, REFERENCED_DYNAMICALLY = 0x0010, N_NO_DEAD_STRIP = 0x0020,
        N_WEAK_REF = 0x0040, N_WEAK_DEF = 0x0080, N_SYMBOL_RESOLVER = 0x0100, N_ALT_ENTRY = 0x0200;
    public const int SELF_LIBRARY_ORDINAL = 0x0, MAX_LIBRARY_ORDINAL = 0xfd, DYNAMIC_LOOKUP_ORDINAL = 0xfe, EXECUTABLE_ORDINAL = 0xff;
    /// <summary>GET_LIBRARY_ORDINAL(n_desc) of &lt;mach-o/nlist.h&gt;.</summary>
    public static int GET_LIBRARY_ORDINAL(ushort n_desc) => (n_desc >> 8) & 0xff;

    /// <summary>The load command's name as in loader.h (<c>LC_LOAD_DYLIB</c>), or its number in hex.</summary>
    public static string LoadCommandName(uint cmd) => cmd switch
    {
        LC_SEGMENT => "LC_SEGMENT", LC_SYMTAB => "LC_SYMTAB", LC_SYMSEG => "LC_SYMSEG", LC_THREAD => "LC_THREAD",
        LC_UNIXTHREAD => "LC_UNIXTHREAD", LC_LOADFVMLIB => "LC_LOADFVMLIB", LC_IDFVMLIB => "LC_IDFVMLIB", LC_IDENT => "LC_IDENT",
        LC_FVMFILE => "LC_FVMFILE", LC_PREPAGE => "LC_PREPAGE", LC_DYSYMTAB => "LC_DYSYMTAB", LC_LOAD_DYLIB => "LC_LOAD_DYLIB",
        LC_ID_DYLIB => "LC_ID_DYLIB", LC_LOAD_DYLINKER => "LC_LOAD_DYLINKER", LC_ID_DYLINKER => "LC_ID_DYLINKER",
        LC_PREBOUND_DYLIB => "LC_PREBOUND_DYLIB", LC_ROUTINES => "LC_ROUTINES", LC_SUB_FRAMEWORK => "LC_SUB_FRAMEWORK",
        LC_SUB_UMBRELLA => "LC_SUB_UMBRELLA", LC_SUB_CLIENT => "LC_SUB_CLIENT", LC_SUB_LIBRARY => "LC_SUB_LIBRARY",
        LC_TWOLEVEL_HINTS => "LC_TWOLEVEL_HINTS", LC_PREBIND_CKSUM => "LC_PREBIND_CKSUM", LC_LOAD_WEAK_DYLIB => "LC_LOAD_WEAK_DYLIB",
        LC_SEGMENT_64 => "LC_SEGMENT_64", LC_ROUTINES_64 => "LC_ROUTINES_64", LC_UUID => "LC_UUID", LC_RPATH => "LC_RPATH",
        LC_CODE_SIGNATURE => "LC_CODE_SIGNATURE", LC_SEGMENT_SPLIT_INFO => "LC_SEGMENT_SPLIT_INFO",
        LC_REEXPORT_DYLIB => "LC_REEXPORT_DYLIB", LC_LAZY_LOAD_DYLIB => "LC_LAZY_LOAD_DYLIB", LC_ENCRYPTION_INFO => "LC_ENCRYPTION_INFO",
        LC_DYLD_INFO => "LC_DYLD_INFO", LC_DYLD_INFO_ONLY => "LC_DYLD_INFO_ONLY", LC_LOAD_UPWARD_DYLIB => "LC_LOAD_UPWARD_DYLIB",
        LC_VERSION_MIN_MACOSX => "LC_VERSION_MIN_MACOSX", LC_VERSION_MIN_IPHONEOS => "LC_VERSION_MIN_IPHONEOS",
        LC_FUNCTION_STARTS => "LC_FUNCTION_STARTS", LC_DYLD_ENVIRONMENT => "LC_DYLD_ENVIRONMENT", LC_MAIN => "LC_MAIN",
        LC_DATA_IN_CODE => "LC_DATA_IN_CODE", LC_SOURCE_VERSION => "LC_SOURCE_VERSION", LC_DYLIB_CODE_SIGN_DRS => "LC_DYLIB_CODE_SIGN_DRS",
        LC_ENCRYPTION_INFO_64 => "LC_ENCRYPTION_INFO_64", LC_LINKER_OPTION => "LC_LINKER_OPTION",
        LC_LINKER_OPTIMIZATION_HINT => "LC_LINKER_OPTIMIZATION_HINT", LC_VERSION_MIN_TVOS => "LC_VERSION_MIN_TVOS",
        LC_VERSION_MIN_WATCHOS => "LC_VERSION_MIN_WATCHOS", LC_NOTE => "LC_NOTE", LC_BUILD_VERSION => "LC_BUILD_VERSION",
        LC_DYLD_EXPORTS_TRIE => "LC_DYLD_EXPORTS_TRIE", LC_DYLD_CHAINED_FIXUPS => "LC_DYLD_CHAINED_FIXUPS",
        LC_FILESET_ENTRY => "LC_FILESET_ENTRY", LC_ATOM_INFO => "LC_ATOM_INFO",
        _ => $"0x{cmd:x}",
    };

    /// <summary>The file type's name as in loader.h (<c>MH_DYLIB</c>).</summary>
    public static string FileTypeName(uint filetype) => filetype switch
    {
        MH_OBJECT => "MH_OBJECT", MH_EXECUTE => "MH_EXECUTE", MH_FVMLIB => "MH_FVMLIB", MH_CORE => "MH_CORE",
        MH_PRELOAD => "MH_PRELOAD", MH_DYLIB => "MH_DYLIB", MH_DYLINKER => "MH_DYLINKER", MH_BUNDLE => "MH_BUNDLE",
        MH_DYLIB_STUB => "MH_DYLIB_STUB", MH_DSYM => "MH_DSYM", MH_KEXT_BUNDLE => "MH_KEXT_BUNDLE", MH_FILESET => "MH_FILESET",
        _ => $"0x{filetype:x}",
    };

    /// <summary>The names of the mach_header flags set, as in loader.h without the <c>MH_</c> prefix (as otool prints them).</summary>
    public static IEnumerable<string> HeaderFlagNames(uint flags)
    {
        (uint bit, string name)[] map =
        [
            (MH_NOUNDEFS, "NOUNDEFS"), (MH_INCRLINK, "INCRLINK"), (MH_DYLDLINK, "DYLDLINK"), (MH_BINDATLOAD, "BINDATLOAD"),
            (MH_PREBOUND, "PREBOUND"), (MH_SPLIT_SEGS, "SPLIT_SEGS"), (MH_LAZY_INIT, "LAZY_INIT"), (MH_TWOLEVEL, "TWOLEVEL"),
            (MH_FORCE_FLAT, "FORCE_FLAT"), (MH_NOMULTIDEFS, "NOMULTIDEFS"), (MH_NOFIXPREBINDING, "NOFIXPREBINDING"),
            (MH_PREBINDABLE, "PREBINDABLE"), (MH_ALLMODSBOUND, "ALLMODSBOUND"), (MH_SUBSECTIONS_VIA_SYMBOLS, "SUBSECTIONS_VIA_SYMBOLS"),
            (MH_CANONICAL, "CANONICAL"), (MH_WEAK_DEFINES, "WEAK_DEFINES"), (MH_BINDS_TO_WEAK, "BINDS_TO_WEAK"),
            (MH_ALLOW_STACK_EXECUTION, "ALLOW_STACK_EXECUTION"), (MH_ROOT_SAFE, "ROOT_SAFE"), (MH_SETUID_SAFE, "SETUID_SAFE"),
            (MH_NO_REEXPORTED_DYLIBS, "NO_REEXPORTED_DYLIBS"), (MH_PIE, "PIE"), (MH_DEAD_STRIPPABLE_DYLIB, "DEAD_STRIPPABLE_DYLIB"),
            (MH_HAS_TLV_DESCRIPTORS, "HAS_TLV_DESCRIPTORS"), (MH_NO_HEAP_EXECUTION, "NO_HEAP_EXECUTION"),
            (MH_APP_EXTENSION_SAFE, "APP_EXTENSION_SAFE"), (MH_NLIST_OUTOFSYNC_WITH_DYLDINFO, "NLIST_OUTOFSYNC_WITH_DYLDINFO"),
            (MH_SIM_SUPPORT, "SIM_SUPPORT"), (MH_DYLIB_IN_CACHE, "DYLIB_IN_CACHE"),
        ];
        uint rest = flags;
        foreach (var (bit, name) in map)
            if ((flags & bit) != 0) { rest &= ~bit; yield return name; }
        if (rest != 0) yield return $"0x{rest:x}";
    }

    /// <summary>
    /// The architecture name as lipo, otool and llvm-objdump print it (<c>x86_64</c>, <c>arm64</c>, <c>arm64e</c>,
    /// <c>armv7s</c>, <c>i386</c>, <c>ppc</c>): mirrors LLVM's <c>MachOObjectFile::getArchTriple</c> / cctools' arch table.
    /// </summary>
    public static string ArchName(uint cputype, uint cpusubtype)
    {
        uint sub = cpusubtype & ~CPU_SUBTYPE_MASK;
        return cputype switch
        {
            CPU_TYPE_X86 => "i386",
            CPU_TYPE_X86_64 => sub == CPU_SUBTYPE_X86_64_H ? "x86_64h" : "x86_64",
            CPU_TYPE_ARM64 => sub == CPU_SUBTYPE_ARM64E ? "arm64e" : "arm64",
            CPU_TYPE_ARM64_32 => "arm64_32",
            CPU_TYPE_ARM => sub switch
            {
                CPU_SUBTYPE_ARM_V4T => "armv4t", CPU_SUBTYPE_ARM_V5TEJ => "armv5e", CPU_SUBTYPE_ARM_XSCALE => "xscale",
                CPU_SUBTYPE_ARM_V6 => "armv6", CPU_SUBTYPE_ARM_V6M => "armv6m", CPU_SUBTYPE_ARM_V7 => "armv7",
                CPU_SUBTYPE_ARM_V7EM => "armv7em", CPU_SUBTYPE_ARM_V7K => "armv7k", CPU_SUBTYPE_ARM_V7M => "armv7m",
                CPU_SUBTYPE_ARM_V7S => "armv7s", CPU_SUBTYPE_ARM_V7F => "armv7f", CPU_SUBTYPE_ARM_V8 => "armv8",
                _ => "arm",
            },
            CPU_TYPE_POWERPC => "ppc",
            CPU_TYPE_POWERPC64 => "ppc64",
            CPU_TYPE_MC680x0 => "m68k",
            CPU_TYPE_HPPA => "hppa",
            CPU_TYPE_SPARC => "sparc",
            CPU_TYPE_I860 => "i860",
            CPU_TYPE_MC88000 => "m88k",
            _ => $"cputype{cputype}",
        };
    }

    /// <summary>The platform as LLVM's <c>MachOObjectFile::getBuildPlatform</c> and dyld's logs spell it (<c>macos</c>, <c>ios</c>, <c>macCatalyst</c>…).</summary>
    public static string PlatformName(uint platform) => platform switch
    {
        PLATFORM_MACOS => "macos", PLATFORM_IOS => "ios", PLATFORM_TVOS => "tvos", PLATFORM_WATCHOS => "watchos",
        PLATFORM_BRIDGEOS => "bridgeos", PLATFORM_MACCATALYST => "macCatalyst", PLATFORM_IOSSIMULATOR => "iossimulator",
        PLATFORM_TVOSSIMULATOR => "tvossimulator", PLATFORM_WATCHOSSIMULATOR => "watchossimulator", PLATFORM_DRIVERKIT => "driverkit",
        PLATFORM_VISIONOS => "xros", PLATFORM_VISIONOSSIMULATOR => "xrossimulator", PLATFORM_FIRMWARE => "firmware", PLATFORM_SEPOS => "sepos",
        _ => $"platform{platform}",
    };

    public static string ToolName(uint tool) => tool switch
    {
        TOOL_CLANG => "clang", TOOL_SWIFT => "swift", TOOL_LD => "ld", TOOL_LLD => "lld", _ => $"tool{tool}",
    };

    /// <summary>An X.Y.Z nibble-packed version (xxxx.yy.zz) as dyld and otool print it: the .Z is left out when zero.</summary>
    public static string FormatVersion(uint v)
    {
        uint major = v >> 16, minor = (v >> 8) & 0xff, patch = v & 0xff;
        return patch == 0 ? $"{major}.{minor}" : $"{major}.{minor}.{patch}";
    }

    /// <summary>A dylib version (compatibility/current) as otool -L prints it: always X.Y.Z.</summary>
    public static string FormatDylibVersion(uint v) => $"{v >> 16}.{(v >> 8) & 0xff}.{v & 0xff}";
}
