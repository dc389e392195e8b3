using CsCheck;
using Ebpf.Perf;

namespace Ebpf.Tests.Perf;

public class PerfBufferSizeTests
{
    [Theory]
    [InlineData(1L, true)]
    [InlineData(2L, true)]
    [InlineData(64L, true)]
    [InlineData(1L << 30, true)]
    [InlineData(0L, false)]
    [InlineData(-1L, false)]
    [InlineData(3L, false)]
    [InlineData(6L, false)]
    [InlineData(1L << 31, false)]
    public void Validity_is_a_power_of_two_at_least_one(long pages, bool valid) => Assert.Equal(valid, PerfBufferSize.IsValid(pages));

    [Theory]
    [InlineData(0L, 1, 1)]
    [InlineData(3L, 2, 4)]
    [InlineData(6L, 4, 8)]
    [InlineData(8L, 8, 8)]
    [InlineData(1000L, 512, 1024)]
    public void Nearest_brackets_the_request(long pages, int below, int above) => Assert.Equal((below, above), PerfBufferSize.Nearest(pages));

    [Fact]
    public void Message_names_the_map_the_memory_and_the_nearest_values()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PerfBufferSize.Validate("events", 3, 4096, 2));
        Assert.Contains("'events'", e.Message, StringComparison.Ordinal);
        Assert.Contains("3 × 4096 bytes × 2 CPUs = 24 KiB", e.Message, StringComparison.Ordinal);
        // (1 + 2) pages × 4 KiB × 2 CPUs = 24 KiB; (1 + 4) × 4 KiB × 2 = 40 KiB
        Assert.Contains("2 (24 KiB in total) or 4 (40 KiB in total)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Zero_pages_suggests_one_page()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => PerfBufferSize.Validate("events", 0, 4096, 4));
        Assert.Contains("Nearest valid values: 1 (32 KiB in total)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_counts_pass() => PerfBufferSize.Validate("events", 8, 4096, 2);

    [Theory]
    [InlineData(0UL, 1)]
    [InlineData(1UL, 1)]
    [InlineData(4096UL, 1)]
    [InlineData(4097UL, 2)]
    [InlineData(3 * 4096UL, 4)]
    public void PagesFor_rounds_bytes_up_to_a_valid_count(ulong bytes, int pages) => Assert.Equal(pages, PerfBufferSize.PagesFor(bytes, 4096));

    [Fact]
    public void Total_counts_the_metadata_page_per_cpu() => Assert.Equal((1UL + 8) * 4096 * 3, PerfBufferSize.TotalBytes(8, 4096, 3));

    [Fact]
    public void Nearest_values_are_always_valid_and_bracket_the_input()
    {
        Gen.Long[-10, 1L << 31].Sample(pages =>
        {
            var (below, above) = PerfBufferSize.Nearest(pages);
            Assert.True(PerfBufferSize.IsValid(below) && PerfBufferSize.IsValid(above));
            Assert.True(below <= above);
            if (pages >= 1 && pages <= PerfBufferSize.MaxPageCount) Assert.True(below <= pages && pages <= above);
            if (PerfBufferSize.IsValid(pages)) Assert.Equal((pages, pages), ((long)below, (long)above));
        });
    }
}
