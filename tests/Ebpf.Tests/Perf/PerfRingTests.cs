using CsCheck;
using Ebpf.Perf;

namespace Ebpf.Tests.Perf;

public class PerfRingTests
{
    private sealed class Collector
    {
        public readonly List<(int Cpu, byte[] Data)> Samples = [];
        public readonly List<(int Cpu, ulong Lost)> Lost = [];
        public void OnSample(int cpu, ReadOnlySpan<byte> data) => Samples.Add((cpu, data.ToArray()));
        public void OnLost(int cpu, ulong lost) => Lost.Add((cpu, lost));
    }

    [Fact]
    public void Samples_arrive_in_order_with_cpu_and_kernel_padding()
    {
        using var fake = new FakePerfRing(4096);
        fake.Write(FakePerfRing.SampleRecord([1, 2, 3, 4, 5]));
        fake.Write(FakePerfRing.SampleRecord(FakePerfRing.Payload(20, 1)));
        var ring = fake.Ring(cpu: 7);
        var c = new Collector();

        Assert.Equal(2, ring.Drain(c.OnSample, c.OnLost, null));

        Assert.All(c.Samples, s => Assert.Equal(7, s.Cpu));
        // 5 bytes -> raw size round_up(5 + 4, 8) - 4 = 12: the span includes 7 padding bytes.
        Assert.Equal(12, c.Samples[0].Data.Length);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, c.Samples[0].Data[..5]);
        Assert.Equal(20, c.Samples[1].Data.Length); // 20 + 4 is already a multiple of 8
        Assert.Equal(FakePerfRing.Payload(20, 1), c.Samples[1].Data);
        Assert.Equal(fake.Head, fake.Tail);
        Assert.Equal(0, ring.Drain(c.OnSample, c.OnLost, null));
    }

    [Fact]
    public void A_record_wrapping_the_end_arrives_intact()
    {
        using var fake = new FakePerfRing(256);
        var c = new Collector();
        var ring = fake.Ring();
        fake.Write(FakePerfRing.SampleRecord(FakePerfRing.Payload(180, 1))); // 192 bytes: tail ends at 192
        Assert.Equal(1, ring.Drain(c.OnSample, null, null));
        var wrapping = FakePerfRing.Payload(100, 2);                          // 112 bytes from 192: wraps at 256
        fake.Write(FakePerfRing.SampleRecord(wrapping));
        Assert.Equal(1, ring.Drain(c.OnSample, null, null));
        Assert.Equal(wrapping, c.Samples[1].Data);
        Assert.Equal(304UL, fake.Tail);
    }

    [Fact]
    public void Lost_records_report_the_lost_field_not_the_id()
    {
        using var fake = new FakePerfRing(4096);
        fake.Write(FakePerfRing.LostRecord(id: 99, lost: 5));
        fake.Write(FakePerfRing.SampleRecord([1]));
        fake.Write(FakePerfRing.LostRecord(id: 99, lost: 2));
        var ring = fake.Ring(cpu: 1);
        var c = new Collector();

        Assert.Equal(3, ring.Drain(c.OnSample, c.OnLost, null));

        Assert.Equal([(1, 5UL), (1, 2UL)], c.Lost);
        Assert.Equal(7UL, ring.Lost);
        Assert.Single(c.Samples);
    }

    [Fact]
    public void Lost_records_are_counted_without_a_handler()
    {
        using var fake = new FakePerfRing(4096);
        fake.Write(FakePerfRing.LostRecord(1, 4));
        var ring = fake.Ring();
        Assert.Equal(1, ring.Drain(new Collector().OnSample, null, null));
        Assert.Equal(4UL, ring.Lost);
    }

    [Fact]
    public void Unknown_record_types_are_skipped_and_counted()
    {
        using var fake = new FakePerfRing(4096);
        var unknown = new byte[32];
        FakePerfRing.Header(unknown, type: 3 /* PERF_RECORD_COMM */, size: 32);
        fake.Write(unknown);
        fake.Write(FakePerfRing.SampleRecord([9, 9, 9, 9]));
        var ring = fake.Ring();
        var c = new Collector();

        Assert.Equal(1, ring.Drain(c.OnSample, c.OnLost, null));

        Assert.Equal(1UL, ring.Unknown);
        Assert.Equal(0UL, ring.Corrupt);
        Assert.Single(c.Samples);
    }

    [Theory]
    [InlineData(0)]    // would spin forever if trusted
    [InlineData(4)]    // shorter than the header
    [InlineData(13)]   // not 8-byte aligned
    [InlineData(4000)] // beyond the published data
    public void A_bad_header_size_discards_the_ring_without_spinning(int size)
    {
        using var fake = new FakePerfRing(4096);
        var bad = new byte[16];
        FakePerfRing.Header(bad, PerfRing.PERF_RECORD_SAMPLE, size);
        fake.Write(bad);
        fake.Write(FakePerfRing.SampleRecord([1, 2, 3]));
        var ring = fake.Ring();
        var c = new Collector();

        Assert.Equal(0, ring.Drain(c.OnSample, c.OnLost, null));

        Assert.Empty(c.Samples);
        Assert.Equal(1UL, ring.Corrupt);
        Assert.Equal(32UL, ring.DiscardedBytes);
        Assert.Equal(fake.Head, fake.Tail);
        // The ring recovers: data written afterwards is read normally.
        fake.Write(FakePerfRing.SampleRecord([4, 5, 6, 7]));
        Assert.Equal(1, ring.Drain(c.OnSample, c.OnLost, null));
    }

    [Fact]
    public void Head_further_ahead_than_the_ring_size_is_corruption()
    {
        using var fake = new FakePerfRing(256);
        fake.Head = 4096; // 4096 bytes "pending" in a 256-byte ring: impossible
        var ring = fake.Ring();
        var c = new Collector();
        Assert.Equal(0, ring.Drain(c.OnSample, c.OnLost, null));
        Assert.Equal(1UL, ring.Corrupt);
        Assert.Equal(4096UL, fake.Tail);
    }

    [Fact]
    public void A_sample_whose_raw_size_overruns_its_record_is_skipped_alone()
    {
        using var fake = new FakePerfRing(4096);
        var bad = FakePerfRing.SampleRecord(FakePerfRing.Payload(12, 0));
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(bad.AsSpan(8), 1000);
        fake.Write(bad);
        fake.Write(FakePerfRing.SampleRecord([42, 0, 0, 0]));
        var ring = fake.Ring();
        var c = new Collector();

        Assert.Equal(1, ring.Drain(c.OnSample, c.OnLost, null));

        Assert.Equal(42, Assert.Single(c.Samples).Data[0]);
        Assert.Equal(1UL, ring.Corrupt);
    }

    [Fact]
    public void A_throwing_handler_consumes_its_record_and_the_next_drain_continues()
    {
        using var fake = new FakePerfRing(4096);
        fake.Write(FakePerfRing.SampleRecord([1, 0, 0, 0]));
        fake.Write(FakePerfRing.SampleRecord([2, 0, 0, 0]));
        var ring = fake.Ring();
        Assert.Throws<InvalidOperationException>(() => ring.Drain((_, d) => throw new InvalidOperationException("boom"), null, null));
        Assert.Equal(16UL, fake.Tail);
        var c = new Collector();
        Assert.Equal(1, ring.Drain(c.OnSample, null, null));
        Assert.Equal(2, Assert.Single(c.Samples).Data[0]);
    }

    [Fact]
    public void Missing_data_offset_and_size_fall_back_to_the_page_after_the_metadata()
    {
        using var fake = new FakePerfRing(8192, fillOffsets: false);
        fake.Write(FakePerfRing.SampleRecord([5, 6, 7, 8]));
        var ring = fake.Ring();
        Assert.Equal(8192UL, ring.DataSize);
        var c = new Collector();
        Assert.Equal(1, ring.Drain(c.OnSample, null, null));
        Assert.Equal(5, c.Samples[0].Data[0]);
    }

    [Theory]
    [InlineData(3000UL)]   // not a power of two
    [InlineData(16384UL)]  // beyond the mapping
    public void An_impossible_data_area_is_refused(ulong reported)
    {
        using var fake = new FakePerfRing(4096, reportedDataSize: reported);
        var e = Assert.Throws<BpfException>(() => fake.Ring(cpu: 1));
        Assert.Contains("CPU 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Draining_unwrapped_records_allocates_nothing()
    {
        using var fake = new FakePerfRing(1 << 16);
        var ring = fake.Ring();
        long sum = 0;
        PerfSampleHandler onSample = (_, d) => sum += d[0];
        for (int i = 0; i < 100; i++) fake.Write(FakePerfRing.SampleRecord([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
        ring.Drain(onSample, null, null); // warm up (JIT)
        for (int i = 0; i < 1000; i++) fake.Write(FakePerfRing.SampleRecord([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        long handled = ring.Drain(onSample, null, null);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, handled);
        Assert.Equal(0, allocated);
        Assert.Equal(1100, sum);
    }

    [Fact]
    public void Any_sequence_of_writes_and_drains_delivers_every_payload_intact_in_order()
    {
        // Sizes up to 200 bytes in a 512-byte ring: many records wrap. The writer never overruns the reader (as the kernel).
        Gen.Select(Gen.Int[0, 200].Array[1, 60], Gen.Bool.Array[60]).Sample((sizes, drainAfter) =>
        {
            using var fake = new FakePerfRing(512);
            var ring = fake.Ring();
            var c = new Collector();
            var expected = new List<byte[]>();
            for (int i = 0; i < sizes.Length; i++)
            {
                var payload = FakePerfRing.Payload(sizes[i], i);
                var record = FakePerfRing.SampleRecord(payload);
                if ((ulong)record.Length > fake.Free) ring.Drain(c.OnSample, null, null);
                fake.Write(record);
                expected.Add(payload);
                if (drainAfter[i]) ring.Drain(c.OnSample, null, null);
            }
            ring.Drain(c.OnSample, null, null);
            Assert.Equal(expected.Count, c.Samples.Count);
            for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], c.Samples[i].Data[..expected[i].Length]);
            Assert.Equal(0UL, ring.Corrupt);
        });
    }
}
