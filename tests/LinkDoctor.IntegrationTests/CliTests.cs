using System.Text.Json;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>The CLI as a user runs it: exit codes, one-line errors, the JSON shape, and `symbols` against nm -D.</summary>
public sealed class CliTests(ITestOutputHelper output)
{
    [Fact]
    public void InspectJsonHasTheDocumentedFields()
    {
        var r = Tool.LinkDoctor("inspect", "--json", "/usr/bin/ls", "/lib/x86_64-linux-gnu/libc.so.6");
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(2, doc.RootElement.GetArrayLength());
        var ls = doc.RootElement[0];
        foreach (var field in new[] { "path", "format", "class", "endian", "machine", "type", "interpreter", "soname", "needed", "rpath", "runpath", "libc", "linkage", "stripped", "go", "upx", "buildId", "executableStack", "bindNow" })
            Assert.True(ls.TryGetProperty(field, out _), $"missing {field}");
        Assert.Equal(("/usr/bin/ls", "ELF", "ELF64", "little", "x86_64", "pie-executable"),
            (ls.GetProperty("path").GetString(), ls.GetProperty("format").GetString(), ls.GetProperty("class").GetString(),
             ls.GetProperty("endian").GetString(), ls.GetProperty("machine").GetString(), ls.GetProperty("type").GetString()));
        Assert.Equal(JsonValueKind.Null, ls.GetProperty("soname").ValueKind);
        Assert.Equal(JsonValueKind.Null, ls.GetProperty("rpath").ValueKind);
        var readelfNeeded = Tool.Sh("readelf -dW /usr/bin/ls | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(readelfNeeded, ls.GetProperty("needed").EnumerateArray().Select(e => e.GetString()!).ToArray());
        var libc = doc.RootElement[1];
        Assert.Equal("libc.so.6", libc.GetProperty("soname").GetString());
        Assert.Equal("shared-library", libc.GetProperty("type").GetString());
        Assert.Equal("glibc", libc.GetProperty("libc").GetString());
    }

    /// <summary>npm's scoped packages live under @scope folders: a path that starts with '@' is a path, never a response file.</summary>
    [Fact]
    public void PathsUnderAnAtScopeFolderAreFiles()
    {
        string dir = Directory.CreateTempSubdirectory("ld-scope").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "@img", "sharp-linux-x64", "lib"));
        File.Copy("/lib/x86_64-linux-gnu/libz.so.1", Path.Combine(dir, "@img", "sharp-linux-x64", "lib", "sharp.node"));
        var r = Tool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"), "tree", "--flat", "@img/sharp-linux-x64/lib/sharp.node", "@img/missing.node"], workingDirectory: dir);
        output.WriteLine(r.Stdout + r.Stderr);
        Assert.Equal(2, r.ExitCode); // the missing file, reported as a file
        Assert.Equal(LoaderGroundTruthTests.RealTrace(Path.Combine(dir, "@img/sharp-linux-x64/lib/sharp.node")), r.Stdout.Replace("@img/sharp-linux-x64/lib/sharp.node:\n", ""));
        Assert.Equal("linkdoctor: @img/missing.node: No such file or directory", r.Stderr.Trim());
    }

    /// <summary>Usage errors are sentences, said once (not once per file), with exit 2; no resource keys leak.</summary>
    [Fact]
    public void UsageErrorsAreReadableSentencesSaidOnce()
    {
        var bogus = Tool.LinkDoctor("why", "--bogus", "/usr/bin/ls");
        output.WriteLine(bogus.Stderr);
        Assert.Equal(2, bogus.ExitCode);
        Assert.StartsWith("linkdoctor: Unrecognized option '--bogus'", bogus.Stderr);
        Assert.DoesNotContain("_", bogus.Stderr.Split('\n')[0].Replace("--bogus", ""));

        var env = Tool.LinkDoctor("why", "--env", "NOEQUALS", "/usr/bin/ls", "/usr/bin/true");
        Assert.Equal(2, env.ExitCode);
        Assert.Equal("linkdoctor: --env expects NAME=VALUE, got 'NOEQUALS'", env.Stderr.Trim());

        var loader = Tool.LinkDoctor("tree", "--loader", "dyld-9", "/usr/bin/ls");
        Assert.Equal(2, loader.ExitCode);
        Assert.StartsWith("linkdoctor: --loader must be auto or one of glibc, musl", loader.Stderr);
    }

    [Fact]
    public void BadFilesGiveOneLineErrorsAndExitTwo()
    {
        string dir = Directory.CreateTempSubdirectory("ld-cli").FullName;
        string truncated = Path.Combine(dir, "truncated");
        File.WriteAllBytes(truncated, File.ReadAllBytes("/usr/bin/ls")[..100]);
        string text = Path.Combine(dir, "notes.txt");
        File.WriteAllText(text, "hello\n");
        string missing = Path.Combine(dir, "missing");

        var r = Tool.LinkDoctor("inspect", truncated, text, missing, "/usr/bin/ls");
        Assert.Equal(2, r.ExitCode);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(r.Stderr);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith($"linkdoctor: {truncated}: program header table", lines[0]);
        Assert.Equal($"linkdoctor: {text}: not an ELF, Mach-O or PE file (bad magic) at offset 0x0", lines[1]);
        Assert.Equal($"linkdoctor: {missing}: No such file or directory", lines[2]);
        Assert.Contains("/usr/bin/ls", r.Stdout);

        var json = Tool.LinkDoctor("inspect", "--json", truncated, "/usr/bin/ls");
        Assert.Equal(2, json.ExitCode);
        using var doc = JsonDocument.Parse(json.Stdout);
        Assert.StartsWith("program header table", doc.RootElement[0].GetProperty("error").GetString());
        Assert.False(doc.RootElement[1].TryGetProperty("error", out _));
    }

    [Fact]
    public void RecursiveInspectSkipsNonBinariesQuietly()
    {
        string dir = Directory.CreateTempSubdirectory("ld-cli-r").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.Copy("/usr/bin/true", Path.Combine(dir, "sub", "true"));
        File.WriteAllText(Path.Combine(dir, "readme.txt"), "not a binary");
        File.CreateSymbolicLink(Path.Combine(dir, "link"), "/usr/bin/ls");
        Tool.Sh($"mkfifo '{dir}/fifo'"); // must neither hang the walk nor be reported

        var r = Tool.LinkDoctor("inspect", "-r", "--json", dir);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("", r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        Assert.Equal(new[] { Path.Combine(dir, "sub", "true") }, doc.RootElement.EnumerateArray().Select(e => e.GetProperty("path").GetString()!).ToArray());

        var noR = Tool.LinkDoctor("inspect", dir);
        Assert.Equal(2, noR.ExitCode);
        Assert.Contains("Is a directory", noR.Stderr);

        // Named directly, a FIFO is an error, not a hang.
        var fifo = Tool.LinkDoctor("inspect", Path.Combine(dir, "fifo"));
        Assert.Equal(2, fifo.ExitCode);
        Assert.Equal($"linkdoctor: {Path.Combine(dir, "fifo")}: not a regular file\n", fifo.Stderr);
    }

    [Fact]
    public void UsageErrorsExitTwo()
    {
        Assert.Equal(2, Tool.LinkDoctor("inspect").ExitCode);
        Assert.Equal(2, Tool.LinkDoctor("inspect", "--no-such-flag", "/usr/bin/ls").ExitCode);
        Assert.Equal(2, Tool.LinkDoctor("symbols", "--defined", "--undefined", "/usr/bin/ls").ExitCode);
    }

    [Theory]
    [InlineData("/usr/bin/ls")]
    [InlineData("/lib/x86_64-linux-gnu/libc.so.6")]
    [InlineData("/lib/x86_64-linux-gnu/libstdc++.so.6")]
    public void SymbolsAgreesWithNmDynamic(string file)
    {
        // nm -D prints "name@VER" for references and hidden definitions, "name@@VER" for default ones.
        var nm = Tool.Sh($"nm -D --format=posix {file}").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ')[0]).Order(StringComparer.Ordinal).ToList();
        var r = Tool.LinkDoctor("symbols", "--json", file);
        Assert.Equal(0, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var ours = doc.RootElement.EnumerateArray()
            .Where(s => s.GetProperty("name").GetString() != "" && s.GetProperty("type").GetString() != "SECTION")
            .Select(s => s.GetProperty("name").GetString() + (s.GetProperty("version").ValueKind == JsonValueKind.Null ? ""
                : (s.GetProperty("defaultVersion").GetBoolean() ? "@@" : "@") + s.GetProperty("version").GetString()))
            .Order(StringComparer.Ordinal).ToList();
        output.WriteLine($"{file}: {ours.Count} symbols, nm -D {nm.Count}");
        Assert.Equal(nm, ours);

        var undefined = Tool.LinkDoctor("symbols", "--undefined", "--json", file);
        using var u = JsonDocument.Parse(undefined.Stdout);
        Assert.All(u.RootElement.EnumerateArray(), s => Assert.False(s.GetProperty("defined").GetBoolean()));
        int nmUndefined = Tool.Sh($"nm -D --undefined-only {file} | wc -l").Trim() is var n ? int.Parse(n) : 0;
        Assert.Equal(nmUndefined, u.RootElement.GetArrayLength());
    }

    [Fact]
    public void TreePicturesAreValidGraphs()
    {
        // Graphviz must accept the dot output; a missing library is drawn in red with "not found".
        string dir = Directory.CreateTempSubdirectory("ld-dot").FullName;
        string prog = Path.Combine(dir, "prog");
        Tool.Sh($"printf 'int main(void){{return 0;}}' > {dir}/m.c && gcc -o {prog} {dir}/m.c && patchelf --add-needed libmissing-for-dot.so.1 {prog}");
        var dot = Tool.LinkDoctor("tree", "--format", "dot", prog);
        Assert.Equal(0, dot.ExitCode);
        Assert.Contains("libmissing-for-dot.so.1\\nnot found\", color=red", dot.Stdout);
        File.WriteAllText(Path.Combine(dir, "g.dot"), dot.Stdout);
        var svg = Tool.Run("dot", ["-Tsvg", Path.Combine(dir, "g.dot")]);
        Assert.Equal(0, svg.ExitCode);
        Assert.Contains("not found", svg.Stdout);
        var mermaid = Tool.LinkDoctor("tree", "--format", "mermaid", prog);
        Assert.StartsWith("flowchart LR\n", mermaid.Stdout);
        Assert.Contains("libmissing-for-dot.so.1<br/>not found", mermaid.Stdout);
    }
}
