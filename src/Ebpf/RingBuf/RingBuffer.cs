using System.Runtime.CompilerServices;
using Ebpf.Internal;
using Ebpf.Internal.Unix;
using Ebpf.Streaming;

namespace Ebpf.RingBuf;

/// <summary>
/// Reads BPF ring buffers (BPF_MAP_TYPE_RINGBUF) with libbpf's <c>ring_buffer</c> semantics, in managed code: one or
/// more rings behind one epoll set, a zero-copy span handler per ring, and an async stream that copies.
/// </summary>
/// <remarks>
/// <para>One thread consumes at a time: Poll, Consume, ConsumeN, <see cref="Ring.Consume"/> and a running
/// <c>ReadAllAsync</c> stream exclude each other (a second concurrent call, or a call from inside a handler, throws
/// <see cref="InvalidOperationException"/>). <see cref="Dispose"/>, <see cref="Add"/> and the position properties may
/// be used from any thread at any time, including from a handler.</para>
/// <para>Records are consumed in the order the BPF side reserved them, per ring. Handler invocation and the record
/// walk allocate nothing.</para>
/// </remarks>
/// <example>
/// <code>
/// using var obj = BpfObject.Load("probe.bpf.o");
/// using var rb = new RingBuffer(obj.Map("events"), record =>
/// {
///     ref readonly var e = ref RingRecord.As&lt;Event&gt;(record); // zero copy, valid during the call
///     Console.WriteLine(e.Pid);
///     return 0;
/// });
/// while (!ct.IsCancellationRequested) rb.Poll(TimeSpan.FromMilliseconds(100));
///
/// // or, copying into a bounded queue read asynchronously:
/// await foreach (Event e in rb.ReadAllAsync&lt;Event&gt;(ct)) { ... }
/// </code>
/// </example>
public sealed partial class RingBuffer : IDisposable
{
    private const int MaxEventsPerWait = 32;
    private readonly Epoll _epoll;
    private readonly ReaderGate _gate;
    private readonly RingBufferOptions _options;
    private readonly Lock _addLock = new();
    private Ring[] _rings = [];
    private IReadOnlyList<Ring> _ringsView = Array.AsReadOnly(Array.Empty<Ring>());

    /// <summary>Maps <paramref name="map"/> and prepares to read it with <paramref name="handler"/> (libbpf <c>ring_buffer__new</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="map"/> is not a ring buffer map.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="map"/> is disposed.</exception>
    /// <exception cref="BpfException">mmap or epoll failed (the message names the map).</exception>
    public RingBuffer(BpfMap map, RingBufferHandler handler, RingBufferOptions? options = null)
    {
        _options = options ?? RingBufferOptions.Default;
        _options.Validate();
        _epoll = new Epoll();
        _gate = new ReaderGate(ReleaseAll);
        try
        {
            Add(map, handler);
        }
        catch
        {
            _epoll.Dispose();
            throw;
        }
    }

    /// <summary>The rings, in the order they were added.</summary>
    public IReadOnlyList<Ring> Rings => Volatile.Read(ref _ringsView);

    /// <summary>
    /// The epoll descriptor covering every ring, for callers with their own event loop (libbpf <c>ring_buffer__epoll_fd</c>):
    /// wait on it, then call <see cref="Consume"/>. It also reports readable after <see cref="Dispose"/> or a cancelled Poll.
    /// </summary>
    public int EpollFd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
            return _epoll.Fd;
        }
    }

    /// <summary>What the async streams (<see cref="ReadAllAsync{T}(CancellationToken)"/>) of this reader delivered and dropped.</summary>
    public RecordStreamCounters StreamCounters { get; } = new();

    /// <summary>Adds another ring to the same epoll set, read with its own handler (libbpf <c>ring_buffer__add</c>). Safe from any thread.</summary>
    /// <exception cref="ArgumentException"><paramref name="map"/> is not a ring buffer map.</exception>
    public Ring Add(BpfMap map, RingBufferHandler handler)
    {
        _gate.Enter(this);
        try
        {
            lock (_addLock)
            {
                var ring = Ring.Map(this, _gate, map, handler, _options.PublishInterval);
                var rings = _rings;
                try
                {
                    // Edge-triggered (Notification): reported once per BPF-side wake-up; a ring a stopped drain left
                    // with records is remembered by the ring itself (Ring.MayHoldUnread). Level-triggered
                    // (DataAvailable): reported on every wait while it holds data.
                    _epoll.Add(ring.MapHandle!, (ulong)rings.Length, edgeTriggered: _options.WaitMode == RingBufferWaitMode.Notification);
                }
                catch
                {
                    ring.Release();
                    throw;
                }
                Ring[] grown = [.. rings, ring];
                Volatile.Write(ref _rings, grown);
                Volatile.Write(ref _ringsView, Array.AsReadOnly(grown));
                return ring;
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> milliseconds (-1: no limit, 0: do not wait) for records, then drains the
    /// rings that have some (libbpf <c>ring_buffer__poll</c>). Returns the number of records consumed (0 on timeout or
    /// when <see cref="Dispose"/> was called meanwhile), or the non-zero value a handler returned to stop. Unlike libbpf,
    /// a Poll that times out drains every ring once before returning, so records the BPF side committed with
    /// <c>BPF_RB_NO_WAKEUP</c> (which wake nobody) are still delivered within one timeout.
    /// </summary>
    public int Poll(int timeoutMs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, -1);
        return PollCore(timeoutMs, CancellationToken.None);
    }

    /// <summary>Like <see cref="Poll(int)"/> with a <see cref="TimeSpan"/> (<see cref="Timeout.InfiniteTimeSpan"/>: no limit).</summary>
    public int Poll(TimeSpan timeout) => PollCore(ToMilliseconds(timeout), CancellationToken.None);

    /// <summary>Like <see cref="Poll(int)"/> with no time limit; cancelling <paramref name="ct"/> wakes the wait at once.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before records arrived.</exception>
    public int Poll(CancellationToken ct) => PollCore(-1, ct);

    /// <summary>Like <see cref="Poll(int)"/>, with both a time limit and a cancellation token.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled before records arrived.</exception>
    public int Poll(TimeSpan timeout, CancellationToken ct) => PollCore(ToMilliseconds(timeout), ct);

    private int PollCore(int timeoutMs, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        EnterConsumer();
        try
        {
            return Clamp(PollEntered(null, timeoutMs, ct));
        }
        finally
        {
            ExitConsumer();
        }
    }

    /// <summary>Drains every ring without waiting (libbpf <c>ring_buffer__consume</c>). Returns records consumed, or a handler's stop value.</summary>
    public int Consume() => ConsumeAll(long.MaxValue);

    /// <summary>Consumes at most <paramref name="max"/> records over all rings, without waiting (libbpf <c>ring_buffer__consume_n</c>).</summary>
    public int ConsumeN(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return ConsumeAll(max);
    }

    /// <summary>
    /// Streams every record, decoded by copying its first <c>sizeof(T)</c> bytes into a <typeparamref name="T"/>
    /// (longer records are read by their prefix; a shorter one faults the stream with <see cref="InvalidDataException"/>).
    /// See <see cref="ReadAllAsync{TOut}(RecordDecoder{TOut}, RecordStreamOptions?, CancellationToken)"/>.
    /// </summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(CancellationToken ct = default) where T : unmanaged => ReadAllAsync<T>(null, ct);

    /// <summary>As <see cref="ReadAllAsync{T}(CancellationToken)"/>, with stream options.</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(RecordStreamOptions? options, CancellationToken ct = default) where T : unmanaged =>
        ReadAllAsync(UnmanagedRecordDecoder.For<T>(Describe()), options, ct);

    /// <summary>
    /// Streams every record of every ring, decoded by <paramref name="decode"/> on a dedicated poller thread into a
    /// bounded queue (<see cref="RecordStreamOptions"/>; drops are counted in <see cref="StreamCounters"/>). While the
    /// stream runs, the rings' own handlers are not called and Poll/Consume throw. The stream ends normally when this
    /// reader is disposed, throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled, and
    /// rethrows what the decoder threw. Leaving the loop early stops the poller thread before the loop returns.
    /// </summary>
    public IAsyncEnumerable<TOut> ReadAllAsync<TOut>(RecordDecoder<TOut> decode, RecordStreamOptions? options = null, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
        return RecordPump.Stream(BindStream, decode, options, StreamCounters, $"Ebpf ringbuf {Volatile.Read(ref _rings)[0].MapName}", ct);
    }

    /// <summary>Stops reading: wakes a blocked Poll (it returns promptly), then unmaps the rings and closes the descriptors once no reader is inside. Safe from any thread and from a handler.</summary>
    public void Dispose()
    {
        _asyncPoller?.Dispose();
        if (!_gate.Close()) return;
        _epoll.Wake(); // after Close, so the woken poller sees the gate closed
    }

    /// <inheritdoc/>
    public override string ToString() => Describe();

    /// <summary>
    /// Drains every ring without waiting, like <see cref="Consume"/>, but hands each record to <paramref name="handler"/>
    /// instead of the rings' own handlers. With a struct handler the JIT specialises the walk for it, so the per-record
    /// call is direct and can be inlined: the fastest way to consume. Same stop and exception rules.
    /// </summary>
    public int Consume<THandler>(ref THandler handler) where THandler : struct, IRingBufferHandler
    {
        EnterConsumer();
        try
        {
            long total = 0;
            foreach (var ring in Volatile.Read(ref _rings))
            {
                total += ring.Drain(ref handler, long.MaxValue, out int stop);
                if (stop != 0) return stop;
                if (_gate.IsClosed) break;
            }
            return Clamp(total);
        }
        finally
        {
            ExitConsumer();
        }
    }

    internal int ConsumeRing(Ring ring, long max)
    {
        EnterConsumer();
        try
        {
            long n = ring.Drain(ring.Handler, max, out int stop);
            return stop != 0 ? stop : Clamp(n);
        }
        finally
        {
            ExitConsumer();
        }
    }

    private int ConsumeAll(long max)
    {
        EnterConsumer();
        try
        {
            long total = 0;
            foreach (var ring in Volatile.Read(ref _rings))
            {
                total += ring.Drain(ring.Handler, max - total, out int stop);
                if (stop != 0) return stop;
                if (total >= max || _gate.IsClosed) break;
            }
            return Clamp(total);
        }
        finally
        {
            ExitConsumer();
        }
    }

    /// <summary>
    /// The wait loop; the caller has entered. Returns records consumed (as a long), or the stop value, or 0 on timeout
    /// or Dispose. A wake-up with nothing to read (a stale cancellation wake, EINTR, a ring holding only discarded or
    /// not-yet-committed records) waits again for the rest of the time. Rings that an earlier drain left with records
    /// (a handler stopped it, ConsumeN's limit) are read first, without waiting: in Notification mode epoll will not
    /// report them again.
    /// </summary>
    [SkipLocalsInit] // the kernel fills the events it reports; the rest of the buffer is never read
    private long PollEntered(RingBufferHandler? handler, int timeoutMs, CancellationToken ct)
    {
        long leftOver = DrainRings(handler, onlyLeftOver: true, out int leftOverStop);
        if (leftOverStop != 0) return leftOverStop;
        if (leftOver > 0 || _gate.IsClosed) return leftOver;
        using var registration = ct.CanBeCanceled ? ct.UnsafeRegister(static s => ((Epoll)s!).Wake(), _epoll) : default;
        long start = timeoutMs > 0 ? Environment.TickCount64 : 0;
        Span<EpollEvent> events = stackalloc EpollEvent[MaxEventsPerWait];
        while (true)
        {
            int remaining = timeoutMs <= 0 ? timeoutMs : (int)Math.Max(0, timeoutMs - (Environment.TickCount64 - start));
            int ready = _epoll.Wait(events, remaining);
            var rings = Volatile.Read(ref _rings);
            long total = 0;
            bool woken = false;
            // Reported rings are marked first, so that one a handler's stop keeps from being read is read next time.
            for (int i = 0; i < ready; i++)
            {
                if (events[i].Data >= (ulong)rings.Length) continue;
                var reported = rings[(int)events[i].Data];
                reported.MayHoldUnread = true;
                reported.Metrics?.Woken();
            }
            for (int i = 0; i < ready; i++)
            {
                ulong token = events[i].Data;
                if (token == Epoll.WakeToken)
                {
                    woken = true;
                    continue;
                }
                if (token >= (ulong)rings.Length) continue;
                var ring = rings[(int)token];
                total += ring.Drain(handler ?? ring.Handler, long.MaxValue, out int stop);
                if (stop != 0) return stop;
                if (_gate.IsClosed) return total;
            }
            if (woken) _epoll.ResetWake();
            if (total > 0 || _gate.IsClosed) return total;
            ct.ThrowIfCancellationRequested();
            if (remaining == 0)
            {
                // On timeout: records committed with BPF_RB_NO_WAKEUP (or after a discarded record, which suppresses
                // the adaptive wake-up) never make epoll report their ring, so drain every ring before reporting
                // "nothing" (cilium/ebpf drains on its deadline too). Two position loads per ring when there is nothing.
                long unnotified = DrainRings(handler, onlyLeftOver: false, out int stop);
                return stop != 0 ? stop : unnotified;
            }
        }
    }

    /// <summary>Drains every ring, or (<paramref name="onlyLeftOver"/>) those an earlier drain left with records, without waiting.</summary>
    private long DrainRings(RingBufferHandler? handler, bool onlyLeftOver, out int stop)
    {
        stop = 0;
        long total = 0;
        foreach (var ring in Volatile.Read(ref _rings))
        {
            if (onlyLeftOver && !ring.MayHoldUnread) continue;
            total += ring.Drain(handler ?? ring.Handler, long.MaxValue, out stop);
            if (stop != 0 || _gate.IsClosed) break;
        }
        return total;
    }

    /// <summary>The stream's poll: one wait-and-drain with the stream's sink in place of the handlers; false once disposed.</summary>
    private Func<CancellationToken, bool> BindStream(RecordSink sink)
    {
        var handler = new RingBufferHandler(sink);
        return ct =>
        {
            switch (_gate.TryEnterConsumer())
            {
                case ConsumerEntry.Closed: return false;
                case ConsumerEntry.Busy: throw Busy();
            }
            try
            {
                PollEntered(handler, -1, ct);
                return !_gate.IsClosed;
            }
            finally
            {
                _gate.ExitConsumer();
            }
        };
    }

    private void EnterConsumer()
    {
        if (!_gate.EnterConsumer(this)) throw Busy();
    }

    private void ExitConsumer() => _gate.ExitConsumer();

    private InvalidOperationException Busy() => new(
        $"{Describe()} is already being consumed (by another thread, a running ReadAllAsync stream, or the handler that is calling). " +
        "Consume from one thread at a time; use Dispose or a CancellationToken to stop a blocked Poll.");

    private void ReleaseAll()
    {
        foreach (var ring in Volatile.Read(ref _rings)) ring.Release();
        _epoll.Dispose();
    }

    private string Describe() =>
        $"RingBuffer over {string.Join(", ", Array.ConvertAll(Volatile.Read(ref _rings), r => $"'{r.MapName}'"))}";

    private static int Clamp(long n) => n > int.MaxValue ? int.MaxValue : (int)n;

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        if (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be Timeout.InfiniteTimeSpan or between 0 and int.MaxValue milliseconds.");
        return (int)Math.Ceiling(timeout.TotalMilliseconds);
    }
}
