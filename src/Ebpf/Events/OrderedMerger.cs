using Ebpf.Internal.Unix;

namespace Ebpf.Events;

/// <summary>
/// Puts records from several sources (a perf buffer's per-CPU rings, or ring-buffer records whose timestamps were taken
/// before they were reserved) back into timestamp order, within a bounded window. Each record is held until its
/// timestamp is <see cref="Window"/> old on the clock, then delivered after every held record with an earlier timestamp.
/// So records that reach the merger within the window of their timestamp come out in order; one that comes later than
/// that, behind records with later timestamps already delivered, is still delivered at once, flagged late, and counted
/// in <see cref="Late"/>. Nothing is dropped.
/// </summary>
/// <remarks>
/// <para>Bounded: at most <see cref="OrderedMergerOptions.Capacity"/> records are held (when full, the oldest goes out
/// early and is counted in <see cref="ReleasedEarly"/>); memory is at most Capacity × MaxRecordSize bytes of slots,
/// taken 256 at a time as needed and then reused, so a steady stream allocates nothing. Time: a record waits at most the
/// window after its timestamp, provided <see cref="ReleaseDue"/> is called by then (<see cref="EventReader"/> wakes for it:
/// <see cref="TimeUntilNextRelease"/>).</para>
/// <para>One thread at a time; the handler must not call back into the merger.</para>
/// </remarks>
public sealed class OrderedMerger
{
    private const int SlotsPerChunk = 256;
    private readonly ulong _windowNs;
    private readonly OrderedRecordHandler _onRecord;
    private readonly Func<ulong> _clock;
    private readonly int _capacity;
    private readonly int _slotSize;
    private readonly byte[]?[] _chunks;
    private readonly Entry[] _heap;
    private readonly int[] _free;
    private int _count;
    private int _freeCount;
    private int _slotsAllocated;
    private long _sequence;
    private ulong _lastReleased;
    private bool _releasedAny;

    /// <summary>A merger that holds each record until its timestamp is <paramref name="window"/> old, then hands it to
    /// <paramref name="onRecord"/> in timestamp order (ties in arrival order).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is negative, or the options are out of range.</exception>
    public OrderedMerger(TimeSpan window, OrderedRecordHandler onRecord, OrderedMergerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(onRecord);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero);
        options ??= new OrderedMergerOptions();
        options.Validate();
        Window = window;
        _windowNs = (ulong)window.Ticks * 100;
        _onRecord = onRecord;
        _clock = options.Clock ?? MonotonicClock.NowNs;
        _capacity = options.Capacity;
        _slotSize = options.MaxRecordSize;
        _chunks = new byte[]?[(_capacity + SlotsPerChunk - 1) / SlotsPerChunk];
        _heap = new Entry[_capacity];
        _free = new int[_capacity];
    }

    /// <summary>How long a record is held after its timestamp before it is delivered.</summary>
    public TimeSpan Window { get; }

    /// <summary>Records held now.</summary>
    public int Held => _count;

    /// <summary>The most records held at once so far.</summary>
    public int PeakHeld { get; private set; }

    /// <summary>Records delivered (in order or late).</summary>
    public long Delivered { get; private set; }

    /// <summary>Records that arrived after a record with a later timestamp had been delivered: delivered at once, flagged late.</summary>
    public long Late { get; private set; }

    /// <summary>Records delivered before their window was over because <see cref="OrderedMergerOptions.Capacity"/> records were held.</summary>
    public long ReleasedEarly { get; private set; }

    /// <summary>The time until the oldest held record is due (zero if it is), or null when nothing is held.</summary>
    public TimeSpan? TimeUntilNextRelease
    {
        get
        {
            if (_count == 0) return null;
            ulong now = _clock();
            ulong due = SaturatingAdd(_heap[0].Timestamp, _windowNs);
            return due <= now ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Min((due - now + 99) / 100, (ulong)TimeSpan.MaxValue.Ticks));
        }
    }

    /// <summary>
    /// Takes a record (copied: the span may be the kernel's ring). A record whose timestamp is earlier than the last one
    /// delivered is late: it is delivered now, flagged. Otherwise it is held until <see cref="ReleaseDue"/> finds it due.
    /// </summary>
    /// <exception cref="ArgumentException">The record is longer than <see cref="OrderedMergerOptions.MaxRecordSize"/>.</exception>
    public void Add(ulong timestamp, ReadOnlySpan<byte> record)
    {
        if (record.Length > _slotSize)
            throw new ArgumentException(
                $"A record of {record.Length} bytes is longer than OrderedMergerOptions.MaxRecordSize ({_slotSize}); raise MaxRecordSize " +
                "to the longest record the program sends (perf buffers pad records by up to 7 bytes).", nameof(record));
        if (_releasedAny && timestamp < _lastReleased)
        {
            Late++;
            Delivered++;
            _onRecord(record, true);
            return;
        }
        if (_count == _capacity)
        {
            // Full: something goes out before its time, the oldest of the held records and this one.
            ReleasedEarly++;
            if (!_heap[0].Before(new Entry(timestamp, _sequence, 0, 0)))
            {
                Deliver(timestamp, record);
                return;
            }
            ReleaseOldest();
        }
        int slot = TakeSlot();
        record.CopyTo(Slot(slot));
        Push(new Entry(timestamp, _sequence++, slot, record.Length));
        if (_count > PeakHeld) PeakHeld = _count;
    }

    /// <summary>Delivers, in timestamp order, every held record whose timestamp is at least <see cref="Window"/> old; returns how many.</summary>
    public int ReleaseDue()
    {
        if (_count == 0) return 0;
        ulong now = _clock();
        int released = 0;
        while (_count > 0 && SaturatingAdd(_heap[0].Timestamp, _windowNs) <= now)
        {
            ReleaseOldest();
            released++;
        }
        return released;
    }

    /// <summary>Delivers every held record now, in timestamp order (at the end of a stream); returns how many.</summary>
    public int ReleaseAll()
    {
        int released = 0;
        while (_count > 0)
        {
            ReleaseOldest();
            released++;
        }
        return released;
    }

    private void ReleaseOldest()
    {
        var top = _heap[0];
        _heap[0] = _heap[--_count];
        if (_count > 0) SiftDown(0);
        try
        {
            Deliver(top.Timestamp, Slot(top.Slot)[..top.Length]);
        }
        finally
        {
            _free[_freeCount++] = top.Slot;
        }
    }

    private void Deliver(ulong timestamp, ReadOnlySpan<byte> record)
    {
        _lastReleased = timestamp;
        _releasedAny = true;
        Delivered++;
        _onRecord(record, false);
    }

    private int TakeSlot()
    {
        if (_freeCount > 0) return _free[--_freeCount];
        // Every slot allocated so far is held: allocate the next chunk (the heap is not full, so one exists).
        int chunk = _slotsAllocated / SlotsPerChunk;
        int slots = Math.Min(SlotsPerChunk, _capacity - _slotsAllocated);
        _chunks[chunk] = new byte[slots * _slotSize];
        for (int i = slots - 1; i >= 1; i--) _free[_freeCount++] = _slotsAllocated + i;
        int first = _slotsAllocated;
        _slotsAllocated += slots;
        return first;
    }

    private Span<byte> Slot(int slot) => _chunks[slot / SlotsPerChunk].AsSpan(slot % SlotsPerChunk * _slotSize, _slotSize);

    private void Push(Entry entry)
    {
        int i = _count++;
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!entry.Before(_heap[parent])) break;
            _heap[i] = _heap[parent];
            i = parent;
        }
        _heap[i] = entry;
    }

    private void SiftDown(int i)
    {
        var entry = _heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && _heap[child + 1].Before(_heap[child])) child++;
            if (!_heap[child].Before(entry)) break;
            _heap[i] = _heap[child];
            i = child;
        }
        _heap[i] = entry;
    }

    private static ulong SaturatingAdd(ulong a, ulong b) => a + b < a ? ulong.MaxValue : a + b;

    /// <summary>A held record: its timestamp, its arrival number (ties keep arrival order), where its bytes are.</summary>
    private readonly record struct Entry(ulong Timestamp, long Sequence, int Slot, int Length)
    {
        internal bool Before(in Entry other) => Timestamp < other.Timestamp || (Timestamp == other.Timestamp && Sequence < other.Sequence);
    }
}
