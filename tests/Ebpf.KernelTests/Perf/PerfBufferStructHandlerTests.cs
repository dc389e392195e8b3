using Ebpf.KernelTests.Infrastructure;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Perf;

/// <summary>Consume(ref THandler): the struct-specialised path sees every sample with its CPU, and losses.</summary>
[Collection(PerfSerialCollection.Name)]
public sealed class PerfBufferStructHandlerTests
{
    private struct Collect() : IPerfBufferHandler
    {
        public List<(int Cpu, ulong Seq)> Samples = [];
        public ulong Lost;
        public void OnSample(int cpu, ReadOnlySpan<byte> data)
        {
            var (recordCpu, seq, _) = PerfTestProgram.Verify(data);
            Assert.Equal(cpu, recordCpu);
            Samples.Add((cpu, seq));
        }
        public void OnLost(int cpu, ulong lost) => Lost += lost;
    }

    [Fact]
    public void A_struct_handler_gets_every_sample_of_every_cpu()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        using var buffer = new PerfBuffer(program.Events, 8, (_, _) => throw new InvalidOperationException("the delegate must not run"));
        int cpus = Math.Min(2, Environment.ProcessorCount);
        for (int cpu = 0; cpu < cpus; cpu++) program.Emit(cpu, count: 20, size: 48);
        var handler = new Collect();
        Assert.Equal(20 * cpus, buffer.Consume(ref handler));
        for (int cpu = 0; cpu < cpus; cpu++) Assert.Equal(20, handler.Samples.Count(s => s.Cpu == cpu));
        Assert.Equal(0ul, handler.Lost);
    }

    [Fact]
    public void A_struct_handler_is_told_about_lost_samples()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        using var buffer = new PerfBuffer(program.Events, 1, (_, _) => { }, options: new PerfBufferOptions { Cpus = [0] });
        program.Emit(0, count: 100, size: PerfTestProgram.MaxRecordSize); // 28 of these fill one page
        Assert.True(program.Failures > 0, "a one-page buffer must overflow");
        var handler = new Collect();
        int handled = buffer.Consume(ref handler);
        program.Emit(0, count: 1, size: 24); // the kernel reports the loss with the next record it writes
        handled += buffer.Consume(ref handler);
        Assert.Equal(program.Failures, handler.Lost);
        Assert.Equal(program.Successes, (ulong)handler.Samples.Count);
        Assert.Equal(handled, handler.Samples.Count + 1); // + the one LOST record
        Assert.Equal(program.Failures, buffer.LostCount);
    }
}
