using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

[Trait("Category", "Kernel")]
public sealed class LoaderKernelTests
{
    private static byte[] Args(params ulong[] args) => MemoryMarshal.AsBytes(args.AsSpan()).ToArray();

    [Fact]
    public void Load_TestRun_UpdatesArrayMapAndGlobals()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_basic.bpf.o"));
        var prog = obj.Program("count_test_run");
        Assert.Equal(BpfProgramType.RawTracepoint, prog.Type);
        Assert.NotEqual(0u, prog.Id);

        Assert.Equal(1, prog.TestRun(Args(2)));
        Assert.Equal(2, prog.TestRun(Args(2)));
        Assert.Equal(1, prog.TestRun(Args(3)));

        var counters = obj.Map("counters");
        Assert.True(counters.TryLookup(2u, out ulong slot2));
        Assert.Equal(2ul, slot2);
        Assert.True(counters.TryLookup(3u, out ulong slot3));
        Assert.Equal(1ul, slot3);
        Assert.Equal(3ul, obj.ReadVariable<ulong>("bss_counter"));
        Assert.Equal(0x1122334455667788ul + 3, obj.ReadVariable<ulong>("data_marker"));
        Assert.Equal(1ul, obj.ReadVariable<ulong>("increment"));
    }

    [Fact]
    public void SetVariable_BeforeLoad_ChangesBehaviour()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.SetVariable("increment", 7ul);
        using var obj = spec.Load();
        Assert.Equal(7, obj.Program("count_test_run").TestRun(Args(0)));
        Assert.Equal(14, obj.Program("count_test_run").TestRun(Args(0)));
        Assert.Equal(14ul, obj.ReadVariable<ulong>("bss_counter"));
        Assert.Equal(7ul, obj.ReadVariable<ulong>("increment"));
    }

    [Fact]
    public void Rodata_IsFrozen_AndReadOnlyForPrograms()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_basic.bpf.o"));
        var rodata = obj.Map(".rodata");
        Assert.Equal(0x80u, rodata.Flags & 0x80u);
        var ex = Assert.ThrowsAny<BpfException>(() => rodata.Update(stackalloc byte[4], new byte[rodata.ValueSize]));
        Assert.Equal(1, ex.Errno); // EPERM: frozen maps refuse user-space writes
    }

    [Fact]
    public void AutoLoadFalse_SkipsProgram()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.Programs["count_tp"].AutoLoad = false;
        using var obj = spec.Load();
        Assert.False(obj.Programs.ContainsKey("count_tp"));
        var ex = Assert.Throws<BpfNameNotFoundException>(() => obj.Program("count_tp"));
        Assert.Contains("count_test_run", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifierFailure_ThrowsWithLog()
    {
        KernelGuard.RequireRoot();
        var ex = Assert.Throws<BpfVerifierException>(() => BpfObject.Load(TestObjects.Path("loader_verifier_fail.bpf.o")));
        Assert.Equal("no_null_check", ex.ProgramName);
        Assert.Contains("map_value_or_null", ex.VerifierLog, StringComparison.Ordinal);
        Assert.Contains(ex.Tail(1), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStats_CountTestRuns_WhileEnabled()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_basic.bpf.o"));
        var prog = obj.Program("count_test_run");
        using (BpfProgram.EnableRunStats())
        {
            for (int i = 0; i < 5; i++) prog.TestRun(Args(0));
        }
        Assert.True(prog.GetRunStats().RunCount >= 5, $"run count {prog.GetRunStats().RunCount}");
    }
}
