using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ebpf.Events;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Events;

/// <summary>
/// tests/testdata/events_channel_test.bpf.c set up for one transport by EventChannel.Configure: its raw_tp program emits
/// records through ebpf_net/events.bpf.h with caller-chosen timestamps, run by BPF_PROG_TEST_RUN on a chosen CPU.
/// </summary>
internal sealed class ChannelProducer : IDisposable
{
    internal const int RecordSize = 64;

    internal ChannelProducer(EventTransport transport)
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("events_channel_test.bpf.o"));
        Assert.Equal(transport, EventChannel.Configure(spec, "events", transport));
        Object = spec.Load();
        Transport = transport;
    }

    internal BpfObject Object { get; }

    internal EventTransport Transport { get; }

    /// <summary>Every record the program tried to send, counted by the program itself before it tries.</summary>
    internal ulong Attempted => Object.ReadVariable<ulong>("attempted");

    /// <summary>Runs the program on <paramref name="cpu"/>: <paramref name="count"/> records stamped ts0, ts0 + step, ...</summary>
    internal void Emit(int cpu, ulong count, ulong ts0 = 0, ulong step = 1, bool output = false)
    {
        ulong[] args = [count, ts0, step, output ? 1ul : 0ul];
        Assert.Equal((int)count, Object.Program("emit").TestRun(MemoryMarshal.AsBytes(args.AsSpan()), cpu)); // bpf_loop's iterations
    }

    internal static (ulong Ts, uint Cpu, uint Index, ulong Seq) Parse(ReadOnlySpan<byte> record)
    {
        // A perf buffer pads the 64-byte record to 68 (4 + 68 = 72, a multiple of 8).
        Assert.True(record.Length >= RecordSize, $"record of {record.Length} bytes");
        return (BinaryPrimitives.ReadUInt64LittleEndian(record), BinaryPrimitives.ReadUInt32LittleEndian(record[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(record[12..]), BinaryPrimitives.ReadUInt64LittleEndian(record[16..]));
    }

    /// <summary>Adjacent pairs whose timestamps go backwards.</summary>
    internal static int Inversions(IReadOnlyList<ulong> timestamps)
    {
        int n = 0;
        for (int i = 1; i < timestamps.Count; i++) if (timestamps[i] < timestamps[i - 1]) n++;
        return n;
    }

    internal static void RequireTwoCpus()
    {
        if (Environment.ProcessorCount < 2 || Ebpf.Internal.Cpus.Online().Length < 2)
            KernelGuard.Unavailable("the ordering tests need two online CPUs");
    }

    public void Dispose() => Object.Dispose();
}
