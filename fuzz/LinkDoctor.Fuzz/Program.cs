using LinkDoctor.Fuzz;
using SharpFuzz;

// LinkDoctor.Fuzz TARGET            : the AFL++ persistent loop (afl-fuzz ... -- dotnet LinkDoctor.Fuzz.dll TARGET)
// LinkDoctor.Fuzz TARGET FILE...    : replays inputs (crash triage, regression files); exit 1 on a crash
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: LinkDoctor.Fuzz TARGET [FILE...]   (targets: {string.Join(", ", FuzzTargets.Names)})");
    return 2;
}
string target = args[0];
if (Environment.GetEnvironmentVariable("LINKDOCTOR_FUZZ_CORPUS") is { Length: > 0 } corpus) FuzzTargets.CorpusDirectory = corpus;
try
{
    if (args.Length > 1)
    {
        int crashes = 0;
        if (Environment.GetEnvironmentVariable("LINKDOCTOR_FUZZ_VERBOSE") is { Length: > 0 }) FuzzTargets.Log = Console.WriteLine;
        foreach (var file in args.Skip(1))
        {
            try { FuzzTargets.Run(target, File.ReadAllBytes(file)); }
            catch (Exception e) { crashes++; Console.WriteLine($"{file}: {e}"); }
        }
        Console.WriteLine($"{args.Length - 1} inputs, {crashes} crashes");
        return crashes == 0 ? 0 : 1;
    }
    Fuzzer.OutOfProcess.Run(stream =>
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        FuzzTargets.Run(target, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    });
    return 0;
}
finally
{
    FuzzTargets.Cleanup();
}
