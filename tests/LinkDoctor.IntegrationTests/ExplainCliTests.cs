using System.Diagnostics;
using System.Text.Json;
using LinkDoctor.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary><c>linkdoctor explain</c> as a user runs it: text arguments, a log on standard input, JSON, exit codes, --file.</summary>
public sealed class ExplainCliTests(ITestOutputHelper output)
{
    /// <summary>Our CLI with <paramref name="stdin"/> written to its standard input.</summary>
    private static ToolResult LinkDoctor(string stdin, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "linkdoctor.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(stdin);
        p.StandardInput.Close();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("linkdoctor explain"); }
        return new ToolResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string RealLog() =>
        File.ReadAllText(Path.Combine(ExplainFixtures.Build(), "logs", "ld-skipping.txt")) + ExplainRealTests.PythonDlopen(Path.Combine(ExplainFixtures.Build(), "lib", "libneeds.so"));

    [Fact]
    public void ALogOnStandardInputAndAsDash()
    {
        string log = RealLog();
        var piped = LinkDoctor(log, "explain", "--json");
        var dash = LinkDoctor(log, "explain", "-", "--json");
        output.WriteLine(piped.Stdout + piped.Stderr);
        Assert.Equal(1, piped.ExitCode);
        Assert.Equal(piped.Stdout, dash.Stdout);
        using var doc = JsonDocument.Parse(piped.Stdout);
        var classes = doc.RootElement.EnumerateArray().Select(e => e.GetProperty("class").GetString()).ToList();
        Assert.Equal(["skipping-incompatible", "linker-cannot-find-library", "cannot-open-shared-object"], classes);
    }

    /// <summary>The JSON fields are exactly the names (scripts use them); absent subjects are left out.</summary>
    [Fact]
    public void JsonHasExactlyTheDocumentedFields()
    {
        var r = LinkDoctor(RealLog(), "explain", "--json");
        using var doc = JsonDocument.Parse(r.Stdout);
        string[] required = ["line", "component", "class", "message", "subjects", "cause", "fix"];
        string[] allowed = [.. required, "check", "correlation"];
        string[] subjects = ["library", "symbol", "version", "file", "requiredBy", "package"];
        foreach (var f in doc.RootElement.EnumerateArray())
        {
            var names = f.EnumerateObject().Select(p => p.Name).ToList();
            Assert.All(required, n => Assert.Contains(n, names));
            Assert.All(names, n => Assert.Contains(n, allowed));
            Assert.All(f.GetProperty("subjects").EnumerateObject(), p => { Assert.Contains(p.Name, subjects); Assert.Equal(JsonValueKind.String, p.Value.ValueKind); });
            Assert.Equal(JsonValueKind.Number, f.GetProperty("line").ValueKind);
            Assert.Equal(JsonValueKind.Array, f.GetProperty("fix").ValueKind);
            if (f.TryGetProperty("check", out var check)) Assert.StartsWith("linkdoctor ", check.GetString());
        }
        var python = doc.RootElement.EnumerateArray().Last();
        Assert.Equal("libfoo64.so", python.GetProperty("subjects").GetProperty("library").GetString());
        Assert.False(python.GetProperty("subjects").TryGetProperty("symbol", out _));
        // The line is the wrapper's (Python's OSError line), 1-based in the whole input.
        string[] lines = RealLog().Split('\n');
        Assert.StartsWith("OSError: ", lines[python.GetProperty("line").GetInt32() - 1]);
    }

    [Fact]
    public void TextArgumentsExitCodesAndNothingRecognised()
    {
        var found = LinkDoctor("", "explain", "./app: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory");
        output.WriteLine(found.Stdout);
        Assert.Equal(1, found.ExitCode);
        Assert.Contains("glibc-ld.so: cannot-open-shared-object", found.Stdout);
        Assert.Contains("check: linkdoctor why ./app", found.Stdout);
        // Words given separately are joined, as a shell splits an unquoted message; "-lfoo" is text, not an option.
        var words = LinkDoctor("", "explain", "/usr/bin/ld:", "cannot", "find", "-lfoo:", "No", "such", "file", "or", "directory");
        Assert.Equal(1, words.ExitCode);
        Assert.Contains("linker-cannot-find-library", words.Stdout);
        var none = LinkDoctor("all good\nnothing to see\n", "explain");
        Assert.Equal(0, none.ExitCode);
        Assert.Equal("[]", LinkDoctor("all good\n", "explain", "--json").Stdout.Trim());
    }

    /// <summary>--file runs the why simulation: the real missing-lib scenario's first line is reproduced; a bad file is one stderr line, exit 2.</summary>
    [Fact]
    public void FileCorrelatesWithTheSimulation()
    {
        var sc = ScenarioTests.All.Single(s => s.Name == "missing-lib");
        var run = ScenarioTests.Prepare(sc, ScenarioTests.DirectoryOf(sc));
        var (_, first, _) = ScenarioTests.RunReal(run);
        var r = LinkDoctor(first!, "explain", "--file", run.Program, "--json");
        output.WriteLine(r.Stdout + r.Stderr);
        Assert.Equal(1, r.ExitCode);
        using var doc = JsonDocument.Parse(r.Stdout);
        var c = doc.RootElement[0].GetProperty("correlation");
        Assert.True(c.GetProperty("reproduced").GetBoolean());
        Assert.Equal(first, c.GetProperty("simulated")[0].GetString());

        var text = LinkDoctor(first!, "explain", "--file", run.Program);
        Assert.Contains("simulation: reproduces it", text.Stdout);

        string notElf = Path.Combine(ExplainFixtures.Build(), "logs", "ld-cannot-find.txt");
        var bad = LinkDoctor(first!, "explain", "--file", notElf);
        Assert.Equal(2, bad.ExitCode);
        Assert.Single(bad.Stderr.Trim().Split('\n'));
        Assert.StartsWith($"linkdoctor: {notElf}: ", bad.Stderr);
    }
}
