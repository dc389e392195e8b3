namespace Ebpf.RingBuf;

/// <summary>Adapts a <see cref="RingBufferHandler"/> delegate to the one generic record walk.</summary>
internal readonly struct DelegateRingHandler(RingBufferHandler handler) : IRingBufferHandler
{
    public int OnRecord(ReadOnlySpan<byte> record) => handler(record);
}
