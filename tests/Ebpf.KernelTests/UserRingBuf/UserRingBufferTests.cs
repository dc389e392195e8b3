using System.Buffers.Binary;
using System.Diagnostics;
using Ebpf.KernelTests.Infrastructure;
using ThreadState = Ebpf.KernelTests.RingBuf.ThreadState;
using Ebpf.UserRingBuf;

namespace Ebpf.KernelTests.UserRingBuf;

/// <summary>
/// The user ring buffer producer against the kernel's own consumer: every record is drained by
/// bpf_user_ringbuf_drain in a test-run program and echoed back, so these tests see exactly what the kernel read.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UserRingBufferTests
{
    private const int RingBytes = 16 * 1024; // urb in user_ringbuf_test.bpf.c

    private static UserRingDrain Open()
    {
        KernelGuard.RequireRoot();
        if (!Ebpf.Features.KernelFeatures.HasMapType(BpfMapType.UserRingBuf))
            KernelGuard.Unavailable("this kernel has no BPF_MAP_TYPE_USER_RINGBUF (Linux 6.1+)");
        return new UserRingDrain();
    }

    /// <summary>Byte j of record seq: known to the test without storing what was written.</summary>
    private static byte Pattern(ulong seq, int j) => (byte)(seq * 31 + (ulong)j * 7 + 1);

    private static void Fill(Span<byte> data, ulong seq)
    {
        for (int j = 0; j < data.Length; j++) data[j] = Pattern(seq, j);
        if (data.Length >= 8) BinaryPrimitives.WriteUInt64LittleEndian(data, seq);
    }

    private static void Check(ReadOnlySpan<byte> data, ulong seq, int length)
    {
        Assert.Equal(length, data.Length);
        for (int j = length >= 8 ? 8 : 0; j < length; j++)
            if (data[j] != Pattern(seq, j)) Assert.Fail($"record {seq}: byte {j} is {data[j]}, expected {Pattern(seq, j)}");
        if (length >= 8) Assert.Equal(seq, BinaryPrimitives.ReadUInt64LittleEndian(data));
    }

    [Fact]
    public void Records_of_every_length_reach_the_BPF_drain_intact_and_in_order()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        int[] lengths = [0, 1, 7, 8, 9, 15, 16, 63, 100, 255, 1000];
        ulong seq = 0;
        foreach (int length in lengths)
        {
            Assert.True(producer.TryReserve(length, out var record));
            Assert.Equal(length, record.Length);
            Fill(record.Data, seq++);
            producer.Submit(record);
        }
        Assert.Equal((long)lengths.Length, drain.Drain());
        var echoed = drain.TakeEchoed();
        Assert.Equal(lengths.Length, echoed.Count);
        for (int i = 0; i < lengths.Length; i++)
        {
            Assert.Equal((uint)lengths[i], echoed[i].Len); // the length the kernel saw: not rounded up to 8
            Check(echoed[i].Data, (ulong)i, lengths[i]);
        }
        // Every record took round_up(len + 8, 8) bytes, and the drain released them all.
        ulong expected = 0;
        foreach (int length in lengths) expected += (ulong)((length + 8 + 7) & ~7);
        Assert.Equal(expected, producer.ProducerPosition);
        Assert.Equal(expected, producer.ConsumerPosition);
        Assert.Equal((ulong)RingBytes, producer.FreeBytes);
    }

    [Fact]
    public void Discarded_records_are_skipped_by_the_drain_and_their_space_reclaimed()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        for (ulong i = 0; i < 20; i++)
        {
            Assert.True(producer.TryReserve(40, out var record));
            Fill(record.Data, i);
            if (i % 3 == 0) producer.Discard(record);
            else producer.Submit(record);
        }
        // The helper returns samples handed to the program; discarded ones are not.
        Assert.Equal(13L, drain.Drain());
        var echoed = drain.TakeEchoed();
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i % 3 != 0).Select(i => (ulong)i),
            echoed.Select(e => BinaryPrimitives.ReadUInt64LittleEndian(e.Data)));
        Assert.Equal(producer.ProducerPosition, producer.ConsumerPosition);
    }

    [Fact]
    public void The_drain_stops_at_a_record_still_reserved_and_resumes_once_it_is_submitted()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        Assert.True(producer.TryReserve(16, out var first));
        Assert.True(producer.TryReserve(16, out var second));
        Fill(second.Data, 2);
        producer.Submit(second); // out of order: allowed, but the kernel reads in reservation order
        Assert.Equal(0L, drain.Drain());
        Assert.Empty(drain.TakeEchoed());
        Fill(first.Data, 1);
        producer.Submit(first);
        Assert.Equal(2L, drain.Drain());
        Assert.Equal([1ul, 2ul], drain.TakeEchoed().Select(e => BinaryPrimitives.ReadUInt64LittleEndian(e.Data)));
    }

    [Fact]
    public void A_full_ring_refuses_without_waiting_and_accepts_again_after_a_drain()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        int count = 0;
        while (producer.TryReserve(100, out var record))
        {
            Fill(record.Data, (ulong)count++);
            producer.Submit(record);
        }
        // 100-byte records take 112 bytes: 146 fit in 16 KiB, and what is left is less than one record.
        Assert.Equal(RingBytes / 112, count);
        Assert.True(producer.FreeBytes < 112);
        // A smaller record still fits in what is left.
        Assert.True(producer.TryReserve((int)producer.FreeBytes - 8, out var filler));
        producer.Discard(filler);
        Assert.Equal(0ul, producer.FreeBytes);
        Assert.False(producer.TryReserve(0, out _));

        Assert.Equal((long)count, drain.Drain());
        Assert.Equal((ulong)RingBytes, producer.FreeBytes);
        Assert.True(producer.TryReserve(100, out var again));
        producer.Submit(again);
    }

    [Fact]
    public void Records_that_wrap_the_end_of_the_ring_are_contiguous_for_both_sides()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        // 1000-byte records (1008 in the ring) over eight laps of a 16 KiB ring: many of them straddle the end.
        ulong seq = 0;
        int wrapped = 0;
        for (int lap = 0; lap < 8 * RingBytes / 1008 / 5; lap++)
        {
            for (int i = 0; i < 5; i++)
            {
                ulong start = producer.ProducerPosition;
                Assert.True(producer.TryReserve(1000, out var record));
                if ((start & (RingBytes - 1)) + 1008 > RingBytes) wrapped++;
                Fill(record.Data, seq++);
                producer.Submit(record);
            }
            Assert.Equal(5L, drain.Drain());
        }
        Assert.True(wrapped > 0, "no record straddled the end of the ring");
        var echoed = drain.TakeEchoed();
        Assert.Equal((int)seq, echoed.Count);
        for (int i = 0; i < echoed.Count; i++) Check(echoed[i].Data, (ulong)i, 1000);
        Assert.True(producer.ProducerPosition > 8 * (ulong)RingBytes - 5 * 1008);
    }

    [Fact]
    public void A_blocking_reserve_sleeps_until_the_drain_notifies_it()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        FillUp(producer);
        int tid = 0;
        bool reserved = false;
        var watch = new Stopwatch();
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadState.CurrentTid());
            watch.Start();
            if (producer.TryReserve(1000, TimeSpan.FromSeconds(30), out var record))
            {
                watch.Stop();
                Fill(record.Data, 999);
                producer.Submit(record);
                reserved = true;
            }
        });
        thread.Start();
        ThreadState.WaitUntilInEpollWait(ref tid); // really asleep, not spinning on "not full"
        Thread.Sleep(50);
        Assert.True(ThreadState.IsInEpollWait(tid), "the blocked reservation did not stay asleep");
        Assert.Equal(1L, drain.Drain(max: 1)); // frees one 1008-byte record: the notification wakes the reservation
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the reservation was not woken by the drain");
        Assert.True(reserved);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"woken after {watch.Elapsed}");
        drain.Drain();
        var last = drain.TakeEchoed()[^1];
        Check(last.Data, 999, 1000);
    }

    [Fact]
    public void A_drain_with_no_wakeup_leaves_the_blocking_reserve_to_its_deadline()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        FillUp(producer);
        int tid = 0;
        TimeSpan waited = default;
        bool reserved = false;
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadState.CurrentTid());
            var watch = Stopwatch.StartNew();
            reserved = producer.TryReserve(1000, TimeSpan.FromMilliseconds(1500), out var record);
            waited = watch.Elapsed;
            if (reserved) producer.Discard(record);
        });
        thread.Start();
        ThreadState.WaitUntilInEpollWait(ref tid);
        Assert.Equal(1L, drain.Drain(max: 1, flags: UserRingDrain.NoWakeup));
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)));
        // Nobody was notified, so the wait ran to its deadline; the last attempt there found the space (libbpf does the same).
        Assert.True(reserved);
        Assert.True(waited >= TimeSpan.FromMilliseconds(1400), $"returned after {waited}");
    }

    [Fact]
    public void A_blocking_reserve_times_out_on_a_full_ring_and_stops_on_cancel_or_dispose()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        FillUp(producer);
        var watch = Stopwatch.StartNew();
        Assert.False(producer.TryReserve(1000, TimeSpan.FromMilliseconds(200), out _, TestContext.Current.CancellationToken));
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(190), $"gave up after {watch.Elapsed}");
        Assert.False(producer.TryReserve(1000, TimeSpan.Zero, out _, TestContext.Current.CancellationToken));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        watch.Restart();
        Assert.Throws<OperationCanceledException>(() => producer.TryReserve(1000, Timeout.InfiniteTimeSpan, out _, cts.Token));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5));

        Exception? thrown = null;
        int tid = 0;
        var thread = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadState.CurrentTid());
            try { producer.TryReserve(1000, Timeout.InfiniteTimeSpan, out _); }
            catch (Exception e) { thrown = e; }
        });
        thread.Start();
        ThreadState.WaitUntilInEpollWait(ref tid);
        producer.Dispose();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "Dispose did not wake the blocked reservation");
        Assert.IsType<ObjectDisposedException>(thrown);
    }

    [Fact]
    public void Sizes_that_can_never_work_are_refused_with_the_nearest_valid_ones()
    {
        KernelGuard.RequireRoot();
        var before = FdSnapshot.TakeBpf();
        var e = Assert.Throws<BpfMapException>(() =>
            BpfMap.Create(new MapSpec { Name = "odd", Type = BpfMapType.UserRingBuf, MaxEntries = 12288 }));
        Assert.Contains("User ring buffer map 'odd'", e.Message, StringComparison.Ordinal);
        Assert.Contains("8192 or 16384", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf()); // refused before any system call

        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        Assert.Equal(RingBytes - 8, producer.MaxRecordLength);
        var tooLong = Assert.Throws<ArgumentOutOfRangeException>(() => producer.TryReserve(RingBytes - 7, out _));
        Assert.Contains("can never fit", tooLong.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => producer.TryReserve(-1, out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => producer.TryReserve(RingBytes, TimeSpan.FromSeconds(1), out _, TestContext.Current.CancellationToken));
        // The largest record does fit an empty ring.
        Assert.True(producer.TryReserve(RingBytes - 8, out var whole));
        producer.Submit(whole);
        Assert.Equal(1L, drain.Drain());
        Assert.Equal((uint)(RingBytes - 8), drain.TakeEchoed()[0].Len);
    }

    [Fact]
    public void A_second_producer_on_the_same_map_is_refused_until_the_first_is_disposed()
    {
        using var drain = Open();
        var first = new UserRingBuffer(drain.Urb);
        var e = Assert.Throws<InvalidOperationException>(() => new UserRingBuffer(drain.Urb));
        Assert.Contains("already has a producer", e.Message, StringComparison.Ordinal);
        Assert.Contains("'urb'", e.Message, StringComparison.Ordinal);
        using (var viaFd = BpfMap.FromFd(drain.Urb.Fd, "same map, another descriptor"))
            Assert.Throws<InvalidOperationException>(() => new UserRingBuffer(viaFd));
        first.Dispose();
        using var second = new UserRingBuffer(drain.Urb);
        Assert.True(second.TryWrite([1, 2, 3]));
        Assert.Equal(1L, drain.Drain());
    }

    [Fact]
    public void Reserving_from_two_threads_in_turn_hands_the_producer_over_and_never_corrupts_the_ring()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        long submitted = 0, overlaps = 0;
        Exception? failure = null;
        var stop = Stopwatch.StartNew();
        void Hammer()
        {
            while (stop.Elapsed < TimeSpan.FromSeconds(2))
            {
                try
                {
                    if (producer.TryReserve(8, out var record))
                    {
                        BinaryPrimitives.WriteUInt64LittleEndian(record.Data, 7);
                        producer.Submit(record);
                        Interlocked.Increment(ref submitted);
                    }
                }
                catch (InvalidOperationException e) when (e.Message.Contains("two threads were reserving", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref overlaps); // caught in the act: refused, nothing written
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                    return;
                }
            }
        }
        var threads = new[] { new Thread(Hammer), new Thread(Hammer) };
        var drainer = new Thread(() => { while (stop.Elapsed < TimeSpan.FromSeconds(2)) drain.Drain(); });
        foreach (var t in threads) t.Start();
        drainer.Start();
        foreach (var t in threads) t.Join();
        drainer.Join();
        Assert.Null(failure);
        drain.Drain();
        Assert.True(drain.LastReturn >= 0, $"the kernel's drain failed with {drain.LastReturn}: the ring was corrupted");
        // Every record either thread submitted reached the kernel, intact: the 8-byte 7 written, nothing else.
        Assert.True(submitted > 0);
        Assert.Equal((ulong)submitted, drain.Drained);
        Assert.Equal(drain.Drained * 7, drain.Sum);
        Assert.Equal(drain.Drained * 8, drain.Bytes);
        Assert.Equal(producer.ProducerPosition, producer.ConsumerPosition);
        TestContext.Current.SendDiagnosticMessage($"{submitted} records from two threads, {overlaps} overlapping reservations refused");
    }

    [Fact]
    public void Misused_records_get_clear_errors()
    {
        using var drain = Open();
        using var producer = new UserRingBuffer(drain.Urb);
        var e = Assert.Throws<InvalidOperationException>(() => producer.Submit(default));
        Assert.Contains("never reserved", e.Message, StringComparison.Ordinal);
        Assert.True(producer.TryReserve(8, out var record));
        producer.Submit(record);
        ulong position = producer.ProducerPosition;
        var twice = Assert.Throws<InvalidOperationException>(() => Resubmit(producer));
        Assert.Contains("not reserved any more", twice.Message, StringComparison.Ordinal);
        Assert.Equal(position + 16, producer.ProducerPosition); // Resubmit's one reservation; the second submit changed nothing

        using var drain2 = new UserRingDrain();
        using var other = new UserRingBuffer(drain2.Urb);
        var foreign = Assert.Throws<InvalidOperationException>(() => Submit(producer, other));
        Assert.Contains("submit or discard it there", foreign.Message, StringComparison.Ordinal);

        var wrongType = Assert.Throws<ArgumentException>(() => new UserRingBuffer(drain.Object.Map("echo")));
        Assert.Contains("RingBuffer", wrongType.Message, StringComparison.Ordinal);

        static void Resubmit(UserRingBuffer p)
        {
            // Reserve, submit, then submit the same record again.
            Assert.True(p.TryReserve(8, out var r));
            p.Submit(r);
            p.Submit(r);
        }

        static void Submit(UserRingBuffer into, UserRingBuffer from)
        {
            Assert.True(from.TryReserve(8, out var r));
            try { into.Submit(r); }
            finally { from.Discard(r); }
        }
    }

    [Fact]
    public void Dispose_keeps_the_ring_mapped_for_a_record_still_reserved_then_releases_it()
    {
        using var drain = Open();
        var before = FdSnapshot.TakeBpf();
        var producer = new UserRingBuffer(drain.Urb);
        Assert.True(producer.TryReserve(64, out var record));
        producer.Dispose();
        Assert.True(producer.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => producer.TryReserve(8, out _));
        // The span is still backed by the mapping: write it and submit it, and the kernel reads it.
        Fill(record.Data, 42);
        producer.Submit(record);
        Assert.Equal(before, FdSnapshot.TakeBpf()); // released with the last reservation
        Assert.Throws<ObjectDisposedException>(() => producer.FreeBytes);
        Assert.Equal(1L, drain.Drain());
        Check(drain.TakeEchoed()[0].Data, 42, 64);
    }

    /// <summary>Fills the ring with 1000-byte records (1008 bytes each) until the next one does not fit.</summary>
    private static void FillUp(UserRingBuffer producer)
    {
        ulong seq = 0;
        while (producer.TryReserve(1000, out var record))
        {
            Fill(record.Data, seq++);
            producer.Submit(record);
        }
    }
}
