namespace LinkDoctor.IO;

/// <summary>Linux errno values the models deal in, and their texts as glibc's strerror prints them (string/_strerror.c, sysdeps/gnu/errlist.h).</summary>
public static class Errno
{
    public const int EPERM = 1, ENOENT = 2, EIO = 5, ENOEXEC = 8, EACCES = 13, ENOTDIR = 20, EISDIR = 21, EINVAL = 22,
        ETXTBSY = 26, ENAMETOOLONG = 36, ELOOP = 40, ELIBBAD = 80;

    public static string StrError(int errno) => errno switch
    {
        0 => "Success",
        EPERM => "Operation not permitted",
        ENOENT => "No such file or directory",
        EIO => "Input/output error",
        ENOEXEC => "Exec format error",
        EACCES => "Permission denied",
        ENOTDIR => "Not a directory",
        EISDIR => "Is a directory",
        EINVAL => "Invalid argument",
        ETXTBSY => "Text file busy",
        ENAMETOOLONG => "File name too long",
        ELOOP => "Too many levels of symbolic links",
        ELIBBAD => "Accessing a corrupted shared library",
        _ => $"Unknown error {errno}",
    };
}
