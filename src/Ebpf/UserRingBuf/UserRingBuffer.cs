using Ebpf.Internal;
using Ebpf.Internal.Unix;
using Ebpf.RingBuf;

namespace Ebpf.UserRingBuf;

/// <summary>
/// Writes records into a user ring buffer (BPF_MAP_TYPE_USER_RINGBUF, Linux 6.1+): the reverse of a ring buffer, user
/// space produces and a BPF program drains with <c>bpf_user_ringbuf_drain(&amp;map, callback, ctx, flags)</c>. libbpf's
/// <c>user_ring_buffer</c> semantics, in managed code: reserve a record (a span over the mapped ring), fill it, submit or
/// discard it; a blocking reserve sleeps until the kernel's drain frees space.
/// </summary>
/// <remarks>
/// <para>One producer: a second <see cref="UserRingBuffer"/> on the same map in this process is refused. Reservations
/// (<see cref="TryReserve(int, out UserRingRecord)"/>, <see cref="TryWrite(ReadOnlySpan{byte})"/>) are fastest from one
/// thread: the producer belongs to the thread that reserved last, which reserves with plain loads and stores. Another
/// thread takes it over behind a process-wide memory barrier (microseconds), so reserving from several threads in turn
/// is correct but slow, and a reservation that overlaps another thread's throws <see cref="InvalidOperationException"/>
/// instead of corrupting the ring. <see cref="Submit"/> and <see cref="Discard"/> may be called from any thread, in any
/// order: the BPF side reads records in reservation order and stops at the first one still reserved. Another process
/// writing the same map is not detected until the positions stop making sense.</para>
/// <para>Reserving and submitting allocate nothing, make no system call and take no atomic instruction: ordered loads
/// and stores on the mapped pages, as the kernel's protocol requires (libbpf's submit is an atomic exchange).</para>
/// <para>Layout (kernel/bpf/ringbuf.c, <c>ringbuf_map_mmap_user</c>): the consumer page at offset 0 is mapped read-only
/// (the kernel refuses a writable mapping of it); the producer page and the data pages after it are mapped read-write,
/// the data twice back to back, so a record that wraps the end of the ring is one contiguous span.</para>
/// </remarks>
/// <example>
/// <code>
/// using var obj = BpfObject.Load("drain.bpf.o");
/// using var producer = new UserRingBuffer(obj.Map("requests"));
/// if (producer.TryReserve(Unsafe.SizeOf&lt;Request&gt;(), out var record))
/// {
///     MemoryMarshal.Write(record.Data, in request);
///     producer.Submit(record);
/// }
/// </code>
/// </example>
public sealed unsafe class UserRingBuffer : IDisposable
{
    /// <summary>The largest payload the kernel's drain accepts: it hands each sample to the program as a dynptr, whose
    /// size field has 24 bits (DYNPTR_MAX_SIZE). A longer record would stop the drain at it for good (-E2BIG).</summary>
    private const int DynptrMaxSize = (1 << 24) - 1;

    private const ulong MapFdToken = 0;

    private readonly SafeFd _mapFd;
    private readonly MappedRegion _consumerPage;
    private readonly MappedRegion _producerPages;
    private readonly ulong* _consumerPos;
    private readonly ulong* _producerPos;
    private readonly byte* _data;
    private readonly ulong _mask;
    private readonly int _maxRecordLength;
    private readonly uint _mapId;
    private readonly Epoll _epoll;
    private readonly ReaderGate _gate;
    private readonly Lock _releaseLock = new();
    private readonly Lock _ownerLock = new();
    // The single-producer guard, biased to one thread: the thread that reserves, and its "inside a reservation" flag.
    // Changed only under _ownerLock, by a takeover or by Dispose (to _closed).
    private ProducerThread _owner = new(0);
    private readonly ProducerThread _closed = new(-1);
    private int _waiting;
    private bool _released;

    /// <summary>Maps <paramref name="map"/> for writing (libbpf <c>user_ring_buffer__new</c>).</summary>
    /// <exception cref="ArgumentException"><paramref name="map"/> is not a user ring buffer map, or its size is not a
    /// power-of-two multiple of the page size (checked before any system call).</exception>
    /// <exception cref="InvalidOperationException">Another <see cref="UserRingBuffer"/> in this process produces into the map.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="map"/> is disposed.</exception>
    /// <exception cref="BpfException">mmap or epoll failed (the message names the map).</exception>
    public UserRingBuffer(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        if (map.Type != BpfMapType.UserRingBuf)
            throw new ArgumentException(
                $"Map '{map.Name}' is a {map.Type} map; UserRingBuffer writes BPF_MAP_TYPE_USER_RINGBUF maps only" +
                (map.Type == BpfMapType.RingBuf ? " (a RingBuf map carries records the other way: read it with Ebpf.RingBuf.RingBuffer)." : "."), nameof(map));
        int page = Environment.SystemPageSize;
        ulong size = map.MaxEntries; // from BPF_OBJ_GET_INFO_BY_FD: what the kernel really has
        if (!RingBufferSize.IsValid(size, page))
            throw new ArgumentException(
                $"User ring buffer map '{map.Name}' reports max_entries {size}, which is not a power-of-two multiple of the page size ({page}); refusing to map it.", nameof(map));

        MapName = map.Name;
        Size = size;
        _mask = size - 1;
        _maxRecordLength = (int)Math.Min(size - RingRecordHeader.Size, DynptrMaxSize);
        _mapId = map.Id;
        ProducerRegistry.Register(_mapId, MapName, this);
        string subject = $"user ring buffer map '{map.Name}'";
        SafeFd? fd = null;
        MappedRegion? consumer = null, producer = null;
        Epoll? epoll = null;
        try
        {
            // Our own descriptor: the producer keeps working if the caller disposes its BpfMap first.
            fd = map.Handle.Duplicate();
            consumer = MappedRegion.Map(fd, (ulong)page, Libc.PROT_READ, 0, subject);
            // 64-bit length: a 2 GiB ring maps 4 GiB of data (plus a page).
            producer = MappedRegion.Map(fd, (ulong)page + 2 * size, Libc.PROT_READ | Libc.PROT_WRITE, page, subject);
            epoll = new Epoll();
            // Edge-triggered EPOLLOUT: reported once per kernel wake-up, which a drain that consumed samples sends
            // (bpf_user_ringbuf_drain → irq_work → wake_up_all). Registered now, so a drain between a failed reserve and
            // the wait is not missed: the wake-up queues the event whether or not anyone waits. Level-triggered (libbpf)
            // would report "not full" at once and spin while the free space is still too small for the record.
            epoll.Add(fd, MapFdToken, edgeTriggered: true, writable: true);
        }
        catch
        {
            epoll?.Dispose();
            producer?.Dispose();
            consumer?.Dispose();
            fd?.Dispose();
            ProducerRegistry.Unregister(_mapId, this);
            throw;
        }
        _mapFd = fd;
        _consumerPage = consumer;
        _producerPages = producer;
        _consumerPos = (ulong*)consumer.Address;
        _producerPos = (ulong*)producer.Address;
        _data = (byte*)producer.Address + page;
        _epoll = epoll;
        _gate = new ReaderGate(_epoll.Dispose);
    }

    /// <summary>The map's name.</summary>
    public string MapName { get; }

    /// <summary>The data area's size in bytes (the map's <c>max_entries</c>).</summary>
    public ulong Size { get; }

    /// <summary>The longest payload a record may have: the ring less one header, and at most 16 MiB − 1 (the kernel hands
    /// each sample to the BPF program as a dynptr, whose size has 24 bits).</summary>
    public int MaxRecordLength => _maxRecordLength;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => ReferenceEquals(Volatile.Read(ref _owner), _closed);

    /// <summary>The kernel's consumer position now: bytes the BPF side has drained since the map was created.</summary>
    public ulong ConsumerPosition => ReadPositions().Consumer;

    /// <summary>The producer position now: bytes reserved since the map was created.</summary>
    public ulong ProducerPosition => ReadPositions().Producer;

    /// <summary>Bytes free for new records now (each takes its payload plus an 8-byte header, rounded up to 8).</summary>
    public ulong FreeBytes
    {
        get
        {
            var (c, p) = ReadPositions();
            return Size - (p - c);
        }
    }

    /// <summary>
    /// The epoll descriptor that reports this ring writable (edge-triggered) after each drain that freed space, for
    /// callers with their own event loop: wait on it, then <see cref="TryReserve(int, out UserRingRecord)"/> again.
    /// </summary>
    public int EpollFd
    {
        get
        {
            ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
            return _epoll.Fd;
        }
    }

    /// <summary>
    /// Reserves a record of <paramref name="size"/> payload bytes without waiting (libbpf <c>user_ring_buffer__reserve</c>).
    /// Returns false when the ring has no room for it now (libbpf: ENOSPC). Fill <see cref="UserRingRecord.Data"/>, then
    /// <see cref="Submit"/> or <see cref="Discard"/> it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is negative or above <see cref="MaxRecordLength"/>
    /// (libbpf: E2BIG): no amount of waiting makes it fit.</exception>
    /// <exception cref="InvalidOperationException">Another thread is reserving at the same moment.</exception>
    /// <exception cref="ObjectDisposedException">The producer is disposed.</exception>
    public bool TryReserve(int size, out UserRingRecord record)
    {
        ulong footprint = Footprint(size);
        var owner = Volatile.Read(ref _owner);
        if (owner.ThreadId != Environment.CurrentManagedThreadId) owner = TakeOver();
        // The fast half of an asymmetric Dekker pair (the other half is TakeOver and Dispose, with a process-wide barrier):
        // say we are inside, then check we still own the producer. Either a thread taking over sees Inside = 1 after its
        // barrier and backs off, or we see its new owner here and back off.
        Volatile.Write(ref owner.Inside, 1);
        if (!ReferenceEquals(Volatile.Read(ref _owner), owner))
        {
            Volatile.Write(ref owner.Inside, 0);
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            throw TwoThreads();
        }
        // SAFETY: we are inside as the owner, so Dispose waits for us before anything is unmapped; the consumer page is one
        // page, the producer page and the twice-mapped data are page + 2 * Size bytes.
        // Acquire: pairs with the kernel's smp_store_release(&rb->consumer_pos) in __bpf_user_ringbuf_sample_release (and
        // in __bpf_user_ringbuf_peek when it skips a discarded record): the kernel is done reading the bytes it released.
        ulong cons = Volatile.Read(ref *_consumerPos);
        // Only this producer writes producer_pos.
        ulong prod = *_producerPos;
        ulong used = prod - cons;
        if (used > Size || ((cons | prod) & 7) != 0)
        {
            Volatile.Write(ref owner.Inside, 0);
            throw CorruptPositions(cons, prod);
        }
        if (footprint > Size - used)
        {
            Volatile.Write(ref owner.Inside, 0);
            record = default;
            return false;
        }
        byte* header = _data + (prod & _mask);
        // The header as the kernel reads it: u32 len with BUSY set (not committed yet), u32 pg_off (unused for user
        // rings; libbpf writes 0). One 8-byte store: prod is 8-aligned.
        *(ulong*)header = (uint)size | RingRecordHeader.BusyBit;
        // Release: pairs with the kernel's smp_load_acquire(&rb->producer_pos) in __bpf_user_ringbuf_peek, which then
        // reads this header and sees BUSY (so it stops here until Submit).
        Volatile.Write(ref *_producerPos, prod + footprint);
        Volatile.Write(ref owner.Inside, 0);
        // SAFETY: the payload is footprint - 8 >= size bytes after the header, inside the double mapping ((prod & mask) +
        // footprint <= 2 * Size).
        record = new UserRingRecord(this, prod, new Span<byte>(header + RingRecordHeader.Size, size));
        return true;
    }

    /// <summary>
    /// Reserves a record, waiting up to <paramref name="timeout"/> for the BPF side's drain to free enough space (libbpf
    /// <c>user_ring_buffer__reserve_blocking</c>): the wait sleeps in epoll on the map and wakes on the notification the
    /// kernel sends after a <c>bpf_user_ringbuf_drain</c> that consumed samples (unless the program passed
    /// <c>BPF_RB_NO_WAKEUP</c>). Returns false if the space was not there by the deadline.
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits without limit; <see cref="TimeSpan.Zero"/> does not wait.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The size can never fit, or the timeout is negative (other than infinite).</exception>
    /// <exception cref="InvalidOperationException">Another thread is reserving (or waiting to) at the same moment.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The producer was disposed (also while waiting: Dispose wakes the wait).</exception>
    public bool TryReserve(int size, TimeSpan timeout, out UserRingRecord record, CancellationToken cancellationToken = default)
    {
        int timeoutMs = ToMilliseconds(timeout);
        if (TryReserve(size, out record)) return true;
        if (timeoutMs == 0) return false;
        return WaitAndReserve(size, timeoutMs, out record, cancellationToken);
    }

    /// <summary>Hands a reserved record to the BPF side (libbpf <c>user_ring_buffer__submit</c>). Safe from any thread.</summary>
    /// <exception cref="InvalidOperationException">The record is not an outstanding reservation of this producer (default,
    /// another producer's, already submitted or discarded).</exception>
    /// <exception cref="ObjectDisposedException">The producer was disposed and its ring released.</exception>
    public void Submit(scoped in UserRingRecord record) => Commit(in record, discard: false);

    /// <summary>Gives a reserved record back unread (libbpf <c>user_ring_buffer__discard</c>): the BPF side skips it and its
    /// space is reclaimed when the drain reaches it. Safe from any thread.</summary>
    /// <exception cref="InvalidOperationException">The record is not an outstanding reservation of this producer.</exception>
    /// <exception cref="ObjectDisposedException">The producer was disposed and its ring released.</exception>
    public void Discard(scoped in UserRingRecord record) => Commit(in record, discard: true);

    /// <summary>Copies <paramref name="data"/> into a new record and submits it, without waiting; false when the ring is full now.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="data"/> is longer than <see cref="MaxRecordLength"/>.</exception>
    public bool TryWrite(ReadOnlySpan<byte> data)
    {
        if (!TryReserve(data.Length, out var record)) return false;
        data.CopyTo(record.Data);
        Submit(record);
        return true;
    }

    /// <summary>As <see cref="TryWrite(ReadOnlySpan{byte})"/>, waiting up to <paramref name="timeout"/> for space as
    /// <see cref="TryReserve(int, TimeSpan, out UserRingRecord, CancellationToken)"/> does.</summary>
    public bool TryWrite(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (!TryReserve(data.Length, timeout, out var record, cancellationToken)) return false;
        data.CopyTo(record.Data);
        Submit(record);
        return true;
    }

    /// <summary>
    /// Stops producing: wakes a thread blocked in a reservation (it throws <see cref="ObjectDisposedException"/>), then
    /// unmaps the ring and closes the descriptors. Records still reserved keep the ring mapped until each is submitted or
    /// discarded, so a span another thread is filling never points at unmapped memory. Safe from any thread.
    /// </summary>
    public void Dispose()
    {
        ProducerThread previous;
        lock (_ownerLock)
        {
            previous = _owner;
            if (ReferenceEquals(previous, _closed)) return;
            Volatile.Write(ref _owner, _closed);
            // As in TakeOver: a reservation in progress shows Inside = 1 after this; one starting later sees _closed.
            Interlocked.MemoryBarrierProcessWide();
        }
        // It takes nanoseconds and never blocks.
        var spin = new SpinWait();
        while (Volatile.Read(ref previous.Inside) != 0) spin.SpinOnce();
        ProducerRegistry.Unregister(_mapId, this);
        if (_gate.Close()) _epoll.Wake(); // after Close, so the woken waiter sees the gate closed
        ReleaseIfNoneReserved();
    }

    /// <inheritdoc/>
    public override string ToString() => $"UserRingBuffer over '{MapName}' ({Size} bytes)";

    private void Commit(scoped in UserRingRecord record, bool discard)
    {
        if (!ReferenceEquals(record.Owner, this))
            throw new InvalidOperationException(record.Owner is null
                ? $"{this}: this record was never reserved (default UserRingRecord); reserve one with TryReserve."
                : $"{this}: this record was reserved from {record.Owner}; submit or discard it there.");
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _released), this);
        ulong position = record.Position;
        // SAFETY: the mappings live while a record is reserved (Dispose keeps them until no header is BUSY) and this one
        // is checked to be reserved before anything is written. Only this producer writes producer_pos.
        ulong behind = Volatile.Read(ref *_producerPos) - position;
        uint* header = (uint*)(_data + (position & _mask));
        // A record whose header lies more than a ring behind the producer position was consumed and its bytes reused;
        // one within the ring still shows its own header, BUSY until it is committed.
        uint len = behind == 0 || behind > Size ? 0 : *header;
        if (!RingRecordHeader.IsBusy(len) || RingRecordHeader.PayloadLength(len) != record.Length)
            throw new InvalidOperationException(
                $"{this}: the record at position {position} is not reserved any more (already submitted or discarded?). " +
                "Submit or discard each reservation exactly once.");
        uint committed = (len & ~RingRecordHeader.BusyBit) | (discard ? RingRecordHeader.DiscardBit : 0);
        // Release: pairs with the kernel's smp_load_acquire(hdr) in __bpf_user_ringbuf_peek, so the payload written
        // before this store is visible to the BPF program once it sees BUSY clear. Nobody else writes this word (the
        // kernel only reads user-ring headers), so a store does what libbpf's exchange does.
        Volatile.Write(ref *header, committed);
        if (IsDisposed) ReleaseIfNoneReserved();
    }

    private bool WaitAndReserve(int size, int timeoutMs, out UserRingRecord record, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _gate.Enter(this); // keeps the epoll alive while we sleep in it; throws once disposed
        try
        {
            if (Interlocked.Exchange(ref _waiting, 1) != 0)
                throw new InvalidOperationException(
                    $"{this} is already waiting to reserve on another thread. Reserve from one thread at a time.");
            try
            {
                using var registration = ct.CanBeCanceled ? ct.UnsafeRegister(static s => ((Epoll)s!).Wake(), _epoll) : default;
                long start = Environment.TickCount64;
                Span<EpollEvent> events = stackalloc EpollEvent[2];
                while (true)
                {
                    int remaining = timeoutMs < 0 ? -1 : (int)Math.Max(0, timeoutMs - (Environment.TickCount64 - start));
                    int ready = _epoll.Wait(events, remaining);
                    for (int i = 0; i < ready; i++)
                        if (events[i].Data == Epoll.WakeToken) _epoll.ResetWake();
                    ObjectDisposedException.ThrowIf(_gate.IsClosed, this);
                    ct.ThrowIfCancellationRequested();
                    // A wake-up says a drain consumed something, not that our record fits: try, and sleep again if not.
                    if (TryReserve(size, out record)) return true;
                    if (remaining == 0) return false;
                }
            }
            finally
            {
                Volatile.Write(ref _waiting, 0);
            }
        }
        finally
        {
            _gate.Exit();
        }
    }

    /// <summary>Unmaps and closes once closed and no record is reserved (a BUSY header between the positions).</summary>
    private void ReleaseIfNoneReserved()
    {
        lock (_releaseLock)
        {
            if (_released || AnyReserved()) return;
            Volatile.Write(ref _released, true);
            _producerPages.Dispose();
            _consumerPage.Dispose();
            _mapFd.Dispose();
        }
    }

    /// <summary>Walks the records the kernel has not drained yet; true if one is still BUSY. Called when closed, so no new
    /// record appears; the kernel only reads headers, and the bytes between the positions stay as they are.</summary>
    private bool AnyReserved()
    {
        ulong cons = Volatile.Read(ref *_consumerPos), prod = Volatile.Read(ref *_producerPos);
        if (prod - cons > Size) return false; // corrupt: nothing to protect
        for (ulong pos = cons; pos != prod;)
        {
            uint len = Volatile.Read(ref *(uint*)(_data + (pos & _mask)));
            if (RingRecordHeader.IsBusy(len)) return true;
            ulong next = pos + RingRecordHeader.Footprint(len);
            if (next - cons > prod - cons) return false;
            pos = next;
        }
        return false;
    }

    private (ulong Consumer, ulong Producer) ReadPositions()
    {
        lock (_releaseLock)
        {
            ObjectDisposedException.ThrowIf(_released, this);
            // SAFETY: not released, and release happens under this lock. Acquire pairs with the kernel's release of
            // consumer_pos (see TryReserve) and with our own release of producer_pos.
            return (Volatile.Read(ref *_consumerPos), Volatile.Read(ref *_producerPos));
        }
    }

    /// <summary>Bytes a record of <paramref name="size"/> takes in the ring: header plus payload, rounded up to 8.</summary>
    private ulong Footprint(int size)
    {
        if ((uint)size > (uint)_maxRecordLength) ThrowTooLong(size);
        return ((ulong)(uint)size + RingRecordHeader.Size + 7) & ~7UL;
    }

    private void ThrowTooLong(int size) => throw new ArgumentOutOfRangeException(nameof(size), size,
        size < 0
            ? $"{this}: a record size cannot be negative."
            : $"{this}: a record of {size} bytes can never fit: the ring holds {Size} bytes (payload at most {MaxRecordLength}, " +
              $"as each record takes an 8-byte header and the kernel's drain accepts samples up to {DynptrMaxSize} bytes). " +
              "Use a larger map (max_entries) or smaller records.");

    /// <summary>
    /// Makes the calling thread the producer's: the slow path of the guard, taken when a thread reserves for the first time
    /// or after another one did. The process-wide barrier makes the previous owner's Inside flag visible here if it is in
    /// a reservation, and makes it see the new owner if it enters one after (the .NET memory model's process-wide barrier:
    /// every thread performs a full fence at some point synchronized with it). The fast half's store then load stay in
    /// program order in the JIT (both volatile); on arm64 the hardware keeps them in order too (stlr then ldar), and on x64
    /// the barrier's interrupt drains the owner's store buffer.
    /// </summary>
    private ProducerThread TakeOver()
    {
        lock (_ownerLock)
        {
            var previous = _owner;
            ObjectDisposedException.ThrowIf(ReferenceEquals(previous, _closed), this);
            var mine = new ProducerThread(Environment.CurrentManagedThreadId);
            Volatile.Write(ref _owner, mine);
            Interlocked.MemoryBarrierProcessWide();
            if (Volatile.Read(ref previous.Inside) != 0)
            {
                // The previous thread is reserving right now. Give it its producer back before refusing: left installed,
                // ours would let this thread's next reservation take the fast path while that one is still inside.
                Volatile.Write(ref _owner, previous);
                throw TwoThreads();
            }
            return mine;
        }
    }

    private InvalidOperationException TwoThreads() => new(
        $"{this}: two threads were reserving at the same moment. A user ring buffer takes one producer: reserve from one " +
        "thread at a time (Submit and Discard may come from any thread).");

    private InvalidDataException CorruptPositions(ulong cons, ulong prod) =>
        new($"{this}: consumer position {cons} and producer position {prod} cannot belong to a {Size}-byte ring (more than a " +
            "ring apart, or not 8-byte aligned). Another process is probably producing into the same map; a user ring buffer " +
            "takes one producer.");

    private static int ToMilliseconds(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        if (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The timeout must be Timeout.InfiniteTimeSpan or between 0 and int.MaxValue milliseconds.");
        return (int)Math.Ceiling(timeout.TotalMilliseconds);
    }

    /// <summary>The thread the guard is biased to, and whether it is inside a reservation (written by that thread only).</summary>
    private sealed class ProducerThread(int threadId)
    {
        internal readonly int ThreadId = threadId;
        internal int Inside;
    }
}
