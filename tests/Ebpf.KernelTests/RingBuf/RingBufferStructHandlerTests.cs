using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>Consume(ref THandler): the struct-specialised path sees the same records, in order, with the same stop rule.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferStructHandlerTests
{
    private struct Collect(int stopAfter) : IRingBufferHandler
    {
        public List<ulong> Seqs = [];
        public int OnRecord(ReadOnlySpan<byte> record)
        {
            Seqs.Add(RingProducer.Verify(record));
            return Seqs.Count == stopAfter ? -42 : 0;
        }
    }

    [Fact]
    public void A_struct_handler_gets_every_record_in_order_and_its_writes_are_visible_to_the_caller()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, _ => throw new InvalidOperationException("the registered handler must not run"));
        ulong first = p.NextSeq;
        p.Produce(100, 64);
        var handler = new Collect(stopAfter: -1);
        Assert.Equal(100, rb.Consume(ref handler));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => first + (ulong)i), handler.Seqs);
        Assert.Equal(0ul, rb.Rings[0].AvailableBytes);
    }

    [Fact]
    public void A_struct_handler_stop_value_surfaces_and_the_rest_stays()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, _ => 0);
        p.Produce(10, 32);
        var stopping = new Collect(stopAfter: 4);
        Assert.Equal(-42, rb.Consume(ref stopping));
        Assert.Equal(4, stopping.Seqs.Count);
        var rest = new Collect(stopAfter: -1);
        Assert.Equal(6, rb.Consume(ref rest));
    }
}
