namespace Ebpf.Streaming;

/// <summary>Settings of an async record stream (the bounded queue between the poller thread and the reader).</summary>
public sealed class RecordStreamOptions
{
    internal static readonly RecordStreamOptions Default = new();

    /// <summary>How many decoded records may wait for the reader. Default 4096.</summary>
    public int Capacity { get; init; } = 4096;

    /// <summary>What happens when <see cref="Capacity"/> records are waiting. Default <see cref="RecordStreamFullMode.Wait"/>.</summary>
    public RecordStreamFullMode FullMode { get; init; } = RecordStreamFullMode.Wait;

    internal void Validate()
    {
        if (Capacity < 1)
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "RecordStreamOptions.Capacity must be at least 1.");
        if (!Enum.IsDefined(FullMode))
            throw new ArgumentOutOfRangeException(nameof(FullMode), FullMode, "RecordStreamOptions.FullMode must be Wait or DropNewest.");
    }
}
