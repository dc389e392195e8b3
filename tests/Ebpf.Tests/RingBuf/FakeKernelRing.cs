using System.Runtime.InteropServices;
using Ebpf.Internal;
using Ebpf.RingBuf;

namespace Ebpf.Tests.RingBuf;

/// <summary>
/// A ring laid out the way the kernel maps it (consumer page, producer page, data mapped twice), in native memory,
/// with a producer that writes records like bpf_ringbuf_reserve/commit. For tests of the record walk without a kernel.
/// </summary>
internal sealed unsafe class FakeKernelRing : IDisposable
{
    private readonly ulong* _positions; // [0] consumer_pos, [1] producer_pos
    private readonly byte* _data;

    internal FakeKernelRing(ulong size = 4096, RingBufferHandler? handler = null, int publishInterval = 1)
    {
        Size = size;
        _positions = (ulong*)NativeMemory.AllocZeroed(2, sizeof(ulong));
        _data = (byte*)NativeMemory.AllocZeroed((nuint)(2 * size));
        Gate = new ReaderGate(() => { });
        Ring = Ring.OverMemory(Gate, "fake", size, handler ?? (_ => 0), publishInterval, &_positions[0], &_positions[1], _data);
    }

    internal ulong Size { get; }
    internal Ring Ring { get; }
    internal ReaderGate Gate { get; }

    internal ulong ConsumerPos { get => Volatile.Read(ref _positions[0]); set => _positions[0] = value; }
    internal ulong ProducerPos { get => Volatile.Read(ref _positions[1]); set => _positions[1] = value; }

    /// <summary>Appends a record at producer_pos (header, payload, padding) and returns its position.</summary>
    internal ulong Append(ReadOnlySpan<byte> payload, uint flags = 0) => AppendRaw((uint)payload.Length | flags, payload);

    internal ulong AppendRaw(uint len, ReadOnlySpan<byte> payload)
    {
        ulong pos = ProducerPos;
        Span<byte> header = stackalloc byte[8];
        BitConverter.TryWriteBytes(header, len);
        BitConverter.TryWriteBytes(header[4..], 0u);
        WriteAt(pos, header);
        WriteAt(pos + 8, payload);
        ProducerPos = pos + ((8 + (ulong)payload.Length + 7) & ~7UL);
        return pos;
    }

    /// <summary>Rewrites the length word of the record at <paramref name="pos"/> (commit: clear BUSY, maybe set DISCARD).</summary>
    internal void SetLength(ulong pos, uint len)
    {
        Span<byte> word = stackalloc byte[4];
        BitConverter.TryWriteBytes(word, len);
        WriteAt(pos, word);
    }

    /// <summary>Drains with the ring's handler, as a RingBuffer would, holding the gate.</summary>
    internal long Drain(long max, out int stop) => Ring.Drain(Ring.Handler, max, out stop);

    // The double mapping: logical byte i of the ring appears at i and at i + Size.
    private void WriteAt(ulong pos, ReadOnlySpan<byte> bytes)
    {
        for (int k = 0; k < bytes.Length; k++)
        {
            ulong i = (pos + (ulong)k) & (Size - 1);
            _data[i] = bytes[k];
            _data[i + Size] = bytes[k];
        }
    }

    public void Dispose()
    {
        NativeMemory.Free(_positions);
        NativeMemory.Free(_data);
    }
}
