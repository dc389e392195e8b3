using CsCheck;
using Ebpf.RingBuf;

namespace Ebpf.Tests.RingBuf;

public class RingRecordHeaderTests
{
    [Theory]
    [InlineData(0u, 8ul)]
    [InlineData(1u, 16ul)]
    [InlineData(8u, 16ul)]
    [InlineData(9u, 24ul)]
    [InlineData(100u, 112ul)]
    [InlineData(4096u, 4104ul)]
    [InlineData(0x3FFF_FFFFu, 0x4000_0008ul)]
    public void Footprint_is_header_plus_payload_rounded_to_8(uint len, ulong footprint) =>
        Assert.Equal(footprint, RingRecordHeader.Footprint(len));

    [Fact]
    public void Busy_and_discard_bits_do_not_count_as_length()
    {
        Gen.UInt[0, 0x3FFF_FFFF].Sample(len =>
        {
            ulong plain = RingRecordHeader.Footprint(len);
            Assert.Equal(plain, RingRecordHeader.Footprint(len | RingRecordHeader.BusyBit));
            Assert.Equal(plain, RingRecordHeader.Footprint(len | RingRecordHeader.DiscardBit));
            Assert.Equal((int)len, RingRecordHeader.PayloadLength(len | RingRecordHeader.BusyBit | RingRecordHeader.DiscardBit));
            Assert.Equal(0ul, plain % 8);
            Assert.True(plain >= len + 8ul && plain < len + 16ul);
        });
    }

    [Fact]
    public void Bits_match_the_uapi()
    {
        Assert.Equal(0x8000_0000u, RingRecordHeader.BusyBit);
        Assert.Equal(0x4000_0000u, RingRecordHeader.DiscardBit);
        Assert.True(RingRecordHeader.IsBusy(0x8000_0010));
        Assert.False(RingRecordHeader.IsBusy(0x4000_0010));
        Assert.True(RingRecordHeader.IsDiscarded(0x4000_0010));
        Assert.False(RingRecordHeader.IsDiscarded(0x0000_0010));
    }
}
