using System.Runtime.CompilerServices;
using System.Diagnostics.Metrics;
using System.Runtime.InteropServices;
using Ebpf.Diagnostics;
using Ebpf.Internal;
using Ebpf.Internal.Unix;

namespace Ebpf.RingBuf;

/// <summary>
/// One kernel ring inside a <see cref="RingBuffer"/> (libbpf's <c>struct ring</c>): its positions, its fill level,
/// and consumption of this ring alone. Valid until the owning <see cref="RingBuffer"/> is disposed; after that every
/// member throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed unsafe class Ring : IMetricsSource
{
    private const uint OverwriteFlag = 1u << 19; // BPF_F_RB_OVERWRITE (kernel 6.19+; this one rejects it at creation)
    private readonly RingBuffer? _owner;
    private readonly ReaderGate _gate;
    private readonly SafeFd? _mapFd;
    private readonly MappedRegion? _consumerPage;
    private readonly MappedRegion? _producerPages;
    private readonly ulong* _consumerPos;
    private readonly ulong* _producerPos;
    private readonly byte* _data;
    private readonly ulong _mask;
    private readonly int _publishInterval;
    private long _records;
    private long _discarded;
    // Where consumption resumes if a handler throws (just past the record it was given), and the record budget left then.
    private ulong _resumePosition;
    private long _resumeBudget;
    private ulong _walkStart; // the consumer position a walk started from: its bytes for the metrics
    private BpfDropCounter? _dropCounter;

    private Ring(RingBuffer? owner, ReaderGate gate, string mapName, ulong size, RingBufferHandler handler, int publishInterval,
        SafeFd? mapFd, MappedRegion? consumerPage, MappedRegion? producerPages, ulong* consumerPos, ulong* producerPos, byte* data)
    {
        _owner = owner;
        _gate = gate;
        MapName = mapName;
        Size = size;
        _mask = size - 1;
        Handler = handler;
        _publishInterval = publishInterval;
        _mapFd = mapFd;
        _consumerPage = consumerPage;
        _producerPages = producerPages;
        _consumerPos = consumerPos;
        _producerPos = producerPos;
        _data = data;
        Metrics = owner is null ? null : new BufferMetrics(mapName, BufferMetrics.RingBufTransport, cpu: null);
    }

    /// <summary>Maps <paramref name="map"/>'s pages: the consumer page read-write at offset 0, the producer page and the twice-mapped data read-only after it.</summary>
    internal static Ring Map(RingBuffer owner, ReaderGate gate, BpfMap map, RingBufferHandler handler, int publishInterval)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(handler);
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        if (map.Type != BpfMapType.RingBuf)
            throw new ArgumentException(
                $"Map '{map.Name}' is a {map.Type} map; RingBuffer reads BPF_MAP_TYPE_RINGBUF maps only" +
                (map.Type == BpfMapType.PerfEventArray ? " (read a PerfEventArray with Ebpf.Perf.PerfBuffer)." : "."), nameof(map));
        if ((map.Flags & OverwriteFlag) != 0)
            throw new ArgumentException(
                $"Ring buffer map '{map.Name}' was created with BPF_F_RB_OVERWRITE; overwrite-mode rings are not supported by RingBuffer yet (their consumer protocol differs).", nameof(map));
        int page = Environment.SystemPageSize;
        ulong size = map.MaxEntries; // from BPF_OBJ_GET_INFO_BY_FD: the size the kernel really has, not the object's declaration
        if (!RingBufferSize.IsValid(size, page))
            throw new ArgumentException(
                $"Ring buffer map '{map.Name}' reports max_entries {size}, which is not a power-of-two multiple of the page size ({page}); refusing to map it.", nameof(map));

        string subject = $"ring buffer map '{map.Name}'";
        SafeFd? fd = null;
        MappedRegion? consumer = null, producer = null;
        try
        {
            // Our own descriptor: the ring keeps working if the caller disposes its BpfMap first.
            fd = map.Handle.Duplicate();
            consumer = MappedRegion.Map(fd, (ulong)page, Libc.PROT_READ | Libc.PROT_WRITE, 0, subject);
            // 64-bit length: a 2 GiB ring maps 4 GiB of data (plus a page).
            producer = MappedRegion.Map(fd, (ulong)page + 2 * size, Libc.PROT_READ, page, subject);
            var cons = (ulong*)consumer.Address;
            var prod = (ulong*)producer.Address;
            var ring = new Ring(owner, gate, map.Name, size, handler, publishInterval, fd, consumer, producer, cons, prod,
                (byte*)producer.Address + page);
            EbpfMeter.Register(ring); // until Release
            return ring;
        }
        catch
        {
            producer?.Dispose();
            consumer?.Dispose();
            fd?.Dispose();
            throw;
        }
    }

    /// <summary>For tests of the record walk: a ring over caller-owned memory laid out like the kernel's (data mapped twice).</summary>
    internal static Ring OverMemory(ReaderGate gate, string name, ulong size, RingBufferHandler handler, int publishInterval,
        ulong* consumerPos, ulong* producerPos, byte* data) =>
        new(null, gate, name, size, handler, publishInterval, null, null, null, consumerPos, producerPos, data);

    internal RingBufferHandler Handler { get; }

    /// <summary>This ring's counters (null for a ring over test memory).</summary>
    internal BufferMetrics? Metrics { get; }

    /// <summary>
    /// The last walk stopped before catching up (a handler's stop value or exception, a record limit, Dispose), or epoll
    /// reported this ring and it has not been walked since: records may be waiting that no notification will announce
    /// (an edge-triggered registration reports a ring once per wake-up). Read and written by the one consumer only.
    /// </summary>
    internal bool MayHoldUnread { get; set; }

    internal SafeFd? MapHandle => _mapFd;

    /// <summary>The map's name.</summary>
    public string MapName { get; }

    /// <summary>This ring's own descriptor of the map (a duplicate of the one it was created from; closed with the <see cref="RingBuffer"/>).</summary>
    public int MapFd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_gate.IsClosed || _mapFd is null, this);
            return _mapFd.Fd;
        }
    }

    /// <summary>The data area's size in bytes (the map's <c>max_entries</c>).</summary>
    public ulong Size { get; }

    /// <summary>The kernel's consumer position now: bytes consumed since the map was created (free-running).</summary>
    public ulong ConsumerPosition => ReadPositions().Consumer;

    /// <summary>The kernel's producer position now: bytes reserved since the map was created (free-running).</summary>
    public ulong ProducerPosition => ReadPositions().Producer;

    /// <summary>Bytes between the two positions now (records, headers, padding, discarded and still-reserved records).</summary>
    public ulong AvailableBytes
    {
        get
        {
            var (c, p) = ReadPositions();
            return p - c;
        }
    }

    /// <summary>Records this ring has handed to a handler or a stream.</summary>
    public long RecordsConsumed => Volatile.Read(ref _records);

    /// <summary>Discarded records skipped (their space reclaimed) by this ring.</summary>
    public long DiscardedRecords => Volatile.Read(ref _discarded);

    /// <summary>
    /// Where the BPF program counts the records it could not reserve in this ring (null: none registered). Published
    /// as <see cref="EbpfMetrics.Dropped"/> with this ring's tags; read only when a metrics listener collects.
    /// </summary>
    public BpfDropCounter? DropCounter
    {
        get => Volatile.Read(ref _dropCounter);
        set => Volatile.Write(ref _dropCounter, value);
    }

    /// <summary>Drains this ring only, without waiting (libbpf <c>ring__consume</c>). Same result rules as <see cref="RingBuffer.Consume"/>.</summary>
    public int Consume() => Owner.ConsumeRing(this, long.MaxValue);

    /// <summary>Consumes at most <paramref name="max"/> records from this ring (libbpf <c>ring__consume_n</c>).</summary>
    public int ConsumeN(int max)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        return Owner.ConsumeRing(this, max);
    }

    /// <inheritdoc/>
    public override string ToString() => $"ring '{MapName}' ({Size} bytes)";

    private RingBuffer Owner => _owner ?? throw new InvalidOperationException("This ring is not part of a RingBuffer.");

    private (ulong Consumer, ulong Producer) ReadPositions()
    {
        _gate.Enter(this);
        try
        {
            // SAFETY: the gate keeps both mappings alive. Acquire loads pair with the kernel's release of
            // producer_pos (ringbuf_commit / reserve) and with our own release store of consumer_pos.
            ulong c = Volatile.Read(ref *_consumerPos);
            ulong p = Volatile.Read(ref *_producerPos);
            return (c, p);
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>
    /// Walks committed records from the consumer position: at most <paramref name="max"/> are handed to
    /// <paramref name="handler"/>. Stops at a BUSY record (not committed yet; the kernel wakes us when it is), when a
    /// handler returns non-zero (<paramref name="stop"/>), or when the reader is disposed. The caller holds the gate.
    /// </summary>
    /// <exception cref="InvalidDataException">A header claims a length that cannot be a record of this ring.</exception>
    internal long Drain(RingBufferHandler handler, long max, out int stop)
    {
        var adapter = new DelegateRingHandler(handler);
        return Drain(ref adapter, max, out stop);
    }

    /// <inheritdoc cref="Drain(RingBufferHandler, long, out int)"/>
    internal long Drain<THandler>(ref THandler handler, long max, out int stop) where THandler : struct, IRingBufferHandler =>
        _publishInterval == 1
            ? Walk<THandler, PublishEveryRecord>(ref handler, max, out stop)
            : Walk<THandler, PublishEveryN>(ref handler, max, out stop);

    /// <summary>
    /// The record walk of <see cref="Drain{THandler}"/>, specialised for the handler and for the publication policy.
    /// </summary>
    /// <remarks>
    /// Shaped for the per-record cost, a chain of dependent loads (a record's length gives the next header's address): the
    /// data is mapped twice, so everything from consumer_pos to producer_pos is contiguous, and the walk follows a plain
    /// pointer through it with one bounds check per header; positions are computed from the pointer only when published.
    /// No local is live into the exception handler (the JIT would keep it in memory): the position and count a throwing
    /// handler leaves behind are noted in fields before each call.
    /// </remarks>
    private long Walk<THandler, TPublish>(ref THandler handler, long max, out int stop)
        where THandler : struct, IRingBufferHandler
        where TPublish : struct, IPublishPolicy
    {
        stop = 0;
        long budget = max, discarded = 0;
        // Fields in locals: the handler's writes through its ref would otherwise make the JIT reload them per record.
        ulong* producerPos = _producerPos, consumerPos = _consumerPos;
        byte* data = _data;
        ulong mask = _mask, size = Size;
        int publishInterval = _publishInterval, untilPublish = publishInterval;
        ReaderGate gate = _gate;
        // SAFETY: the caller holds the gate, so the consumer page (RW, one page) and the producer page + data (RO,
        // page + 2 * Size) stay mapped. Acquire load of consumer_pos: we or a previous reader released it.
        ulong cons = Volatile.Read(ref *consumerPos);
        _resumePosition = cons;
        _resumeBudget = budget;
        _walkStart = cons;
        try
        {
            while (true)
            {
                // SAFETY: acquire pairs with the kernel's smp_store_release of producer_pos after writing the header.
                ulong prod = Volatile.Read(ref *producerPos);
                // Free-running u64 positions: compare by difference, never with '<' (wrong once they wrap 2^64), and
                // refuse states the kernel never produces (another mapper wrote the consumer page, CVE-2024-41009), which
                // would otherwise make this loop spin forever.
                if (prod - cons > size || ((cons | prod) & 7) != 0) throw CorruptPositions(cons, prod);
                // SAFETY: (cons & mask) < Size and prod - cons <= Size, and the data is mapped twice back to back, so
                // [start, end) is mapped and holds exactly the published bytes, contiguous even where the ring wraps.
                byte* start = data + (cons & mask);
                byte* end = start + (prod - cons);
                ulong positionAtPointer = cons - (ulong)start; // the position of p is positionAtPointer + (ulong)p
                byte* p = start;
                while (p != end)
                {
                    // SAFETY: p is 8-aligned and below end (both 8-aligned): the 8-byte header is inside [start, end).
                    // Acquire load of len pairs with the kernel's xchg that clears BUSY in ringbuf_commit, so the payload
                    // written before the commit is visible once BUSY reads clear (cilium/ebpf#1375).
                    uint len = Volatile.Read(ref *(uint*)p);
                    if (RingRecordHeader.IsBusy(len))
                    {
                        // Reserved, not committed yet. Publish up to it, then look again behind a full fence: the
                        // kernel's commit clears BUSY (xchg) and then reads consumer_pos to decide whether to wake us,
                        // so either it sees us waiting at this record and wakes us, or we see the record committed.
                        cons = positionAtPointer + (ulong)p;
                        Volatile.Write(ref *consumerPos, cons);
                        Interlocked.MemoryBarrier();
                        len = Volatile.Read(ref *(uint*)p);
                        if (RingRecordHeader.IsBusy(len))
                        {
                            MayHoldUnread = false;
                            goto Done;
                        }
                    }
                    ulong footprint = RingRecordHeader.Footprint(len);
                    // Bound the length before using it: a corrupt header must not send the span outside the mapping.
                    // end - p <= Size, so this also bounds it by the ring. (next > end is footprint > end - p, one
                    // instruction fewer; footprint < 2^32 cannot overflow the pointer.)
                    byte* next = p + footprint;
                    if (next > end)
                    {
                        _resumePosition = positionAtPointer + (ulong)p; // the records before it are consumed, not this one
                        throw CorruptRecord(positionAtPointer + (ulong)p, len, (ulong)(end - p));
                    }
                    Prefetch.RecordsAfter(p, next, footprint, end);
                    if (!RingRecordHeader.IsDiscarded(len))
                    {
                        budget--;
                        // Consumed even if the handler throws.
                        _resumePosition = positionAtPointer + (ulong)next;
                        _resumeBudget = budget;
                        // SAFETY: p + 8 .. p + 8 + payload lies within footprint <= end - p bytes of the mapped data.
                        int result = handler.OnRecord(MemoryMarshal.CreateReadOnlySpan(ref p[RingRecordHeader.Size], RingRecordHeader.PayloadLength(len)));
                        if (result != 0)
                        {
                            stop = result;
                            cons = positionAtPointer + (ulong)next;
                            MayHoldUnread = true;
                            goto Done;
                        }
                    }
                    else
                    {
                        discarded++;
                    }
                    p = next;
                    if (TPublish.EveryRecord || --untilPublish == 0)
                    {
                        // SAFETY: release store pairs with the kernel's smp_load_acquire of consumer_pos when reserving.
                        Volatile.Write(ref *consumerPos, positionAtPointer + (ulong)p);
                        untilPublish = publishInterval;
                    }
                    if (budget == 0 || gate.IsClosed)
                    {
                        cons = positionAtPointer + (ulong)p;
                        MayHoldUnread = true;
                        goto Done;
                    }
                }
                cons = prod;
                _resumePosition = cons;
                Volatile.Write(ref *consumerPos, cons);
                untilPublish = publishInterval;
                // Caught up. Full fence between publishing consumer_pos and re-reading producer_pos: without it a
                // commit racing with this check can see our old position and skip the wake-up while we see its old
                // producer_pos and go to sleep (the lost wake-up of aya#1598).
                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref *producerPos) == cons)
                {
                    MayHoldUnread = false;
                    break;
                }
            }
        Done:
            // Records handed out are consumed, also when a handler stopped (libbpf does the same).
            Volatile.Write(ref *consumerPos, cons);
        }
        catch
        {
            // A handler threw, or the ring is corrupt: what was handed out, including the throwing handler's record, is
            // consumed. Discarded records seen meanwhile are left to be skipped (and counted) again.
            Volatile.Write(ref *_consumerPos, _resumePosition);
            MayHoldUnread = true;
            AddCounts(max - _resumeBudget, 0, _resumePosition - _walkStart);
            throw;
        }
        AddCounts(max - budget, discarded, cons - _walkStart);
        return max - budget;
    }

    /// <summary>Once per walk: the ring's own counts, and the metrics (an Enabled check each when nobody listens).</summary>
    private void AddCounts(long records, long discarded, ulong bytes)
    {
        if (records != 0) Interlocked.Add(ref _records, records);
        if (discarded != 0) Interlocked.Add(ref _discarded, discarded);
        Metrics?.Drained(records, (long)bytes);
    }

    void IMetricsSource.ObserveLevels(List<Measurement<long>>? unread, List<Measurement<double>>? fill)
    {
        if (Metrics is null || !_gate.TryEnter()) return; // disposed meanwhile: nothing to report
        try
        {
            // SAFETY: the gate keeps both pages mapped. Acquire loads, as in ReadPositions; a concurrent walk may move
            // consumer_pos meanwhile, so the difference is a snapshot, clamped to the ring's size.
            ulong c = Volatile.Read(ref *_consumerPos);
            ulong p = Volatile.Read(ref *_producerPos);
            ulong bytes = Math.Min(p - c, Size);
            unread?.Add(new Measurement<long>((long)bytes, Metrics.Tags));
            fill?.Add(new Measurement<double>((double)bytes / Size, Metrics.Tags));
        }
        finally
        {
            _gate.Exit();
        }
    }

    void IMetricsSource.ObserveDrops(List<Measurement<long>> dropped)
    {
        if (Metrics is not null && DropCounter?.TryRead() is long n) dropped.Add(new Measurement<long>(n, Metrics.Tags));
    }

    private InvalidDataException CorruptRecord(ulong position, uint len, ulong published) =>
        new($"Ring buffer map '{MapName}': the record at position {position} claims {len & RingRecordHeader.LengthMask} bytes, " +
            $"but the ring holds {Size} bytes and only {published} are published. The ring is corrupt; consumption stopped there.");

    /// <summary>When the walk publishes consumer_pos: a compile-time constant per instantiation, so the JIT drops the other branch.</summary>
    private interface IPublishPolicy
    {
        static abstract bool EveryRecord { get; }
    }

    /// <summary>PublishInterval 1 (the default, as libbpf): after every record, no counter.</summary>
    private readonly struct PublishEveryRecord : IPublishPolicy
    {
        public static bool EveryRecord => true;
    }

    /// <summary>PublishInterval N: after every N records.</summary>
    private readonly struct PublishEveryN : IPublishPolicy
    {
        public static bool EveryRecord => false;
    }

    private InvalidDataException CorruptPositions(ulong cons, ulong prod) =>
        new($"Ring buffer map '{MapName}': consumer position {cons} and producer position {prod} cannot belong to a {Size}-byte ring " +
            "(more than a ring apart, the consumer ahead, or not 8-byte aligned). The ring is corrupt (was its consumer page written by another process?); consumption stopped.");

    /// <summary>Unmaps and closes; called once, by the gate, when no reader is inside.</summary>
    internal void Release()
    {
        EbpfMeter.Unregister(this);
        _producerPages?.Dispose();
        _consumerPage?.Dispose();
        _mapFd?.Dispose();
    }
}
