namespace Ebpf.RingBuf;

/// <summary>
/// A record handler the JIT can specialise: pass a struct implementing it to
/// <see cref="RingBuffer.Consume{THandler}(ref THandler)"/> and the call to <see cref="OnRecord"/> is direct and can be
/// inlined, which a delegate (or libbpf's C function pointer) cannot be. Same rules as <see cref="RingBufferHandler"/>.
/// </summary>
public interface IRingBufferHandler
{
    /// <summary>Handles one record (valid only during the call). Return 0 to continue; non-zero stops and is returned.</summary>
    int OnRecord(ReadOnlySpan<byte> record);
}
