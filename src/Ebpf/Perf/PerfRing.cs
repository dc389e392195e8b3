using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Internal;

namespace Ebpf.Perf;

/// <summary>
/// The reading side of one CPU's perf ring: a <c>struct perf_event_mmap_page</c> followed by a power-of-two data area that
/// the kernel fills with 8-byte-aligned records and that is NOT mapped twice, so a record may wrap its end.
/// Works on raw memory (a real mapping, or a fake one in tests) and trusts nothing it reads: a record header that cannot
/// be right (size 0, below 8, unaligned, beyond the published data) is counted as corruption and the unread data of this
/// ring is discarded, so a bad header never makes the reader spin or read outside the mapping.
/// Single reader: only the thread draining it touches the cursor; the counters may be read from any thread.
/// </summary>
internal sealed unsafe class PerfRing
{
    // Offsets in struct perf_event_mmap_page (include/uapi/linux/perf_event.h).
    internal const int DataHeadOffset = 1024, DataTailOffset = 1032, DataOffsetOffset = 1040, DataSizeOffset = 1048;
    internal const int MetadataSize = 1088;
    internal const uint PERF_RECORD_LOST = 2, PERF_RECORD_SAMPLE = 9;
    internal const int HeaderSize = 8;        // struct perf_event_header { u32 type; u16 misc; u16 size; }
    private const int SampleRawOffset = 12;   // header, then u32 size, then the raw bytes
    private const int LostRecordSize = 24;    // header, u64 id, u64 lost

    private readonly byte* _meta;
    private readonly byte* _data;
    private readonly ulong _size;
    private readonly ulong _mask;
    private readonly byte[] _scratch;
    private ulong _lost, _corrupt, _unknown, _discardedBytes;
    // Where to resume if a handler throws: just past the record it was given, _resumeBias + (ulong)_resumePointer (the walk
    // notes a pointer per record and the bias per contiguous run, which costs it less than a position per record).
    private ulong _resumeBias;
    private byte* _resumePointer;
    private byte* _runEnd; // WalkRun's end, kept in memory on purpose (see there)
    // The size WalkRun expects the next record to have: always a size it has checked, or, until the first record, a
    // value no u16 header size can equal (0 would match a corrupt zero-sized header and never advance).
    private uint _runRecordSize = uint.MaxValue;

    /// <param name="mapping">Start of the mapping (the metadata page).</param>
    /// <param name="mappingLength">Its length in bytes.</param>
    /// <param name="pageSize">The system page size (where the data area starts if the kernel leaves data_offset at 0).</param>
    /// <param name="cpu">The CPU whose events land here, passed to the handlers.</param>
    internal PerfRing(nint mapping, ulong mappingLength, int pageSize, int cpu)
    {
        Cpu = cpu;
        _meta = (byte*)mapping;
        // SAFETY: mapping is at least one page long (checked by the caller's mmap length), and data_offset/data_size sit
        // inside the first page. The kernel fills them in perf_mmap before mmap returns, so plain reads see them.
        ulong offset = *(ulong*)(_meta + DataOffsetOffset);
        ulong size = *(ulong*)(_meta + DataSizeOffset);
        if (size == 0)
        {
            // Kernels before 4.1 leave both at 0; the data area then starts right after the metadata page.
            offset = (ulong)pageSize;
            size = mappingLength - (ulong)pageSize;
        }
        if (!BitOperations.IsPow2(size) || size < HeaderSize || offset < MetadataSize || offset > mappingLength || size > mappingLength - offset)
            throw new BpfException(
                $"Perf buffer of CPU {cpu}: the kernel reports a data area of {size} bytes at offset {offset} in a {mappingLength}-byte mapping; expected a power of two inside the mapping.");
        _data = _meta + offset;
        _size = size;
        _mask = size - 1;
        // A record is at most 65535 bytes (u16 size) and at most the data area: the only copy is into this buffer.
        _scratch = GC.AllocateArray<byte>((int)Math.Min(size, ushort.MaxValue + 1UL), pinned: true);
    }

    /// <summary>The CPU number this ring belongs to.</summary>
    internal int Cpu { get; }

    /// <summary>Size of the data area in bytes.</summary>
    internal ulong DataSize => _size;

    /// <summary>Samples the kernel reported lost (sum of PERF_RECORD_LOST.lost).</summary>
    internal ulong Lost => Volatile.Read(ref _lost);

    /// <summary>Times a malformed record was found (the record, or the rest of the ring, was skipped).</summary>
    internal ulong Corrupt => Volatile.Read(ref _corrupt);

    /// <summary>Well-framed records of a type other than SAMPLE or LOST, skipped.</summary>
    internal ulong Unknown => Volatile.Read(ref _unknown);

    /// <summary>Bytes skipped unread because of corruption.</summary>
    internal ulong DiscardedBytes => Volatile.Read(ref _discardedBytes);

    /// <summary>
    /// Hands every record published so far to the handlers, then frees their space for the kernel. Returns the number of
    /// samples plus lost records handled. Stops early (after the current record) once <paramref name="gate"/> closes or a
    /// handler sets <paramref name="stop"/>.
    /// If a handler throws, the record it was given counts as consumed (so a poison record cannot wedge the ring) and the
    /// exception propagates.
    /// </summary>
    internal long Drain(PerfSampleHandler onSample, PerfLostHandler? onLost, ReaderGate? gate, PerfDrainStop? stop = null)
    {
        var adapter = new DelegatePerfHandler(onSample, onLost);
        return Drain(ref adapter, gate, stop);
    }

    /// <inheritdoc cref="Drain(PerfSampleHandler, PerfLostHandler?, ReaderGate?, PerfDrainStop?)"/>
    /// <remarks>
    /// The walk is shaped for the per-record cost, which is a chain of dependent loads (a record's size gives the next
    /// record's address): within one contiguous run of the data area (up to data_head or the end of the area, computed
    /// once per run) it follows a plain pointer, with no masking, no 64-bit position arithmetic and one size check per
    /// record; the wrap, corruption and lost/unknown records go to out-of-line paths. data_tail is published once, at the
    /// end (libbpf does the same): the kernel may not reuse any of the drained space before then.
    /// </remarks>
    internal long Drain<THandler>(ref THandler handler, ReaderGate? gate, PerfDrainStop? stop = null) where THandler : struct, IPerfBufferHandler
    {
        if (stop is not null) return DrainWith(ref handler, new StopWhenClosedOrRequested(gate, stop));
        if (gate is not null) return DrainWith(ref handler, new StopWhenClosed(gate));
        return DrainWith(ref handler, default(NeverStop));
    }

    /// <summary>The drain, specialised for the handler and for the early-stop check (one register, or none, in the walk).</summary>
    private long DrainWith<THandler, TStop>(ref THandler handler, TStop stop) where THandler : struct, IPerfBufferHandler where TStop : struct, IDrainStop
    {
        ulong* headPtr = (ulong*)(_meta + DataHeadOffset);
        // SAFETY: both fields are in the metadata page, mapped for as long as the caller holds the reader gate.
        // Acquire load of data_head pairs with the kernel's smp_wmb + store of data_head in perf_output_put_handle: every
        // record before head is fully written once we see head.
        ulong head = Volatile.Read(ref *headPtr);
        ulong tail = *(ulong*)(_meta + DataTailOffset); // only this reader writes data_tail
        if (head == tail) return 0;

        long handled = 0;
        try
        {
            tail = Walk(ref handler, head, tail, stop, ref handled);
        }
        catch
        {
            // A handler threw: the record it was given is consumed (the walk noted the position after it before the call).
            // SAFETY: as below.
            Interlocked.MemoryBarrier();
            Volatile.Write(ref *(ulong*)(_meta + DataTailOffset), _resumeBias + (ulong)_resumePointer);
            throw;
        }
        // SAFETY: the metadata page is mapped (gate held). Full fence, then the store of data_tail: our reads of the records
        // must complete before the kernel may reuse their space (it reads data_tail in perf_output_begin and pairs it with
        // its own barrier).
        Interlocked.MemoryBarrier();
        Volatile.Write(ref *(ulong*)(_meta + DataTailOffset), tail);
        return handled;
    }

    /// <summary>The record walk of <see cref="DrainWith{THandler, TStop}"/>: returns the new tail (not yet published).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Walk<THandler, TStop>(ref THandler handler, ulong head, ulong tail, TStop stop, ref long handledOut)
        where THandler : struct, IPerfBufferHandler where TStop : struct, IDrainStop
    {
        ulong size = _size;
        if (head - tail > size || (tail & 7) != 0) return Discard(tail, head);
        long handled = 0;
        while (tail != head)
        {
            ulong offset = tail & _mask;
            // SAFETY: offset < size, so [start, end) lies inside the data area: it ends at data_head or at the end of
            // the area, whichever comes first (head - tail <= size was checked above and stays true as tail advances).
            byte* start = _data + offset;
            byte* end = start + Math.Min(head - tail, size - offset);
            ulong tailAtPointer = tail - (ulong)start; // the tail at pointer p is tailAtPointer + (ulong)p in this run
            _resumeBias = tailAtPointer;
            var run = WalkRun(ref handler, start, end, stop);
            byte* p = run.Stop;
            handled += run.Handled;
            bool stopped = run.Requested;
            tail = tailAtPointer + (ulong)p;
            if (stopped) break;
            if (p == end) continue;
            // The record at p is not a sound sample inside the run: a lost or unknown record, a bad sample, one that wraps
            // the end of the data area, or a corrupt header.
            long result = DeliverOne(ref handler, tail, head);
            if (result < 0)
            {
                tail = head; // corrupt header: the unread rest was discarded (and counted)
                break;
            }
            tail += (ulong)result >> 1;
            handled += result & 1;
            if (stop.Requested) break;
        }
        handledOut = handled;
        return tail;
    }

    /// <summary>
    /// The fast path of the walk: sound samples that lie wholly inside the run [<paramref name="p"/>, <paramref name="end"/>).
    /// Returns where it stopped: at end, at the first record it leaves to <see cref="DeliverOne"/>, or after the record
    /// whose handler asked to stop. A method of its own, with few values live across the handler call, so that the
    /// pointer chain (each record's size gives the next record's address) stays in registers even around a delegate call.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private RunResult WalkRun<THandler, TStop>(ref THandler handler, byte* p, byte* end, TStop stop)
        where THandler : struct, IPerfBufferHandler where TStop : struct, IDrainStop
    {
        // The end in a field, not a local: across a delegate call, p, the handler, the stop check, this and the count
        // take the five callee-saved registers; one more local and the JIT spills the pointer chain through memory.
        _runEnd = end;
        long handled = 0;
        while (p != _runEnd)
        {
            end = _runEnd;
            // SAFETY: p is 8-aligned and below end, end is at most the (8-aligned) end of the data area: the 8-byte
            // header is inside it (the kernel never splits a header across the end: records are 8-byte aligned).
            uint recordSize = *(ushort*)(p + 6);
            // The next address is taken from the size the previous record had, not from this header: records of a
            // stream are usually all the same size, and then the pointer chain does not wait for the header's load
            // (the comparison below is a predicted branch, off the chain). A new size is checked, then expected.
            uint expected = _runRecordSize;
            byte* next = p + expected;
            if (recordSize != expected)
            {
                if (recordSize < SampleRawOffset + 4 || (recordSize & 7) != 0) break;
                _runRecordSize = recordSize;
                next = p + recordSize;
            }
            // next > end says recordSize > end - p with one instruction fewer (no overflow: recordSize < 2^16).
            if (*(uint*)p != PERF_RECORD_SAMPLE || next > end)
                break;
            // SAFETY: the record [p, p + recordSize) lies inside the run, and its u32 raw size at +8 with it. Space
            // before data_tail is never rewritten by the kernel, so it stays stable until we publish the new tail.
            uint rawSize = *(uint*)(p + HeaderSize);
            if (rawSize > recordSize - SampleRawOffset) break;
            _resumePointer = next; // consumed even if the handler throws
            Prefetch.RecordsAfter(p, next, recordSize, end);
            handled++;
            handler.OnSample(Cpu, MemoryMarshal.CreateReadOnlySpan(ref p[SampleRawOffset], (int)rawSize));
            p = next;
            if (stop.Requested) return new RunResult(p, handled, requested: true);
        }
        return new RunResult(p, handled, requested: false);
    }

    /// <summary>Where a run stopped and what it handed over: 16 bytes, returned in two registers.</summary>
    private readonly struct RunResult(byte* stop, long handled, bool requested)
    {
        private readonly long _handledAndRequested = (handled << 1) + (requested ? 1 : 0);

        /// <summary>Where the walk stopped.</summary>
        public byte* Stop { get; } = stop;

        /// <summary>Samples handed to the handler.</summary>
        public long Handled => _handledAndRequested >> 1;

        /// <summary>True if the walk stopped because the stop check asked for it.</summary>
        public bool Requested => (_handledAndRequested & 1) != 0;
    }

    /// <summary>
    /// The slow path of the walk, one record at <paramref name="tail"/>: checks its header against the published data
    /// (corrupt: counts it, discards the unread rest and returns -1), copies it into the scratch buffer if it wraps the end
    /// of the data area, and hands it over. Returns (bytes consumed &lt;&lt; 1) | (1 if a handler got it).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private long DeliverOne<THandler>(ref THandler handler, ulong tail, ulong head) where THandler : struct, IPerfBufferHandler
    {
        int cpu = Cpu;
        ulong offset = tail & _mask;
        // SAFETY: offset < _size and 8-aligned: the 8-byte header is inside the data area.
        byte* record = _data + offset;
        uint recordSize = *(ushort*)(record + 6);
        if (recordSize < HeaderSize || (recordSize & 7) != 0 || recordSize > head - tail)
        {
            Discard(tail, head);
            return -1;
        }
        // SAFETY: recordSize ≤ head - tail ≤ _size: a record that fits before the end is inside the data area; one that
        // wraps is copied from two in-bounds pieces into the pinned scratch buffer.
        if (offset + recordSize > _size) record = CopyWrapped(offset, (int)recordSize);
        _resumeBias = tail + recordSize;
        _resumePointer = null;
        long consumed = (long)recordSize << 1;
        uint type = *(uint*)record;
        if (type == PERF_RECORD_SAMPLE)
        {
            // SAFETY: the u32 raw size at +8 is inside the record when recordSize >= 12.
            uint rawSize = recordSize >= SampleRawOffset ? *(uint*)(record + HeaderSize) : 0;
            if (recordSize < SampleRawOffset || rawSize > recordSize - SampleRawOffset)
            {
                CountCorrupt(recordSize); // this record alone: its frame is sound
                return consumed;
            }
            handler.OnSample(cpu, MemoryMarshal.CreateReadOnlySpan(ref record[SampleRawOffset], (int)rawSize));
            return consumed | 1;
        }
        if (type == PERF_RECORD_LOST)
        {
            if (recordSize < LostRecordSize)
            {
                CountCorrupt(recordSize);
                return consumed;
            }
            ulong lost = *(ulong*)(record + 16); // u64 id at 8, u64 lost at 16 (bcc#1496 read the wrong one)
            Volatile.Write(ref _lost, _lost + lost);
            handler.OnLost(cpu, lost);
            return consumed | 1;
        }
        // SW_BPF_OUTPUT events only produce SAMPLE and LOST; anything else is skipped and counted.
        Volatile.Write(ref _unknown, _unknown + 1);
        return consumed;
    }

    private byte* CopyWrapped(ulong offset, int length)
    {
        int first = (int)(_size - offset);
        // SAFETY: [offset, _size) and [0, length - first) are inside the data area; length ≤ _scratch.Length. The scratch
        // array is allocated pinned, so the pointer stays valid for the handler's call.
        new ReadOnlySpan<byte>(_data + offset, first).CopyTo(_scratch);
        new ReadOnlySpan<byte>(_data, length - first).CopyTo(_scratch.AsSpan(first));
        return (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_scratch));
    }

    private void CountCorrupt(uint recordSize)
    {
        Volatile.Write(ref _corrupt, _corrupt + 1);
        Volatile.Write(ref _discardedBytes, _discardedBytes + recordSize);
    }

    /// <summary>Counts the unread rest of the ring as corrupt and returns the tail that skips it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private ulong Discard(ulong tail, ulong head)
    {
        Volatile.Write(ref _corrupt, _corrupt + 1);
        Volatile.Write(ref _discardedBytes, _discardedBytes + (head - tail));
        return head;
    }

    /// <summary>When the walk stops early, after the current record: a struct per case, so the check costs what it needs.</summary>
    private interface IDrainStop
    {
        bool Requested { get; }
    }

    /// <summary>Tests drive the walk without a gate.</summary>
    private readonly struct NeverStop : IDrainStop
    {
        public bool Requested => false;
    }

    /// <summary>Consume/Poll: stop once the reader is disposed (possibly by a handler).</summary>
    private readonly struct StopWhenClosed(ReaderGate gate) : IDrainStop
    {
        public bool Requested => gate.IsClosed;
    }

    /// <summary>The async stream: also stop when its handler asks (the queue is full).</summary>
    private readonly struct StopWhenClosedOrRequested(ReaderGate? gate, PerfDrainStop stop) : IDrainStop
    {
        public bool Requested => (gate is not null && gate.IsClosed) || stop.Requested;
    }
}
