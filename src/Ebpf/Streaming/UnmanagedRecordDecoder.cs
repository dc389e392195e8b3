using System.Runtime.InteropServices;

namespace Ebpf.Streaming;

/// <summary>The decoder behind <c>ReadAllAsync&lt;T&gt;()</c>: copies the first <c>sizeof(T)</c> bytes of each record.</summary>
internal static class UnmanagedRecordDecoder
{
    /// <summary>
    /// Records longer than <typeparamref name="T"/> are read by their prefix (BPF structs often carry a variable tail).
    /// A shorter record means the C and C# layouts disagree: it faults the stream with <see cref="InvalidDataException"/>
    /// naming <paramref name="source"/>, rather than inventing zero bytes.
    /// </summary>
    internal static RecordDecoder<T> For<T>(string source) where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        return record => record.Length >= size
            ? MemoryMarshal.Read<T>(record)
            : throw new InvalidDataException(
                $"{source}: a record of {record.Length} bytes is shorter than {typeof(T).Name} ({size} bytes). " +
                "Check that the C# struct matches the BPF program's record layout, or pass a RecordDecoder that handles short records.");
    }
}
