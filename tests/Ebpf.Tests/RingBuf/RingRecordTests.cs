using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.RingBuf;

namespace Ebpf.Tests.RingBuf;

public class RingRecordTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Event
    {
        public ulong Seq;
        public uint Pid;
        public uint Flags;
    }

    [Fact]
    public void As_views_the_record_in_place()
    {
        var bytes = new byte[24];
        BitConverter.TryWriteBytes(bytes.AsSpan(0), 42ul);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), 7u);
        ref readonly var e = ref RingRecord.As<Event>(bytes);
        Assert.Equal(42ul, e.Seq);
        Assert.Equal(7u, e.Pid);
        Assert.True(Unsafe.AreSame(ref Unsafe.As<Event, byte>(ref Unsafe.AsRef(in e)), ref bytes[0]));
        bytes[8] = 9; // a view, not a copy
        Assert.Equal(9u, e.Pid);
    }

    [Fact]
    public void As_refuses_a_short_record()
    {
        var e = Assert.Throws<ArgumentException>(() => RingRecord.As<Event>(new byte[15]));
        Assert.Contains("15 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("Event (16 bytes)", e.Message, StringComparison.Ordinal);
        Assert.False(RingRecord.TryRead<Event>(new byte[15], out _));
        Assert.True(RingRecord.TryRead<Event>(new byte[16], out _));
    }
}
