using System.Runtime.Intrinsics.X86;

namespace LinkDoctor.Loaders.Glibc;

/// <summary>
/// The x86 CPU facts glibc's ld.so derives at start-up, computed here from CPUID (never by running a loader):
/// sysdeps/x86/get-isa-level.h <c>get_isa_level</c> (the x86-64-v2/v3/v4 glibc-hwcaps levels) and
/// sysdeps/x86/cpu-features.c <c>init_cpu_features</c> (the haswell/xeon_phi platform on Intel, HWCAP_X86_AVX512_1).
/// "Usable" AVX features also need the OS to save their registers, which the runtime's <c>IsSupported</c> reflects.
/// </summary>
internal static class X86Cpu
{
    public static bool Supported => X86Base.IsSupported;

    private static (int Eax, int Ebx, int Ecx, int Edx) Leaf(int leaf, int sub = 0) =>
        X86Base.IsSupported && (uint)leaf <= (uint)X86Base.CpuId(leaf & unchecked((int)0x80000000), 0).Eax ? X86Base.CpuId(leaf, sub) : default;

    private static bool Bit(int reg, int bit) => (reg & (1 << bit)) != 0;

    private static readonly (int Eax, int Ebx, int Ecx, int Edx) L1 = Leaf(1), L7 = Leaf(7), L81 = Leaf(unchecked((int)0x80000001));

    private static bool AvxUsable => System.Runtime.Intrinsics.X86.Avx.IsSupported;
    private static bool Avx512Usable => System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    public static bool IsIntel
    {
        get
        {
            if (!X86Base.IsSupported) return false;
            var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
            return ebx == 0x756e6547 && edx == 0x49656e69 && ecx == 0x6c65746e; // "GenuineIntel"
        }
    }

    // Leaf 1 EDX/ECX, leaf 7 EBX, leaf 0x80000001 ECX, as named in cpu-features.h.
    private static bool Cmov => Bit(L1.Edx, 15);
    private static bool Cx8 => Bit(L1.Edx, 8);
    private static bool Fpu => Bit(L1.Edx, 0);
    private static bool Fxsr => Bit(L1.Edx, 24);
    private static bool Mmx => Bit(L1.Edx, 23);
    private static bool Sse => Bit(L1.Edx, 25);
    private static bool Sse2 => Bit(L1.Edx, 26);
    private static bool Sse3 => Bit(L1.Ecx, 0);
    private static bool Ssse3 => Bit(L1.Ecx, 9);
    private static bool Fma => Bit(L1.Ecx, 12) && AvxUsable;
    private static bool Cmpxchg16b => Bit(L1.Ecx, 13);
    private static bool Sse4_1 => Bit(L1.Ecx, 19);
    private static bool Sse4_2 => Bit(L1.Ecx, 20);
    private static bool Movbe => Bit(L1.Ecx, 22);
    private static bool Popcnt => Bit(L1.Ecx, 23);
    private static bool AvxBit => Bit(L1.Ecx, 28) && AvxUsable;
    private static bool F16c => Bit(L1.Ecx, 29) && AvxUsable;
    private static bool LahfSahf64 => Bit(L81.Ecx, 0);
    private static bool Lzcnt => Bit(L81.Ecx, 5);
    private static bool Bmi1 => Bit(L7.Ebx, 3);
    private static bool Avx2 => Bit(L7.Ebx, 5) && AvxUsable;
    private static bool Bmi2 => Bit(L7.Ebx, 8);
    private static bool Avx512F => Bit(L7.Ebx, 16) && Avx512Usable;
    private static bool Avx512DQ => Bit(L7.Ebx, 17) && Avx512Usable;
    private static bool Avx512PF => Bit(L7.Ebx, 26) && Avx512Usable;
    private static bool Avx512ER => Bit(L7.Ebx, 27) && Avx512Usable;
    private static bool Avx512CD => Bit(L7.Ebx, 28) && Avx512Usable;
    private static bool Avx512BW => Bit(L7.Ebx, 30) && Avx512Usable;
    private static bool Avx512VL => Bit(L7.Ebx, 31) && Avx512Usable;

    /// <summary>get_isa_level: 0 (below baseline), 1 (baseline), 2, 3 or 4.</summary>
    public static int IsaLevel
    {
        get
        {
            if (!(Cmov && Cx8 && Fpu && Fxsr && Mmx && Sse && Sse2)) return 0;
            if (!(Cmpxchg16b && LahfSahf64 && Popcnt && Sse3 && Ssse3 && Sse4_1 && Sse4_2)) return 1;
            if (!(AvxBit && Avx2 && F16c && Fma && Lzcnt && Movbe)) return 2;
            if (!(Avx512F && Avx512BW && Avx512CD && Avx512DQ && Avx512VL)) return 3;
            return 4;
        }
    }

    /// <summary>HWCAP_X86_AVX512_1: Intel only, AVX512CD without AVX512ER, plus BW, DQ and VL.</summary>
    public static bool Avx512_1 => IsIntel && Avx512CD && !Avx512ER && Avx512BW && Avx512DQ && Avx512VL;

    /// <summary>The platform init_cpu_features sets on Intel CPUs ("xeon_phi", "haswell"), else null (AT_PLATFORM stays).</summary>
    public static string? IntelPlatform
    {
        get
        {
            if (!IsIntel) return null;
            if (Avx512CD && Avx512ER && Avx512PF) return "xeon_phi";
            if (Avx2 && Fma && Bmi1 && Bmi2 && Lzcnt && Movbe && Popcnt) return "haswell";
            return null;
        }
    }
}
