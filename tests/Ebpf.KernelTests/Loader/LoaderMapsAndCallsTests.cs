using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

[Trait("Category", "Kernel")]
public sealed class LoaderMapsAndCallsTests
{
    private static byte[] Args(params ulong[] args) => MemoryMarshal.AsBytes(args.AsSpan()).ToArray();

    [Fact]
    public void Creates_every_declared_map_kind()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_maps.bpf.o"));
        Assert.Equal(BpfMapType.RingBuf, obj.Map("events").Type);
        Assert.Equal(64u * 1024, obj.Map("events").MaxEntries);
        var perf = obj.Map("perf_events");
        Assert.Equal(BpfMapType.PerfEventArray, perf.Type);
        Assert.Equal((uint)(Ebpf.Internal.Cpus.Possible().Max() + 1), perf.MaxEntries); // max_entries 0 -> possible CPUs
        Assert.Equal(BpfMapType.PerCpuArray, obj.Map("per_cpu").Type);
        Assert.Equal((16u, 24u), (obj.Map("lru").KeySize, obj.Map("lru").ValueSize));
        Assert.Equal(BpfMapType.ArrayOfMaps, obj.Map("outer").Type);
        Assert.Equal(BpfMapType.ProgramArray, obj.Map("jump_table").Type);
        Assert.Equal(BpfProgramType.RawTracepoint, obj.Program("emit").Type);
    }

    [Fact]
    public void Map_in_map_accepts_an_inner_map_of_the_declared_shape()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_maps.bpf.o"));
        var innerSpec = spec.Maps["outer"].InnerMap!;
        Assert.Equal((BpfMapType.Array, 4u, 4u, 3u), (innerSpec.Type, innerSpec.KeySize, innerSpec.ValueSize, innerSpec.MaxEntries));
        using var obj = spec.Load();
        using var inner = BpfMap.Create(innerSpec.Clone());
        obj.Map("outer").Update(0u, (uint)inner.Fd);
        obj.Program("emit").TestRun(Args(0));
        Assert.True(inner.TryLookup(0u, out uint slot));
        Assert.Equal(obj.ReadVariable<uint>("seq"), slot);
        Assert.Equal(1u, slot);
    }

    [Fact]
    public void Maps_carry_the_object_btf()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_basic.bpf.o"));
        var info = Bpf.GetInfo<BpfMapInfo>(obj.Map("counters").Handle, "counters");
        Assert.NotEqual(0u, info.BtfId);
        Assert.NotEqual(0u, info.BtfValueTypeId);
        var bss = Bpf.GetInfo<BpfMapInfo>(obj.Map(".bss").Handle, ".bss");
        Assert.NotEqual(0u, bss.BtfValueTypeId); // the DATASEC
    }

    [Fact]
    public void Global_subprogram_and_bpf_loop_callback_work()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_calls.bpf.o"));
        var prog = obj.Program("calls");
        Assert.Equal(49, prog.TestRun(Args(7)));
        Assert.Equal(0ul + 1 + 2 + 3 + 4 + 5 + 6, obj.ReadVariable<ulong>("loop_sum"));
        Assert.Equal(9, prog.TestRun(Args(3)));
        Assert.Equal(21ul + 3, obj.ReadVariable<ulong>("loop_sum"));
    }

    [Fact]
    public void Verifier_log_shows_source_lines_from_line_info()
    {
        KernelGuard.RequireRoot();
        var ex = Assert.Throws<BpfVerifierException>(() => BpfObject.Load(TestObjects.Path("loader_verifier_fail.bpf.o")));
        Assert.Contains("return (int)*v;", ex.VerifierLog, StringComparison.Ordinal); // line_info: the C line, not just the instruction
    }
}
