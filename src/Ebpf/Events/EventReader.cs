using Ebpf.Features;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Events;

/// <summary>
/// Reads records from either transport, so user code does not care which one the BPF program uses: the map's type
/// decides (<see cref="BpfMapType.RingBuf"/> → <see cref="RingBuffer"/>, <see cref="BpfMapType.PerfEventArray"/> →
/// <see cref="PerfBuffer"/>). The handler sees the same bytes either way. With <see cref="EventReaderOptions.OrderWindow"/>
/// the records come in timestamp order (<see cref="OrderedMerger"/>); <see cref="Loss"/> accounts for every record.
/// </summary>
/// <remarks>Pair it with <see cref="EventChannel.Configure"/> and ebpf_net/events.bpf.h for one BPF source over either
/// transport: <see cref="Open(BpfObject, string, RecordHandler, EventReaderOptions?)"/> then also reads the program's drop
/// counter into <see cref="Loss"/>.</remarks>
public sealed partial class EventReader : IDisposable
{
    private readonly RingBuffer? _ring;
    private readonly PerfBuffer? _perf;
    private readonly OrderedMerger? _merger;
    private readonly BpfMap? _drops;
    private readonly RecordTimestamp? _timestamp;
    private readonly OrderedRecordHandler _onRecord;
    private long _received;
    private long _delivered;

    private EventReader(BpfMap map, BpfMap? drops, OrderedRecordHandler onRecord, EventReaderOptions options)
    {
        _onRecord = onRecord;
        _drops = drops;
        options.Validate();
        if (options.OrderWindow is { } window)
        {
            _timestamp = options.Timestamp;
            _merger = new OrderedMerger(window, Deliver, new OrderedMergerOptions { Capacity = options.OrderCapacity, MaxRecordSize = options.MaxRecordSize });
        }
        switch (map.Type)
        {
            case BpfMapType.RingBuf:
                _ring = new RingBuffer(map, record =>
                {
                    OnKernelRecord(record);
                    return 0;
                }, new RingBufferOptions { WaitMode = options.WaitMode });
                Transport = EventTransport.RingBuf;
                break;
            case BpfMapType.PerfEventArray:
                var onLost = options.OnLost;
                _perf = new PerfBuffer(map, options.PerfPagesPerCpu, (_, data) => OnKernelRecord(data),
                    onLost is null ? null : (cpu, lost) => onLost(cpu, lost));
                Transport = EventTransport.PerfBuffer;
                break;
            default:
                throw new ArgumentException(
                    $"Map '{map.Name}' is a {map.Type} map; an event reader needs a RingBuf or PerfEventArray map.", nameof(map));
        }
        // A channel's counter also feeds the ebpf.buffer.dropped metric (Diagnostics), summed over causes and CPUs.
        if (drops is not null)
            DropCounter = Diagnostics.BpfDropCounter.FromFunction($"map '{drops.Name}' (ring full + perf full + other, summed over CPUs)", () => ReadDrops().Total);
    }

    /// <summary>The transport in use.</summary>
    public EventTransport Transport { get; }

    /// <summary>Records the kernel reported lost (perf buffer); always 0 for a ring buffer.</summary>
    public ulong LostCount => _perf?.LostCount ?? 0;

    /// <summary>Records delivered late by the ordering (after records with later timestamps); 0 without ordering.</summary>
    public long LateCount => _merger?.Late ?? 0;

    /// <summary>The ordering's merger (its counters: held, late, released early), or null without ordering.</summary>
    public OrderedMerger? Ordering => _merger;

    /// <summary>Where the BPF program counts the events it could not hand over (published as the
    /// <c>ebpf.buffer.dropped</c> metric; see <see cref="Diagnostics.BpfDropCounter"/>). Null: none. A channel opened with
    /// <see cref="Open(BpfObject, string, RecordHandler, EventReaderOptions?)"/> sets it to the channel's counter.</summary>
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

    /// <summary>
    /// The account of this reader's records: received, and dropped by cause (the program's own count when it has one,
    /// the kernel's perf losses, stream drops). Read it after a drain for an exact figure.
    /// </summary>
    public EventLoss Loss
    {
        get
        {
            var drops = ReadDrops();
            var stream = StreamCounters;
            return new EventLoss((ulong)(Volatile.Read(ref _received) + stream.Delivered), drops.RingFull, drops.PerfFull, drops.Other,
                LostCount, (ulong)stream.Dropped, _drops is not null);
        }
    }

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

    private static EventReader OpenCore(BpfMap map, RecordHandler onRecord, EventReaderOptions options) =>
        new(map, null, (record, _) => onRecord(record), options);

    /// <summary>As <see cref="Open(BpfMap, RecordHandler, EventReaderOptions?)"/>, with a handler told which records the ordering
    /// delivered late (<see cref="EventReaderOptions.OrderWindow"/>).</summary>
    public static EventReader Open(BpfMap map, OrderedRecordHandler onRecord, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(onRecord);
        return new EventReader(map, null, onRecord, options ?? new EventReaderOptions());
    }

    /// <summary>
    /// Opens a reader over the event channel <paramref name="mapName"/> of <paramref name="obj"/> (declared with
    /// ebpf_net/events.bpf.h and set up by <see cref="EventChannel.Configure"/>); the program's drop counter
    /// (<c>&lt;name&gt;_drops</c>) goes into <see cref="Loss"/>. Also reads a plain ring buffer or perf event array map.
    /// </summary>
    public static EventReader Open(BpfObject obj, string mapName, RecordHandler onRecord, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onRecord);
        return Open(obj, mapName, (record, _) => onRecord(record), options);
    }

    /// <summary>As <see cref="Open(BpfObject, string, RecordHandler, EventReaderOptions?)"/>, with a handler told which records
    /// the ordering delivered late (<see cref="EventReaderOptions.OrderWindow"/>).</summary>
    public static EventReader Open(BpfObject obj, string mapName, OrderedRecordHandler onRecord, EventReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(onRecord);
        obj.Maps.TryGetValue(EventChannel.DropsMap(mapName), out var drops);
        return new EventReader(obj.Map(mapName), drops, onRecord, options ?? new EventReaderOptions());
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for records and handles them; returns how many reached the handler. With
    /// ordering, records are handed over once their window is over, so the wait also ends when a held record falls due.
    /// </summary>
    public int Poll(TimeSpan timeout) => PollCore(ToMilliseconds(timeout), CancellationToken.None);

    /// <summary>Waits until records reach the handler or <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public int Poll(CancellationToken cancellationToken) => PollCore(-1, cancellationToken);

    /// <summary>As <see cref="Poll(TimeSpan)"/>, and cancellable.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public int Poll(TimeSpan timeout, CancellationToken cancellationToken) => PollCore(ToMilliseconds(timeout), cancellationToken);

    /// <summary>Handles every record already waiting, without blocking (with ordering: hands over those whose window is over).</summary>
    public int Consume()
    {
        long before = _delivered;
        int n = RequireHandler()._ring?.Consume() ?? _perf!.Consume();
        if (_merger is null) return n;
        _merger.ReleaseDue();
        return (int)(_delivered - before);
    }

    /// <summary>With ordering, hands every held record over now, in order (at the end of a stream); returns how many.</summary>
    public int Flush() => _merger?.ReleaseAll() ?? 0;

    /// <summary>An async stream of records copied into <typeparamref name="T"/>, in the transport's order (the ordering,
    /// <see cref="EventReaderOptions.OrderWindow"/>, applies to the handler).</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(CancellationToken cancellationToken = default) where T : unmanaged =>
        _ring?.ReadAllAsync<T>(cancellationToken) ?? _perf!.ReadAllAsync<T>(cancellationToken);

    /// <inheritdoc/>
    public void Dispose()
    {
        _ring?.Dispose();
        _perf?.Dispose();
    }

    private int PollCore(int timeoutMs, CancellationToken ct)
    {
        RequireHandler();
        if (_merger is null) return InnerPoll(timeoutMs, ct);
        long before = _delivered;
        long start = Environment.TickCount64;
        while (true)
        {
            int remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - (Environment.TickCount64 - start));
            int wait = remaining;
            if (_merger.TimeUntilNextRelease is { } due)
            {
                int dueMs = (int)Math.Min(int.MaxValue, Math.Ceiling(due.TotalMilliseconds));
                wait = wait < 0 ? dueMs : Math.Min(wait, dueMs);
            }
            InnerPoll(wait, ct);
            _merger.ReleaseDue();
            if (_delivered > before || remaining == 0) return (int)(_delivered - before);
        }
    }

    private int InnerPoll(int timeoutMs, CancellationToken ct) =>
        _ring?.Poll(timeoutMs < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(timeoutMs), ct) ?? _perf!.Poll(timeoutMs, ct);

    /// <summary>The program's drop counter (events.bpf.h's struct ebpf_net_drops) summed over CPUs; zeros without one.</summary>
    private (ulong RingFull, ulong PerfFull, ulong Other, ulong Total) ReadDrops()
    {
        ulong ringFull = 0, perfFull = 0, other = 0;
        if (_drops is not null)
        {
            foreach (var cpu in _drops.LookupPerCpu<uint, DropCounts>(0))
            {
                ringFull += cpu.RingFull;
                perfFull += cpu.PerfFull;
                other += cpu.Other;
            }
        }
        return (ringFull, perfFull, other, ringFull + perfFull + other);
    }

    private void OnKernelRecord(ReadOnlySpan<byte> record)
    {
        _received++;
        if (_merger is null) Deliver(record, false);
        else _merger.Add(_timestamp!(record), record);
    }

    private void Deliver(ReadOnlySpan<byte> record, bool late)
    {
        _delivered++;
        _onRecord(record, late);
    }

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        if (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be Timeout.InfiniteTimeSpan or between 0 and int.MaxValue milliseconds.");
        return (int)Math.Ceiling(timeout.TotalMilliseconds);
    }
}
