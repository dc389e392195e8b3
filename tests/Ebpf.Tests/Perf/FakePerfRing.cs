using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ebpf.Perf;

namespace Ebpf.Tests.Perf;

/// <summary>
/// A perf_event_mmap_page plus data area in native memory, written the way the kernel writes it (records at data_head,
/// wrapping the end), so PerfRing can be fed well-formed and hostile input without a kernel.
/// </summary>
internal sealed unsafe class FakePerfRing : IDisposable
{
    internal const int PageSize = 4096;
    private readonly byte* _mem;
    private readonly ulong _length;

    internal FakePerfRing(ulong dataSize, bool fillOffsets = true, ulong? reportedDataSize = null)
    {
        DataSize = dataSize;
        _length = PageSize + dataSize;
        _mem = (byte*)NativeMemory.AlignedAlloc((nuint)_length, PageSize);
        NativeMemory.Clear(_mem, (nuint)_length);
        if (fillOffsets)
        {
            *(ulong*)(_mem + PerfRing.DataOffsetOffset) = PageSize;
            *(ulong*)(_mem + PerfRing.DataSizeOffset) = reportedDataSize ?? dataSize;
        }
    }

    internal ulong DataSize { get; }

    internal ulong Head
    {
        get => *(ulong*)(_mem + PerfRing.DataHeadOffset);
        set => *(ulong*)(_mem + PerfRing.DataHeadOffset) = value;
    }

    internal ulong Tail
    {
        get => *(ulong*)(_mem + PerfRing.DataTailOffset);
        set => *(ulong*)(_mem + PerfRing.DataTailOffset) = value;
    }

    internal ulong Free => DataSize - (Head - Tail);

    internal PerfRing Ring(int cpu = 3) => new((nint)_mem, _length, PageSize, cpu);

    /// <summary>Writes raw record bytes at data_head (wrapping) and publishes them.</summary>
    internal void Write(ReadOnlySpan<byte> record)
    {
        ulong pos = Head;
        for (int i = 0; i < record.Length; i++)
            _mem[PageSize + (long)((pos + (ulong)i) & (DataSize - 1))] = record[i];
        Head = pos + (ulong)record.Length;
    }

    /// <summary>The bytes of a PERF_RECORD_SAMPLE carrying <paramref name="payload"/>, padded as the kernel pads it.</summary>
    internal static byte[] SampleRecord(ReadOnlySpan<byte> payload)
    {
        int raw = ((payload.Length + 4 + 7) & ~7) - 4;
        var r = new byte[12 + raw];
        Header(r, PerfRing.PERF_RECORD_SAMPLE, r.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), (uint)raw);
        payload.CopyTo(r.AsSpan(12));
        for (int i = 12 + payload.Length; i < r.Length; i++) r[i] = 0xEE; // the padding is garbage as far as the reader knows
        return r;
    }

    internal static byte[] LostRecord(ulong id, ulong lost)
    {
        var r = new byte[24];
        Header(r, PerfRing.PERF_RECORD_LOST, 24);
        BinaryPrimitives.WriteUInt64LittleEndian(r.AsSpan(8), id);
        BinaryPrimitives.WriteUInt64LittleEndian(r.AsSpan(16), lost);
        return r;
    }

    internal static void Header(Span<byte> r, uint type, int size)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(r, type);
        BinaryPrimitives.WriteUInt16LittleEndian(r[4..], 0);
        BinaryPrimitives.WriteUInt16LittleEndian(r[6..], (ushort)size);
    }

    internal static byte[] Payload(int length, int seed)
    {
        var p = new byte[length];
        for (int i = 0; i < length; i++) p[i] = (byte)(seed * 31 + i * 7);
        return p;
    }

    public void Dispose() => NativeMemory.AlignedFree(_mem);
}
