using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace LinkDoctor.IO;

/// <summary>
/// The auxiliary vector the kernel gave this process (<c>/proc/self/auxv</c>), read, never asked of another
/// program: AT_PLATFORM, AT_HWCAP and AT_HWCAP2 are the same for every process on the machine.
/// </summary>
public static class Auxv
{
    public const ulong AT_PLATFORM = 15, AT_HWCAP = 16, AT_HWCAP2 = 26;

    private static readonly Lazy<Dictionary<ulong, ulong>> Entries = new(Read);

    public static ulong? Get(ulong type) => Entries.Value.TryGetValue(type, out var v) ? v : null;

    /// <summary>AT_PLATFORM: the string the kernel put on this process's stack (<c>x86_64</c>, <c>aarch64</c>…).</summary>
    public static string? Platform { get; } = ReadPlatform();

    private static unsafe string? ReadPlatform()
    {
        // The value is an address in this very process (the initial stack), which stays mapped for its lifetime.
        if (Get(AT_PLATFORM) is not { } p || p == 0) return null;
        return Marshal.PtrToStringUTF8((nint)p);
    }

    private static Dictionary<ulong, ulong> Read()
    {
        var result = new Dictionary<ulong, ulong>();
        byte[] bytes;
        try { bytes = File.ReadAllBytes("/proc/self/auxv"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return result; }
        int word = IntPtr.Size;
        for (int i = 0; i + 2 * word <= bytes.Length; i += 2 * word)
        {
            ulong type = word == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i));
            ulong value = word == 8 ? BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(i + word)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(i + word));
            if (type == 0) break; // AT_NULL
            result[type] = value;
        }
        return result;
    }
}
