namespace LinkDoctor.Loaders.Dyld;

/// <summary>
/// System libraries that macOS 11 and later ship only inside the dyld shared cache, with no file on disk. Apple's
/// "macOS Big Sur 11.0.1 Release Notes" (developer.apple.com/documentation/macos-release-notes/macos-big-sur-11_0_1-release-notes,
/// Kernel): "New in macOS Big Sur 11.0.1, the system ships with a built-in dynamic linker cache of all
/// system-provided libraries. As part of this change, copies of dynamic libraries are no longer present on the
/// filesystem." dyld looks a path up in the cache when no file is there (dyld-1378 dyld/Loader.cpp
/// <c>Loader::getLoader</c>: <c>state.config.dyldCache.indexOfPath</c>) and says "not in dyld cache" only for paths
/// under /usr/lib/ and /System/Library/ (<c>mightBeInSharedCache</c>).
/// <para>
/// The list below is the public libraries and frameworks of the macOS SDKs (their .tbd stubs name these install
/// names), each with the release that added it and, when gone, the one that removed it: Python.framework and
/// /usr/lib/libpython2.7.dylib in macOS 12.3 (macOS Monterey 12.3 Release Notes: "Python 2.7 was removed"),
/// /usr/lib/swift in 10.14.4 (Swift 5 ABI stability, Xcode 10.2 release notes), Network.framework in 10.14.
/// Before 11.0 the same libraries were files on disk as well; a --root with files answers for itself.
/// </para>
/// </summary>
public static class DyldSharedCache
{
    /// <summary>One cached image: its install name, and the macOS versions that have it ([Since, Until)).</summary>
    public sealed record Entry(string Path, Version Since, Version? Until = null);

    private static readonly Version Any = new(10, 0);

    private static Entry L(string p, Version? since = null, Version? until = null) => new(p, since ?? Any, until);
    private static Entry F(string name, Version? since = null, Version? until = null) =>
        new($"/System/Library/Frameworks/{name}.framework/Versions/A/{name}", since ?? Any, until);

    /// <summary>The images, by install name.</summary>
    public static IReadOnlyList<Entry> Entries { get; } =
    [
        L("/usr/lib/libSystem.B.dylib"), L("/usr/lib/libc++.1.dylib"), L("/usr/lib/libc++abi.dylib"), L("/usr/lib/libobjc.A.dylib"),
        L("/usr/lib/libz.1.dylib"), L("/usr/lib/libiconv.2.dylib"), L("/usr/lib/libcharset.1.dylib"), L("/usr/lib/libbz2.1.0.dylib"),
        L("/usr/lib/libcurl.4.dylib"), L("/usr/lib/libxml2.2.dylib"), L("/usr/lib/libxslt.1.dylib"), L("/usr/lib/libexslt.0.dylib"),
        L("/usr/lib/libsqlite3.dylib"), L("/usr/lib/libresolv.9.dylib"), L("/usr/lib/libncurses.5.4.dylib"), L("/usr/lib/libedit.3.dylib"),
        L("/usr/lib/libpcap.A.dylib"), L("/usr/lib/libexpat.1.dylib"), L("/usr/lib/libffi.dylib"), L("/usr/lib/libcompression.dylib"),
        L("/usr/lib/libarchive.2.dylib"), L("/usr/lib/liblzma.5.dylib"), L("/usr/lib/libicucore.A.dylib"), L("/usr/lib/libpam.2.dylib"),
        L("/usr/lib/libutil.dylib"), L("/usr/lib/libxar.1.dylib"), L("/usr/lib/libbsm.0.dylib"), L("/usr/lib/libform.5.4.dylib"),
        L("/usr/lib/libpanel.5.4.dylib"), L("/usr/lib/libmenu.5.4.dylib"), L("/usr/lib/libsasl2.2.dylib"), L("/usr/lib/libgcc_s.1.dylib"),
        L("/usr/lib/libstdc++.6.dylib", until: new(10, 15)),
        L("/usr/lib/libpython2.7.dylib", until: new(12, 3)),
        L("/usr/lib/swift/libswiftCore.dylib", new(10, 14, 4)), L("/usr/lib/swift/libswiftFoundation.dylib", new(10, 14, 4)),
        L("/usr/lib/swift/libswiftDarwin.dylib", new(10, 14, 4)), L("/usr/lib/swift/libswiftDispatch.dylib", new(10, 14, 4)),
        L("/usr/lib/swift/libswiftObjectiveC.dylib", new(10, 14, 4)), L("/usr/lib/swift/libswift_Concurrency.dylib", new(12, 0)),
        // libSystem's re-exported parts (a program linked against libSystem reaches these through its re-exports).
        L("/usr/lib/system/libsystem_c.dylib"), L("/usr/lib/system/libsystem_kernel.dylib"), L("/usr/lib/system/libsystem_pthread.dylib"),
        L("/usr/lib/system/libsystem_malloc.dylib"), L("/usr/lib/system/libsystem_m.dylib"), L("/usr/lib/system/libdyld.dylib"),
        L("/usr/lib/system/libsystem_platform.dylib"), L("/usr/lib/system/libsystem_info.dylib"), L("/usr/lib/system/libsystem_network.dylib"),
        L("/usr/lib/system/libdispatch.dylib"), L("/usr/lib/system/libxpc.dylib"), L("/usr/lib/system/libsystem_blocks.dylib"),
        L("/usr/lib/system/libsystem_darwin.dylib"), L("/usr/lib/system/libcompiler_rt.dylib"), L("/usr/lib/system/libunwind.dylib"),
        F("CoreFoundation"), F("Foundation", null), F("Security"), F("IOKit"), F("AppKit"), F("Cocoa"), F("CoreServices"),
        F("SystemConfiguration"), F("OpenGL"), F("CoreGraphics"), F("CoreText"), F("QuartzCore"), F("Accelerate"), F("AudioToolbox"),
        F("AudioUnit"), F("CoreAudio"), F("CoreVideo"), F("CoreMedia"), F("AVFoundation"), F("ApplicationServices"), F("Carbon"),
        F("GSS"), F("Kerberos"), F("CFNetwork"), F("ImageIO"), F("CoreImage"), F("DiskArbitration"), F("OpenCL"), F("WebKit"),
        F("JavaScriptCore"), F("CoreML", new(10, 13)), F("Vision", new(10, 13)), F("CryptoKit", new(10, 15)), F("Combine", new(10, 15)),
        F("SwiftUI", new(10, 15)), F("UniformTypeIdentifiers", new(11, 0)), F("GameController"), F("ScreenCaptureKit", new(12, 3)),
        F("Metal", new(10, 11)), F("MetalKit", new(10, 11)), F("MetalPerformanceShaders", new(10, 13)), F("Network", new(10, 14)),
        F("LocalAuthentication"), F("ServiceManagement"), F("UserNotifications", new(10, 14)), F("CoreBluetooth"), F("CoreLocation"),
        F("CoreWLAN"), F("IOSurface"), F("Hypervisor", new(10, 10)), F("Virtualization", new(11, 0)), F("Python", until: new(12, 3)),
        F("Tcl"), F("Tk"), F("Ruby"), F("PCSC"),
    ];

    private static readonly Dictionary<string, Entry> ByPath = BuildIndex();

    private static Dictionary<string, Entry> BuildIndex()
    {
        var d = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var e in Entries)
        {
            d[e.Path] = e;
            // A framework is also named without /Versions/A/ (the top-level symlink, which is what most binaries link to).
            const string versions = "/Versions/A/";
            int v = e.Path.IndexOf(versions, StringComparison.Ordinal);
            if (v > 0) d.TryAdd(e.Path[..v] + "/" + e.Path[(v + versions.Length)..], e);
        }
        // libSystem's aliases (symlinks to libSystem.B.dylib in the SDK and in the cache's alias trie).
        foreach (var alias in new[] { "libSystem.dylib", "libc.dylib", "libm.dylib", "libdl.dylib", "libpthread.dylib", "libinfo.dylib", "libdbm.dylib", "libpoll.dylib", "libproc.dylib", "librpcsvc.dylib" })
            d.TryAdd("/usr/lib/" + alias, d["/usr/lib/libSystem.B.dylib"]);
        foreach (var (alias, target) in new[] { ("libc++.dylib", "libc++.1.dylib"), ("libz.dylib", "libz.1.dylib"), ("libiconv.dylib", "libiconv.2.dylib"),
                     ("libobjc.dylib", "libobjc.A.dylib"), ("libxml2.dylib", "libxml2.2.dylib"), ("libcurl.dylib", "libcurl.4.dylib"), ("libbz2.dylib", "libbz2.1.0.dylib"),
                     ("libncurses.dylib", "libncurses.5.4.dylib"), ("libcurses.dylib", "libncurses.5.4.dylib"), ("libedit.dylib", "libedit.3.dylib"),
                     ("libresolv.dylib", "libresolv.9.dylib"), ("libsqlite3.0.dylib", "libsqlite3.dylib"), ("libexpat.dylib", "libexpat.1.dylib"),
                     ("libpcap.dylib", "libpcap.A.dylib"), ("libarchive.dylib", "libarchive.2.dylib"), ("liblzma.dylib", "liblzma.5.dylib") })
            d.TryAdd("/usr/lib/" + alias, d["/usr/lib/" + target]);
        return d;
    }

    /// <summary>The cache entry for <paramref name="path"/> on macOS <paramref name="os"/>, if the cache of that release holds it.</summary>
    public static Entry? Find(string path, Version os) =>
        ByPath.TryGetValue(path, out var e) && os >= e.Since && (e.Until is null || os < e.Until) ? e : null;

    /// <summary>The cache entry whatever the release (to say "removed in …").</summary>
    public static Entry? FindAnyRelease(string path) => ByPath.GetValueOrDefault(path);

    /// <summary>dyld-1378 dyld/Loader.cpp <c>mightBeInSharedCache</c>: the prefixes whose misses say ", not in dyld cache".</summary>
    public static bool MightBeInSharedCache(string path) =>
        path.StartsWith("/usr/lib/", StringComparison.Ordinal) || path.StartsWith("/System/Library/", StringComparison.Ordinal)
        || path.StartsWith("/System/iOSSupport/usr/lib/", StringComparison.Ordinal) || path.StartsWith("/System/iOSSupport/System/Library/", StringComparison.Ordinal)
        || path.StartsWith("/System/DriverKit/", StringComparison.Ordinal);
}
