using Ebpf.Streaming;

namespace Ebpf.RingBuf;

public sealed partial class RingBuffer : IAsyncDisposable
{
    private AsyncPoller? _asyncPoller;

    /// <summary>
    /// <see cref="Poll(CancellationToken)"/> without blocking the caller: waits until records arrive, hands them to the
    /// rings' handlers and completes with the number consumed (or a handler's stop value; 0 once disposed). The wait
    /// and the handlers run on this reader's poller thread (one per reader, started by the first call and reused).
    /// Cancelling <paramref name="ct"/> wakes the wait at once and the task completes as canceled. One poll at a time:
    /// a call while another Poll, Consume, stream or PollAsync runs faults with <see cref="InvalidOperationException"/>.
    /// </summary>
    public Task<int> PollAsync(CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        var poller = LazyInitializer.EnsureInitialized(ref _asyncPoller,
            () => new AsyncPoller(Poll, $"Ebpf poll {Volatile.Read(ref _rings)[0].MapName}"));
        return poller.PollAsync(Busy, ct);
    }

    /// <summary>Disposes (see <see cref="Dispose"/>) and completes once a running <see cref="PollAsync"/> has returned
    /// and its thread has exited.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        if (Volatile.Read(ref _asyncPoller) is { } poller) await poller.Exited.ConfigureAwait(false);
    }
}
