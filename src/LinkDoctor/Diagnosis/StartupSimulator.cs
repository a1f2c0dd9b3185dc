using LinkDoctor.Formats;
using LinkDoctor.Formats.Elf;
using LinkDoctor.Loaders;
using LinkDoctor.Loaders.Glibc;
using LinkDoctor.Loaders.Kernel;

namespace LinkDoctor.Diagnosis;

/// <summary>
/// Simulates a whole start without running anything: the exec step as the kernel and the shell do it
/// (<see cref="LinuxExec"/>), then the loader chosen from <see cref="LoaderRegistry"/> (interpreter, preloads,
/// dependencies, version checks, relocation), and predicts the exact lines printed, with explanations and fixes.
/// </summary>
public static class StartupSimulator
{
    public static WhyReport Simulate(LoadRequest request, bool dlopen = false)
    {
        string argv0 = request.Argv0;
        if (dlopen && !File.Exists(request.Program))
        {
            var b = new WhyBuilder(argv0, request.Loader);
            b.Say(request.Loader == "musl"
                ? LoaderMessage.From(Loaders.Musl.MuslMessages.DlopenLoadError, argv0, "No such file or directory")
                : LoaderMessage.From(GlibcMessages.CannotOpen, argv0, "No such file or directory"));
            return b.Explain($"{argv0} does not exist")
                .Fix("check the path given to dlopen(); a name without '/' is searched like a DT_NEEDED entry").Fail(null);
        }

        var file = BinaryFile.Open(request.Program);
        LoadGraph? graph = null;
        try
        {
            var main = file.Objects[0];
            var model = LoaderRegistry.Choose(request, main);
            if (main is ElfFile { Dynamic: null } && !dlopen)
                return new WhyReport { Path = argv0, Starts = true, Loader = "none", Explanation = ["statically linked: no loader is involved"] };
            if (!dlopen && main is ElfFile elf)
            {
                var exec = LinuxExec.Check(request, elf);
                if (exec.ShellMessage is not null)
                {
                    var b = new WhyBuilder(argv0, model.Name).Say(exec.ShellMessage).Explain(exec.Explanation);
                    ExecFixes(request, elf, exec, b);
                    return b.Fail(exec.ExitStatus);
                }
            }
            // The graph takes the file over.
            graph = model.Load(request with { Trace = false }, file, main);
            return model.Simulate(request, graph, dlopen);
        }
        finally
        {
            if (graph is null) file.Dispose();
            else graph.Dispose();
        }
    }

    /// <summary>What to do when the kernel or the shell refuses the program.</summary>
    private static void ExecFixes(LoadRequest request, ElfFile main, ExecOutcome exec, WhyBuilder b)
    {
        string program = request.Argv0;
        string host = Path.GetFullPath(request.Program);
        string? standard = GlibcLoader.StandardInterpreter(main.Header);
        bool standardExists = standard is not null && request.Root.Resolve(standard).Exists && standard != exec.Interpreter;
        switch (exec.Errno)
        {
            case IO.Errno.EACCES when exec.Interpreter is null:
                b.Fix($"make it executable: chmod +x {program}", [program], RemedyAction.Run("chmod", "+x", host));
                return;
            case IO.Errno.ENOEXEC:
                b.Fix($"run it on a {main.Machine} machine, or under emulation: qemu-{QemuName(main)} -L SYSROOT {program} (Debian: apt install qemu-user; qemu-user-binfmt registers it with the kernel)");
                b.Fix($"check it there without running it: linkdoctor why --root SYSROOT {program}");
                return;
        }
        // The interpreter is missing or unusable.
        string interp = exec.Interpreter!;
        string detected = LibcFlavour.Detect(main, isGo: false).Flavour;
        string? flavour = LibcFlavour.FromInterpreter(interp) ?? (detected is LibcFlavour.Glibc or LibcFlavour.Musl ? detected : null);
        b.Explain($"{program} was built for {(flavour is null ? "an unknown C library" : flavour)} (PT_INTERP {interp})");
        // A musl system: a musl loader and no glibc loader for this machine (Debian with musl-tools has both).
        bool muslSystem = !standardExists && standard is not null && !request.Root.Resolve(standard).Exists
            && request.Root.IsDirectory("/lib") && Directory.EnumerateFiles(request.Root.Resolve("/lib").HostPath, "ld-musl-*").Any();
        if (exec.Errno == IO.Errno.ENOENT && flavour == LibcFlavour.Glibc && muslSystem)
        {
            b.Fix("this is a glibc program on a musl system (Alpine): rebuild it there (CGO_ENABLED=1 on Alpine, or musl-gcc), or link it statically (CGO_ENABLED=0 for pure Go; -extldflags '-static')");
            b.Fix("or install glibc compatibility: apk add gcompat (enough for simple programs)");
            return;
        }
        if (exec.Errno == IO.Errno.ENOENT && flavour == LibcFlavour.Musl)
        {
            b.Fix("this is a musl program: install musl (Debian: apt install musl), or rebuild it against this system's C library");
            return;
        }
        if (standardExists && flavour is null or LibcFlavour.Glibc)
        {
            var edit = RemedyAction.ElfEdit([(host, program, ["--set-interpreter", standard!])]);
            b.Fix($"point it at the system's loader: {edit.Display}", [interp], edit.Actions);
        }
        else
            b.Fix($"install the C library that provides {interp}, or point the program at an existing loader: linkdoctor patch --set-interpreter /path/to/ld.so {program}");
    }

    private static string QemuName(ElfFile f) => f.Machine switch { "i386" => "i386", "arm" => "arm", var m => m };
}
