using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>Runs alone (no other test opens descriptors meanwhile), so a before/after snapshot is exact.</summary>
[CollectionDefinition(nameof(FdLeakCollection), DisableParallelization = true)]
public sealed class FdLeakCollection;

[Collection(nameof(FdLeakCollection))]
[Trait("Category", "Kernel")]
public sealed class FdLeakTests
{
    private static byte[] Args(params ulong[] args) => MemoryMarshal.AsBytes(args.AsSpan()).ToArray();

    private static void Cycle()
    {
        using (var obj = BpfObject.Load(TestObjects.Path("loader_basic.bpf.o")))
        {
            obj.Program("count_test_run").TestRun(Args(1));
            using var raw = obj.Program("count_raw_tp").Attach();
            using var tp = obj.Program("count_tp").Attach();
        }
        using (var maps = BpfObject.Load(TestObjects.Path("loader_maps.bpf.o"))) maps.Program("emit").TestRun(Args(0));
        using (var calls = BpfObject.Load(TestObjects.Path("loader_calls.bpf.o"))) calls.Program("calls").TestRun(Args(2));
        // A load that fails at the last program: the maps and BTF created before it must be closed too.
        Assert.Throws<BpfVerifierException>(() => BpfObject.Load(TestObjects.Path("loader_verifier_fail.bpf.o")));
    }

    [Fact]
    public void Load_attach_dispose_and_failed_load_leak_no_descriptors()
    {
        KernelGuard.RequireRoot();
        Cycle(); // warm up descriptors the runtime opens lazily
        var before = FdSnapshot.Take();
        for (int i = 0; i < 3; i++) Cycle();
        Assert.Empty(FdSnapshot.Take().Except(before));
    }
}
