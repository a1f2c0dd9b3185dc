using System.Runtime.InteropServices;
using LinkDoctor.Diagnosis;
using LinkDoctor.Formats.Elf;
using LinkDoctor.IO;
using static LinkDoctor.Formats.Elf.ElfNative;

namespace LinkDoctor.Loaders.Kernel;

/// <summary>What bash prints when execve(2) fails (bash 5.2 execute_cmd.c <c>shell_execve</c>), at an interactive prompt.</summary>
public sealed class ShellMessages : IMessageCatalog
{
    private const string Bash = "bash 5.2 execute_cmd.c shell_execve";

    /// <summary>ENOENT for a file that exists: a missing interpreter (exit 127).</summary>
    public static readonly MessageTemplate RequiredFileNotFound = new("exec.required-file-not-found", "exec",
        "bash: {program}: cannot execute: required file not found", Bash + ": internal_error (_(\"%s: cannot execute: required file not found\"))");
    /// <summary>ENOEXEC for a binary (no handler for its machine or type): exit 126.</summary>
    public static readonly MessageTemplate BinaryFile = new("exec.binary-file", "exec",
        "bash: {program}: cannot execute binary file: Exec format error", Bash + ": internal_error (_(\"%s: cannot execute binary file: %s\"), command, strerror (i))");
    /// <summary>Any other errno (EACCES, EIO, ELIBBAD, EINVAL …): file_error prints strerror; exit 126.</summary>
    public static readonly MessageTemplate ExecError = new("exec.error", "exec",
        "bash: {program}: {strerror}", Bash + ": file_error (command) (\"%s: %s\", filename, strerror (errno))");

    public IReadOnlyList<MessageTemplate> Messages { get; } = [RequiredFileNotFound, BinaryFile, ExecError];

    /// <summary>Declared after the templates: static fields initialise in order, and the list above reads them.</summary>
    public static ShellMessages Instance { get; } = new();
}

/// <summary>The outcome of the exec step: the errno execve(2) returns (0 when the loader takes over) and what the shell prints.</summary>
public sealed record ExecOutcome(int Errno, LoaderMessage? ShellMessage, int ExitStatus, string Explanation, string? Interpreter, string? BinfmtMisc);

/// <summary>
/// The kernel's part of a start, read from the files: fs/exec.c <c>do_open_execat</c> (execute permission, a regular
/// file) and fs/binfmt_elf.c <c>load_elf_binary</c> (a handler for the class and machine, PT_INTERP opened with
/// <c>open_exec</c>, its header read, checked with <c>elf_check_arch</c>), then fs/binfmt_misc.c for other machines.
/// Run on this machine only: in another root, the root's own kernel is assumed to match the program.
/// </summary>
public static class LinuxExec
{
    private const int PATH_MAX = 4096;

    public static ExecOutcome Check(LoadRequest request, ElfFile main)
    {
        string program = request.Argv0;
        // do_open_execat: MAY_EXEC needs an execute bit (root too needs one of them).
        if (!HasExecuteBit(request.Program))
            return Fail(Errno.EACCES, program, $"{program} has no execute permission: execve(2) fails with EACCES");
        var h = main.Header;
        if (h.Type is not (ET_EXEC or ET_DYN))
            return Fail(Errno.ENOEXEC, program, $"{program} is an ELF {TypeName(h.Type)} file, not a program: no binary format handler accepts it (ENOEXEC)");
        string? binfmt = null;
        if (request.Root.IsHost && !RunsNatively(h))
        {
            binfmt = BinfmtMisc.Find(request.Program);
            if (binfmt is null)
                return Fail(Errno.ENOEXEC, program, $"{program} is built for {main.Machine} ({(main.Is64 ? "64" : "32")}-bit), and this machine runs {RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()}: no binfmt_misc handler is registered for it (/proc/sys/fs/binfmt_misc), so execve(2) fails with ENOEXEC");
        }
        if (main.FindProgramHeader(PT_INTERP) is not { } ph) return Ok(null, binfmt);
        // load_elf_binary: p_filesz between 2 and PATH_MAX, NUL-terminated.
        if (ph.FileSize < 2 || ph.FileSize > PATH_MAX || !main.TryBytes(ph.Offset, ph.FileSize, out var raw) || raw[^1] != 0)
            return Fail(Errno.ENOEXEC, program, $"{program}'s PT_INTERP is not a NUL-terminated path of 2 to {PATH_MAX} bytes: execve(2) fails with ENOEXEC");
        string interp = main.Interpreter!;
        if (binfmt is not null) return Ok(interp, binfmt); // the emulator, not the kernel, opens the interpreter
        var r = request.Root.Resolve(interp);
        string where = request.Root.IsHost ? "" : $" in {request.Root.Root}";
        if (!r.Exists)
            return Fail(r.Errno, program, $"the program's interpreter (PT_INTERP) {interp} does not exist{where}: execve(2) fails with {(r.Errno == Errno.ENOENT ? "ENOENT, so the shell says the file is not found although it exists" : Errno.StrError(r.Errno))}", interp);
        if (Directory.Exists(r.HostPath) || !HasExecuteBit(r.HostPath))
            return Fail(Errno.EACCES, program, $"the interpreter {interp}{where} is {(Directory.Exists(r.HostPath) ? "a directory" : "not executable")}: open_exec fails with EACCES", interp);
        // elf_read of the interpreter's Ehdr: a short read is EIO.
        byte[] head = new byte[h.Is64 ? 64 : 52];
        int n;
        try
        {
            using var image = BinaryImage.Open(r.HostPath);
            n = Math.Min(image.Length, head.Length);
            image.Span[..n].CopyTo(head);
            if (n < head.Length)
                return Fail(Errno.EIO, program, $"the interpreter {interp}{where} is {image.Length} bytes, shorter than an ELF header: the kernel's read of it fails with EIO", interp);
            // ELIBBAD: not ELF, or elf_check_arch fails (another machine), or its program headers are unusable.
            if (!ElfFile.HasElfMagic(head))
                return Fail(Errno.ELIBBAD, program, $"the interpreter {interp}{where} is not an ELF file{(head[0] == '#' && head[1] == '!' ? " (a script)" : "")}: the kernel fails with ELIBBAD", interp);
            var ie = ElfFile.Open(image);
            if (ie.Header.Machine != h.Machine || ie.Header.Class != h.Class)
                return Fail(Errno.ELIBBAD, program, $"the interpreter {interp}{where} is built for {ie.Machine} ({(ie.Is64 ? "64" : "32")}-bit), the program for {main.Machine} ({(main.Is64 ? "64" : "32")}-bit): the kernel fails with ELIBBAD", interp);
            if (ie.Header.Type is not (ET_EXEC or ET_DYN))
                return Fail(Errno.EINVAL, program, $"the interpreter {interp}{where} is not a program or shared object: load_elf_interp fails with EINVAL", interp);
        }
        catch (BinaryFormatException e)
        {
            return Fail(Errno.ELIBBAD, program, $"the interpreter {interp}{where} is a damaged ELF file ({e.Describe()}): the kernel fails with ELIBBAD", interp);
        }
        catch (IOException e)
        {
            return Fail(Errno.EIO, program, $"the interpreter {interp}{where} cannot be read ({e.Message})", interp);
        }
        return Ok(interp, binfmt);
    }

    /// <summary>The machines this kernel's binfmt_elf (and compat_binfmt_elf) runs.</summary>
    private static bool RunsNatively(ElfHeader h) => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => (h.Machine == EM_X86_64 && h.Is64) || h.Machine == EM_386 && !h.Is64,
        Architecture.Arm64 => h.Machine == EM_AARCH64 && h.Is64 && !h.IsBigEndian || h.Machine == EM_ARM && !h.Is64,
        Architecture.X86 => h.Machine == EM_386 && !h.Is64,
        _ => true,
    };

    private static ExecOutcome Ok(string? interp, string? binfmt) => new(0, null, 0, "", interp, binfmt);

    /// <summary>bash: ENOENT (of a file that exists) exits 127, anything else 126; ENOEXEC of a binary gets its own words.</summary>
    private static ExecOutcome Fail(int errno, string program, string explanation, string? interp = null)
    {
        var message = errno switch
        {
            Errno.ENOENT => LoaderMessage.From(ShellMessages.RequiredFileNotFound, program),
            Errno.ENOEXEC => LoaderMessage.From(ShellMessages.BinaryFile, program),
            _ => LoaderMessage.From(ShellMessages.ExecError, program, Errno.StrError(errno)),
        };
        return new ExecOutcome(errno, message, errno == Errno.ENOENT ? 127 : 126, explanation, interp, null);
    }

    private static bool HasExecuteBit(string hostPath)
    {
        if (OperatingSystem.IsWindows()) return true;
        try { return (File.GetUnixFileMode(hostPath) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return true; }
    }
}

/// <summary>
/// fs/binfmt_misc.c registrations, read from /proc/sys/fs/binfmt_misc/*: an enabled entry whose magic (under its
/// mask, at its offset) matches the file's first bytes runs it under its interpreter (qemu-user, say).
/// </summary>
public static class BinfmtMisc
{
    private const string Dir = "/proc/sys/fs/binfmt_misc";

    /// <summary>The interpreter of the first enabled matching entry, or null.</summary>
    public static string? Find(string program)
    {
        // Not mounted (no status file), or disabled: no handler at all.
        string status = Path.Combine(Dir, "status");
        if (!File.Exists(status) || File.ReadAllText(status).Trim() != "enabled") return null;
        byte[] head;
        try
        {
            using var image = BinaryImage.Open(program);
            head = image.Span[..Math.Min(image.Length, 256)].ToArray();
        }
        catch (IOException) { return null; }
        foreach (var entry in Directory.EnumerateFiles(Dir))
        {
            string name = Path.GetFileName(entry);
            if (name is "status" or "register") continue;
            string text;
            try { text = File.ReadAllText(entry); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            if (Matches(text, head) is { } interp) return interp;
        }
        return null;
    }

    /// <summary>Parses one entry ("enabled", "interpreter X", "offset N", "magic HEX", "mask HEX") and tests it.</summary>
    internal static string? Matches(string entry, ReadOnlySpan<byte> head)
    {
        string? interp = null, magic = null, mask = null;
        int offset = 0;
        bool enabled = false;
        foreach (var line in entry.Split('\n'))
        {
            if (line == "enabled") enabled = true;
            else if (line.StartsWith("interpreter ", StringComparison.Ordinal)) interp = line[12..];
            else if (line.StartsWith("offset ", StringComparison.Ordinal)) int.TryParse(line[7..], out offset);
            else if (line.StartsWith("magic ", StringComparison.Ordinal)) magic = line[6..];
            else if (line.StartsWith("mask ", StringComparison.Ordinal)) mask = line[5..];
        }
        if (!enabled || interp is null || magic is null) return null;
        byte[] m = Convert.FromHexString(magic), k = mask is null ? [.. Enumerable.Repeat((byte)0xff, m.Length)] : Convert.FromHexString(mask);
        if (offset < 0 || head.Length < offset + m.Length) return null;
        for (int i = 0; i < m.Length; i++)
            if ((head[offset + i] & (i < k.Length ? k[i] : 0xff)) != (m[i] & (i < k.Length ? k[i] : 0xff))) return null;
        return interp;
    }
}
