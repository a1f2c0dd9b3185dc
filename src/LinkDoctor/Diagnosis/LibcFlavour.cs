using LinkDoctor.Formats.Elf;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Diagnosis;

/// <summary>Which C library a file was built against: <c>glibc</c>, <c>musl</c>, <c>bionic</c>, <c>none</c> or <c>unknown</c>.</summary>
public sealed record LibcVerdict(string Flavour, IReadOnlyList<string> Evidence);

/// <summary>Decides the libc flavour from what the file itself says: PT_INTERP, NEEDED, version needs, SONAME, notes and symbols.</summary>
public static class LibcFlavour
{
    public const string Glibc = "glibc", Musl = "musl", Bionic = "bionic", None = "none", Unknown = "unknown";

    public static string? FromInterpreter(string? interp)
    {
        if (interp is null) return null;
        string name = Path.GetFileName(interp);
        if (name.StartsWith("ld-musl-", StringComparison.Ordinal)) return Musl;
        if (interp is "/system/bin/linker" or "/system/bin/linker64" || name is "linker" or "linker64") return Bionic;
        if (name.StartsWith("ld-linux", StringComparison.Ordinal) || name is "ld64.so.1" or "ld64.so.2" or "ld.so.1") return Glibc;
        return null;
    }

    public static LibcVerdict Detect(ElfFile file, bool isGo)
    {
        var evidence = new List<string>();
        string? flavour = null;
        void Vote(string f, string why)
        {
            flavour ??= f;
            if (f == flavour) evidence.Add(why);
        }

        var interp = file.Interpreter;
        if (FromInterpreter(interp) is { } fi) Vote(fi, $"PT_INTERP {interp}");
        var dyn = file.Dynamic;
        if (dyn is not null)
        {
            foreach (var n in dyn.Needed)
            {
                if (n == "libc.so.6") Vote(Glibc, "NEEDED libc.so.6");
                else if (n.StartsWith("libc.musl-", StringComparison.Ordinal)) Vote(Musl, $"NEEDED {n}");
                else if (n == "libc.so") Vote(flavour == Bionic ? Bionic : Musl, "NEEDED libc.so");
            }
            foreach (var f in file.Versions.Needs)
            {
                foreach (var v in f.Versions)
                {
                    if (v.Name.StartsWith("GLIBC_", StringComparison.Ordinal)) { Vote(Glibc, $"version need {v.Name} ({f.File})"); break; }
                }
            }
            if (dyn.SoName is { } so)
            {
                if (so is "libc.so.6" || so.StartsWith("ld-linux", StringComparison.Ordinal)) Vote(Glibc, $"SONAME {so}");
                else if (so.StartsWith("libc.musl-", StringComparison.Ordinal) || so.StartsWith("ld-musl-", StringComparison.Ordinal)) Vote(Musl, $"SONAME {so}");
            }
            // A C library itself, named or not (musl's ld-musl-*.so.1 has no SONAME): it defines __libc_start_main,
            // with GLIBC_ versions in glibc and without any in musl.
            if (flavour is null && file.DynamicSymbols is { } dsyms && dsyms.TryFind("__libc_start_main"u8, out var start) && start.IsDefined)
            {
                if (file.Versions.Definitions.Any(d => d.Name.StartsWith("GLIBC_", StringComparison.Ordinal))) Vote(Glibc, "defines __libc_start_main@GLIBC_*");
                else Vote(Musl, "defines __libc_start_main without symbol versions (musl's libc)");
            }
        }
        if (flavour is null && file.Header.Type is ET_EXEC or ET_DYN)
        {
            // Static programs: glibc's crt1.o carries NT_GNU_ABI_TAG; musl's does not. Symbols settle the rest.
            if (ElfNotes.AbiTag(file) is { } tag) Vote(Glibc, $"NT_GNU_ABI_TAG note ({tag})");
            else if (file.Symbols is { } syms)
            {
                if (syms.TryFind("__init_libc"u8, out _)) Vote(Musl, "symbol __init_libc (musl's start-up)");
                else if (syms.TryFind("__libc_start_call_main"u8, out _) || syms.TryFind("_dl_relocate_static_pie"u8, out _)) Vote(Glibc, "glibc start-up symbols");
            }
            if (flavour is null && isGo && dyn is null) Vote(None, "Go program without cgo: no C library");
        }
        if (flavour is null && file.Header.Type is ET_REL or ET_CORE) Vote(None, "not a loadable program");
        return new LibcVerdict(flavour ?? Unknown, evidence);
    }
}
