using LinkDoctor.IO;
using LinkDoctor.Formats.MachO;
using LinkDoctor.Repair;
using LinkDoctor.Rewriting;
using static LinkDoctor.Formats.MachO.MachONative;

namespace LinkDoctor.Tests;

/// <summary>
/// bundle's name rules and the Mach-O rewriter in-process: globs ignore SONAME versions; edits on big-endian and
/// 32-bit images (which no installed toolchain makes) read back through the Mach-O reader; every truncation and
/// random corruption of an input gives a one-line error or a result that reads back, never another exception.
/// </summary>
public sealed class RepairUnitTests
{
    [Theory]
    [InlineData("libz.so", "libz.so.1", true)]
    [InlineData("libz.so.1.2.13", "libz.so.1", true)]
    [InlineData("libz*", "libz.so.1", true)]
    [InlineData("libstdc++.so", "libstdc++.so.6", true)]
    [InlineData("libfoo-1.2.so", "libfoo-1.2.so.3", true)]
    [InlineData("libz.so", "libzstd.so.1", false)]
    [InlineData("libb.so", "liba.so.1", false)]
    public void GlobsIgnoreSonameVersions(string glob, string name, bool matches) => Assert.Equal(matches, Bundler.Matches(glob, name));

    [Theory]
    [InlineData("libc.so.6", true)]
    [InlineData("ld-linux-x86-64.so.2", true)]
    [InlineData("libnss_files.so.2", true)]
    [InlineData("libc.musl-x86_64.so.1", true)]
    [InlineData("libz.so.1", false)]
    [InlineData("libcrypt.so.1", false)]
    public void TheCLibraryIsNeverBundled(string soname, bool isC) => Assert.Equal(isC, Bundler.IsCLibrary(soname));

    private static MachOFile Read(byte[] bytes) => MachOFile.Open(BinaryImage.FromBytes("x", bytes));

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(false, true)]
    public void EditsReadBackOnEveryByteOrderAndWordSize(bool is64, bool bigEndian)
    {
        var input = new MachOBuilder
        {
            Is64 = is64, BigEndian = bigEndian, CpuType = is64 ? CPU_TYPE_ARM64 : CPU_TYPE_ARM, HeaderPad = 0x200,
            Id = ("@rpath/libx.dylib", 0x10000, 0x10000), Dylibs = [(LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib", 0x10000, 0x10000)], RPaths = ["/a", "/b"],
        }.Build();
        var ops = new MachOPatchOperations
        {
            AddRPath = ["@loader_path/x"], DeleteRPath = ["/a"], ChangeRPath = [("/b", "/bbbbbbbbbbbb")], SetId = "@rpath/liby.dylib",
            Change = [("/usr/lib/libSystem.B.dylib", "/usr/lib/libS.dylib")],
        };
        var (output, changes, _) = MachOPatcher.Rewrite("x", input, ops, []);
        Assert.Equal(5, changes.Count);
        var m = Read(output);
        Assert.Equal(["/bbbbbbbbbbbb", "@loader_path/x"], m.RPaths);
        Assert.Equal("@rpath/liby.dylib", m.IdDylib?.Name);
        Assert.Equal(["/usr/lib/libS.dylib"], m.Dylibs.Select(d => d.Name));
        Assert.All(m.LoadCommands, c => Assert.Equal(0u, c.CmdSize % (is64 ? 8u : 4u)));
        Assert.Null(MachOPatcher.Verify("x", input, output, ops));
        Assert.Equal(input.Length, output.Length);
    }

    [Fact]
    public void DamagedInputsGiveOneLineErrorsOnly()
    {
        var input = new MachOBuilder { HeaderPad = 0x100, Id = ("@rpath/libx.dylib", 0, 0), RPaths = ["/a"] }.Build();
        var ops = new MachOPatchOperations { AddRPath = ["/new"], SetId = "/y" };
        var rng = new Random(11);
        for (int i = 0; i < 600; i++)
        {
            byte[] bad = i < input.Length && i < 300 ? input[..Math.Min(i * 4, input.Length)] : (byte[])input.Clone();
            if (i >= 300) for (int k = 0; k < 4; k++) bad[rng.Next(Math.Min(bad.Length, 0x300))] = (byte)rng.Next(256);
            try
            {
                var (output, _, _) = MachOPatcher.Rewrite("x", bad, ops, []);
                Read(output);
            }
            catch (Exception e) when (e is PatchException or BinaryFormatException) { Assert.DoesNotContain('\n', e.Message); }
        }
    }
}
