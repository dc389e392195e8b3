using System.Numerics;
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
    internal long Drain<THandler>(ref THandler handler, ReaderGate? gate, PerfDrainStop? stop = null) where THandler : struct, IPerfBufferHandler
    {
        ulong* headPtr = (ulong*)(_meta + DataHeadOffset);
        ulong* tailPtr = (ulong*)(_meta + DataTailOffset);
        // SAFETY: both fields are in the metadata page, mapped for as long as the caller holds the reader gate.
        // Acquire load of data_head pairs with the kernel's smp_wmb + store of data_head in perf_output_put_handle: every
        // record before head is fully written once we see head.
        ulong head = Volatile.Read(ref *headPtr);
        ulong tail = *tailPtr; // only this reader writes data_tail
        if (head == tail) return 0;

        long handled = 0;
        // Fields in locals: the handler's writes through its ref would otherwise make the JIT reload them per record.
        byte* data = _data;
        ulong size = _size, mask = _mask;
        int cpu = Cpu;
        try
        {
            if (head - tail > size || (tail & 7) != 0)
            {
                DiscardTo(ref tail, head);
                return 0;
            }
            while (tail != head)
            {
                ulong available = head - tail;
                ulong offset = tail & mask;
                // SAFETY: offset < _size and is 8-aligned, _size is a power of two ≥ 8, so the 8-byte header lies inside
                // the data area (the kernel never splits a header across the end: records are 8-byte aligned).
                byte* at = data + offset;
                uint type = *(uint*)at;
                uint recordSize = *(ushort*)(at + 6);
                if (recordSize < HeaderSize || (recordSize & 7) != 0 || recordSize > available)
                {
                    DiscardTo(ref tail, head);
                    break;
                }
                // SAFETY: recordSize ≤ available ≤ _size, so a record that fits before the end is inside the data area;
                // one that wraps is copied from two in-bounds pieces into the pinned scratch buffer. Space before
                // data_tail is never rewritten by the kernel, so it stays stable until we publish the new tail.
                byte* record = offset + recordSize <= size ? at : CopyWrapped(offset, (int)recordSize);
                tail += recordSize;

                if (type == PERF_RECORD_SAMPLE)
                {
                    // SAFETY: the u32 raw size at +8 is inside the record when recordSize >= 12.
                    uint rawSize = recordSize >= SampleRawOffset ? *(uint*)(record + HeaderSize) : 0;
                    if (recordSize < SampleRawOffset || rawSize > recordSize - SampleRawOffset)
                    {
                        CountCorrupt(recordSize);
                    }
                    else
                    {
                        handled++;
                        handler.OnSample(cpu, new ReadOnlySpan<byte>(record + SampleRawOffset, (int)rawSize));
                    }
                }
                else if (type == PERF_RECORD_LOST)
                {
                    if (recordSize < LostRecordSize)
                    {
                        CountCorrupt(recordSize);
                    }
                    else
                    {
                        ulong lost = *(ulong*)(record + 16); // u64 id at 8, u64 lost at 16 (bcc#1496 read the wrong one)
                        Volatile.Write(ref _lost, _lost + lost);
                        handled++;
                        handler.OnLost(cpu, lost);
                    }
                }
                else
                {
                    // SW_BPF_OUTPUT events only produce SAMPLE and LOST; anything else is skipped and counted.
                    Volatile.Write(ref _unknown, _unknown + 1);
                }
                if ((gate is not null && gate.IsClosed) || (stop is not null && stop.Requested)) break;
            }
        }
        finally
        {
            // SAFETY: as above. Full fence, then the store of data_tail: our reads of the records must complete before the
            // kernel may reuse their space (it reads data_tail in perf_output_begin and pairs it with its own barrier).
            Interlocked.MemoryBarrier();
            Volatile.Write(ref *tailPtr, tail);
        }
        return handled;
    }

    private byte* CopyWrapped(ulong offset, int length)
    {
        int first = (int)(_size - offset);
        // SAFETY: [offset, _size) and [0, length - first) are inside the data area; length ≤ _scratch.Length. The scratch
        // array is allocated pinned, so the pointer stays valid for the handler's call.
        new ReadOnlySpan<byte>(_data + offset, first).CopyTo(_scratch);
        new ReadOnlySpan<byte>(_data, length - first).CopyTo(_scratch.AsSpan(first));
        return (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_scratch));
    }

    private void CountCorrupt(uint recordSize)
    {
        Volatile.Write(ref _corrupt, _corrupt + 1);
        Volatile.Write(ref _discardedBytes, _discardedBytes + recordSize);
    }

    private void DiscardTo(ref ulong tail, ulong head)
    {
        Volatile.Write(ref _corrupt, _corrupt + 1);
        Volatile.Write(ref _discardedBytes, _discardedBytes + (head - tail));
        tail = head;
    }
}
