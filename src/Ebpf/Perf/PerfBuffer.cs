using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Ebpf.Diagnostics;
using Ebpf.Internal;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Streaming;

namespace Ebpf.Perf;

/// <summary>
/// Reads a <see cref="BpfMapType.PerfEventArray"/> map: one <c>PERF_COUNT_SW_BPF_OUTPUT</c> perf event per CPU, each with
/// its own mapped ring, stored in the map at key = CPU number, all behind one epoll (libbpf's <c>perf_buffer__new</c>).
/// The BPF side writes with <c>bpf_perf_event_output(ctx, &amp;map, BPF_F_CURRENT_CPU, data, size)</c>.
/// </summary>
/// <remarks>
/// <para>Samples reach <see cref="PerfSampleHandler"/> as spans over the mapped ring: no copy, no allocation, except for a
/// record that wraps the end of its ring, which is copied once into a per-CPU scratch buffer. Records from different
/// CPUs arrive in no global order.</para>
/// <para>One reader at a time: <see cref="Poll(int)"/>, <see cref="Consume"/> and <see cref="ConsumeBuffer"/> must not run
/// concurrently (a second concurrent call throws <see cref="InvalidOperationException"/>). <see cref="Dispose"/> may be
/// called from any thread, including from a handler or while another thread is blocked in Poll, which then returns
/// promptly.</para>
/// <para>Record types other than SAMPLE and LOST are skipped and counted in <see cref="UnknownRecordCount"/>; a record
/// whose header cannot be right is counted in <see cref="CorruptCount"/> and the unread rest of that CPU's ring is
/// discarded (the reader never spins on it nor reads outside the mapping).</para>
/// <para>Memory: <c>(1 + pageCountPerCpu) × page size</c> per CPU, charged against <c>kernel.perf_event_mlock_kb</c> and
/// RLIMIT_MEMLOCK.</para>
/// </remarks>
public sealed partial class PerfBuffer : IDisposable, IMetricsSource
{
    private readonly string _mapName;
    private readonly SafeFd _map;
    private readonly PerfCpuBuffer[] _buffers;
    private readonly Epoll _epoll;
    private readonly EpollEvent[] _events;
    private readonly ReaderGate _gate;
    private readonly PerfSampleHandler _onSample;
    private readonly PerfLostHandler? _onLost;
    private readonly KeyValuePair<string, object?>[] _dropTags;
    private BpfDropCounter? _dropCounter;

    /// <summary>Opens one perf buffer per CPU for <paramref name="map"/> and stores each event in the map at key = CPU.</summary>
    /// <param name="map">A <see cref="BpfMapType.PerfEventArray"/> map. A duplicate of its descriptor is kept (the kernel
    /// clears the map's entries when the last descriptor of the map is closed), so the caller may dispose it.</param>
    /// <param name="pageCountPerCpu">Data pages per CPU: a power of two ≥ 1.</param>
    /// <param name="onSample">Called for each sample, on the thread that polls.</param>
    /// <param name="onLost">Called for each lost record (the count is also in <see cref="LostCount"/>).</param>
    /// <param name="options">Wake-up mode and CPU selection; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageCountPerCpu"/> is not a power of two ≥ 1 (checked
    /// before any system call; the message gives the memory it would take and the nearest valid values).</exception>
    /// <exception cref="ArgumentException"><paramref name="map"/> is not a perf event array, or the options are invalid.</exception>
    /// <exception cref="BpfPermissionException">perf_event_open or mmap was refused (CAP_PERFMON, perf_event_mlock_kb).</exception>
    public PerfBuffer(BpfMap map, int pageCountPerCpu, PerfSampleHandler onSample, PerfLostHandler? onLost = null, PerfBufferOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(onSample);
        options ??= new PerfBufferOptions();
        int pageSize = Environment.SystemPageSize;
        // Everything that can be refused without the kernel is refused before the first system call.
        PerfBufferSize.Validate(map.Name, pageCountPerCpu, pageSize, options.Cpus?.Count ?? Environment.ProcessorCount);
        options.Validate();
        if (map.Type != BpfMapType.PerfEventArray)
            throw new ArgumentException(
                $"Map '{map.Name}' is a {map.Type} map; a PerfBuffer reads only {nameof(BpfMapType.PerfEventArray)} maps " +
                $"(BPF_MAP_TYPE_PERF_EVENT_ARRAY). For {nameof(BpfMapType.RingBuf)} maps use Ebpf.RingBuf.RingBuffer.", nameof(map));
        ulong dataBytes = PerfBufferSize.DataBytesPerCpu(pageCountPerCpu, pageSize);
        if (options.WatermarkBytes is int watermark && (ulong)watermark > dataBytes)
            throw new ArgumentOutOfRangeException(nameof(options), watermark,
                $"Perf buffer for map '{map.Name}': WatermarkBytes {watermark} exceeds the {dataBytes}-byte data area per CPU; the reader would never be woken.");
        if (options.Cpus is not null)
            foreach (int cpu in options.Cpus)
                if ((uint)cpu >= map.MaxEntries)
                    throw new ArgumentOutOfRangeException(nameof(options), cpu,
                        $"Perf buffer for map '{map.Name}': CPU {cpu} has no slot in the map (max_entries {map.MaxEntries}); the BPF side would get -E2BIG.");

        _mapName = map.Name;
        _onSample = onSample;
        _onLost = onLost;
        _map = map.Handle.Duplicate();
        var buffers = new List<PerfCpuBuffer>();
        Epoll? epoll = null;
        try
        {
            epoll = new Epoll();
            bool explicitCpus = options.Cpus is not null;
            foreach (int cpu in options.Cpus ?? Internal.Cpus.Online())
            {
                if ((uint)cpu >= map.MaxEntries) continue; // default list only: explicit CPUs were checked above (libbpf caps the same way)
                var buffer = OpenCpu(cpu, pageCountPerCpu, pageSize, options, explicitCpus);
                if (buffer is null) continue;
                buffers.Add(buffer);
                UpdateMap(buffer);
                epoll.Add(buffer.PerfEvent, (ulong)(buffers.Count - 1));
            }
            if (buffers.Count == 0)
                throw new BpfException($"Perf buffer for map '{_mapName}': no CPU could be opened (all offline, or none below max_entries {map.MaxEntries}).");
        }
        catch
        {
            ReleaseBuffers(buffers);
            epoll?.Dispose();
            _map.Dispose();
            throw;
        }
        _buffers = [.. buffers];
        _epoll = epoll;
        _events = new EpollEvent[_buffers.Length + 1];
        _gate = new ReaderGate(Release);
        _dropTags = new BufferMetrics(_mapName, BufferMetrics.PerfTransport, cpu: null).Tags;
        EbpfMeter.Register(this); // until Release
    }

    /// <summary>
    /// Removes this buffer's events from the map: the BPF side's <c>bpf_perf_event_output</c> then fails with -ENOENT
    /// (and counts it, if the program does) instead of writing here. Records already written stay readable.
    /// </summary>
    public unsafe void Pause()
    {
        _gate.Enter(this);
        try
        {
            foreach (var buffer in _buffers)
            {
                uint key = (uint)buffer.Cpu;
                long r = Bpf.Delete(_map, &key);
                if (r < 0 && r != -Errno.ENOENT) Bpf.Check(r, "BPF_MAP_DELETE_ELEM", $"map '{_mapName}' key {key}");
                buffer.InMap = false;
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Stores this buffer's events in the map again (key = CPU), after <see cref="Pause"/> or after another reader of
    /// the same map replaced them (cilium's <c>Resume</c>).
    /// </summary>
    public void Resume()
    {
        _gate.Enter(this);
        try
        {
            foreach (var buffer in _buffers) UpdateMap(buffer);
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Where the BPF program counts the samples it could not output (a failed <c>bpf_perf_event_output</c>; null: none
    /// registered). Published as <see cref="EbpfMetrics.Dropped"/> with the map's tags; read only when a metrics listener
    /// collects. The kernel's own losses (a full buffer) are <see cref="LostCount"/>.
    /// </summary>
    public BpfDropCounter? DropCounter
    {
        get => Volatile.Read(ref _dropCounter);
        set => Volatile.Write(ref _dropCounter, value);
    }

    /// <summary>The number of per-CPU buffers opened (libbpf <c>perf_buffer__buffer_cnt</c>).</summary>
    public int BufferCount => _buffers.Length;

    /// <summary>The epoll descriptor over all buffers (and an internal wake-up eventfd), for callers with their own event loop.</summary>
    public int EpollFd
    {
        get
        {
            ThrowIfDisposed();
            return _epoll.Fd;
        }
    }

    /// <summary>Total samples the kernel reported lost (PERF_RECORD_LOST) so far, over all CPUs.</summary>
    public ulong LostCount
    {
        get
        {
            ulong sum = 0;
            foreach (var b in _buffers) sum += b.Ring.Lost;
            return sum;
        }
    }

    /// <summary>Malformed records seen (each time, the record or the unread rest of that CPU's ring was skipped). 0 unless memory is corrupted.</summary>
    public ulong CorruptCount
    {
        get
        {
            ulong sum = 0;
            foreach (var b in _buffers) sum += b.Ring.Corrupt;
            return sum;
        }
    }

    /// <summary>Records of a type other than SAMPLE or LOST, skipped (a BPF_OUTPUT event produces none).</summary>
    public ulong UnknownRecordCount
    {
        get
        {
            ulong sum = 0;
            foreach (var b in _buffers) sum += b.Ring.Unknown;
            return sum;
        }
    }

    /// <summary>The perf event descriptor of buffer <paramref name="index"/> (libbpf <c>perf_buffer__buffer_fd</c>).</summary>
    public int BufferFd(int index)
    {
        ThrowIfDisposed();
        return Buffer(index).PerfEvent.Fd;
    }

    /// <summary>The CPU number of buffer <paramref name="index"/> (also its key in the map).</summary>
    public int BufferCpu(int index) => Buffer(index).Cpu;

    /// <summary>Waits up to <paramref name="timeoutMs"/> milliseconds (-1: forever, 0: do not wait) for data, then drains
    /// the buffers that have some. Returns the samples plus lost records handled (0 on timeout or after Dispose).</summary>
    public int Poll(int timeoutMs) => Poll(timeoutMs, CancellationToken.None);

    /// <inheritdoc cref="Poll(int)"/>
    public int Poll(TimeSpan timeout) => Poll(ToMilliseconds(timeout), CancellationToken.None);

    /// <summary>Waits until at least one record is handled, <paramref name="cancellationToken"/> is cancelled (throws
    /// <see cref="OperationCanceledException"/>) or the buffer is disposed (returns 0).</summary>
    public int Poll(CancellationToken cancellationToken) => Poll(Timeout.Infinite, cancellationToken);

    /// <summary>Like <see cref="Poll(int)"/>, and cancellable: cancellation wakes the wait and throws <see cref="OperationCanceledException"/>.</summary>
    public int Poll(TimeSpan timeout, CancellationToken cancellationToken) => Poll(ToMilliseconds(timeout), cancellationToken);

    /// <summary>Like <see cref="Poll(int)"/>, and cancellable. With an infinite timeout it keeps waiting until a record is handled.</summary>
    public int Poll(int timeoutMs, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutMs, -1);
        cancellationToken.ThrowIfCancellationRequested();
        EnterReader();
        try
        {
            return Clamp(WaitAndDrain(timeoutMs, _onSample, stop: null, untilHandled: timeoutMs == Timeout.Infinite, cancellationToken));
        }
        finally
        {
            ExitReader();
        }
    }

    /// <summary>Drains every CPU's buffer without waiting (libbpf <c>perf_buffer__consume</c>): also picks up samples below the wake-up threshold.</summary>
    public int Consume()
    {
        EnterReader();
        try
        {
            return Clamp(DrainAll(_onSample, stop: null));
        }
        finally
        {
            ExitReader();
        }
    }

    /// <summary>
    /// Drains every CPU's buffer without waiting, like <see cref="Consume()"/>, but hands samples and losses to
    /// <paramref name="handler"/> instead of the constructor's delegates. With a struct handler the JIT specialises the
    /// walk for it, so the per-record calls are direct and can be inlined: the fastest way to consume.
    /// </summary>
    public int Consume<THandler>(ref THandler handler) where THandler : struct, IPerfBufferHandler
    {
        EnterReader();
        try
        {
            long handled = 0;
            foreach (var buffer in _buffers)
            {
                handled += buffer.Ring.Drain(ref handler, _gate);
                if (_gate.IsClosed) break;
            }
            return Clamp(handled);
        }
        finally
        {
            ExitReader();
        }
    }

    /// <summary>Drains buffer <paramref name="index"/> (not a CPU number: see <see cref="BufferCpu"/>) without waiting (libbpf <c>perf_buffer__consume_buffer</c>).</summary>
    public int ConsumeBuffer(int index)
    {
        var buffer = Buffer(index);
        EnterReader();
        try
        {
            return Clamp(buffer.Ring.Drain(_onSample, _onLost, _gate));
        }
        finally
        {
            ExitReader();
        }
    }

    /// <summary>What the async streams (<see cref="ReadAllAsync{T}(CancellationToken)"/>) of this reader delivered and dropped.
    /// Samples the kernel could not write are not here: they are in <see cref="LostCount"/>.</summary>
    public RecordStreamCounters StreamCounters { get; } = new();

    /// <summary>
    /// Streams every sample as a <typeparamref name="T"/> copied from its first <c>sizeof(T)</c> bytes (longer samples,
    /// including the kernel's 0–7 padding bytes, are read by their prefix; a shorter one faults the stream with
    /// <see cref="InvalidDataException"/>). See <see cref="ReadAllAsync{TOut}(RecordDecoder{TOut}, RecordStreamOptions?, CancellationToken)"/>.
    /// </summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(CancellationToken ct = default) where T : unmanaged => ReadAllAsync<T>(null, ct);

    /// <summary>As <see cref="ReadAllAsync{T}(CancellationToken)"/>, with stream options.</summary>
    public IAsyncEnumerable<T> ReadAllAsync<T>(RecordStreamOptions? options, CancellationToken ct = default) where T : unmanaged =>
        ReadAllAsync(UnmanagedRecordDecoder.For<T>($"Perf buffer of map '{_mapName}'"), options, ct);

    /// <summary>
    /// Streams every sample of every CPU, decoded by <paramref name="decode"/> (which gets the sample bytes, padding
    /// included) on a dedicated poller thread into a bounded queue (<see cref="RecordStreamOptions"/>; user-space drops
    /// are counted in <see cref="StreamCounters"/>). Lost records are not streamed: they are counted in
    /// <see cref="LostCount"/> and passed to the lost handler. While the stream runs, the constructor's sample handler
    /// is not called and Poll/Consume throw <see cref="InvalidOperationException"/>. The stream ends normally when this
    /// buffer is disposed, throws <see cref="OperationCanceledException"/> when <paramref name="ct"/> is cancelled, and
    /// rethrows what the decoder threw. Leaving the loop early stops the poller thread before the loop returns.
    /// </summary>
    public IAsyncEnumerable<TOut> ReadAllAsync<TOut>(RecordDecoder<TOut> decode, RecordStreamOptions? options = null, CancellationToken ct = default)
    {
        ThrowIfDisposed();
        return RecordPump.Stream(BindStream, decode, options, StreamCounters, $"Ebpf perf buffer {_mapName}", ct);
    }

    private Func<CancellationToken, bool> BindStream(RecordSink sink)
    {
        var stop = new PerfDrainStop();
        PerfSampleHandler handler = (_, sample) =>
        {
            if (sink(sample) != 0) stop.Requested = true; // the queue is full: the pump parks this sample and waits
        };
        return ct => PollForStream(handler, stop, ct);
    }

    /// <summary>
    /// The poller step of an async stream: drains everything pending with <paramref name="onSample"/>; if nothing was
    /// pending, waits (woken by <paramref name="cancellationToken"/> or Dispose) and drains what arrived. Returns false
    /// once disposed. A handler that sets <paramref name="stop"/> ends the drain after its record.
    /// </summary>
    internal bool PollForStream(PerfSampleHandler onSample, PerfDrainStop stop, CancellationToken cancellationToken)
    {
        switch (_gate.TryEnterConsumer())
        {
            case ConsumerEntry.Closed: return false;
            case ConsumerEntry.Busy: throw Busy();
        }
        try
        {
            stop.Requested = false;
            // Drain all buffers first: after a stopped drain, epoll may not report a buffer again (perf_poll clears its
            // readiness when reported), so the data left there must be picked up without waiting for a new wake-up.
            if (DrainAll(onSample, stop) == 0 && !stop.Requested && !_gate.IsClosed)
                WaitAndDrain(Timeout.Infinite, onSample, stop, untilHandled: false, cancellationToken);
            return !_gate.IsClosed;
        }
        finally
        {
            ExitReader();
        }
    }

    private long DrainAll(PerfSampleHandler onSample, PerfDrainStop? stop)
    {
        long handled = 0;
        foreach (var buffer in _buffers)
        {
            if (_gate.IsClosed || stop?.Requested == true) break;
            handled += buffer.Ring.Drain(onSample, _onLost, _gate, stop);
        }
        return handled;
    }

    /// <summary>The wait loop, inside the reader gate. Cancellation wakes the wait through the epoll's eventfd.</summary>
    private long WaitAndDrain(int timeoutMs, PerfSampleHandler onSample, PerfDrainStop? stop, bool untilHandled, CancellationToken cancellationToken)
    {
        CancellationTokenRegistration registration = default;
        try
        {
            if (cancellationToken.CanBeCanceled)
                registration = cancellationToken.UnsafeRegister(static state => ((Epoll)state!).Wake(), _epoll);
            long handled = 0;
            while (true)
            {
                int ready = _epoll.Wait(_events, timeoutMs);
                bool woken = false;
                for (int i = 0; i < ready; i++)
                {
                    ulong token = _events[i].Data;
                    if (token == Epoll.WakeToken)
                    {
                        woken = true;
                        continue;
                    }
                    var ring = _buffers[(int)token].Ring;
                    ring.Metrics?.Woken();
                    if (_gate.IsClosed || stop?.Requested == true) continue;
                    handled += ring.Drain(onSample, _onLost, _gate, stop);
                }
                if (_gate.IsClosed) return handled;
                if (woken) _epoll.ResetWake();
                cancellationToken.ThrowIfCancellationRequested();
                if (handled > 0 || !untilHandled) return handled;
            }
        }
        finally
        {
            registration.Dispose(); // waits for a running callback, so it never touches a released epoll
        }
    }

    /// <summary>
    /// Stops reading, removes this reader's events from the map (the BPF side then gets -ENOENT), closes the events and
    /// unmaps the buffers. Safe from any thread, from a handler, and while another thread is blocked in Poll (it returns
    /// promptly); the memory is released once no reader uses it. A second Dispose does nothing.
    /// </summary>
    public void Dispose()
    {
        _asyncPoller?.Dispose();
        // Hold the gate open while waking the poller, so the epoll cannot be released under our Wake.
        if (!_gate.TryEnter()) return;
        try
        {
            if (_gate.Close()) _epoll.Wake();
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"PerfBuffer over map '{_mapName}' ({_buffers.Length} CPUs)";

    private PerfCpuBuffer? OpenCpu(int cpu, int pageCount, int pageSize, PerfBufferOptions options, bool explicitCpu)
    {
        var attr = new PerfEventAttr
        {
            Type = PerfEventAttr.PERF_TYPE_SOFTWARE,
            Config = PerfEventAttr.PERF_COUNT_SW_BPF_OUTPUT,
            SampleType = PerfEventAttr.PERF_SAMPLE_RAW,
            SamplePeriodOrFreq = 1,
            Flags = options.WatermarkBytes is null ? 0 : PerfEventAttr.FlagWatermark,
            WakeupEventsOrWatermark = (uint)(options.WatermarkBytes ?? options.WakeupEvents),
        };
        string subject = $"perf buffer of map '{_mapName}' on CPU {cpu}";
        int fd = PerfEvent.TryOpen(ref attr, pid: -1, cpu);
        if (fd == -Errno.ENODEV)
        {
            if (explicitCpu)
                throw new BpfException("perf_event_open", Errno.ENODEV,
                    $"perf_event_open for {subject} failed with ENODEV: CPU {cpu} is offline. Leave PerfBufferOptions.Cpus null to use the online CPUs.");
            return null; // offline CPU: skipped, as libbpf and cilium do
        }
        if (fd < 0) throw Errno.ToException("perf_event_open", -fd, subject);
        var perfEvent = SafeFd.FromSyscall(fd);
        MappedRegion? region = null;
        try
        {
            ulong length = (1UL + (ulong)pageCount) * (ulong)pageSize;
            region = MappedRegion.Map(perfEvent, length, Libc.PROT_READ | Libc.PROT_WRITE, 0, subject);
            var ring = new PerfRing(region.Address, (ulong)region.Length, pageSize, cpu)
            {
                Metrics = new BufferMetrics(_mapName, BufferMetrics.PerfTransport, cpu),
            };
            PerfEvent.Ioctl(perfEvent, PerfEventAttr.PERF_EVENT_IOC_ENABLE, 0, subject);
            return new PerfCpuBuffer(cpu, perfEvent, region, ring);
        }
        catch
        {
            region?.Dispose();
            perfEvent.Dispose();
            throw;
        }
    }

    private unsafe void UpdateMap(PerfCpuBuffer buffer)
    {
        // Key = CPU number, not the buffer's index: the BPF side indexes by the CPU it runs on (cilium#2100).
        uint key = (uint)buffer.Cpu;
        int value = buffer.PerfEvent.Fd;
        Bpf.Check(Bpf.Update(_map, &key, &value, 0), "BPF_MAP_UPDATE_ELEM", $"map '{_mapName}' key {key} (CPU {buffer.Cpu})");
        buffer.InMap = true;
    }

    private void Release()
    {
        EbpfMeter.Unregister(this);
        ReleaseBuffers(_buffers);
        _epoll.Dispose();
        _map.Dispose();
    }

    private unsafe void ReleaseBuffers(IEnumerable<PerfCpuBuffer> buffers)
    {
        foreach (var buffer in buffers)
        {
            if (buffer.InMap && !_map.IsClosed)
            {
                uint key = (uint)buffer.Cpu;
                _ = Bpf.Delete(_map, &key); // best effort: ENOENT if someone else removed it already
                buffer.InMap = false;
            }
            buffer.Region.Dispose();
            buffer.PerfEvent.Dispose();
        }
    }

    void IMetricsSource.ObserveLevels(List<Measurement<long>>? unread, List<Measurement<double>>? fill)
    {
        if (!_gate.TryEnter()) return; // disposed meanwhile: nothing to report
        try
        {
            foreach (var buffer in _buffers)
            {
                var ring = buffer.Ring;
                ulong bytes = ring.Unread();
                unread?.Add(new Measurement<long>((long)bytes, ring.Metrics!.Tags));
                fill?.Add(new Measurement<double>((double)bytes / ring.DataSize, ring.Metrics!.Tags));
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    void IMetricsSource.ObserveDrops(List<Measurement<long>> dropped)
    {
        if (DropCounter?.TryRead() is long n) dropped.Add(new Measurement<long>(n, _dropTags));
    }

    private PerfCpuBuffer Buffer(int index)
    {
        if ((uint)index >= (uint)_buffers.Length)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"This perf buffer has {_buffers.Length} per-CPU buffers (0..{_buffers.Length - 1}).");
        return _buffers[index];
    }

    private void EnterReader()
    {
        if (!_gate.EnterConsumer(this)) throw Busy();
    }

    private InvalidOperationException Busy() => new(
        $"Perf buffer of map '{_mapName}' is already being read (by another thread, a running ReadAllAsync stream, or the handler " +
        "that is calling): Poll, Consume, ConsumeBuffer and ReadAllAsync take turns, one reader at a time.");

    private void ExitReader() => _gate.ExitConsumer();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_gate.IsClosed, this);

    private static int Clamp(long n) => n > int.MaxValue ? int.MaxValue : (int)n;

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return Timeout.Infinite;
        ArgumentOutOfRangeException.ThrowIfLessThan(timeout, TimeSpan.Zero);
        double ms = Math.Ceiling(timeout.TotalMilliseconds);
        return ms >= int.MaxValue ? int.MaxValue : (int)ms;
    }
}
