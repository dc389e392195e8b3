namespace Ebpf.RingBuf;

/// <summary>Settings of a <see cref="RingBuffer"/>.</summary>
public sealed class RingBufferOptions
{
    internal static readonly RingBufferOptions Default = new();

    /// <summary>
    /// Publish the consumer position (which frees ring space for the BPF producers) after every this many records.
    /// 1, the default, frees each record as soon as its handler returns (libbpf does this). Larger values save a
    /// shared-memory store per record, but the space of up to N − 1 consumed records stays taken a little longer.
    /// The position is always published at the end of every drain, when a handler stops or throws, and before waiting.
    /// </summary>
    public int PublishInterval { get; init; } = 1;

    internal void Validate()
    {
        if (PublishInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(PublishInterval), PublishInterval, "RingBufferOptions.PublishInterval must be at least 1.");
    }
}
