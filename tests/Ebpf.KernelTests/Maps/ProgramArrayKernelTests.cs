using Ebpf.Asm;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.TestRuns;

namespace Ebpf.KernelTests.Maps;

/// <summary>Program arrays: tail calls follow what user space puts in, run through BPF_PROG_TEST_RUN.</summary>
[Trait("Category", "Kernel")]
public sealed class ProgramArrayKernelTests
{
    [Fact]
    public void A_tail_call_jumps_to_the_program_set_at_the_index()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var table = obj.Map("jump_table");
        var entry = obj.Program("tail_entry");
        uint Run() => entry.TestRun(new TestRunOptions { Data = MapTestObjects.Frame() }).ReturnValue;

        Assert.Equal(1u, Run()); // empty slot: the tail call falls through to XDP_DROP
        table.SetProgram(0, obj.Program("tail_pass"));
        Assert.Equal(2u, Run());
        table.SetProgram(0, obj.Program("tail_tx"));
        Assert.Equal(3u, Run());
        Assert.True(table.TryGetProgramId(0, out uint id));
        Assert.Equal(obj.Program("tail_tx").Id, id);

        // A target built in code: XDP_REDIRECT (4). The array's programs must agree on type and expected attach type.
        var spec = new ProgramSpec("built_target", BpfProgramType.Xdp, new Assembler().Mov(Register.R0, 4).Exit().Build())
        {
            ExpectedAttachType = BpfAttachType.Xdp,
        };
        using var built = BpfProgram.Load(spec);
        table.SetProgram(0, built);
        Assert.Equal(4u, Run());

        Assert.True(table.Delete(0u));
        Assert.Equal(1u, Run());
        Assert.False(table.TryGetProgramId(0, out _));
    }

    [Fact]
    public void A_program_of_another_type_is_refused_and_so_is_a_program_array_call_on_another_map()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var e = Assert.ThrowsAny<BpfException>(() => obj.Map("jump_table").SetProgram(1, obj.Program("push_both")));
        Assert.Equal(22, e.Errno);
        Assert.Contains("map 'jump_table'", e.Message, StringComparison.Ordinal);
        var wrongMap = Assert.Throws<BpfMapException>(() => obj.Map("routes").SetProgram(0, obj.Program("tail_pass")));
        Assert.Contains("needs a ProgramArray map", wrongMap.Message, StringComparison.Ordinal);
    }
}
