using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.UserRingBuf;

/// <summary>
/// Drives tests/testdata/user_ringbuf_test.bpf.c: its raw_tp program drains the user ring buffer `urb` with
/// bpf_user_ringbuf_drain (BPF_PROG_TEST_RUN) and echoes every sample into the ring buffer `echo`, read back here.
/// </summary>
internal sealed class UserRingDrain : IDisposable
{
    internal const ulong NoWakeup = 1, ForceWakeup = 2;
    private readonly RingBuffer _echo;
    private readonly List<(uint Len, uint Index, byte[] Data)> _echoed = [];

    internal UserRingDrain()
    {
        Object = BpfObject.Load(TestObjects.Path("user_ringbuf_test.bpf.o"));
        _echo = new RingBuffer(Object.Map("echo"), record =>
        {
            uint len = BinaryPrimitives.ReadUInt32LittleEndian(record);
            uint index = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
            _echoed.Add((len, index, record[8..].ToArray()));
            return 0;
        });
    }

    internal BpfObject Object { get; }

    internal BpfMap Urb => Object.Map("urb");

    internal ulong Drained => Object.ReadVariable<ulong>("drained");
    internal ulong Bytes => Object.ReadVariable<ulong>("bytes");
    internal ulong Sum => Object.ReadVariable<ulong>("sum");
    internal ulong EchoFailed => Object.ReadVariable<ulong>("echo_failed");
    /// <summary>What bpf_user_ringbuf_drain returned in the last run: samples consumed (discarded ones not counted), or -errno.</summary>
    internal long LastReturn => Object.ReadVariable<long>("last_ret");

    /// <summary>Runs the drain program once (on the calling thread); returns what the helper returned.</summary>
    internal long Drain(ulong max = 0, ulong flags = 0)
    {
        ulong[] args = [max, flags];
        Assert.Equal(0, Object.Program("drain").TestRun(MemoryMarshal.AsBytes(args.AsSpan())));
        return LastReturn;
    }

    /// <summary>The samples echoed since the last call, in drain order: (length the kernel saw, drain index, bytes).</summary>
    internal List<(uint Len, uint Index, byte[] Data)> TakeEchoed()
    {
        _echo.Consume();
        Assert.Equal(0ul, EchoFailed);
        var result = _echoed.ToList();
        _echoed.Clear();
        return result;
    }

    public void Dispose()
    {
        _echo.Dispose();
        Object.Dispose();
    }
}
