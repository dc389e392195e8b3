using Ebpf.Streaming;

namespace Ebpf.Events;

public sealed partial class EventReader : IAsyncDisposable
{
    private bool _streamOnly;

    /// <summary>
    /// Opens a reader over <paramref name="map"/> without a handler, to be read as a stream
    /// (<see cref="ReadAllAsync{T}(RecordDecoder{T}, RecordStreamOptions?, CancellationToken)"/>); Poll, PollAsync and
    /// Consume then throw <see cref="InvalidOperationException"/>, since there is nobody to hand records to.
    /// </summary>
    /// <example>
    /// <code>
    /// await using var reader = EventReader.Open(obj.Map("events"), new EventReaderOptions { WaitMode = RingBufferWaitMode.DataAvailable });
    /// var stream = new RecordStreamOptions { Capacity = 1024, FullMode = RecordStreamFullMode.DropNewest };
    /// await foreach (var e in reader.ReadAllAsync(r => UnlinkEvent.Parse(r), stream, ct)) Console.WriteLine(e);
    /// Console.WriteLine(reader.StreamCounters);   // delivered, dropped (queue full), abandoned
    /// </code>
    /// </example>
    public static EventReader Open(BpfMap map, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        var reader = OpenCore(map, static _ => { }, options ?? new EventReaderOptions());
        reader._streamOnly = true;
        return reader;
    }

    /// <summary>What this reader's streams delivered, dropped (queue full under <see cref="RecordStreamFullMode.DropNewest"/>)
    /// and abandoned. Kernel-side losses are <see cref="LostCount"/> (perf) and <see cref="DropCounter"/> (the program's).</summary>
    public RecordStreamCounters StreamCounters => _ring?.StreamCounters ?? _perf!.StreamCounters;

    /// <summary>An async stream of records copied into <typeparamref name="T"/>, with the queue's capacity and what to
    /// do when it is full (<see cref="RecordStreamOptions"/>).</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(RecordStreamOptions? options, CancellationToken cancellationToken = default) where T : unmanaged =>
        _ring?.ReadAllAsync<T>(options, cancellationToken) ?? _perf!.ReadAllAsync<T>(options, cancellationToken);

    /// <summary>
    /// An async stream of records turned into <typeparamref name="T"/> by <paramref name="decode"/> (called on the
    /// poller thread while the record is still in the ring: copy what you need), through a bounded queue
    /// (<see cref="RecordStreamOptions.Capacity"/>; <see cref="RecordStreamOptions.FullMode"/>: wait, which pushes back
    /// to the kernel ring, or drop the newest and count it in <see cref="StreamCounters"/>). No handler is needed: open
    /// the reader with <see cref="Open(BpfMap, EventReaderOptions?)"/>. Cancelling ends the stream at once with
    /// <see cref="OperationCanceledException"/>; disposing the reader ends it normally.
    /// </summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(RecordDecoder<T> decode, RecordStreamOptions? options = null, CancellationToken cancellationToken = default) =>
        _ring?.ReadAllAsync(decode, options, cancellationToken) ?? _perf!.ReadAllAsync(decode, options, cancellationToken);

    /// <summary>Waits for records without blocking the caller and hands them to the handler; see
    /// <see cref="RingBuf.RingBuffer.PollAsync"/> and <see cref="Perf.PerfBuffer.PollAsync"/>. Cancellation wakes the wait at once.
    /// With <see cref="EventReaderOptions.OrderWindow"/> the wait runs <see cref="Poll(CancellationToken)"/> on a pool thread
    /// (it must also wake when a held record falls due).</summary>
    public Task<int> PollAsync(CancellationToken cancellationToken = default)
    {
        RequireHandler();
        if (_merger is not null) return Task.Run(() => Poll(cancellationToken), cancellationToken);
        return _ring?.PollAsync(cancellationToken) ?? _perf!.PollAsync(cancellationToken);
    }

    /// <summary>Disposes, and completes once a running <see cref="PollAsync"/> has returned.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ring is not null) await _ring.DisposeAsync().ConfigureAwait(false);
        if (_perf is not null) await _perf.DisposeAsync().ConfigureAwait(false);
    }

    private EventReader RequireHandler() => _streamOnly
        ? throw new InvalidOperationException("This EventReader was opened without a handler: read it with ReadAllAsync, or open it with one.")
        : this;
}
