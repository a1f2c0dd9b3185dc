using LinkDoctor.Formats;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Loaders.Dyld;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Diagnosis;

/// <summary>A macOS target for <c>check</c>: <c>macos-11.0-arm64</c>, <c>macos-10.15-x86_64</c>, <c>macos-14</c> (any architecture).</summary>
public sealed record MacOsTarget(Version Version, string? Architecture)
{
    public string Id => $"macos-{Version.ToString(2)}{(Architecture is null ? "" : "-" + Architecture)}";

    public static MacOsTarget? TryParse(string id)
    {
        var parts = id.Trim().ToLowerInvariant().Split('-', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 2 or > 3 || parts[0] is not ("macos" or "macosx" or "osx")) return null;
        string v = parts[1].Contains('.') ? parts[1] : parts[1] + ".0";
        if (!Version.TryParse(v, out var parsed)) return null;
        var version = new Version(parsed.Major, parsed.Minor, Math.Max(parsed.Build, 0)); // compared with LC_BUILD_VERSION's xxxx.yy.zz
        string? arch = parts.Length == 3 ? parts[2] switch { "x86_64" or "x64" or "amd64" => "x86_64", "arm64" or "aarch64" => "arm64", "arm64e" => "arm64e", _ => "?" } : null;
        return arch == "?" ? null : new MacOsTarget(version, arch);
    }
}

/// <summary>
/// Will a Mach-O file load on a macOS release and architecture? dyld picks the slice of the process's architecture
/// from a universal file (dyld-1378 common/MachOFile.cpp <c>MachOFile::compatibleSlice</c>) and refuses an image built
/// for a newer OS or another platform (<c>MachOFile::loadableIntoProcess</c>, the minimum of LC_BUILD_VERSION or
/// LC_VERSION_MIN_MACOSX); system libraries the image links must exist in that release's shared cache
/// (<see cref="DyldSharedCache"/>).
/// </summary>
public static class MacOsCheck
{
    public static CheckReport Check(string path, MacOsTarget target)
    {
        using var file = BinaryFile.Open(path);
        var checks = new List<CheckItem>();
        var slices = file.Objects.OfType<MachOFile>().ToList();
        if (slices.Count == 0)
        {
            checks.Add(new("format", false, $"a {file.Objects[0].Format} file, not Mach-O"));
            return new CheckReport { Path = path, Target = target.Id, Ok = false, Checks = checks };
        }
        var archs = slices.Select(s => s.Machine).ToList();
        var chosen = target.Architecture is null ? slices : slices.Where(s => s.Machine == target.Architecture || (target.Architecture == "arm64e" && s.Machine == "arm64")).ToList();
        checks.Add(new("architecture", chosen.Count > 0, chosen.Count > 0
            ? $"{string.Join(", ", chosen.Select(s => s.Machine))} {(slices.Count > 1 ? "slice of a universal file" : "image")}"
            : $"has {string.Join(", ", archs)}, not {target.Architecture}{(slices.Count > 1 ? " (a universal file without that slice)" : "")}: dyld says \"{(slices.Count > 1 ? "fat file, but missing compatible architecture" : "mach-o file, but is an incompatible architecture")} (have '{string.Join(",", archs)}', need '{target.Architecture}')\""));
        foreach (var s in chosen)
        {
            var b = s.MinimumOs;
            if (b is null) { checks.Add(new("minimum OS", true, $"{s.Machine}: no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX (no minimum)")); continue; }
            bool mac = b.Platform == PLATFORM_MACOS || b.Command == LC_VERSION_MIN_MACOSX;
            var min = DyldLoader.ToVersion(b.MinOs);
            if (!mac) { checks.Add(new("platform", false, $"{s.Machine}: built for {b.PlatformName}, not macOS")); continue; }
            checks.Add(new("minimum OS", min <= target.Version, min <= target.Version
                ? $"{s.Machine}: needs macOS {FormatVersion(b.MinOs)} ({LoadCommandName(b.Command)}), the target has {target.Version.ToString(2)}"
                : $"{s.Machine}: needs macOS {FormatVersion(b.MinOs)} ({LoadCommandName(b.Command)} minos), newer than {target.Version.ToString(2)}"));
            var gone = s.Dylibs.Where(d => d.Kind != DependencyKind.Weak && DyldSharedCache.MightBeInSharedCache(d.Name) && DyldSharedCache.FindAnyRelease(d.Name) is { } e && DyldSharedCache.Find(d.Name, target.Version) is null)
                .Select(d => (d.Name, Entry: DyldSharedCache.FindAnyRelease(d.Name)!)).ToList();
            if (gone.Count > 0)
                checks.Add(new("system libraries", false, $"{s.Machine}: " + string.Join("; ", gone.Select(g => g.Entry.Until is { } u && target.Version >= u
                    ? $"{g.Name} was removed in macOS {u.ToString(2)}" : $"{g.Name} first ships with macOS {g.Entry.Since.ToString(3)}"))));
        }
        return new CheckReport { Path = path, Target = target.Id, Ok = checks.All(c => c.Ok), Checks = checks };
    }
}
