// TargetCatalog.cs — built-in catalog of well-known Linux target systems for LinkDoctor.
//
// Every fact carries its source in a comment next to it. Facts that could not be checked against the
// project's own documentation are marked "// unverified: <why>".
//
// Sources used (short names referred to below):
//  [abi.xml]      GCC libstdc++ manual, "ABI Policy and Guidelines", libstdc++-v3/doc/xml/manual/abi.xml
//                 (gcc-mirror/gcc), plus the GCC 13/14 additions posted as "Update GCC 14.1 library versions in docs"
//                 https://gcc.gnu.org/pipermail/libstdc++/2024-April/058588.html
//  [libgcc.ver]   GCC libgcc/libgcc-std.ver.in and libgcc/config/i386/libgcc-glibc.ver (gcc-mirror/gcc): symbol
//                 versions of libgcc_s.so.1 (GCC_7.0.0 for __divmodti4; GCC_12.0.0, GCC_13.0.0, GCC_14.0.0 on x86).
//  [glibc-ld]     glibc sysdeps/unix/sysv/linux/<arch>/ldconfig.h (SYSDEP_KNOWN_INTERPRETER_NAMES) and
//                 .../loongarch/shlib-versions, .../mips/shlib-versions (bminor/glibc mirror).
//  [musl-ld]      musl Makefile (LDSO_PATHNAME = $(syslibdir)/ld-musl-$(ARCH)$(SUBARCH).so.1, syslibdir=/lib) and
//                 arch/<arch>/reloc.h (LDSO_ARCH).
//  [auditwheel]   https://github.com/pypa/auditwheel/blob/86154d15d6a53a85aab6187032e86348a3a15df1/src/auditwheel/policy/manylinux-policy.json
//                 and musllinux-policy.json at the same commit (lib_whitelist, symbol_versions, blacklist).
//  [PEP 513/571/599/600/656]  https://peps.python.org/pep-0513/ ... /pep-0656/
//  [pkgs.debian]  https://packages.debian.org/<suite>/libc6 and /libstdc++6 (package versions per suite).
//  [pkgs.ubuntu]  https://packages.ubuntu.com/<suite>/libc6 and /libstdc++6.
//  [pkgs.alpine]  https://pkgs.alpinelinux.org/package/<branch>/main/<arch>/musl (and libstdc++).
//  [AL docs]      https://docs.aws.amazon.com/linux/al2023/ug/glibc-gcc-and-binutils.html ("AL2: glibc 2.26, gcc 7.3;
//                 AL2023: glibc 2.34, gcc 11.3") and .../al2023/ug/core-glibc.html.
//  [RH docs]      Red Hat Enterprise Linux documentation (release notes, "Considerations in adopting RHEL N",
//                 "Developing C and C++ applications") at https://docs.redhat.com/.
//
// GCC release -> highest symbol versions (used for the distribution rows below):
//   GCC 4.8.3+  GLIBCXX_3.4.19  CXXABI_1.3.7   [abi.xml]   libgcc_s GCC_4.8.0 on x86 [libgcc.ver]
//   GCC 7.2+    GLIBCXX_3.4.24  CXXABI_1.3.11  [abi.xml]   libgcc_s GCC_7.0.0          [libgcc.ver]
//   GCC 8.1+    GLIBCXX_3.4.25  CXXABI_1.3.11  [abi.xml]   GCC_7.0.0
//   GCC 9.3+/10 GLIBCXX_3.4.28  CXXABI_1.3.12  [abi.xml]   GCC_7.0.0
//   GCC 11.1+   GLIBCXX_3.4.29  CXXABI_1.3.13  [abi.xml]   GCC_7.0.0
//   GCC 12.1+   GLIBCXX_3.4.30  CXXABI_1.3.13  [abi.xml]   GCC_12.0.0 on x86 [libgcc.ver]
//   GCC 13.1    GLIBCXX_3.4.31  CXXABI_1.3.14  [abi.xml]   GCC_13.0.0 on x86
//   GCC 13.2+   GLIBCXX_3.4.32  CXXABI_1.3.14  [abi.xml]   GCC_13.0.0 on x86
//   GCC 14.1+   GLIBCXX_3.4.33  CXXABI_1.3.15  [abi.xml]   GCC_14.0.0 on x86 [libgcc.ver]
// The GCC_ maxima differ per architecture (e.g. aarch64 has GCC_11.0 from GCC 11 on, see [auditwheel]); the distribution
// rows' GccVersion is the x86_64/i386 value, and MaxVersion() answers null for GCC_ on other machines of a distribution.
// Debian and Ubuntu ship libstdc++6/libgcc-s1 built from the *newest* GCC in the release, not the default compiler
// (e.g. Ubuntu 22.04: default gcc 11, libstdc++6 from gcc-12); the rows use the libstdc++6 package's source GCC.

#nullable enable

using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// A system a Linux binary may be run on: a distribution release, or a Python wheel platform policy
/// (manylinux/musllinux) that promises a minimum set of libraries and maximum symbol versions.
/// </summary>
public sealed record TargetSystem(
    string Id,
    string Name,
    string Libc,
    string LibcVersion,
    string? GlibcxxVersion,
    string? CxxabiVersion,
    string? GccVersion,
    IReadOnlyList<string> Architectures,
    IReadOnlyDictionary<string, string> Interpreters,
    IReadOnlyList<string>? AllowedLibraries,
    string Source)
{
    /// <summary>Other names <see cref="TargetCatalog.Find"/> accepts for this target (codenames, clones, tags).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = Array.Empty<string>();

    /// <summary>Further PT_INTERP paths valid on a machine besides <see cref="Interpreters"/> (e.g. Debian armel's /lib/ld-linux.so.3).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> AlternateInterpreters { get; init; } = TargetCatalog.NoAlternates;

    /// <summary>Policies only: machine -> version family (GLIBC, CXXABI, GLIBCXX, GCC, LIBATOMIC, ZLIB) -> highest numeric version allowed (for display).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? PolicySymbolVersions { get; init; }

    /// <summary>
    /// Policies only: auditwheel's symbol_versions, machine -> prefix (GLIBC, CXXABI, GLIBCXX, GCC, LIBATOMIC, ZLIB) -> every
    /// version name the policy allows, in full (GLIBC_2.17, CXXABI_TM_1, GLIBCXX_LDBL_3.4.7, GLIBC_ABI_DT_RELR). The lists are
    /// sets, not ranges (ppc64le's GLIBC list for manylinux2014 is GLIBC_2.0 and GLIBC_2.17 only), and an empty set forbids
    /// the prefix (LIBATOMIC on x86_64 before manylinux_2_24).
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>? PolicyVersionNames { get; init; }

    /// <summary>Policies only: soname -> symbols a wheel must not use even though the library is allowed (auditwheel's blacklist).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? PolicyBlockedSymbols { get; init; }

    /// <summary>auditwheel's "priority" of the policy (higher = older, stricter); null for a tag auditwheel has no policy for.</summary>
    public int? PolicyPriority { get; init; }

    /// <summary>
    /// manylinux only: the auditwheel policies of higher priority (older), strictest first. auditwheel takes, for each of its
    /// checks, the highest-priority policy that holds, so a file is accepted for this policy when this one or any of these
    /// holds. Empty for musllinux: auditwheel loads a single musllinux policy.
    /// </summary>
    public IReadOnlyList<TargetSystem> StricterPolicies { get; init; } = Array.Empty<TargetSystem>();

    /// <summary>
    /// Policies only: the lib_whitelist as auditwheel applies it on <paramref name="machine"/> (musllinux's "libc.so" becomes
    /// libc.musl-ARCH.so.1, policy/__init__.py _fixup_musl_libc_soname).
    /// </summary>
    public IReadOnlySet<string> AllowedLibrariesFor(string machine)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (AllowedLibraries is null) return set;
        foreach (var lib in AllowedLibraries)
            set.Add(Libc == "musl" && lib == "libc.so" && TargetCatalog.MuslLibcSoname(machine) is { } musl ? musl : lib);
        return set;
    }

    /// <summary>Caveats that matter when judging a binary against this target (not an exhaustive list).</summary>
    public IReadOnlyList<string> Notes { get; init; } = Array.Empty<string>();

    /// <summary>True for manylinux/musllinux policies (which carry <see cref="AllowedLibraries"/>), false for distributions.</summary>
    public bool IsPolicy => AllowedLibraries is not null;

    /// <summary>All PT_INTERP paths the target provides for <paramref name="machine"/>, primary first.</summary>
    public IReadOnlyList<string> InterpretersFor(string machine)
    {
        var list = new List<string>();
        if (Interpreters.TryGetValue(machine, out var primary)) list.Add(primary);
        if (AlternateInterpreters.TryGetValue(machine, out var more)) list.AddRange(more);
        return list;
    }

    /// <summary>
    /// Highest version of a symbol-version family (GLIBC, GLIBCXX, CXXABI, GCC; policies also LIBATOMIC, ZLIB) the target
    /// provides on <paramref name="machine"/>, or null when unknown or not applicable.
    /// </summary>
    public string? MaxVersion(string machine, string family)
    {
        if (PolicySymbolVersions is not null)
            return PolicySymbolVersions.TryGetValue(machine, out var fams) && fams.TryGetValue(family, out var v) ? v : null;
        bool known = false;
        foreach (var m in Architectures) known |= m == machine;
        if (!known) return null;
        return family switch
        {
            "GLIBC" => Libc == "glibc" ? LibcVersion : null,
            "GLIBCXX" => GlibcxxVersion,
            "CXXABI" => CxxabiVersion,
            // GccVersion is the x86 value (libgcc-glibc.ver is shared by i386 and x86_64); other machines differ.
            "GCC" => machine is "x86_64" or "i386" ? GccVersion : null,
            _ => null,
        };
    }
}

/// <summary>The built-in catalog of target systems.</summary>
public static class TargetCatalog
{
    internal static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoAlternates =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);

    /// <summary>Every built-in target: distributions first, then manylinux and musllinux policies.</summary>
    public static IReadOnlyList<TargetSystem> All => Store.All;

    /// <summary>
    /// Finds a target by id or alias, case-insensitively and ignoring '-', '_', '.', ':', '/' and spaces
    /// ("debian-12", "bookworm", "Ubuntu 22.04", "jammy", "el9", "centos-7", "alpine3.20", "alpine:3.20", "al2023").
    /// Falls back to <see cref="FromPolicyTag"/> for manylinux/musllinux tags not in the catalog.
    /// </summary>
    public static TargetSystem? Find(string id)
    {
        if (string.IsNullOrWhiteSpace(id)) return null;
        if (Store.Index.TryGetValue(Normalize(id), out var t)) return t;
        return FromPolicyTag(id);
    }

    /// <summary>
    /// Builds the target for a wheel platform tag: manylinux1, manylinux2010, manylinux2014, manylinux_X_Y (PEP 600:
    /// glibc X.Y or newer) or musllinux_X_Y (PEP 656: musl X.Y or newer), optionally followed by _ARCH
    /// (x86_64, i686, aarch64, armv7l, ppc64, ppc64le, s390x, riscv64, loongarch64), which narrows the result to that machine.
    /// Tags with an auditwheel policy return its data; other X.Y borrow library and symbol limits from the newest policy not
    /// newer than X.Y (a conservative choice: PEP 600/656 define only the libc version). Returns null for anything else.
    /// </summary>
    public static TargetSystem? FromPolicyTag(string tag)
    {
        if (string.IsNullOrWhiteSpace(tag)) return null;
        string t = tag.Trim().ToLowerInvariant();
        string family;
        int major, minor;
        string rest;
        if (TryLegacy(t, "manylinux1", out rest)) { family = "manylinux"; major = 2; minor = 5; }          // PEP 513
        else if (TryLegacy(t, "manylinux2010", out rest)) { family = "manylinux"; major = 2; minor = 12; } // PEP 571
        else if (TryLegacy(t, "manylinux2014", out rest)) { family = "manylinux"; major = 2; minor = 17; } // PEP 599
        else
        {
            if (t.StartsWith("manylinux_", StringComparison.Ordinal)) family = "manylinux";
            else if (t.StartsWith("musllinux_", StringComparison.Ordinal)) family = "musllinux";
            else return null;
            int i = family.Length + 1;
            if (!ReadInt(t, ref i, out major) || i >= t.Length || t[i] != '_') return null;
            i++;
            if (!ReadInt(t, ref i, out minor)) return null;
            if (i == t.Length) rest = "";
            else if (t[i] == '_' && i + 1 < t.Length) rest = t.Substring(i + 1);
            else return null;
        }

        string? machine = null;
        if (rest.Length > 0)
        {
            machine = WheelArchToMachine(rest);
            if (machine is null) return null;
        }

        TargetSystem? result = null;
        foreach (var p in Store.PolicyTargets)
            if (p.Family == family && p.Major == major && p.Minor == minor) { result = p.Target; break; }
        result ??= Synthesize(family, major, minor);
        if (result is null) return null;
        return machine is null ? result : Narrow(result, machine, tag.Trim());
    }

    /// <summary>Compares dotted numeric versions ("2.17" &lt; "2.28", "3.4.9" &lt; "3.4.10"); non-numeric parts compare ordinally.</summary>
    public static int CompareVersions(string a, string b)
    {
        var pa = a.Split('.');
        var pb = b.Split('.');
        for (int i = 0; i < Math.Max(pa.Length, pb.Length); i++)
        {
            string x = i < pa.Length ? pa[i] : "0", y = i < pb.Length ? pb[i] : "0";
            bool nx = long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out long vx);
            bool ny = long.TryParse(y, NumberStyles.None, CultureInfo.InvariantCulture, out long vy);
            int c = nx && ny ? vx.CompareTo(vy) : string.CompareOrdinal(x, y);
            if (c != 0) return c;
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Interpreters (PT_INTERP) per machine
    // ------------------------------------------------------------------------------------------------------------

    /// <summary>glibc dynamic loader paths, LinkDoctor machine name -> path.</summary>
    private static readonly Dictionary<string, string> GlibcLoaders = new(StringComparer.Ordinal)
    {
        ["x86_64"] = "/lib64/ld-linux-x86-64.so.2",          // [glibc-ld] x86_64/ldconfig.h
        ["i386"] = "/lib/ld-linux.so.2",                      // [glibc-ld] x86_64/ldconfig.h (i386 entry)
        ["aarch64"] = "/lib/ld-linux-aarch64.so.1",           // [glibc-ld] aarch64/ldconfig.h
        ["arm"] = "/lib/ld-linux-armhf.so.3",                 // [glibc-ld] arm/ldconfig.h (hard-float; soft-float is /lib/ld-linux.so.3)
        ["ppc64le"] = "/lib64/ld64.so.2",                     // [glibc-ld] powerpc/ldconfig.h (ELFv2)
        ["ppc64"] = "/lib64/ld64.so.1",                       // [glibc-ld] powerpc/ldconfig.h (ELFv1, big-endian)
        ["s390x"] = "/lib/ld64.so.1",                         // [glibc-ld] s390/ldconfig.h
        ["riscv64"] = "/lib/ld-linux-riscv64-lp64d.so.1",     // [glibc-ld] riscv/ldconfig.h (lp64d = hard-float ABI)
        // Name from [glibc-ld] loongarch/shlib-versions (ld=ld-linux-loongarch-lp64d.so.1).
        // unverified: the /lib64 directory is from the LoongArch ELF psABI and Debian loong64 practice, not a glibc file read here.
        ["loongarch64"] = "/lib64/ld-linux-loongarch-lp64d.so.1",
        ["mips64el"] = "/lib64/ld.so.1",                      // [glibc-ld] mips/mips64/ldconfig.h (n64)
        ["mipsel"] = "/lib/ld.so.1",                          // [glibc-ld] mips/shlib-versions ld=ld.so.1 (o32), slibdir /lib
        ["mips"] = "/lib/ld.so.1",                            // same as mipsel (big-endian o32)
    };

    /// <summary>musl dynamic loader paths: /lib/ld-musl-$(ARCH)$(SUBARCH).so.1 [musl-ld].</summary>
    private static readonly Dictionary<string, string> MuslLoaders = new(StringComparer.Ordinal)
    {
        ["x86_64"] = "/lib/ld-musl-x86_64.so.1",              // [musl-ld] arch/x86_64/reloc.h LDSO_ARCH "x86_64"
        ["i386"] = "/lib/ld-musl-i386.so.1",                  // [musl-ld] arch/i386/reloc.h LDSO_ARCH "i386"
        ["aarch64"] = "/lib/ld-musl-aarch64.so.1",            // [musl-ld] arch/aarch64/reloc.h
        ["arm"] = "/lib/ld-musl-armhf.so.1",                  // [musl-ld] arch/arm/reloc.h "arm" + "hf" (Alpine armhf and armv7 are hard-float)
        ["ppc64le"] = "/lib/ld-musl-powerpc64le.so.1",        // [musl-ld] arch/powerpc64/reloc.h "powerpc64" + "le"
        ["s390x"] = "/lib/ld-musl-s390x.so.1",                // [musl-ld] arch/s390x/reloc.h
        ["riscv64"] = "/lib/ld-musl-riscv64.so.1",            // [musl-ld] arch/riscv64/reloc.h "riscv64" (hard-float: no suffix)
        ["loongarch64"] = "/lib/ld-musl-loongarch64.so.1",    // [musl-ld] arch/loongarch64/reloc.h (musl >= 1.2.5)
    };

    private static IReadOnlyDictionary<string, string> LoadersFor(string libc, IReadOnlyList<string> machines)
    {
        var table = libc == "musl" ? MuslLoaders : GlibcLoaders;
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in machines) d[m] = table[m];
        return d;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Distributions
    // ------------------------------------------------------------------------------------------------------------

    private static TargetSystem Distro(string id, string name, string libc, string libcVersion,
        string? glibcxx, string? cxxabi, string? gcc, string[] machines, string source, string[] aliases,
        string[]? notes = null, Dictionary<string, IReadOnlyList<string>>? alternates = null) =>
        new(id, name, libc, libcVersion, glibcxx, cxxabi, gcc, machines, LoadersFor(libc, machines), null, source)
        {
            Aliases = aliases,
            Notes = notes ?? Array.Empty<string>(),
            AlternateInterpreters = alternates ?? NoAlternates,
        };

    private static readonly Dictionary<string, IReadOnlyList<string>> DebianArmel = new(StringComparer.Ordinal)
    {
        ["arm"] = new[] { "/lib/ld-linux.so.3" },   // [glibc-ld] arm/ldconfig.h: soft-float EABI loader used by Debian armel
    };

    private static List<TargetSystem> Distributions()
    {
        var list = new List<TargetSystem>();

        // ---------------- Debian ----------------
        // Architectures: Debian installation guide 2.1.1 "Supported architectures"
        // (https://www.debian.org/releases/buster/arm64/ch02s01) and the per-suite architecture lists of libc6 on
        // [pkgs.debian] (https://packages.debian.org/libc6, https://packages.debian.org/libc6-udeb).
        list.Add(Distro("debian-10", "Debian 10 (buster)", "glibc",
            "2.28",      // [pkgs.debian] libc6-udeb buster 2.28-10+deb10u1
            "3.4.25",    // [pkgs.debian] libstdc++6 buster 8.3.0-6 (source gcc-8) -> GCC 8 [abi.xml]
            "1.3.11",    // GCC 8 [abi.xml]
            "7.0.0",     // libgcc1 from gcc-8 -> GCC_7.0.0 [libgcc.ver]
            new[] { "x86_64", "i386", "aarch64", "arm", "mips", "mipsel", "mips64el", "ppc64le", "s390x" }, // installation guide: amd64 i386 arm64 armel armhf mips mipsel mips64el ppc64el s390x
            "https://packages.debian.org/buster/libc6 ; https://packages.debian.org/buster/libstdc++6 ; https://www.debian.org/releases/buster/arm64/ch02s01",
            new[] { "buster", "debian10", "debian-buster", "debian:buster" },
            alternates: DebianArmel));
        list.Add(Distro("debian-11", "Debian 11 (bullseye)", "glibc",
            "2.31",      // [pkgs.debian] libc6 bullseye 2.31-13+deb11uN
            "3.4.28",    // [pkgs.debian] libstdc++6 bullseye 10.2.1-6 (gcc-10) -> GCC 10 [abi.xml]
            "1.3.12",    // GCC 10 [abi.xml]
            "7.0.0",     // gcc-10 libgcc-s1 -> GCC_7.0.0 [libgcc.ver]
            new[] { "x86_64", "i386", "aarch64", "arm", "mipsel", "mips64el", "ppc64le", "s390x" }, // [pkgs.debian] libc6 bullseye: amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x
            "https://packages.debian.org/bullseye/libc6 ; https://packages.debian.org/bullseye/libstdc++6",
            new[] { "bullseye", "debian11", "debian-bullseye", "debian:bullseye" },
            alternates: DebianArmel));
        list.Add(Distro("debian-12", "Debian 12 (bookworm)", "glibc",
            "2.36",      // [pkgs.debian] libc6 bookworm 2.36-9+deb12uN
            "3.4.30",    // [pkgs.debian] libstdc++6 bookworm 12.2.0-14+deb12u1 (gcc-12) -> GCC 12 [abi.xml]
            "1.3.13",    // GCC 12 [abi.xml]
            "12.0.0",    // gcc-12 libgcc-s1 -> GCC_12.0.0 on x86 [libgcc.ver]
            new[] { "x86_64", "i386", "aarch64", "arm", "mipsel", "mips64el", "ppc64le", "s390x" }, // [pkgs.debian] libc6 bookworm: amd64 arm64 armel armhf i386 mips64el mipsel ppc64el s390x
            "https://packages.debian.org/bookworm/libc6 ; https://packages.debian.org/bookworm/libstdc++6",
            new[] { "bookworm", "debian12", "debian-bookworm", "debian:bookworm" },
            alternates: DebianArmel));
        list.Add(Distro("debian-13", "Debian 13 (trixie)", "glibc",
            "2.41",      // [pkgs.debian] libc6 trixie 2.41-12+deb13uN
            "3.4.33",    // [pkgs.debian] libstdc++6 trixie 14.2.0-19, ships libstdc++.so.6.0.33 (gcc-14) -> GCC 14 [abi.xml]
            "1.3.15",    // GCC 14 [abi.xml]
            "14.0.0",    // gcc-14 libgcc-s1 -> GCC_14.0.0 on x86 [libgcc.ver]
            // [pkgs.debian] libc6 trixie: amd64 arm64 armel armhf i386 ppc64el riscv64 s390x. i386 remains for 32-bit
            // userland on amd64 (trixie release notes drop it as an installable architecture).
            new[] { "x86_64", "i386", "aarch64", "arm", "ppc64le", "riscv64", "s390x" },
            "https://packages.debian.org/trixie/libc6 ; https://packages.debian.org/trixie/libstdc++6",
            new[] { "trixie", "debian13", "debian-trixie", "debian:trixie" },
            notes: new[] { "i386 is only a multiarch (32-bit userland) architecture in Debian 13." },
            alternates: DebianArmel));

        // ---------------- Ubuntu ----------------
        // Ubuntu builds libstdc++6 from its newest GCC, so GLIBCXX is newer than the default compiler's.
        list.Add(Distro("ubuntu-18.04", "Ubuntu 18.04 LTS (bionic)", "glibc",
            "2.27",      // libc6 2.27-3ubuntu1 (bionic release; launchpadlibrarian libc6_2.27-3ubuntu1_*.deb).
                         // unverified on packages.ubuntu.com: bionic is no longer listed there.
            "3.4.25",    // libstdc++6 8.4.0-1ubuntu1~18.04 (source gcc-8, bionic-updates/security pool) -> GCC 8 [abi.xml].
                         // unverified on packages.ubuntu.com (bionic not listed); seen in apt logs and security.ubuntu.com pool URLs.
            "1.3.11",    // GCC 8 [abi.xml]
            "7.0.0",     // libgcc1 from gcc-8 -> GCC_7.0.0 [libgcc.ver]
            // unverified: architecture list (amd64 arm64 armhf i386 ppc64el s390x) from Ubuntu 18.04 ports, not re-read.
            new[] { "x86_64", "i386", "aarch64", "arm", "ppc64le", "s390x" },
            "https://launchpad.net/ubuntu/bionic (libc6 2.27-3ubuntu1, libstdc++6 8.4.0-1ubuntu1~18.04)",
            new[] { "bionic", "ubuntu1804", "ubuntu-bionic", "ubuntu:bionic", "ubuntu:18.04" }));
        list.Add(Distro("ubuntu-20.04", "Ubuntu 20.04 LTS (focal)", "glibc",
            "2.31",      // [pkgs.ubuntu] libc6 focal 2.31-0ubuntu9.x
            "3.4.28",    // [pkgs.ubuntu] libstdc++6 focal 10-20200411-0ubuntu1 / 10.5.0-1ubuntu1~20.04 (gcc-10) -> GCC 10 [abi.xml]
            "1.3.12",    // GCC 10 [abi.xml]
            "7.0.0",     // gcc-10 libgcc-s1 -> GCC_7.0.0 [libgcc.ver]
            new[] { "x86_64", "i386", "aarch64", "arm", "ppc64le", "riscv64", "s390x" }, // [pkgs.ubuntu] libstdc++6 focal-updates: amd64 arm64 armhf i386 ppc64el riscv64 s390x
            "https://packages.ubuntu.com/focal/libc6 ; https://packages.ubuntu.com/focal/libstdc++6",
            new[] { "focal", "ubuntu2004", "ubuntu-focal", "ubuntu:focal", "ubuntu:20.04" },
            notes: new[] { "i386 is a multiarch-only (32-bit userland) architecture since Ubuntu 20.04." }));
        list.Add(Distro("ubuntu-22.04", "Ubuntu 22.04 LTS (jammy)", "glibc",
            "2.35",      // [pkgs.ubuntu] libc6 jammy 2.35-0ubuntu3.x
            "3.4.30",    // [pkgs.ubuntu] libstdc++6 jammy 12-20220319-1ubuntu1 / 12.3.0-1ubuntu1~22.04 (gcc-12) -> GCC 12 [abi.xml]
            "1.3.13",    // GCC 12 [abi.xml]; [auditwheel] manylinux_2_35 (glibc 2.35) also lists GLIBCXX 3.4.30 / CXXABI 1.3.13
            "12.0.0",    // gcc-12 libgcc-s1 -> GCC_12.0.0 on x86 [libgcc.ver]; [auditwheel] manylinux_2_35 x86_64 GCC 12.0.0
            new[] { "x86_64", "i386", "aarch64", "arm", "ppc64le", "riscv64", "s390x" }, // [pkgs.ubuntu] libstdc++6 jammy-updates: amd64 arm64 armhf i386 ppc64el riscv64 s390x
            "https://packages.ubuntu.com/jammy/libc6 ; https://packages.ubuntu.com/jammy/libstdc++6",
            new[] { "jammy", "ubuntu2204", "ubuntu-jammy", "ubuntu:jammy", "ubuntu:22.04" },
            notes: new[] { "Default compiler is GCC 11 but the system libstdc++6/libgcc-s1 come from GCC 12." }));
        list.Add(Distro("ubuntu-24.04", "Ubuntu 24.04 LTS (noble)", "glibc",
            "2.39",      // [pkgs.ubuntu] libc6 noble 2.39-0ubuntu8.x
            "3.4.33",    // [pkgs.ubuntu] libstdc++6 noble 14-20240412-0ubuntu1 / 14.2.0-4ubuntu2~24.04 (gcc-14) -> GCC 14 [abi.xml]
            "1.3.15",    // GCC 14 [abi.xml]; [auditwheel] manylinux_2_39 lists GLIBCXX 3.4.33 / CXXABI 1.3.15
            "14.0.0",    // gcc-14 libgcc-s1 -> GCC_14.0.0 on x86 [libgcc.ver]; [auditwheel] manylinux_2_39 x86_64 GCC 14.0.0
            new[] { "x86_64", "i386", "aarch64", "arm", "ppc64le", "riscv64", "s390x" }, // [pkgs.ubuntu] libc-bin noble: amd64 arm64 armhf i386 ppc64el riscv64 s390x
            "https://packages.ubuntu.com/noble/libc6 ; https://packages.ubuntu.com/noble/libstdc++6",
            new[] { "noble", "ubuntu2404", "ubuntu-noble", "ubuntu:noble", "ubuntu:24.04" },
            notes: new[] { "Default compiler is GCC 13 but the system libstdc++6/libgcc-s1 come from GCC 14." }));

        // ---------------- RHEL and rebuilds (CentOS, Rocky, Alma, Oracle) ----------------
        // RHEL ships the system GCC's libstdc++ (GCC Toolset compilers link their newer bits statically).
        list.Add(Distro("rhel-7", "Red Hat Enterprise Linux 7 / CentOS 7", "glibc",
            "2.17",      // [PEP 599] "CentOS 7 uses glibc 2.17"; [auditwheel] manylinux_2_17 (manylinux2014, CentOS 7 based)
            "3.4.19",    // system GCC 4.8.5 ([PEP 599]: manylinux2014 image "gcc ... 4.8.5") -> GCC 4.8.3+ [abi.xml]; [PEP 599] GLIBCXX_3.4.19
            "1.3.7",     // [abi.xml] GCC 4.8; [PEP 599] CXXABI_1.3.7
            "4.8.0",     // [PEP 599] GCC_4.8.0; [libgcc.ver] GCC_4.8.0 (__cpu_model) on x86
            // unverified: aarch64 and ppc64 were separate RHEL 7 variants (RHEL for ARM / Power BE); list from [PEP 599] CentOS 7 arches.
            new[] { "x86_64", "aarch64", "ppc64", "ppc64le", "s390x" },
            "https://peps.python.org/pep-0599/ ; Red Hat Enterprise Linux 7 release notes (glibc 2.17, gcc 4.8.5)",
            new[] { "el7", "rhel7", "centos-7", "centos7", "centos:7", "oraclelinux-7", "ol7", "sl7", "scientific-7", "ubi7" },
            notes: new[] { "32-bit i686 libraries (glibc.i686) can be installed on x86_64 but are not part of a default install." }));
        list.Add(Distro("rhel-8", "Red Hat Enterprise Linux 8 (CentOS 8, Rocky 8, AlmaLinux 8)", "glibc",
            "2.28",      // RHEL 8 glibc 2.28: Red Hat's own RPM lockfiles (stackrox/fact: glibc-2.28-251.el8_10.27 -> .31);
                         // [auditwheel]/manylinux_2_28 is AlmaLinux 8 based. unverified: no docs.redhat.com page stating 2.28 was read.
            "3.4.25",    // system GCC 8 (8.2 at GA, 8.5.0 later; e.g. Rocky 8 "gcc 8.5.0 20210514 (Red Hat 8.5.0-..)") -> GCC 8 [abi.xml]
            "1.3.11",    // GCC 8 [abi.xml]
            "7.0.0",     // GCC 8 libgcc_s -> GCC_7.0.0 [libgcc.ver]
            new[] { "x86_64", "aarch64", "ppc64le", "s390x" }, // unverified: RHEL 8 architecture list not re-read (same four as RHEL 9; manylinux_2_28 images exist for these)
            "Red Hat Enterprise Linux 8 release notes / Considerations in adopting RHEL 8 (glibc 2.28, GCC 8) https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/8",
            new[] { "el8", "rhel8", "centos-8", "centos8", "centos:8", "centos-stream-8", "rocky-8", "rocky8", "rockylinux-8", "rockylinux:8",
                    "alma-8", "alma8", "almalinux-8", "almalinux:8", "oraclelinux-8", "ol8", "ubi8" },
            notes: new[] { "[auditwheel] manylinux_2_28 (AlmaLinux 8 based) caps GLIBCXX at 3.4.24 although the RHEL 8 system libstdc++ (GCC 8) provides 3.4.25." }));
        list.Add(Distro("rhel-9", "Red Hat Enterprise Linux 9 (CentOS Stream 9, Rocky 9, AlmaLinux 9)", "glibc",
            "2.34",      // RHEL 9.0 release announcement as reported ("GCC 11 ... glibc 2.34"); Red Hat RPM lockfile glibc-devel
                         // 2.34-231.el9_7 -> 2.34-266.el9_8 (openshift/bpfman#633); [auditwheel] manylinux_2_34 is AlmaLinux 9 based
            "3.4.29",    // system GCC 11 (11.5 since RHEL 9.5 per 9.5 release notes) -> GCC 11 [abi.xml]; [auditwheel] manylinux_2_34 (AlmaLinux 9) 3.4.29
            "1.3.13",    // GCC 11 [abi.xml]
            "7.0.0",     // GCC 11 libgcc_s -> GCC_7.0.0 on x86 [libgcc.ver]; [auditwheel] manylinux_2_34 x86_64 GCC 7.0.0
            new[] { "x86_64", "aarch64", "ppc64le", "s390x" }, // RHEL 9.0 release: x86_64, s390x, ppc64le, aarch64 (Rocky 9.0 notes: built for the same four)
            "Red Hat Enterprise Linux 9 Considerations in adopting RHEL 9, ch. Compilers and development tools; RHEL 9.5 release notes (system GCC 11.5) https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/9",
            new[] { "el9", "rhel9", "centos-9", "centos9", "centos-stream-9", "centos:stream9", "rocky-9", "rocky9", "rockylinux-9", "rockylinux:9",
                    "alma-9", "alma9", "almalinux-9", "almalinux:9", "oraclelinux-9", "ol9", "ubi9" },
            notes: new[] { "x86_64 builds target x86-64-v2." }));
        list.Add(Distro("rhel-10", "Red Hat Enterprise Linux 10 (CentOS Stream 10, Rocky 10, AlmaLinux 10)", "glibc",
            "2.39",      // AlmaLinux 10.1 (RHEL 10 rebuild) release changelog: "Glibc: 2.39-58.el10_1". unverified: no Red Hat page stating 2.39 was read.
            "3.4.33",    // [RH docs] "Red Hat Enterprise Linux 10 includes GCC 14 as the default C and C++ compiler" -> GCC 14 [abi.xml]
            "1.3.15",    // GCC 14 [abi.xml]
            "14.0.0",    // GCC 14 libgcc_s -> GCC_14.0.0 on x86 [libgcc.ver]
            new[] { "x86_64", "aarch64", "ppc64le", "s390x" }, // unverified: RHEL 10 architecture list taken from RHEL 9 (riscv64 is a developer preview only)
            "https://docs.redhat.com/en/documentation/red_hat_enterprise_linux/10/develop-c23_support_in_glibc (GCC 14); AlmaLinux 10.1 changelog (glibc 2.39-58.el10_1)",
            new[] { "el10", "rhel10", "centos-10", "centos10", "centos-stream-10", "rocky-10", "rocky10", "rockylinux-10", "alma-10", "alma10",
                    "almalinux-10", "almalinux:10", "oraclelinux-10", "ol10", "ubi10" },
            notes: new[] { "RHEL 10 x86_64 targets x86-64-v3 (AlmaLinux also ships an x86-64-v2 build)." }));

        // ---------------- Amazon Linux ----------------
        list.Add(Distro("amazonlinux-2", "Amazon Linux 2", "glibc",
            "2.26",      // [AL docs] glibc-gcc-and-binutils: AL2 glibc 2.26
            "3.4.24",    // [AL docs] AL2 gcc 7.3 (libstdc++-7.3.1-*.amzn2) -> GCC 7.2+ [abi.xml]
            "1.3.11",    // GCC 7 [abi.xml]
            "7.0.0",     // GCC 7 libgcc_s -> GCC_7.0.0 [libgcc.ver]
            new[] { "x86_64", "aarch64" },  // AL2 packages exist for x86_64 and aarch64 (e.g. libstdc++/glibc "amzn2" aarch64 builds). unverified: no AWS page read for the list
            "https://docs.aws.amazon.com/linux/al2023/ug/glibc-gcc-and-binutils.html",
            new[] { "al2", "amzn2", "amazonlinux2", "amazon-linux-2", "amazonlinux:2" }));
        list.Add(Distro("amazonlinux-2023", "Amazon Linux 2023", "glibc",
            "2.34",      // [AL docs] AL2023 glibc 2.34 (core toolchain package)
            "3.4.29",    // [AL docs] AL2023 gcc 11.3 (core-glibc: "gcc 11.2") -> GCC 11 [abi.xml]
            "1.3.13",    // GCC 11 [abi.xml]
            "7.0.0",     // GCC 11 libgcc_s -> GCC_7.0.0 on x86 [libgcc.ver]
            new[] { "x86_64", "aarch64" },  // AL2023 README "Architectures": x86_64 and aarch64 (github.com/amazonlinux/amazon-linux-2023)
            "https://docs.aws.amazon.com/linux/al2023/ug/glibc-gcc-and-binutils.html ; https://docs.aws.amazon.com/linux/al2023/ug/core-glibc.html",
            new[] { "al2023", "amzn2023", "amazonlinux2023", "amazon-linux-2023", "amazonlinux:2023" }));

        // ---------------- Alpine ----------------
        // musl version: [pkgs.alpine] musl/musl-utils/musl-dev per branch. libstdc++ is NOT installed by default on Alpine;
        // the GLIBCXX/CXXABI values apply once the branch's libstdc++ package is installed.
        // Architectures: x86_64, x86, aarch64, armhf, armv7, ppc64le, s390x on all branches here ([pkgs.alpine] pages
        // exist for those arches); riscv64 from v3.20 ([pkgs.alpine] v3.20/main/riscv64/musl-utils); loongarch64 from 3.21
        // (Alpine 3.21.0 release announcement: initial LoongArch64 support).
        // unverified: that riscv64 was absent from the 3.16-3.19 stable branches (no riscv64 package pages for them were found).
        string[] alpineBase = { "x86_64", "i386", "aarch64", "arm", "ppc64le", "s390x" };
        string[] alpine320 = { "x86_64", "i386", "aarch64", "arm", "ppc64le", "s390x", "riscv64" };
        string[] alpine321 = { "x86_64", "i386", "aarch64", "arm", "ppc64le", "s390x", "riscv64", "loongarch64" };
        string[] alpineNotes = { "libstdc++ and libgcc are not part of a default Alpine install; GLIBCXX/CXXABI/GCC apply once the packages are added." };
        list.Add(Distro("alpine-3.16", "Alpine Linux 3.16", "musl",
            "1.2.3",     // [pkgs.alpine] v3.16 musl-utils 1.2.3-r4 (musl-dev 1.2.3-r0 at release)
            "3.4.29",    // libstdc++-11.2.1_git20220219-r2 in alpine 3.16 images -> GCC 11 [abi.xml]
            "1.3.13",    // GCC 11 [abi.xml]
            "7.0.0",     // GCC 11 -> GCC_7.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpineBase, "https://pkgs.alpinelinux.org/package/v3.16/main/x86/musl-utils ; https://pkgs.alpinelinux.org/packages?name=libstdc%2B%2B&branch=v3.16",
            new[] { "alpine316", "alpine:3.16" }, alpineNotes));
        list.Add(Distro("alpine-3.17", "Alpine Linux 3.17", "musl",
            "1.2.3",     // [pkgs.alpine] v3.17 musl-dev 1.2.3-r6
            // unverified: libstdc++ 12.2.1_git20220924-r4 seen in a docker-library repo-info image of the 3.17 era; the
            // branch is not named there. GCC 12 [abi.xml].
            "3.4.30",
            "1.3.13",    // GCC 12 [abi.xml]
            "12.0.0",    // GCC 12 -> GCC_12.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpineBase, "https://pkgs.alpinelinux.org/package/v3.17/main/x86/musl-dev",
            new[] { "alpine317", "alpine:3.17" }, alpineNotes));
        list.Add(Distro("alpine-3.18", "Alpine Linux 3.18", "musl",
            "1.2.4",     // [pkgs.alpine] v3.18 musl-utils 1.2.4-r3
            "3.4.30",    // [pkgs.alpine] v3.18 libstdc++-dev 12.2.1_git20220924-r10 -> GCC 12 [abi.xml]
            "1.3.13",    // GCC 12 [abi.xml]
            "12.0.0",    // GCC 12 -> GCC_12.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpineBase, "https://pkgs.alpinelinux.org/package/v3.18/main/x86_64/musl-utils ; https://pkgs.alpinelinux.org/package/v3.18/main/ppc64le/libstdc++-dev",
            new[] { "alpine318", "alpine:3.18" }, alpineNotes));
        list.Add(Distro("alpine-3.19", "Alpine Linux 3.19", "musl",
            "1.2.4",     // [pkgs.alpine] v3.19 musl-utils 1.2.4_git20230717-r5 (1.2.4 plus upstream fixes)
            "3.4.32",    // dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/libstdc++-13.2.1_git20231014-r0.apk -> GCC 13.2+ [abi.xml]
            "1.3.14",    // GCC 13 [abi.xml]
            "13.0.0",    // GCC 13 -> GCC_13.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpineBase, "https://pkgs.alpinelinux.org/package/v3.19/main/aarch64/musl-utils ; https://dl-cdn.alpinelinux.org/alpine/v3.19/main/x86_64/ (libstdc++-13.2.1_git20231014)",
            new[] { "alpine319", "alpine:3.19" }, alpineNotes));
        list.Add(Distro("alpine-3.20", "Alpine Linux 3.20", "musl",
            "1.2.5",     // [pkgs.alpine] v3.20 musl-dev / musl-utils 1.2.5-r1 (1.2.5-r0 at release)
            "3.4.32",    // dl-cdn.alpinelinux.org/alpine/v3.20/main/aarch64/libstdc++-13.2.1_git20240309-r1.apk -> GCC 13.2+ [abi.xml]
            "1.3.14",    // GCC 13 [abi.xml]
            "13.0.0",    // GCC 13 -> GCC_13.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpine320, "https://pkgs.alpinelinux.org/package/v3.20/main/riscv64/musl-utils ; https://dl-cdn.alpinelinux.org/alpine/v3.20/main/ (libstdc++-13.2.1_git20240309)",
            new[] { "alpine320", "alpine:3.20" }, alpineNotes));
        list.Add(Distro("alpine-3.21", "Alpine Linux 3.21", "musl",
            "1.2.5",     // [pkgs.alpine] v3.21 musl-utils 1.2.5-r9
            "3.4.33",    // [pkgs.alpine] v3.21 libstdc++-dev 14.2.0-r4 -> GCC 14 [abi.xml]
            "1.3.15",    // GCC 14 [abi.xml]
            "14.0.0",    // GCC 14 -> GCC_14.0.0 on x86 [libgcc.ver]. unverified: libgcc_s on musl assumed to use the glibc version script.
            alpine321, "https://pkgs.alpinelinux.org/package/v3.21/main/x86/musl-utils ; https://pkgs.alpinelinux.org/package/v3.21/main/ppc64le/libstdc++-dev",
            new[] { "alpine321", "alpine:3.21" }, alpineNotes));

        return list;
    }

    // ------------------------------------------------------------------------------------------------------------
    // manylinux / musllinux policies ([auditwheel] data, generated below)
    // ------------------------------------------------------------------------------------------------------------

    private sealed record PolicyData(string Family, int Major, int Minor, int Priority, string[] Aliases, string[] Libs,
        string[] Machines, KeyValuePair<string, string[]>[] Blocked);

    /// <summary>
    /// One symbol_versions list of a family of policies, for one machine and one version prefix: <paramref name="First"/> is the
    /// index (strictest policy = 0) of the first policy that has the prefix, <paramref name="Added"/> the names each policy from
    /// there on adds, '|' between policies.
    /// </summary>
    private sealed record PolicyVersionRun(string Family, string Machine, string Prefix, int First, string Added);

    private sealed record PolicyTarget(string Family, int Major, int Minor, TargetSystem Target);

    /// <summary>Display names and the base system each policy was drawn from, where the PEP or the manylinux project says so.</summary>
    private static (string Name, string Source) Describe(PolicyData p)
    {
        string tag = $"{p.Family}_{p.Major}_{p.Minor}";
        const string aw = "https://github.com/pypa/auditwheel/blob/86154d15d6a53a85aab6187032e86348a3a15df1/src/auditwheel/policy/";
        return tag switch
        {
            "manylinux_2_5" => ("manylinux1 (manylinux_2_5, CentOS 5 based, glibc 2.5)", "https://peps.python.org/pep-0513/ ; " + aw + "manylinux-policy.json"),
            "manylinux_2_12" => ("manylinux2010 (manylinux_2_12, CentOS 6 based, glibc 2.12)", "https://peps.python.org/pep-0571/ ; " + aw + "manylinux-policy.json"),
            "manylinux_2_17" => ("manylinux2014 (manylinux_2_17, CentOS 7 based, glibc 2.17)", "https://peps.python.org/pep-0599/ ; " + aw + "manylinux-policy.json"),
            // Base images per the pypa/manylinux README (https://github.com/pypa/manylinux): 2_24 Debian 9, 2_28 AlmaLinux 8, 2_34 AlmaLinux 9.
            "manylinux_2_24" => ("manylinux_2_24 (Debian 9 based, glibc 2.24)", "https://peps.python.org/pep-0600/ ; " + aw + "manylinux-policy.json"),
            "manylinux_2_28" => ("manylinux_2_28 (AlmaLinux 8 based, glibc 2.28)", "https://peps.python.org/pep-0600/ ; " + aw + "manylinux-policy.json"),
            "manylinux_2_34" => ("manylinux_2_34 (AlmaLinux 9 based, glibc 2.34)", "https://peps.python.org/pep-0600/ ; " + aw + "manylinux-policy.json"),
            // PEP 656; pypa/manylinux README: musllinux_1_2 images are Alpine based (3.13+ compatible).
            "musllinux_1_1" => ("musllinux_1_1 (musl 1.1)", "https://peps.python.org/pep-0656/ ; " + aw + "musllinux-policy.json"),
            "musllinux_1_2" => ("musllinux_1_2 (musl 1.2, Alpine based)", "https://peps.python.org/pep-0656/ ; " + aw + "musllinux-policy.json"),
            _ => p.Family == "manylinux"
                ? ($"{tag} (glibc {p.Major}.{p.Minor})", "https://peps.python.org/pep-0600/ ; " + aw + "manylinux-policy.json")
                : ($"{tag} (musl {p.Major}.{p.Minor})", "https://peps.python.org/pep-0656/ ; " + aw + "musllinux-policy.json"),
        };
    }

    /// <summary>
    /// The symbol_versions of policy number <paramref name="index"/> (strictest = 0) of a family, as full version names
    /// (prefix + "_" + version, as auditwheel's versioned_symbols_policy compares them): machine -> prefix -> names.
    /// </summary>
    private static Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>> DecodeVersions(PolicyVersionRun[] runs, string family, int index, string[] machines)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>(StringComparer.Ordinal);
        foreach (var m in machines) result[m] = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var r in runs)
        {
            if (r.Family != family || !result.TryGetValue(r.Machine, out var prefixes)) continue;
            var groups = r.Added.Split('|');
            if (index < r.First || index >= r.First + groups.Length) continue;
            var set = new HashSet<string>(StringComparer.Ordinal);
            for (int g = 0; g <= index - r.First; g++)
                foreach (var v in groups[g].Split(' ', StringSplitOptions.RemoveEmptyEntries)) set.Add(r.Prefix + "_" + v);
            ((Dictionary<string, IReadOnlySet<string>>)prefixes)[r.Prefix] = set;
        }
        return result;
    }

    /// <summary>The highest purely numeric version of each prefix ("2.17" of GLIBC_2.17), for display and <see cref="TargetSystem.MaxVersion"/>.</summary>
    private static Dictionary<string, IReadOnlyDictionary<string, string>> Maxima(IReadOnlyDictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>> names)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (m, prefixes) in names)
        {
            var fams = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (prefix, set) in prefixes)
                foreach (var full in set)
                {
                    string v = full.Substring(prefix.Length + 1);
                    if (v.Length == 0 || !char.IsDigit(v[0]) || !char.IsDigit(v[^1])) continue;
                    bool numeric = true;
                    foreach (char c in v) numeric &= c is '.' or (>= '0' and <= '9');
                    if (numeric && (!fams.TryGetValue(prefix, out var cur) || CompareVersions(v, cur) > 0)) fams[prefix] = v;
                }
            result[m] = fams;
        }
        return result;
    }

    private static TargetSystem BuildPolicy(PolicyData p, int index, PolicyVersionRun[] runs)
    {
        string tag = $"{p.Family}_{p.Major}_{p.Minor}";
        string id = p.Aliases.Length > 0 ? p.Aliases[0] : tag;          // "manylinux2014" keeps its legacy name as the id
        var aliases = new List<string>();
        if (id != tag) aliases.Add(tag);
        for (int i = 1; i < p.Aliases.Length; i++) aliases.Add(p.Aliases[i]);
        var (name, source) = Describe(p);
        string libc = p.Family == "musllinux" ? "musl" : "glibc";
        var names = DecodeVersions(runs, p.Family, index, p.Machines);
        var symbols = Maxima(names);
        symbols.TryGetValue("x86_64", out var x86);
        var blocked = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var kv in p.Blocked) blocked[kv.Key] = kv.Value;
        var notes = new List<string>();
        if (x86 is not null && x86.TryGetValue("GLIBC", out var xg) && CompareVersions(xg, $"{p.Major}.{p.Minor}") < 0)
            notes.Add($"auditwheel's x86_64 symbol list for {tag} tops out at GLIBC_{xg} (no newer GLIBC_ version exists on that architecture).");
        string? Get(string f) => x86 is not null && x86.TryGetValue(f, out var v) ? v : null;
        return new TargetSystem(id, name, libc, $"{p.Major}.{p.Minor}",
            Get("GLIBCXX"), Get("CXXABI"), Get("GCC"),
            p.Machines, LoadersFor(libc, p.Machines), p.Libs, source)
        {
            Aliases = aliases,
            PolicyPriority = p.Priority,
            PolicySymbolVersions = symbols,
            PolicyVersionNames = names,
            PolicyBlockedSymbols = blocked,
            Notes = notes,
        };
    }

    /// <summary>A tag without an auditwheel policy: libc version from the tag, limits from the newest policy not newer.</summary>
    private static TargetSystem? Synthesize(string family, int major, int minor)
    {
        PolicyTarget? below = null, lowest = null;
        foreach (var p in Store.PolicyTargets)
        {
            if (p.Family != family) continue;
            if (lowest is null || (p.Major, p.Minor).CompareTo((lowest.Major, lowest.Minor)) < 0) lowest = p;
            if ((p.Major, p.Minor).CompareTo((major, minor)) <= 0 && (below is null || (p.Major, p.Minor).CompareTo((below.Major, below.Minor)) > 0)) below = p;
        }
        var baseP = below ?? lowest;
        if (baseP is null) return null;
        var b = baseP.Target;
        string tag = $"{family}_{major}_{minor}";
        string ver = $"{major}.{minor}";
        var names = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>(StringComparer.Ordinal);
        foreach (var (m, prefixes) in b.PolicyVersionNames!)
        {
            var copy = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
            if (below is not null)
            {
                // Nothing is known below the lowest policy; above it, the base's lists plus the GLIBC_2.N names up to the tag
                // (glibc names each release's new symbol versions GLIBC_2.N).
                foreach (var kv in prefixes) copy[kv.Key] = kv.Value;
                if (family == "manylinux" && prefixes.TryGetValue("GLIBC", out var glibc))
                {
                    var more = new HashSet<string>(glibc, StringComparer.Ordinal);
                    for (int n = baseP.Minor + 1; n <= minor; n++) more.Add($"GLIBC_{major}.{n}");
                    copy["GLIBC"] = more;
                }
            }
            else if (family == "manylinux" && prefixes.TryGetValue("GLIBC", out var glibc))
            {
                var fewer = new HashSet<string>(StringComparer.Ordinal);
                foreach (var v in glibc) if (CompareVersions(v["GLIBC_".Length..], ver) <= 0) fewer.Add(v);
                copy["GLIBC"] = fewer;
            }
            names[m] = copy;
        }
        var symbols = Maxima(names);
        string pep = family == "manylinux" ? "https://peps.python.org/pep-0600/" : "https://peps.python.org/pep-0656/";
        string how = below is not null
            ? $"library and symbol limits borrowed from {b.Id}, the newest auditwheel policy not newer than {ver} (conservative; the PEP defines only the libc version)"
            : "older than every auditwheel policy: only the libc version is known";
        // Below the lowest policy only the libc version is known; the library list stays the lowest policy's.
        var stricter = new List<TargetSystem>();
        if (family == "manylinux" && below is not null)
        {
            stricter.AddRange(b.StricterPolicies);
            stricter.Add(b);
        }
        return b with
        {
            Id = tag,
            Name = $"{tag} ({(family == "manylinux" ? "glibc" : "musl")} {ver} or newer)",
            LibcVersion = ver,
            GlibcxxVersion = below is null ? null : b.GlibcxxVersion,
            CxxabiVersion = below is null ? null : b.CxxabiVersion,
            GccVersion = below is null ? null : b.GccVersion,
            Source = pep + " ; " + how,
            Aliases = Array.Empty<string>(),
            PolicyPriority = null,
            PolicySymbolVersions = symbols,
            PolicyVersionNames = names,
            StricterPolicies = stricter,
            Notes = new[] { how },
        };
    }

    private static TargetSystem? Narrow(TargetSystem t, string machine, string fullTag)
    {
        if (!t.Interpreters.TryGetValue(machine, out var interp)) return null;   // the policy does not cover this machine
        IReadOnlyDictionary<string, string>? fams = null;
        t.PolicySymbolVersions?.TryGetValue(machine, out fams);
        var symbols = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        if (fams is not null) symbols[machine] = fams;
        var names = new Dictionary<string, IReadOnlyDictionary<string, IReadOnlySet<string>>>(StringComparer.Ordinal);
        if (t.PolicyVersionNames is not null && t.PolicyVersionNames.TryGetValue(machine, out var prefixes)) names[machine] = prefixes;
        return t with
        {
            Id = fullTag.ToLowerInvariant(),
            Name = t.Name + " [" + machine + "]",
            Architectures = new[] { machine },
            Interpreters = new Dictionary<string, string>(StringComparer.Ordinal) { [machine] = interp },
            GlibcxxVersion = fams is not null && fams.TryGetValue("GLIBCXX", out var gx) ? gx : null,
            CxxabiVersion = fams is not null && fams.TryGetValue("CXXABI", out var ca) ? ca : null,
            GccVersion = fams is not null && fams.TryGetValue("GCC", out var gc) ? gc : null,
            PolicySymbolVersions = symbols,
            PolicyVersionNames = names,
            Aliases = Array.Empty<string>(),
        };
    }

    /// <summary>
    /// auditwheel's _fixup_musl_libc_soname (policy/__init__.py): the musllinux whitelist's "libc.so" stands for musl's
    /// per-architecture SONAME, libc.musl-ARCH.so.1 (the NEEDED entry of a program linked on Alpine).
    /// </summary>
    internal static string? MuslLibcSoname(string machine) => machine switch
    {
        "x86_64" => "libc.musl-x86_64.so.1",
        "i386" => "libc.musl-x86.so.1",
        "aarch64" => "libc.musl-aarch64.so.1",
        "s390x" => "libc.musl-s390x.so.1",
        "ppc64le" => "libc.musl-ppc64le.so.1",
        "arm" => "libc.musl-armv7.so.1",
        "riscv64" => "libc.musl-riscv64.so.1",
        "loongarch64" => "libc.musl-loongarch64.so.1",
        _ => null,
    };

    /// <summary>Wheel platform-tag architecture (PEP 425 / sysconfig) -> LinkDoctor machine name.</summary>
    private static string? WheelArchToMachine(string arch) => arch switch
    {
        "x86_64" => "x86_64",
        "i686" or "i386" => "i386",
        "aarch64" => "aarch64",
        "armv7l" or "arm" => "arm",
        "ppc64le" => "ppc64le",
        "ppc64" => "ppc64",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        "loongarch64" => "loongarch64",
        _ => null,
    };

    private static bool TryLegacy(string t, string legacy, out string rest)
    {
        rest = "";
        if (t == legacy) return true;
        if (t.Length > legacy.Length + 1 && t.StartsWith(legacy, StringComparison.Ordinal) && t[legacy.Length] == '_'
            && !char.IsDigit(t[legacy.Length + 1]))
        {
            rest = t.Substring(legacy.Length + 1);
            return true;
        }
        return false;
    }

    private static bool ReadInt(string s, ref int i, out int value)
    {
        int start = i;
        value = 0;
        while (i < s.Length && s[i] >= '0' && s[i] <= '9')
        {
            if (i - start >= 6) return false;
            value = value * 10 + (s[i] - '0');
            i++;
        }
        return i > start;
    }

    /// <summary>Lower-case letters and digits only: "Ubuntu 22.04" -> "ubuntu2204", "alpine:3.20" -> "alpine320".</summary>
    internal static string Normalize(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(c);
            else if (c is >= 'A' and <= 'Z') sb.Append((char)(c + 32));
            else if (c is '-' or '_' or '.' or ':' or '/' or ' ') continue;
            else sb.Append(char.ToLowerInvariant(c));
        }
        return sb.ToString();
    }

    /// <summary>Holds the built tables; a nested class so that its static initialisers run in a known order on first use.</summary>
    private static class Store
    {
        public static readonly PolicyTarget[] PolicyTargets = BuildPolicyTargets();
        public static readonly TargetSystem[] All = BuildAll();
        public static readonly Dictionary<string, TargetSystem> Index = BuildIndex();

        private static PolicyTarget[] BuildPolicyTargets()
        {
            var data = GeneratedPolicies();
            var runs = GeneratedVersionRuns();
            var result = new PolicyTarget[data.Length];
            // The generated data lists each family strictest first (descending priority), as the runs are indexed.
            var stricter = new List<TargetSystem>();
            string? family = null;
            for (int i = 0, index = 0; i < data.Length; i++, index++)
            {
                if (data[i].Family != family) { family = data[i].Family; index = 0; stricter = []; }
                var t = BuildPolicy(data[i], index, runs);
                // auditwheel loads a single musllinux policy (the running musl's), so only manylinux has a ladder.
                if (family == "manylinux") t = t with { StricterPolicies = [.. stricter] };
                stricter.Add(t);
                result[i] = new PolicyTarget(data[i].Family, data[i].Major, data[i].Minor, t);
            }
            return result;
        }

        private static TargetSystem[] BuildAll()
        {
            var list = Distributions();
            foreach (var p in PolicyTargets) list.Add(p.Target);
            return list.ToArray();
        }

        private static Dictionary<string, TargetSystem> BuildIndex()
        {
            var index = new Dictionary<string, TargetSystem>(StringComparer.Ordinal);
            foreach (var t in All)
            {
                index.TryAdd(Normalize(t.Id), t);
                foreach (var a in t.Aliases) index.TryAdd(Normalize(a), t);
            }
            return index;
        }
    }

    // ---- BEGIN GENERATED from https://github.com/pypa/auditwheel/blob/86154d15d6a53a85aab6187032e86348a3a15df1/src/auditwheel/policy/manylinux-policy.json
    //      and .../musllinux-policy.json at the same commit (auditwheel 6.8.1+3), policies strictest first (descending
    //      "priority"), machines renamed i686 -> i386, armv7l -> arm. Each symbol_versions list is stored as a run: the
    //      names each policy adds to the one before (auditwheel's _validate_pep600_compliance guarantees they only grow);
    //      the generator checked that decoding the runs gives back every list of the JSON exactly. Do not edit by hand. ----
    private static readonly string[] Libs1 = { "libatomic.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libanl.so.1", "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1", "libutil.so.1", "libpthread.so.0", "libX11.so.6", "libXext.so.6", "libXrender.so.1", "libICE.so.6", "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0", "libglib-2.0.so.0", "libresolv.so.2", "libz.so.1" };
    private static readonly string[] Blocked1 = { "__cxa_thread_atexit_impl", "__issignaling", "__issignalingf", "__issignalingl", "pthread_getattr_default_np", "pthread_setattr_default_np" };
    private static readonly string[] Blocked2 = { "__issignaling", "__issignalingf", "__issignalingl" };
    private static readonly string[] Blocked3 = { "pthread_getattr_default_np", "pthread_setattr_default_np" };
    private static readonly string[] Blocked4 = { "_dist_code", "_length_code", "_tr_align", "_tr_flush_block", "_tr_init", "_tr_stored_block", "_tr_tally", "adler32_default", "bi_windup", "crc32_acle", "crc32_combine_gen", "crc32_combine_gen64", "crc32_combine_op", "crc32_le_vgfm_16", "crc32_neon", "crc32_vpmsum", "crc32_z_default", "crc_fold_512to32", "crc_fold_copy", "crc_fold_init", "deflate_copyright", "deflate_medium", "fill_window", "flush_pending", "gzflags", "inflate_copyright", "inflate_fast", "inflate_table", "longest_match", "slide_hash_sse", "static_ltree", "uncompress2", "x86_check_features", "x86_cpu_has_pclmul", "x86_cpu_has_sse2", "x86_cpu_has_sse42", "sse2_slide_hash", "z_errmsg", "z_vstring", "zcalloc", "zcfree" };
    private static readonly string[] Libs2 = { "libatomic.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libanl.so.1", "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1", "libutil.so.1", "libpthread.so.0", "libX11.so.6", "libXext.so.6", "libXrender.so.1", "libICE.so.6", "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0", "libglib-2.0.so.0", "libresolv.so.2", "libexpat.so.1", "libz.so.1" };
    private static readonly string[] Libs3 = { "libatomic.so.1", "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libmvec.so.1", "libanl.so.1", "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1", "libutil.so.1", "libpthread.so.0", "libX11.so.6", "libXext.so.6", "libXrender.so.1", "libICE.so.6", "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0", "libglib-2.0.so.0", "libresolv.so.2", "libexpat.so.1", "libz.so.1" };
    private static readonly string[] Blocked5 = { "_dist_code", "_length_code", "_tr_align", "_tr_flush_block", "_tr_init", "_tr_stored_block", "_tr_tally", "adler32_default", "bi_windup", "crc32_acle", "crc32_combine_gen", "crc32_combine_gen64", "crc32_combine_op", "crc32_le_vgfm_16", "crc32_neon", "crc32_vpmsum", "crc32_z_default", "crc_fold_512to32", "crc_fold_copy", "crc_fold_init", "deflate_copyright", "deflate_medium", "fill_window", "flush_pending", "gzflags", "inflate_copyright", "inflate_fast", "inflate_table", "longest_match", "slide_hash_sse", "static_ltree", "x86_check_features", "x86_cpu_has_pclmul", "x86_cpu_has_sse2", "x86_cpu_has_sse42", "sse2_slide_hash", "z_errmsg", "z_vstring", "zcalloc", "zcfree" };
    private static readonly string[] Blocked6 = { "_dist_code", "_length_code", "_tr_align", "_tr_flush_block", "_tr_init", "_tr_stored_block", "_tr_tally", "adler32_default", "crc32_acle", "crc32_combine_gen", "crc32_combine_gen64", "crc32_combine_op", "crc32_le_vgfm_16", "crc32_neon", "crc32_vpmsum", "crc32_z_default", "deflate_copyright", "gzflags", "inflate_copyright", "inflate_fast", "inflate_table", "sse2_slide_hash", "z_errmsg", "z_vstring", "zcalloc", "zcfree" };
    private static readonly string[] Blocked7 = { "_dist_code", "_length_code", "_tr_align", "_tr_flush_block", "_tr_init", "_tr_stored_block", "_tr_tally", "adler32_default", "crc32_acle", "crc32_le_vgfm_16", "crc32_neon", "crc32_vpmsum", "crc32_z_default", "deflate_copyright", "gzflags", "inflate_copyright", "inflate_fast", "inflate_table", "sse2_slide_hash", "z_errmsg", "z_vstring", "zcalloc", "zcfree" };
    private static readonly string[] Libs4 = { "libc.so", "libz.so.1" };
    private static readonly string[] Blocked8 = { "_dist_code", "_length_code", "_tr_align", "_tr_flush_block", "_tr_init", "_tr_stored_block", "_tr_tally", "bi_windup", "crc32_vpmsum", "crc_fold_512to32", "crc_fold_copy", "crc_fold_init", "deflate_copyright", "deflate_medium", "fill_window", "flush_pending", "gzflags", "inflate_copyright", "inflate_fast", "inflate_table", "longest_match", "slide_hash_sse", "static_ltree", "uncompress2", "x86_check_features", "x86_cpu_has_pclmul", "x86_cpu_has_sse2", "x86_cpu_has_sse42", "z_errmsg", "zcalloc", "zcfree" };

    private static PolicyData[] GeneratedPolicies() => new PolicyData[]
    {
        new("manylinux", 2, 5, 100, new string[] { "manylinux1" }, Libs1, new string[] { "i386", "x86_64" },
            new KeyValuePair<string, string[]>[] { new("libc.so.6", Blocked1), new("libm.so.6", Blocked2), new("libpthread.so.0", Blocked3), new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 12, 90, new string[] { "manylinux2010" }, Libs2, new string[] { "i386", "x86_64" },
            new KeyValuePair<string, string[]>[] { new("libc.so.6", Blocked1), new("libm.so.6", Blocked2), new("libpthread.so.0", Blocked3), new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 17, 80, new string[] { "manylinux2014" }, Libs2, new string[] { "i386", "x86_64", "aarch64", "ppc64", "ppc64le", "s390x", "arm" },
            new KeyValuePair<string, string[]>[] { new("libc.so.6", Blocked1), new("libm.so.6", Blocked2), new("libpthread.so.0", Blocked3), new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 24, 70, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 26, 68, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 27, 65, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 28, 64, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 31, 61, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked4) }),
        new("manylinux", 2, 34, 58, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked5) }),
        new("manylinux", 2, 35, 57, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked5) }),
        new("manylinux", 2, 36, 56, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked6) }),
        new("manylinux", 2, 37, 55, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked7) }),
        new("manylinux", 2, 38, 54, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked7) }),
        new("manylinux", 2, 39, 53, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked7) }),
        new("manylinux", 2, 40, 52, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked7) }),
        new("manylinux", 2, 41, 51, new string[] {  }, Libs3, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked7) }),
        new("musllinux", 1, 1, 100, new string[] {  }, Libs4, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked8) }),
        new("musllinux", 1, 2, 90, new string[] {  }, Libs4, new string[] { "i386", "x86_64", "aarch64", "ppc64le", "s390x", "arm", "riscv64", "loongarch64" },
            new KeyValuePair<string, string[]>[] { new("libz.so.1", Blocked8) }),
    };

    private static PolicyVersionRun[] GeneratedVersionRuns() => new PolicyVersionRun[]
    {
        new("manylinux", "i386", "CXXABI", 0, "1.3 1.3.1|1.3.2 1.3.3|1.3.4 1.3.5 1.3.6 1.3.7 TM_1|1.3.8 1.3.9 1.3.10 FLOAT128|1.3.11|||1.3.12|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "i386", "GCC", 0, "3.0 3.3 3.3.1 3.4 3.4.2 4.0.0 4.2.0|4.3.0 4.4.0 4.5.0|4.7.0 4.8.0||7.0.0|||||12.0.0||||13.0.0 14.0.0||"),
        new("manylinux", "i386", "GLIBC", 0, "2.0 2.1 2.1.1 2.1.2 2.1.3 2.2 2.2.1 2.2.2 2.2.3 2.2.4 2.2.6 2.3 2.3.2 2.3.3 2.3.4 2.4 2.5|2.6 2.7 2.8 2.9 2.10 2.11 2.12|2.13 2.14 2.15 2.16 2.17|2.18 2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR|2.37|2.38|2.39|2.40|2.41"),
        new("manylinux", "i386", "GLIBCXX", 0, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8|3.4.9 3.4.10 3.4.11 3.4.12 3.4.13|3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19|3.4.20 3.4.21 3.4.22|3.4.23 3.4.24|||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33||"),
        new("manylinux", "i386", "LIBATOMIC", 0, "||1.0|1.1 1.2||||||||||||"),
        new("manylinux", "i386", "ZLIB", 0, "|1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4|1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2||1.2.7.1 1.2.9||||||1.2.12|||||"),
        new("manylinux", "x86_64", "CXXABI", 0, "1.3 1.3.1|1.3.2 1.3.3|1.3.4 1.3.5 1.3.6 1.3.7 TM_1|1.3.8 1.3.9 1.3.10 FLOAT128||1.3.11||1.3.12|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "x86_64", "GCC", 0, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0|4.3.0|4.7.0 4.8.0|||7.0.0||||12.0.0||||13.0.0 14.0.0||"),
        new("manylinux", "x86_64", "GLIBC", 0, "2.2.5 2.2.6 2.3 2.3.2 2.3.3 2.3.4 2.4 2.5|2.6 2.7 2.8 2.9 2.10 2.11 2.12|2.13 2.14 2.15 2.16 2.17|2.18 2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR||2.38|2.39|2.40|2.41"),
        new("manylinux", "x86_64", "GLIBCXX", 0, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8|3.4.9 3.4.10 3.4.11 3.4.12 3.4.13|3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19|3.4.20 3.4.21 3.4.22||3.4.23 3.4.24||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33||"),
        new("manylinux", "x86_64", "LIBATOMIC", 0, "|||1.0 1.1 1.2||||||||||||"),
        new("manylinux", "x86_64", "ZLIB", 0, "|1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4|1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2|||1.2.7.1 1.2.9||||||1.2.12||||"),
        new("manylinux", "aarch64", "CXXABI", 2, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 TM_1|1.3.8 1.3.9 1.3.10|1.3.11|||1.3.12|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "aarch64", "GCC", 2, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0 4.3.0 4.5.0 4.7.0||7.0.0||||11.0|||||13.0.0 14.0 14.0.0||"),
        new("manylinux", "aarch64", "GLIBC", 2, "2.0 2.17 2.18|2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR||2.38|2.39|2.40|2.41"),
        new("manylinux", "aarch64", "GLIBCXX", 2, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19|3.4.20 3.4.21 3.4.22|3.4.23 3.4.24|||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33||"),
        new("manylinux", "aarch64", "LIBATOMIC", 2, "1.0|1.1 1.2||||||||||||"),
        new("manylinux", "aarch64", "ZLIB", 2, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2|||1.2.7.1 1.2.9||||||1.2.12||||"),
        new("manylinux", "ppc64", "CXXABI", 2, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 TM_1"),
        new("manylinux", "ppc64", "GCC", 2, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0 4.3.0 4.4.0 4.5.0 4.7.0 4.8.0"),
        new("manylinux", "ppc64", "GLIBC", 2, "2.0 2.1 2.1.1 2.1.2 2.1.3 2.2 2.2.1 2.2.2 2.2.3 2.2.4 2.2.5 2.2.6 2.3 2.3.2 2.3.3 2.3.4 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13 2.14 2.15 2.16 2.17"),
        new("manylinux", "ppc64", "GLIBCXX", 2, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19"),
        new("manylinux", "ppc64", "LIBATOMIC", 2, "1.0"),
        new("manylinux", "ppc64", "ZLIB", 2, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2"),
        new("manylinux", "ppc64le", "CXXABI", 2, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 LDBL_1.3 TM_1|1.3.8 1.3.9 1.3.10|1.3.11|||1.3.12|1.3.13 IEEE128_1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "ppc64le", "GCC", 2, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0 4.3.0 4.7.0||7.0.0|||||||||14.0.0||"),
        new("manylinux", "ppc64le", "GLIBC", 2, "2.0 2.17|2.18 2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR||2.38|2.39|2.40|2.41"),
        new("manylinux", "ppc64le", "GLIBCXX", 2, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19 LDBL_3.4 LDBL_3.4.10 LDBL_3.4.7|3.4.20 3.4.21 3.4.22 LDBL_3.4.21|3.4.23 3.4.24|||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29 IEEE128_3.4.29 LDBL_3.4.29|3.4.30 IEEE128_3.4.30||||3.4.31 3.4.32 3.4.33 IEEE128_3.4.31 LDBL_3.4.31||"),
        new("manylinux", "ppc64le", "LIBATOMIC", 2, "1.0|1.1 1.2||||||||||||"),
        new("manylinux", "ppc64le", "ZLIB", 2, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2||1.2.7.1 1.2.9|||||||1.2.12||||"),
        new("manylinux", "s390x", "CXXABI", 2, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 LDBL_1.3 TM_1|1.3.8 1.3.9 1.3.10|1.3.11|||1.3.12|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "s390x", "GCC", 2, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.1.0 4.2.0 4.3.0 4.7.0||7.0.0|||||||||14.0.0||"),
        new("manylinux", "s390x", "GLIBC", 2, "2.2 2.2.1 2.2.2 2.2.3 2.2.4 2.2.6 2.3 2.3.2 2.3.3 2.3.4 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13 2.14 2.15 2.16 2.17|2.18 2.19 2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR||2.38|2.39|2.40|2.41"),
        new("manylinux", "s390x", "GLIBCXX", 2, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19 LDBL_3.4 LDBL_3.4.10 LDBL_3.4.7|3.4.20 3.4.21 3.4.22 LDBL_3.4.21|3.4.23 3.4.24|||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29 LDBL_3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33 LDBL_3.4.31||"),
        new("manylinux", "s390x", "LIBATOMIC", 2, "|1.0 1.1 1.2||||||||||||"),
        new("manylinux", "s390x", "ZLIB", 2, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2||1.2.7.1 1.2.9|||||||1.2.12||||"),
        new("manylinux", "arm", "CXXABI", 2, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 ARM_1.3.3 TM_1|1.3.8 1.3.9 1.3.10|1.3.11|||1.3.12|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "arm", "GCC", 2, "3.0 3.3 3.3.1 3.3.4 3.4 3.4.2 3.5 4.0.0 4.2.0 4.3.0 4.7.0||7.0.0|||||||||14.0.0||"),
        new("manylinux", "arm", "GLIBC", 2, "2.0 2.4 2.5 2.6 2.7 2.8 2.9 2.10 2.11 2.12 2.13 2.14 2.15 2.16 2.17|2.18 2.22 2.23 2.24|2.25 2.26|2.27|2.28|2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36 ABI_DT_RELR|2.37|2.38|2.39|2.40|2.41"),
        new("manylinux", "arm", "GLIBCXX", 2, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19|3.4.20 3.4.21 3.4.22|3.4.23 3.4.24|||3.4.25 3.4.26 3.4.27 3.4.28|3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33||"),
        new("manylinux", "arm", "LIBATOMIC", 2, "1.0|1.1 1.2||||||||||||"),
        new("manylinux", "arm", "ZLIB", 2, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2||1.2.7.1 1.2.9|||||||1.2.12||||"),
        new("manylinux", "riscv64", "CXXABI", 7, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 1.3.8 1.3.9 1.3.10 1.3.11 1.3.12 TM_1|1.3.13|||||1.3.14 1.3.15||"),
        new("manylinux", "riscv64", "GCC", 7, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0 4.3.0 4.4.0 4.5.0 4.7.0 7.0.0||||||14.0.0||"),
        new("manylinux", "riscv64", "GLIBC", 7, "2.0 2.27 2.28 2.29 2.30 2.31|2.32 2.33 2.34|2.35|2.36|2.37|2.38 ABI_DT_RELR|2.39|2.40|2.41"),
        new("manylinux", "riscv64", "GLIBCXX", 7, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19 3.4.20 3.4.21 3.4.22 3.4.23 3.4.24 3.4.25 3.4.26 3.4.27 3.4.28|3.4.29|3.4.30||||3.4.31 3.4.32 3.4.33||"),
        new("manylinux", "riscv64", "LIBATOMIC", 7, "1.0 1.1 1.2||||||||"),
        new("manylinux", "riscv64", "ZLIB", 7, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2 1.2.7.1 1.2.9||||1.2.12||||"),
        new("manylinux", "loongarch64", "CXXABI", 10, "1.3 1.3.1 1.3.2 1.3.3 1.3.4 1.3.5 1.3.6 1.3.7 1.3.8 1.3.9 1.3.10 1.3.11 1.3.12 1.3.13 TM_1|||1.3.14 1.3.15||"),
        new("manylinux", "loongarch64", "GCC", 10, "3.0 3.3 3.3.1 3.4 3.4.2 3.4.4 4.0.0 4.2.0 4.3.0 4.4.0 4.5.0 4.7.0 7.0.0|||14.0.0||"),
        new("manylinux", "loongarch64", "GLIBC", 10, "2.0 2.36 ABI_DT_RELR||2.38|2.39|2.40|2.41"),
        new("manylinux", "loongarch64", "GLIBCXX", 10, "3.4 3.4.1 3.4.2 3.4.3 3.4.4 3.4.5 3.4.6 3.4.7 3.4.8 3.4.9 3.4.10 3.4.11 3.4.12 3.4.13 3.4.14 3.4.15 3.4.16 3.4.17 3.4.18 3.4.19 3.4.20 3.4.21 3.4.22 3.4.23 3.4.24 3.4.25 3.4.26 3.4.27 3.4.28 3.4.29 3.4.30|||3.4.31 3.4.32|3.4.33|"),
        new("manylinux", "loongarch64", "LIBATOMIC", 10, "1.0 1.1 1.2|||||"),
        new("manylinux", "loongarch64", "ZLIB", 10, "1.2.0 1.2.0.2 1.2.0.8 1.2.2 1.2.2.3 1.2.2.4 1.2.3.3 1.2.3.4 1.2.3.5 1.2.5.1 1.2.5.2 1.2.7.1 1.2.9|1.2.12||||"),
    };
    // ---- END GENERATED ----
}
