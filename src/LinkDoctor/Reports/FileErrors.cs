using LinkDoctor.IO;

namespace LinkDoctor.Reports;

/// <summary>The one boundary where per-file errors become a one-line message (and exit code 2).</summary>
public static class FileErrors
{
    /// <summary>Runs <paramref name="read"/>; on bad input returns the message (without the path) instead of throwing.</summary>
    public static string? Capture(Action read)
    {
        try
        {
            read();
            return null;
        }
        catch (Exception e) when (Describe(e) is { } message)
        {
            return message;
        }
    }

    /// <summary>A one-line description of an input error, or null for exceptions that are bugs.</summary>
    public static string? Describe(Exception e) => e switch
    {
        BinaryFormatException f => f.Describe(),
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        UnauthorizedAccessException => "Permission denied",
        PathTooLongException => "File name too long",
        IOException io => io.Message,
        _ => null,
    };
}
