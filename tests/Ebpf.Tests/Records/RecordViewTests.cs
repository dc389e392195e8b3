using System.Runtime.InteropServices;
using Ebpf.Records;
using Ebpf.RingBuf;

namespace Ebpf.Tests.Records;

/// <summary>Views of records at the alignments the transports give: 8 bytes (ring buffer), 4 bytes (perf buffer samples).</summary>
public class RecordViewTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct WithU64
    {
        public ulong Seq;
        public uint Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct WithU32
    {
        public uint A;
        public uint B;
    }

    // What ebpf gen emits: explicit layout, Pack = 1, so any address suits it.
    [StructLayout(LayoutKind.Explicit, Size = 16, Pack = 1)]
    private struct Generated
    {
        [FieldOffset(0)] public ulong Seq;
        [FieldOffset(8)] public uint Pid;
    }

    /// <summary>A 32-byte buffer whose data starts 8-byte aligned; slicing at 4 gives a perf sample's alignment.</summary>
    private static byte[] Aligned()
    {
        var bytes = GC.AllocateArray<byte>(40, pinned: true);
        return bytes;
    }

    private static unsafe int Misalignment(ReadOnlySpan<byte> s)
    {
        fixed (byte* p = s) return (int)((nuint)p & 7);
    }

    [Fact]
    public void A_perf_sample_alignment_refuses_types_that_need_8_and_serves_the_others()
    {
        var bytes = Aligned();
        int start = Misalignment(bytes) == 0 ? 4 : 8 - Misalignment(bytes) + 4; // 4 mod 8, as perf sample data
        var sample = bytes.AsSpan(start, 24);
        var copy = new ArraySegment<byte>(bytes, start, 24);
        Assert.Equal(4, Misalignment(sample));
        BitConverter.TryWriteBytes(sample, 42ul);
        BitConverter.TryWriteBytes(sample[8..], 7u);

        var e = Assert.Throws<ArgumentException>(() => RecordView.As<WithU64>(copy));
        Assert.Contains("not 8-byte aligned", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => RingRecord.As<WithU64>(copy));
        Assert.Equal(42ul, RecordView.Read<WithU64>(sample).Seq); // a copy works anywhere
        Assert.Equal(42u, RecordView.As<WithU32>(sample).A);
        ref readonly var g = ref RecordView.As<Generated>(sample); // in place
        Assert.Equal((42ul, 7u), (g.Seq, g.Pid));
        sample[8] = 9;
        Assert.Equal(9u, g.Pid);
    }

    [Fact]
    public void A_ring_record_alignment_serves_types_that_need_8_in_place()
    {
        var bytes = Aligned();
        int start = (8 - Misalignment(bytes)) % 8;
        var record = bytes.AsSpan(start, 16);
        var shortRecord = new ArraySegment<byte>(bytes, start, 15);
        BitConverter.TryWriteBytes(record, 5ul);
        ref readonly var e = ref RecordView.As<WithU64>(record);
        Assert.Equal(5ul, e.Seq);
        Assert.Throws<ArgumentException>(() => RecordView.Read<WithU64>(shortRecord));
    }
}
