using Ebpf.RingBuf;

namespace Ebpf.Tests.Reliability;

/// <summary>
/// The ring buffer's record walk over hostile shared state, on a guard-paged ring mapped like the kernel's (data read-only,
/// twice): positions that wrap 2^64 (RB-20), a consumer position moved ahead of the producer or too far behind it by another
/// mapper (SC-02, CVE-2024-41009), misaligned positions and every header bit combination (SC-03). Every walk must return
/// or throw <see cref="InvalidDataException"/>, never spin and never touch memory outside the mapping (a guard page would
/// kill the process). Each walk runs under a watchdog so a spin fails the test instead of hanging the run.
/// </summary>
public sealed class RingCorruptionTests(ITestOutputHelper output)
{
    private const ulong Size = 4096;
    private static readonly TimeSpan Watchdog = TimeSpan.FromSeconds(10);

    [Fact]
    public void Positions_that_wrap_past_two_to_the_sixty_fourth_deliver_every_record()
    {
        var seen = new List<byte>();
        using var ring = new GuardedKernelRing(Size, span => { seen.Add(span[0]); return 0; });
        ring.ConsumerPos = ring.ProducerPos = ulong.MaxValue - 31; // 8-aligned, 32 bytes before the u64 wraps
        for (byte i = 1; i <= 6; i++) ring.Append([i, 0, 0, 0, 0, 0, 0, 0]); // 16 bytes each: the third crosses 2^64
        Assert.True(ring.ProducerPos < ring.ConsumerPos, "the producer position should have wrapped");

        long count = WithWatchdog(ring, () => ring.Drain(out _));

        Assert.Equal(6, count);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5, 6 }, seen);
        Assert.Equal(ring.ProducerPos, ring.ConsumerPos);
    }

    [Theory]
    [InlineData(8UL)]           // consumer moved just past the producer
    [InlineData(4096UL)]        // a ring ahead
    [InlineData(1UL << 40)]     // far ahead
    public void A_consumer_position_ahead_of_the_producer_is_corruption_not_a_spin(ulong ahead)
    {
        using var ring = new GuardedKernelRing(Size, _ => 0);
        ring.Append(new byte[8]);
        ring.ConsumerPos = ring.ProducerPos + ahead;
        var e = Assert.Throws<InvalidDataException>(() => WithWatchdog(ring, () => ring.Drain(out _)));
        Assert.Contains("'guarded'", e.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_producer_more_than_a_ring_ahead_is_corruption()
    {
        int calls = 0;
        using var ring = new GuardedKernelRing(Size, _ => { calls++; return 0; });
        ring.Append(new byte[8]);
        ring.ProducerPos = ring.ConsumerPos + Size + 8; // more published than the ring can hold
        var e = Assert.Throws<InvalidDataException>(() => WithWatchdog(ring, () => ring.Drain(out _)));
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, calls);
        Assert.Equal(0UL, ring.ConsumerPos); // nothing consumed from a ring that cannot be trusted
    }

    [Theory]
    [InlineData(4UL, 0UL)]
    [InlineData(0UL, 4UL)]
    [InlineData(3UL, 3UL)]
    public void Misaligned_positions_are_corruption(ulong consumerSkew, ulong producerSkew)
    {
        using var ring = new GuardedKernelRing(Size, _ => 0);
        ring.Append(new byte[24]);
        ring.Append(new byte[24]);
        ring.ConsumerPos += consumerSkew;
        ring.ProducerPos += producerSkew;
        var e = Assert.Throws<InvalidDataException>(() => WithWatchdog(ring, () => ring.Drain(out _)));
        Assert.Contains("corrupt", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RingRecordHeader.BusyBit | RingRecordHeader.DiscardBit | 8u)] // busy wins: not committed yet
    [InlineData(RingRecordHeader.BusyBit | 0x3FFF_FFFFu)]                        // busy with an absurd length: wait, do not read
    public void A_busy_header_stops_the_walk_whatever_else_it_claims(uint header)
    {
        int calls = 0;
        using var ring = new GuardedKernelRing(Size, _ => { calls++; return 0; });
        ulong at = ring.Append(new byte[8]);
        ring.WriteHeader(at, header);
        Assert.Equal(0, WithWatchdog(ring, () => ring.Drain(out _)));
        Assert.Equal(0, calls);
        Assert.Equal(0UL, ring.ConsumerPos);
    }

    [Fact]
    public void A_discarded_header_claiming_more_than_was_published_is_corruption()
    {
        using var ring = new GuardedKernelRing(Size, _ => 0);
        ulong at = ring.Append(new byte[8]);
        ring.WriteHeader(at, RingRecordHeader.DiscardBit | 2048u);
        Assert.Throws<InvalidDataException>(() => WithWatchdog(ring, () => ring.Drain(out _)));
        Assert.Equal(0UL, ring.ConsumerPos);
    }

    /// <summary>
    /// 100,000 random ring states: random positions (aligned or not, near 0, near 2^64, cons ahead or far behind), random
    /// header words with every BUSY/DISCARD combination and lengths up to 2^30. Every walk ends (watchdog), throws nothing
    /// but InvalidDataException, hands out spans that lie inside the data mapping and never beyond the published bytes.
    /// </summary>
    [Fact]
    public unsafe void A_hundred_thousand_random_ring_states_never_spin_fault_or_escape_the_mapping()
    {
        const int States = 100_000;
        var random = new Random(41009);
        long delivered = 0, corrupt = 0, clean = 0;
        string last = "";
        nint lo = 0, hi = 0;
        using var ring = new GuardedKernelRing(Size, span =>
        {
            delivered++;
            fixed (byte* p = span)
            {
                if (span.IsEmpty) return 0; // an empty span has no address to check
                Assert.True((nint)p >= lo && (nint)p + span.Length <= hi, $"span [{(nint)p:x}, +{span.Length}) outside the data mapping; {last}");
            }
            return 0;
        });
        lo = ring.Data;
        hi = ring.Data + (nint)(2 * Size);
        WithWatchdog(ring, () =>
        {
            for (int i = 0; i < States; i++)
            {
                ulong cons = random.Next(4) switch
                {
                    0 => (ulong)random.Next(0, 1 << 16),
                    1 => ulong.MaxValue - (ulong)random.Next(0, 1 << 14),
                    2 => (ulong)random.NextInt64() << 1,
                    _ => (ulong)random.Next(0, 64) * 8,
                };
                if (random.Next(3) != 0) cons &= ~7UL;
                ulong prod = random.Next(5) switch
                {
                    0 => cons - (ulong)random.Next(1, 4096),          // behind the consumer
                    1 => cons + (ulong)random.Next(0, (int)Size * 3),  // possibly more than a ring ahead
                    _ => cons + (ulong)random.Next(0, (int)Size / 8) * 8,
                };
                for (int h = 0; h < 8; h++)
                {
                    uint len = (uint)random.Next(6) switch
                    {
                        0 => (uint)random.Next(0, 64),
                        1 => (uint)random.Next(0, (int)Size),
                        2 => (uint)random.Next(0, 1 << 30),
                        _ => (uint)random.Next(0, 32) * 8,
                    };
                    len |= (uint)random.Next(4) << 30; // none, DISCARD, BUSY, BUSY|DISCARD
                    ring.WriteHeader(cons + (ulong)random.Next(0, (int)Size), len);
                }
                ring.ConsumerPos = cons;
                ring.ProducerPos = prod;
                last = $"state {i}: cons {cons}, prod {prod}";
                try
                {
                    ring.Drain(out _);
                    clean++;
                    ulong after = ring.ConsumerPos;
                    Assert.True(after - cons <= prod - cons, $"consumed past the producer: {last}, after {after}");
                }
                catch (InvalidDataException)
                {
                    corrupt++;
                }
            }
            return 0;
        });
        output.WriteLine($"{States} states: {clean} walks ended cleanly, {corrupt} reported corruption, {delivered} records delivered");
        Assert.Equal(States, clean + corrupt);
        Assert.True(corrupt > 0 && clean > 0 && delivered > 0, "the states should exercise both outcomes");
    }

    /// <summary>Runs <paramref name="walk"/> on its own thread; a walk that does not end within the bound fails the test.</summary>
    private static long WithWatchdog(GuardedKernelRing ring, Func<long> walk)
    {
        long result = 0;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try { result = walk(); }
            catch (Exception e) { error = e; }
        }) { IsBackground = true };
        thread.Start();
        if (!thread.Join(Watchdog))
        {
            ring.KeepMappedOnDispose(); // the spinning walk still reads the ring: unmapping it would crash the test run
            Assert.Fail("the ring walk did not end: it spins on this state");
        }
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }
}
