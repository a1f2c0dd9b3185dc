using System.Diagnostics.CodeAnalysis;

namespace LinkDoctor.IO;

/// <summary>
/// A structural error in an input file: the one exception type the readers throw for bad input.
/// Like Go's debug/elf <c>FormatError{off, msg, val}</c>, it names what is wrong and where.
/// Callers catch it at one boundary per file and turn it into a one-line error (exit code 2).
/// </summary>
public sealed class BinaryFormatException : Exception
{
    public BinaryFormatException(string message, long offset = -1) : base(OneLine(message)) => Offset = offset;

    /// <summary>Control characters from the file (a section name holding a newline) escaped as \xNN: the error stays one line.</summary>
    private static string OneLine(string message) =>
        message.Any(char.IsControl) ? string.Concat(message.Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString())) : message;

    /// <summary>File offset of the bad data, or -1 when no offset applies.</summary>
    public long Offset { get; }

    /// <summary>The message with the offset appended, as printed after the file name.</summary>
    public string Describe() => Offset >= 0 ? $"{Message} at offset 0x{Offset:x}" : Message;

    [DoesNotReturn]
    public static void Throw(string message, long offset = -1) => throw new BinaryFormatException(message, offset);
}
