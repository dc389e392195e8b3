using Ebpf.Features;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Events;

/// <summary>
/// Reads records from either transport, so user code does not care which one the BPF program uses: the map's type
/// decides (<see cref="BpfMapType.RingBuf"/> → <see cref="RingBuffer"/>, <see cref="BpfMapType.PerfEventArray"/> →
/// <see cref="PerfBuffer"/>). The handler sees the same bytes either way; perf losses are counted in
/// <see cref="LostCount"/> and reported to <see cref="EventReaderOptions.OnLost"/>.
/// </summary>
public sealed partial class EventReader : IDisposable
{
    private readonly RingBuffer? _ring;
    private readonly PerfBuffer? _perf;

    private EventReader(RingBuffer? ring, PerfBuffer? perf, EventTransport transport)
    {
        _ring = ring;
        _perf = perf;
        Transport = transport;
    }

    /// <summary>The transport in use.</summary>
    public EventTransport Transport { get; }

    /// <summary>Records the kernel reported lost (perf buffer); always 0 for a ring buffer.</summary>
    public ulong LostCount => _perf?.LostCount ?? 0;

    /// <summary>Where the BPF program counts the events it could not hand over (published as the
    /// <c>ebpf.buffer.dropped</c> metric; see <see cref="Diagnostics.BpfDropCounter"/>). Null: none.</summary>
    public Diagnostics.BpfDropCounter? DropCounter
    {
        get => _ring is not null ? _ring.Rings[0].DropCounter : _perf!.DropCounter;
        set
        {
            if (_ring is not null) _ring.Rings[0].DropCounter = value;
            else _perf!.DropCounter = value;
        }
    }

    /// <summary>The epoll descriptor that becomes readable when records are waiting.</summary>
    public int EpollFd => _ring?.EpollFd ?? _perf!.EpollFd;

    /// <summary>The transport this kernel prefers: the ring buffer when it has one, else the perf buffer.</summary>
    public static EventTransport PreferredTransport() =>
        KernelFeatures.HasMapType(BpfMapType.RingBuf) ? EventTransport.RingBuf : EventTransport.PerfBuffer;

    /// <summary>Opens a reader over <paramref name="map"/>, which must be a ring buffer or a perf event array.</summary>
    public static EventReader Open(BpfMap map, RecordHandler onRecord, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(onRecord);
        return OpenCore(map, onRecord, options ?? new EventReaderOptions());
    }

    private static EventReader OpenCore(BpfMap map, RecordHandler onRecord, EventReaderOptions options)
    {
        switch (map.Type)
        {
            case BpfMapType.RingBuf:
                return new EventReader(new RingBuffer(map, record => { onRecord(record); return 0; },
                    new RingBufferOptions { WaitMode = options.WaitMode }), null, EventTransport.RingBuf);
            case BpfMapType.PerfEventArray:
                var onLost = options.OnLost;
                var perf = new PerfBuffer(map, options.PerfPagesPerCpu, (_, data) => onRecord(data),
                    onLost is null ? null : (cpu, lost) => onLost(cpu, lost));
                return new EventReader(null, perf, EventTransport.PerfBuffer);
            default:
                throw new ArgumentException(
                    $"Map '{map.Name}' is a {map.Type} map; an event reader needs a RingBuf or PerfEventArray map.", nameof(map));
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for records and handles them; returns how many were handled.</summary>
    public int Poll(TimeSpan timeout) => RequireHandler()._ring?.Poll(timeout) ?? _perf!.Poll(timeout);

    /// <summary>Waits until records arrive or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public int Poll(CancellationToken cancellationToken) => RequireHandler()._ring?.Poll(cancellationToken) ?? _perf!.Poll(cancellationToken);

    /// <summary>Handles every record already waiting, without blocking.</summary>
    public int Consume() => RequireHandler()._ring?.Consume() ?? _perf!.Consume();

    /// <summary>An async stream of records copied into <typeparamref name="T"/>.</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(CancellationToken cancellationToken = default) where T : unmanaged =>
        _ring?.ReadAllAsync<T>(cancellationToken) ?? _perf!.ReadAllAsync<T>(cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        _ring?.Dispose();
        _perf?.Dispose();
    }
}
