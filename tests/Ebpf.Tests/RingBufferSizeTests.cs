using CsCheck;
using Ebpf.RingBuf;

namespace Ebpf.Tests;

public class RingBufferSizeTests
{
    [Theory]
    [InlineData(4096UL, true)]
    [InlineData(8192UL, true)]
    [InlineData(1UL << 31, true)]
    [InlineData(0UL, false)]
    [InlineData(4097UL, false)]
    [InlineData(12288UL, false)]
    [InlineData(2048UL, false)]
    [InlineData(1UL << 32, false)]
    public void Validity_follows_the_kernel_rule(ulong size, bool valid) => Assert.Equal(valid, RingBufferSize.IsValid(size, 4096));

    [Fact]
    public void Invalid_size_names_the_map_and_the_nearest_sizes()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RingBufferSize.Validate("events", 12288, 4096));
        Assert.Contains("'events'", e.Message, StringComparison.Ordinal);
        Assert.Contains("8192 or 16384", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_ring_buffer_is_named_as_such_when_refused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => RingBufferSize.Validate("requests", 4096 * 3, 4096, "User ring buffer"));
        Assert.StartsWith("User ring buffer map 'requests'", e.Message, StringComparison.Ordinal);
        Assert.Contains("8192 or 16384", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nearest_sizes_bracket_any_input()
    {
        Gen.ULong[1, 1UL << 33].Sample(size =>
        {
            var (below, above) = RingBufferSize.Nearest(size, 4096);
            Assert.True(RingBufferSize.IsValid(below, 4096) && RingBufferSize.IsValid(above, 4096));
            Assert.True(below <= above);
            if (size >= 4096 && size <= 1UL << 31) Assert.True(below <= size && size <= above);
        });
    }
}
