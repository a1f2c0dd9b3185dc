using LinkDoctor.IO;

namespace LinkDoctor.Tests;

/// <summary>--root: symlinks re-rooted, ".." and absolute links never leave the root, loops end in ELOOP.</summary>
public sealed class RootedFileSystemTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("ld-root").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("ld-outside").FullName;

    public RootedFileSystemTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "usr/lib"));
        File.WriteAllText(Path.Combine(_root, "usr/lib/libreal.so"), "inside");
        File.WriteAllText(Path.Combine(_outside, "secret.so"), "outside");
        Directory.CreateSymbolicLink(Path.Combine(_root, "lib"), "usr/lib");                        // relative
        File.CreateSymbolicLink(Path.Combine(_root, "usr/lib/libabs.so"), "/usr/lib/libreal.so");  // absolute: re-rooted
        File.CreateSymbolicLink(Path.Combine(_root, "usr/lib/libescape.so"), "../../../../../.." + Path.Combine(_outside, "secret.so"));
        File.CreateSymbolicLink(Path.Combine(_root, "usr/lib/libhost.so"), Path.Combine(_outside, "secret.so"));
        File.CreateSymbolicLink(Path.Combine(_root, "loop1"), "/loop2");
        File.CreateSymbolicLink(Path.Combine(_root, "loop2"), "/loop1");
    }

    public void Dispose()
    {
        Directory.Delete(_root, true);
        Directory.Delete(_outside, true);
    }

    [Fact]
    public void RelativeAndAbsoluteLinksResolveInsideTheRoot()
    {
        var fs = new RootedFileSystem(_root);
        Assert.Equal("/usr/lib/libreal.so", fs.Resolve("/lib/libreal.so").RealPath);
        var abs = fs.Resolve("/lib/libabs.so");
        Assert.True(abs.Exists);
        Assert.Equal("/usr/lib/libreal.so", abs.RealPath);
        Assert.Equal(Path.Combine(_root, "usr/lib/libreal.so"), abs.HostPath);
        Assert.Equal("inside", fs.ReadText("/lib/libabs.so"));
    }

    [Fact]
    public void NothingOutsideTheRootIsReached()
    {
        var fs = new RootedFileSystem(_root);
        // ".." stops at the root; an absolute link to a host file is looked up inside the root instead.
        Assert.False(fs.Resolve("/usr/lib/libescape.so").Exists);
        Assert.False(fs.Resolve("/usr/lib/libhost.so").Exists);
        Assert.False(fs.Resolve("/../../.." + Path.Combine(_outside, "secret.so")).Exists);
        Assert.Null(fs.ReadText("/usr/lib/libhost.so"));
        Assert.All(new[] { "/usr/lib/libescape.so", "/usr/lib/libhost.so" }, p => Assert.StartsWith(_root, fs.Resolve(p).HostPath));
    }

    [Fact]
    public void SymlinkLoopsEndWithEloop()
    {
        var fs = new RootedFileSystem(_root);
        var r = fs.Resolve("/loop1/libx.so");
        Assert.False(r.Exists);
        Assert.Equal(RootedFileSystem.ELOOP, r.Errno);
        var e = Assert.ThrowsAny<IOException>(() => fs.Open("/loop1"));
        Assert.Contains("symbolic links", e.Message);
    }

    [Fact]
    public void AFileUsedAsADirectoryIsEnotdir()
    {
        var fs = new RootedFileSystem(_root);
        Assert.Equal(RootedFileSystem.ENOTDIR, fs.Resolve("/usr/lib/libreal.so/x").Errno);
        Assert.Equal(RootedFileSystem.ENOENT, fs.Resolve("/usr/lib/nothing.so").Errno);
    }
}
