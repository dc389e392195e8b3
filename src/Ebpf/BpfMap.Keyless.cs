using System.Runtime.InteropServices;
using Ebpf.Maps;

namespace Ebpf;

public sealed partial class BpfMap
{
    /// <summary>Pushes <paramref name="value"/> onto a queue or stack (BPF_MAP_UPDATE_ELEM with no key), or adds it to a
    /// bloom filter. <paramref name="flags"/>: BPF_EXIST (2) makes a full queue or stack drop its oldest element.</summary>
    /// <exception cref="BpfMapException">The map is not a queue, stack or bloom filter; the value has the wrong size; the map is full (E2BIG).</exception>
    public void Push(ReadOnlySpan<byte> value, ulong flags = 0) => MapQueue.Push(Live(), value, flags);

    /// <summary>Removes the next element of a queue (oldest) or stack (newest) into <paramref name="value"/>
    /// (BPF_MAP_LOOKUP_AND_DELETE_ELEM with no key); false when empty.</summary>
    public bool TryPop(Span<byte> value) => MapQueue.TryPop(Live(), value);

    /// <summary>Reads the next element of a queue or stack without removing it (BPF_MAP_LOOKUP_ELEM with no key); false when empty.</summary>
    public bool TryPeek(Span<byte> value) => MapQueue.TryPeek(Live(), value);

    /// <summary>Asks a bloom filter about <paramref name="value"/> (BPF_MAP_LOOKUP_ELEM with no key: the filter's peek).
    /// False means certainly absent; true means probably present (bloom filters have false positives).</summary>
    public bool MayContain(ReadOnlySpan<byte> value) => MapQueue.MayContain(Live(), value);

    /// <summary>Typed <see cref="Push(ReadOnlySpan{byte}, ulong)"/>.</summary>
    public void Push<T>(T value, ulong flags = 0) where T : unmanaged => Push(AsBytes(ref value), flags);

    /// <summary>Typed <see cref="TryPop(Span{byte})"/>.</summary>
    public bool TryPop<T>(out T value) where T : unmanaged
    {
        value = default;
        return TryPop(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
    }

    /// <summary>Typed <see cref="TryPeek(Span{byte})"/>.</summary>
    public bool TryPeek<T>(out T value) where T : unmanaged
    {
        value = default;
        return TryPeek(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
    }

    /// <summary>Typed <see cref="MayContain(ReadOnlySpan{byte})"/>.</summary>
    public bool MayContain<T>(T value) where T : unmanaged => MayContain(AsBytes(ref value));
}
