using LinkDoctor.Diagnosis;
using LinkDoctor.IO;
using LinkDoctor.Loaders;
using LinkDoctor.Reports;
using Xunit.Abstractions;

namespace LinkDoctor.IntegrationTests;

/// <summary>
/// The loader models over corrupt files on disk (large enough to be memory-mapped): a corrupt program or a
/// corrupt library on the search path must end in a prediction or a one-line error, never a crash.
/// </summary>
public sealed class LoaderRobustnessTests(ITestOutputHelper output)
{
    private static byte[] Corrupt(byte[] original, Random rng)
    {
        byte[] bytes = (byte[])original.Clone();
        int n = rng.Next(1, 9);
        for (int k = 0; k < n; k++)
        {
            int at = rng.Next(3) == 0 ? rng.Next(bytes.Length) : rng.Next(Math.Min(bytes.Length, 4096));
            bytes[at] = (byte)rng.Next(256);
        }
        return bytes;
    }

    private static string? Run(Func<object?> action)
    {
        try { action(); return null; }
        catch (Exception e) when (FileErrors.Describe(e) is { } message) { return message; }
    }

    [Fact]
    public void CorruptProgramsAndLibrariesNeverCrashTheLoaderModels()
    {
        string dir = Directory.CreateTempSubdirectory("ld-fuzz").FullName;
        string libDir = Path.Combine(dir, "lib");
        Directory.CreateDirectory(libDir);
        byte[] program = File.ReadAllBytes("/usr/bin/ls");           // > 64 KiB: mapped, not read
        byte[] library = File.ReadAllBytes("/lib/x86_64-linux-gnu/libselinux.so.1");
        Assert.True(program.Length > BinaryImage.MapThreshold && library.Length > BinaryImage.MapThreshold);
        var rng = new Random(20261123);
        int predictions = 0, errors = 0;
        for (int i = 0; i < 150; i++)
        {
            string prog = Path.Combine(dir, $"prog{i}");
            File.WriteAllBytes(prog, Corrupt(program, rng));
            byte[] lib = Corrupt(library, rng);
            // Always include a wrong-class and a wrong-machine copy: skipped candidates read their header last.
            if (i == 0) lib[4] = 1;                    // EI_CLASS = ELFCLASS32
            if (i == 1) lib[18] = lib[19] = 0;         // e_machine = EM_NONE
            File.WriteAllBytes(Path.Combine(libDir, "libselinux.so.1"), lib);
            var env = new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = libDir };
            foreach (var loader in new[] { "glibc", "musl" })
            {
                var request = new LoadRequest { Program = prog, Environment = env, Loader = loader };
                string? e1 = Run(() => StartupSimulator.Simulate(request));
                string? e2 = Run(() => { using var g = DynamicLoader.Load(request with { Trace = true }); return TreeRenderer.Flat(g); });
                if (e1 is null) predictions++; else { errors++; Assert.DoesNotContain('\n', e1); }
                if (e2 is not null) Assert.DoesNotContain('\n', e2);
            }
        }
        output.WriteLine($"{predictions} predictions, {errors} one-line errors, no crash");
        Assert.True(predictions > 0);
    }
}
