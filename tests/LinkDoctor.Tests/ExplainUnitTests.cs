using System.Diagnostics;
using LinkDoctor.Diagnosis;
using LinkDoctor.Diagnosis.Explain;
using LinkDoctor.Loaders.Glibc;

namespace LinkDoctor.Tests;

/// <summary>
/// explain's parser in-process: every catalogue template as <c>why</c> renders it (MessageTemplate.Render) is read
/// back with the same id and values; the catalogue has at least 30 classes, each cited; logs are cleaned line for
/// line; hostile input (binary, huge lines, pathological repetitions) gives no crash and stays fast.
/// </summary>
public sealed class ExplainUnitTests
{
    /// <summary>Values a hole may take; several sets, because rules narrow holes (a strerror that is EACCES, a reason that is open_verify's).</summary>
    private static readonly Dictionary<string, string>[] SampleSets =
    [
        new()
        {
            ["library"] = "libsample.so.3", ["file"] = "/opt/app/lib/libsample.so.3", ["program"] = "./sample-app", ["symbol"] = "sample_symbol",
            ["version"] = "SAMPLE_1.2", ["requiredBy"] = "/opt/app/bin/sample-app", ["strerror"] = "Permission denied", ["class"] = "ELFCLASS32",
            ["reason"] = "invalid ELF header", ["name"] = "-lsample", ["linker"] = "/usr/bin/ld", ["shell"] = "sh", ["line"] = "1",
            ["location"] = "main.c:(.text+0x5)", ["relocation"] = "R_X86_64_32", ["target"] = "symbol `counter'", ["object"] = "a shared object; recompile with -fPIC",
            ["flag"] = "-race", ["uuid"] = "6A1B7C2D-0E3F-3A4B-9C8D-7E6F5A4B3C2D", ["uuid2"] = "0E1D2C3B-4A59-3687-A5B4-C3D2E1F0A9B8", ["function"] = "main",
            ["package"] = "example.com/sample", ["mode"] = "0x0001", ["from"] = "LD_PRELOAD", ["detail"] = "/opt/p.so: undefined symbol: x", ["path"] = "/opt/app",
        },
        new() { ["strerror"] = "No such file or directory", ["program"] = "./sample-app", ["reason"] = "file too short", ["name"] = "crt1.o", ["version"] = "GLIBC_PRIVATE" },
        new() { ["strerror"] = "permission denied", ["reason"] = "ELF file OS ABI invalid", ["name"] = "libsample.so.3" },
        new() { ["strerror"] = "Exec format error", ["reason"] = "tried: '/x/libsample.dylib' (mach-o file, but is an incompatible architecture (have 'x86_64', need 'arm64'))" },
        new() { ["strerror"] = "no such file or directory", ["reason"] = "image not found" },
        new() { ["strerror"] = "exec format error" },
        new() { ["strerror"] = "Accessing a corrupted shared library" },
    ];

    private static string Sample(string hole, int set) =>
        SampleSets[set].TryGetValue(hole, out var v) ? v : SampleSets[0].TryGetValue(hole, out var d) ? d : "sample";

    /// <summary>What a wrapper carries in the round trip: a dlerror() text of glibc's.</summary>
    private static readonly string Inner = GlibcMessages.CannotOpen.Render("libsample.so.3", "No such file or directory");

    /// <summary>Messages a wrapper may carry (the start-up version line carries only version messages).</summary>
    private static readonly (string Text, string Id)[] Inners =
    [
        (Inner, GlibcMessages.CannotOpen.Id),
        (GlibcMessages.VersionNotFound.Render("/lib/libsample.so.3", "SAMPLE_2.0", "./sample-app"), GlibcMessages.VersionNotFound.Id),
    ];

    public static IEnumerable<object[]> Readings() =>
        Explainer.Default.Readings.Where(r => r.Kind != RuleKind.Context).Select(r => r.Template.Id).Distinct().Select(id => new object[] { id });

    [Theory]
    [MemberData(nameof(Readings))]
    public void EveryTemplateAsRenderedIsReadBackWithItsIdAndValues(string id)
    {
        var t = MessageCatalogs.Templates.Single(m => m.Id == id);
        var tried = new List<string>();
        foreach (var (inner, innerId) in Inners)
        for (int set = 0; set < SampleSets.Length; set++)
        {
            var values = t.Holes.Select(h => TemplatePattern.NestedHoles.Contains(h) ? inner : Sample(h, set)).ToArray();
            string text = t.Render(values);
            tried.Add(text);
            // As a log line, after some unrelated output.
            var findings = Explainer.Default.Explain("make[2]: Entering directory '/src'\n" + text + "\n");
            var f = findings.FirstOrDefault(x => x.Chain.Any(l => l.Id == id));
            if (f is null) continue;
            Assert.Equal(2, f.Line);
            var link = f.Chain.First(l => l.Id == id);
            foreach (var (h, i) in t.Holes.Select((h, i) => (h, i)))
                if (!TemplatePattern.NestedHoles.Contains(h)) Assert.Equal(values[i], link.Values[h]);
            if (t.Holes.Any(TemplatePattern.NestedHoles.Contains)) Assert.Contains(f.Chain, l => l.Id == innerId);
            return;
        }
        Assert.Fail($"{id} was not read back from any of:\n{string.Join("\n", tried)}");
    }

    /// <summary>A start-up line keeps its class when the error it carries is one no template knows (a newer glibc's words).</summary>
    [Theory]
    [InlineData("./app: error while loading shared libraries: ./libx.so: unexpected reloc type 0xc8", "glibc-load-error")]
    [InlineData("./app: symbol lookup error: ./libx.so: a message of a future glibc", "glibc-symbol-lookup-error")]
    [InlineData("./app: relocation error: ./libx.so: a message of an older glibc", "glibc-relocation-error")]
    public void LinesWhoseErrorNoTemplateKnowsKeepTheirFallbackClass(string line, string cls)
    {
        var f = Assert.Single(Explainer.Default.Explain(line));
        Assert.Equal((cls, "glibc-ld.so", "./app"), (f.Class, f.Component, f.Subjects.File));
        Assert.Contains("./libx.so", f.Cause);
    }

    [Fact]
    public void AtLeastThirtyClassesEachBackedByACitedTemplate()
    {
        var byClass = Explainer.Default.Readings.Where(r => r.Class is not null).GroupBy(r => r.Class!).ToList();
        Assert.True(byClass.Count >= 30, $"{byClass.Count} classes");
        Assert.All(byClass, g => Assert.All(g, r => Assert.False(string.IsNullOrWhiteSpace(r.Template.Source), $"{g.Key}: {r.Template.Id} has no source")));
        // Every component the issue names has classes.
        var components = Explainer.Default.Readings.Where(r => r.Class is not null).Select(r => r.Template.Component).ToHashSet();
        foreach (var c in new[] { "glibc-ld.so", "glibc-dlopen", "musl", "go-plugin", "go-build", "linker", "glibc-static", "exec", "dyld", "windows" })
            Assert.Contains(c, components);
    }

    [Fact]
    public void NoTwoCataloguesGiveOneIdToDifferentTemplates()
    {
        var all = MessageCatalogs.All.SelectMany(c => c.Messages).GroupBy(m => m.Id).Where(g => g.Select(m => m.Template).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(all);
        Assert.DoesNotContain(MessageCatalogs.All.SelectMany(c => c.Messages), m => m is null);
    }

    /// <summary>The loader catalogues come through the registry: every template of every registered loader is read.</summary>
    [Fact]
    public void LoaderCataloguesComeFromTheLoaderRegistry()
    {
        var ids = MessageCatalogs.Templates.Select(t => t.Id).ToHashSet();
        foreach (var loader in Loaders.LoaderRegistry.All)
            foreach (var m in new[] { loader.Messages }.SelectMany(c => c.Messages.Where(x => x is not null)))
                Assert.Contains(m.Id, ids);
        Assert.Contains(GlibcMessages.StaticTlsExhausted.Id, ids);
        Assert.Contains(Loaders.Musl.MuslMessages.SymbolNotFound.Id, ids);
        Assert.Contains(Loaders.Kernel.ShellMessages.RequiredFileNotFound.Id, ids);
    }

    [Theory]
    [InlineData("\x1b[1;31m./a: error\x1b[0m\x1b[K", "./a: error")]
    [InlineData("2024-05-17T10:00:00.1234567Z ./a: error", "./a: error")]
    [InlineData("[2024-05-17 10:00:00,123] ./a: error", "./a: error")]
    [InlineData("2024/05/17 10:00:00 ./a: error", "./a: error")]
    [InlineData("2024-05-17T10:00:00.123456789Z stderr F ./a: error", "./a: error")]
    [InlineData("#8 0.512 ./a: error", "./a: error")]
    [InlineData("May 17 10:00:00 host app[42]: ./a: error", "./a: error")]
    [InlineData("web-1  | ./a: error", "./a: error")]
    [InlineData("##[error]./a: error", "./a: error")]
    [InlineData("downloading 10%\rdownloading 100%\r./a: error\r", "./a: error")]
    [InlineData("\x1b]0;title\x07./a: error", "./a: error")]
    [InlineData("\tlibx.so => not found", "\tlibx.so => not found")]
    public void LogPrefixesAndCodesAreRemoved(string raw, string clean) => Assert.Equal(clean, LogCleaner.CleanLine(raw));

    [Fact]
    public void OneLineOutForEachLineIn()
    {
        string text = "a\r\nb\n\x1b[31mc\x1b[0m\n\nd";
        Assert.Equal(["a", "b", "c", "", "d"], LogCleaner.Lines(text));
    }

    /// <summary>Hostile input: binary garbage, a 4 MB line, a million repetitions of a message's parts, deep nesting of wrappers.</summary>
    [Fact]
    public void HostileInputGivesNoCrashAndStaysFast()
    {
        var rng = new Random(9);
        var bytes = new byte[1 << 20];
        rng.NextBytes(bytes);
        string[] inputs =
        [
            System.Text.Encoding.Latin1.GetString(bytes),
            new string('a', 4 << 20),
            string.Concat(Enumerable.Repeat("x: ", 200_000)),
            string.Concat(Enumerable.Repeat("OSError: ", 50_000)) + Inner,
            string.Concat(Enumerable.Repeat("./p: error while loading shared libraries: ", 10_000)) + Inner,
            string.Concat(Enumerable.Repeat("plugin.Open(\"", 20_000)),
            string.Join('\n', Enumerable.Repeat("/usr/bin/ld: cannot find -lfoo: No such file or directory", 50_000)),
            "",
            "\n\n\n",
        ];
        foreach (var input in inputs)
        {
            var sw = Stopwatch.StartNew();
            var findings = Explainer.Default.Explain(input);
            // A hang guard, not a speed goal (speed is bench/'s): a backtracking pattern would take hours here, while the
            // slowest input (50,000 matching lines) takes about 3 s of CPU, and several times that on a loaded 2-core machine.
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(120), $"{sw.Elapsed} for an input of {input.Length} chars");
            Assert.NotNull(findings);
        }
        // The same error 50 000 times is one error.
        Assert.Single(Explainer.Default.Explain(inputs[6]));
    }

    [Fact]
    public void ExplainMessageReadsOneMessage()
    {
        var f = Explainer.Default.ExplainMessage(GlibcMessages.StartupError.Render("./app", Inner))!;
        Assert.Equal(("glibc-ld.so", "cannot-open-shared-object", "libsample.so.3", "./app"), (f.Component, f.Class, f.Subjects.Library, f.Subjects.File));
        Assert.Equal([GlibcMessages.StartupError.Id, GlibcMessages.CannotOpen.Id], f.Chain.Select(l => l.Id));
        Assert.Null(Explainer.Default.ExplainMessage("everything is fine"));
    }
}
