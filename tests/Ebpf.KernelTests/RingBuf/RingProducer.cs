using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>Drives tests/testdata/ringbuf_test.bpf.c through BPF_PROG_TEST_RUN and checks the records it wrote.</summary>
internal sealed class RingProducer : IDisposable
{
    internal const ulong NoWakeup = 1, ForceWakeup = 2;

    internal RingProducer() => Object = BpfObject.Load(TestObjects.Path("ringbuf_test.bpf.o"));

    internal BpfObject Object { get; }

    internal BpfMap Rb => Object.Map("rb");
    internal BpfMap Rb2 => Object.Map("rb2");
    internal BpfMap RbBig => Object.Map("rb_big");

    internal ulong Produced => Object.ReadVariable<ulong>("produced");
    internal ulong Discarded => Object.ReadVariable<ulong>("discarded");
    internal ulong Failed => Object.ReadVariable<ulong>("failed");
    internal ulong NextSeq => Object.ReadVariable<ulong>("seq");

    /// <summary>Tries <paramref name="count"/> records of <paramref name="size"/> bytes; returns the loop iterations run.</summary>
    internal int Produce(ulong count, uint size, ProduceMode mode = ProduceMode.Submit, RingTarget target = RingTarget.Rb, ulong flags = 0)
    {
        ulong[] args = [count, size, (ulong)mode, (ulong)target, flags];
        int ran = Object.Program("produce").TestRun(MemoryMarshal.AsBytes(args.AsSpan()));
        Assert.Equal(0ul, Object.ReadVariable<ulong>("unsupported"));
        return ran;
    }

    /// <summary>Checks one record's layout (size, checksum, pattern, trailer) and returns its sequence number.</summary>
    internal static ulong Verify(ReadOnlySpan<byte> record)
    {
        if (record.Length < 24) throw new InvalidDataException($"record of {record.Length} bytes");
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(record);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(record[8..]);
        uint check = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        if (size != record.Length) throw new InvalidDataException($"seq {seq}: size field {size}, span {record.Length}");
        if (check != (((uint)seq * 2654435761u) ^ size)) throw new InvalidDataException($"seq {seq}: bad checksum");
        for (int j = 16; j < record.Length - 4; j++)
            if (record[j] != (byte)(j * 7 + 3)) throw new InvalidDataException($"seq {seq}: byte {j} is {record[j]}");
        if (BinaryPrimitives.ReadUInt32LittleEndian(record[^4..]) != ((uint)seq ^ 0xA5A5A5A5u))
            throw new InvalidDataException($"seq {seq}: bad trailer");
        return seq;
    }

    public void Dispose() => Object.Dispose();
}

public enum ProduceMode : ulong { Submit = 0, Discard = 1, Output = 2, AlternateSubmitDiscard = 3 }

internal enum RingTarget : ulong { Rb = 0, Rb2 = 1, RbBig = 2 }

/// <summary>The head of every test record, for the typed paths.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct RecordHead
{
    public ulong Seq;
    public uint Size;
    public uint Check;
}
