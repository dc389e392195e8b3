using Ebpf.KernelTests.Infrastructure;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Perf;

[Collection(PerfSerialCollection.Name)]
public sealed class PerfBufferPauseTests
{
    private const int ENOENT = 2;

    [Fact]
    public void Pause_makes_the_bpf_side_fail_with_enoent_and_resume_restores_delivery()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        int received = 0;
        using var buffer = new PerfBuffer(program.Events, 4, (_, data) => { PerfTestProgram.Verify(data); received++; });

        buffer.Pause();
        program.Emit(cpu: 0, count: 5, size: 32);
        Assert.Equal(5UL, program.Failures);
        Assert.Equal(-ENOENT, program.LastError);
        Assert.Equal(0, buffer.Consume());

        buffer.Resume();
        program.Emit(cpu: 0, count: 7, size: 32);
        Assert.Equal(5UL, program.Failures);
        Assert.Equal(7, buffer.Consume());
        Assert.Equal(7, received);
    }

    [Fact]
    public void Resume_reclaims_the_slots_after_another_reader_took_them()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        int mine = 0, theirs = 0;
        using var first = new PerfBuffer(program.Events, 4, (_, _) => mine++);
        using var second = new PerfBuffer(program.Events, 4, (_, _) => theirs++);

        program.Emit(cpu: 0, count: 3, size: 32);
        Assert.Equal(0, first.Consume());
        Assert.Equal(3, second.Consume());

        first.Resume();
        program.Emit(cpu: 0, count: 4, size: 32);
        Assert.Equal(4, first.Consume());
        Assert.Equal(0, second.Consume());
        Assert.Equal((4, 3), (mine, theirs));
    }
}
