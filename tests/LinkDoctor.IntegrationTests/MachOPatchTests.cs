using System.Text.RegularExpressions;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// <c>patch</c> on Mach-O files built at test time (clang-14 + ld64.lld-14, thin, universal and 32-bit; Go's ad-hoc
/// signed darwin/arm64 program), against LLVM's install_name_tool: the load commands llvm-objdump reads from our
/// result equal those it reads from llvm-install-name-tool-14's; the ad-hoc signature's page hashes are checked by an
/// independent Python computation; too little padding and a non-ad-hoc signature are refused, the file untouched.
/// </summary>
public sealed class MachOPatchTests(ITestOutputHelper output)
{
    /// <summary>Checks every CodeDirectory's code-page hashes of every slice (xnu cs_blobs.h layout): "pages=N bad=M" per slice.</summary>
    private const string SignatureCheck = """
        import hashlib, struct, sys
        def slices(d):
            if struct.unpack('>I', d[:4])[0] == 0xcafebabe:
                for i in range(struct.unpack('>I', d[4:8])[0]):
                    _, _, off, size, _ = struct.unpack('>5I', d[8+20*i:28+20*i])
                    yield d[off:off+size]
            else:
                yield d
        def check(s):
            is64 = struct.unpack('<I', s[:4])[0] == 0xfeedfacf
            ncmds = struct.unpack('<I', s[16:20])[0]
            p = 32 if is64 else 28
            for _ in range(ncmds):
                cmd, size = struct.unpack('<II', s[p:p+8])
                if cmd == 0x1d:
                    dataoff, datasize = struct.unpack('<II', s[p+8:p+16])
                    sb = s[dataoff:dataoff+datasize]
                    out = []
                    for i in range(struct.unpack('>I', sb[8:12])[0]):
                        typ, off = struct.unpack('>II', sb[12+8*i:20+8*i])
                        cd = sb[off:]
                        if struct.unpack('>I', cd[:4])[0] != 0xfade0c02: continue
                        hashoff, _, _, ncode, limit = struct.unpack('>5I', cd[16:36])
                        hsize, htype, page = cd[36], cd[37], 1 << cd[39]
                        algo = {1: hashlib.sha1, 2: hashlib.sha256}[htype]
                        bad = sum(1 for k in range(ncode) if algo(s[k*page:min(k*page+page, limit)]).digest()[:hsize] != cd[hashoff+k*hsize:hashoff+(k+1)*hsize])
                        out.append(f"pages={ncode} bad={bad}")
                    return " ".join(out)
                p += size
            return "unsigned"
        print("; ".join(check(s) for s in slices(open(sys.argv[1], 'rb').read())))
        """;

    private static string Signature(string file)
    {
        string script = Path.Combine(Path.GetTempPath(), "linkdoctor-cscheck.py");
        lock (typeof(MachOPatchTests)) if (!File.Exists(script) || File.ReadAllText(script) != SignatureCheck) File.WriteAllText(script, SignatureCheck);
        var r = Tool.Run("python3", [script, file]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        return r.Stdout.Trim();
    }

    /// <summary>
    /// What llvm-objdump says of the load commands: the mach header line (ncmds, sizeofcmds), then each command's
    /// cmd, cmdsize, name and path, per architecture. (Segment sizes are left out: llvm-install-name-tool, being
    /// llvm-objcopy, lays __LINKEDIT out anew, where install_name_tool and LinkDoctor leave it.)
    /// </summary>
    private static string LoadCommands(string file)
    {
        var r = Tool.Run("llvm-objdump-14", ["--macho", "--private-headers", "--arch=all", file]);
        Assert.Equal(0, r.ExitCode);
        return string.Join("\n", r.Stdout.Split('\n').Where(l => Regex.IsMatch(l, @"^\s*(cmd|cmdsize|name|path) |^\s*MH_MAGIC|architecture"))
            .Select(l => Regex.Replace(l.Replace(file, "FILE"), @"\s+", " ").Trim()));
    }

    private static string Copy(string from, string dir, string name)
    {
        string to = Path.Combine(dir, name);
        File.Copy(from, to, true);
        return to;
    }

    public static IEnumerable<object[]> Cases() =>
    [
        ["main-arm64", new[] { "--add-rpath", "/new/path", "--change-rpath", "/opt/x", "/opt/yy", "--change", "@rpath/libfoo.dylib", "@rpath/libfoo2.dylib" },
            new[] { "-add_rpath", "/new/path", "-rpath", "/opt/x", "/opt/yy", "-change", "@rpath/libfoo.dylib", "@rpath/libfoo2.dylib" }],
        ["main-arm64", new[] { "--delete-rpath", "/opt/x" }, new[] { "-delete_rpath", "/opt/x" }],
        ["main-x86_64", new[] { "--add-rpath", "@executable_path/../Frameworks" }, new[] { "-add_rpath", "@executable_path/../Frameworks" }],
        ["libbar-arm64.dylib", new[] { "--set-id", "@rpath/libbar.1.dylib" }, new[] { "-id", "@rpath/libbar.1.dylib" }],
        ["main-universal", new[] { "--add-rpath", "/u", "--change-rpath", "@loader_path/../lib", "@loader_path/../lib64" }, new[] { "-add_rpath", "/u", "-rpath", "@loader_path/../lib", "@loader_path/../lib64" }],
        ["libfoo-arm64_32.dylib", new[] { "--set-id", "/usr/lib/libfoo32-renamed.dylib" }, new[] { "-id", "/usr/lib/libfoo32-renamed.dylib" }],
        ["go:hello-darwin-arm64", new[] { "--add-rpath", "@executable_path/../lib" }, new[] { "-add_rpath", "@executable_path/../lib" }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void LoadCommandsAgreeWithLlvmInstallNameTool_AndTheAdHocSignatureIsValid(string fixture, string[] ours, string[] llvm)
    {
        string source = fixture.StartsWith("go:", StringComparison.Ordinal)
            ? Path.Combine(NativeCorpora.Go(), fixture[3..]) : Path.Combine(NativeCorpora.MachO(), fixture);
        string dir = Path.Combine(Path.GetTempPath(), $"ld-machopatch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            string name = Path.GetFileName(source);
            string mine = Copy(source, dir, name), theirs = Copy(source, Path.Combine(Directory.CreateDirectory(Path.Combine(dir, "ref")).FullName), name);
            string before = Signature(source);
            var r = Tool.LinkDoctor(["patch", .. ours, mine]);
            output.WriteLine($"{r.Stdout}{r.Stderr}");
            Assert.Equal(0, r.ExitCode);
            var t = Tool.Run("llvm-install-name-tool-14", [.. llvm, theirs]);
            Assert.True(t.ExitCode == 0, t.Stderr);
            Assert.Equal(LoadCommands(theirs), LoadCommands(mine));
            Assert.NotEqual(LoadCommands(source), LoadCommands(mine));
            // The file keeps its size: the edit stays inside the header padding.
            Assert.Equal(new FileInfo(source).Length, new FileInfo(mine).Length);
            // Independent check of the signature: every page hash of every signed slice matches, as it did before.
            string after = Signature(mine);
            output.WriteLine($"signature before: {before}; after: {after}");
            Assert.Equal(before, after);
            Assert.DoesNotContain("bad=1", after);
            if (before.Contains("pages=")) Assert.Contains("ad-hoc code signature recomputed", r.Stdout);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TheSignatureCheckCanFail_AStaleSignatureIsSeen()
    {
        // The same edit without the signature step: the header page no longer matches its hash.
        string source = Path.Combine(NativeCorpora.MachO(), "main-arm64");
        string file = Path.Combine(Path.GetTempPath(), $"ld-stale-{Guid.NewGuid():N}");
        try
        {
            File.Copy(source, file);
            Assert.Equal(0, Tool.Run("llvm-install-name-tool-14", ["-add_rpath", "/x", file]).ExitCode);
            string refSig = Signature(file);
            var bytes = File.ReadAllBytes(file);
            bytes[32] ^= 0xff; // first load command's cmd: page 0 changes, its hash does not
            File.WriteAllBytes(file, bytes);
            Assert.Contains("bad=1", Signature(file));
            Assert.DoesNotContain("bad=1", refSig);
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void TooLittlePaddingIsRefusedNamingHeaderpad_AndTheFileStaysByteIdentical()
    {
        string source = Path.Combine(NativeCorpora.MachO(), "libbar-arm64.dylib");
        string file = Path.Combine(Path.GetTempPath(), $"ld-pad-{Guid.NewGuid():N}.dylib");
        try
        {
            File.Copy(source, file);
            var r = Tool.LinkDoctor("patch", "--set-id", "/" + new string('x', 300) + "/libbar.dylib", file);
            output.WriteLine(r.Stderr);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("-headerpad_max_install_names", r.Stderr);
            Assert.Single(r.Stderr.Trim().Split('\n'));
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(file));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void ASignatureThatIsNotAdHocIsRefusedWithTheCodesignCommand()
    {
        string source = Path.Combine(NativeCorpora.MachO(), "main-arm64");
        string file = Path.Combine(Path.GetTempPath(), $"ld-cs-{Guid.NewGuid():N}");
        try
        {
            // Clear CS_ADHOC in the CodeDirectory (flags at +12, big-endian) found through LC_CODE_SIGNATURE.
            Tool.Sh($$"""
                python3 - '{{source}}' '{{file}}' <<'EOF'
                import struct, sys
                d = bytearray(open(sys.argv[1], 'rb').read())
                p, n = 32, struct.unpack('<I', d[16:20])[0]
                for _ in range(n):
                    cmd, size = struct.unpack('<II', d[p:p+8])
                    if cmd == 0x1d:
                        off = struct.unpack('<I', d[p+8:p+12])[0]
                        cd = off + struct.unpack('>I', d[off+16:off+20])[0]
                        flags = struct.unpack('>I', d[cd+12:cd+16])[0]
                        d[cd+12:cd+16] = struct.pack('>I', flags & ~2)
                    p += size
                open(sys.argv[2], 'wb').write(d)
                EOF
                """);
            byte[] before = File.ReadAllBytes(file);
            var r = Tool.LinkDoctor("patch", "--add-rpath", "/x", file);
            output.WriteLine(r.Stderr);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("not ad-hoc", r.Stderr);
            Assert.Contains("codesign --force -s - FILE", r.Stderr);
            Assert.Equal(before, File.ReadAllBytes(file));
        }
        finally { File.Delete(file); }
    }

    [Fact]
    public void InstallNameToolErrorsAreTheSame()
    {
        string source = Path.Combine(NativeCorpora.MachO(), "main-arm64");
        string file = Path.Combine(Path.GetTempPath(), $"ld-err-{Guid.NewGuid():N}");
        try
        {
            File.Copy(source, file);
            var mine = Tool.LinkDoctor("patch", "--delete-rpath", "/nope", file);
            var llvm = Tool.Run("llvm-install-name-tool-14", ["-delete_rpath", "/nope", file]);
            Assert.Equal(2, mine.ExitCode);
            Assert.NotEqual(0, llvm.ExitCode);
            const string message = "no LC_RPATH load command with path: /nope";
            Assert.Contains(message, llvm.Stderr);
            Assert.Contains(message, mine.Stderr);
            // ELF options on a Mach-O file, Mach-O options on an ELF file: one line, exit 2.
            Assert.Equal(2, Tool.LinkDoctor("patch", "--set-rpath", "/x", file).ExitCode);
            Assert.Equal(2, Tool.LinkDoctor("patch", "--change", "a", "b", "/bin/true").ExitCode);
            Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(file));
        }
        finally { File.Delete(file); }
    }
}
