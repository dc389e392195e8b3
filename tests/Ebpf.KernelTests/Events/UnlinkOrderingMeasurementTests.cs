using System.Runtime.InteropServices;
using System.Text;
using Ebpf.Events;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Events;

/// <summary>
/// The measurement with the tool's own program (bpf/unlinks.bpf.o, one source for both transports): two threads
/// pinned to CPU 0 and CPU 1 delete 5,000 files each while a reader polls; the delivered order is counted for inversions
/// without and with an ordering window. Every deletion is accounted for (received or dropped), and with the window only
/// records flagged late can be out of order.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UnlinkOrderingMeasurementTests
{
    private const int FilesPerCpu = 5000;
    private const int FilenameOffset = 32; // struct unlink_event: ts_ns, pid, tid, comm[16], filename[256]

    [Theory]
    [InlineData(EventTransport.RingBuf)]
    [InlineData(EventTransport.PerfBuffer)]
    public void Two_CPUs_deleting_5000_files_each_arrive_in_order_with_a_window(EventTransport transport)
    {
        ChannelProducer.RequireTwoCpus();
        var without = Run(transport, window: null);
        var with = Run(transport, TimeSpan.FromMilliseconds(100));
        TestContext.Current.SendDiagnosticMessage(
            $"{transport}: without a window {without.Inversions} inversions in {without.Received} records ({without.Dropped} dropped); " +
            $"with 100 ms {with.Inversions} inversions, {with.Late} late, {with.Received} records ({with.Dropped} dropped)");
        Assert.True(with.Inversions <= with.Late, $"{with.Inversions} inversions but only {with.Late} records flagged late");
    }

    private sealed record Outcome(int Received, long Dropped, int Inversions, long Late);

    private static unsafe Outcome Run(EventTransport transport, TimeSpan? window)
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-order-");
        try
        {
            string marker = Path.GetFileName(dir.FullName);
            var files = new string[2][];
            for (int cpu = 0; cpu < 2; cpu++)
            {
                files[cpu] = new string[FilesPerCpu];
                for (int i = 0; i < FilesPerCpu; i++)
                {
                    files[cpu][i] = Path.Combine(dir.FullName, $"c{cpu}-{i}");
                    File.WriteAllBytes(files[cpu][i], []);
                }
            }

            var spec = BpfObjectSpec.FromFile(TestObjects.Path("unlinks.bpf.o"));
            EventChannel.Configure(spec, "events", transport);
            spec.SetVariable("target_pid", (uint)Environment.ProcessId);
            using var obj = spec.Load();
            using BpfLink a = obj.Program("unlinkat").Attach(), b = obj.Program("unlink").Attach();
            var timestamps = new List<ulong>(2 * FilesPerCpu);
            var lateFlags = new List<bool>(2 * FilesPerCpu);
            var options = new EventReaderOptions
            {
                OrderWindow = window,
                Timestamp = static r => MemoryMarshal.Read<ulong>(r),
                OrderCapacity = 4 * FilesPerCpu,
                PerfPagesPerCpu = 256,
            };
            using var reader = EventReader.Open(obj, "events", (record, late) =>
            {
                var name = record[FilenameOffset..];
                int end = name.IndexOf((byte)0);
                if (!Encoding.UTF8.GetString(end < 0 ? name : name[..end]).Contains(marker, StringComparison.Ordinal)) return;
                timestamps.Add(MemoryMarshal.Read<ulong>(record));
                lateFlags.Add(late);
            }, options);

            using var stop = new CancellationTokenSource();
            var poller = new Thread(() =>
            {
                try { while (true) reader.Poll(stop.Token); }
                catch (OperationCanceledException) { }
            });
            poller.Start();
            var deleters = Enumerable.Range(0, 2).Select(cpu => new Thread(() =>
            {
                ulong mask = 1UL << cpu;
                Assert.Equal(0, Libc.SchedSetAffinity(0, sizeof(ulong), &mask));
                foreach (var f in files[cpu]) File.Delete(f);
            })).ToList();
            foreach (var t in deleters) t.Start();
            foreach (var t in deleters) t.Join();
            // Wait for the stragglers (and, with a window, for it to pass), then drain the rest.
            SpinWait.SpinUntil(() => reader.Loss.Produced >= 2 * FilesPerCpu && (window is null || reader.Ordering!.Held == 0), TimeSpan.FromSeconds(30));
            stop.Cancel();
            Assert.True(poller.Join(TimeSpan.FromSeconds(10)));
            reader.Consume();
            reader.Flush();

            var loss = reader.Loss;
            // Every deletion by this process was counted: received or dropped (the program filters on our pid).
            Assert.Equal((ulong)(2 * FilesPerCpu), loss.Produced);
            Assert.Equal((int)loss.Received, timestamps.Count);
            int inversions = ChannelProducer.Inversions(timestamps);
            if (window is not null)
            {
                // Only records flagged late can be out of order.
                var inOrder = timestamps.Where((_, i) => !lateFlags[i]).ToList();
                Assert.Equal(0, ChannelProducer.Inversions(inOrder));
            }
            Assert.Equal(lateFlags.Count(l => l), reader.LateCount);
            return new Outcome(timestamps.Count, (long)loss.Dropped, inversions, reader.LateCount);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
