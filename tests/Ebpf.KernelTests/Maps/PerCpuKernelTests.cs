using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Per-CPU values sized by possible CPUs with 8-byte slots, checked against what a BPF program wrote on a chosen
/// CPU (BPF_F_TEST_RUN_ON_CPU): a 12-byte value lands in 16-byte slots, slot i holding CPU i's copy.</summary>
[Trait("Category", "Kernel")]
public sealed class PerCpuKernelTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct CpuSlot
    {
        public uint Cpu, Marker, Runs;
    }

    [Fact]
    public void Each_cpu_reads_back_what_the_program_wrote_on_it()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var map = obj.Map("per_cpu_slots");
        var program = obj.Program("mark_cpu");
        int[] online = [.. Ebpf.Internal.Cpus.Online()];
        foreach (int cpu in online)
            for (int run = 0; run <= cpu; run++)
                Assert.Equal(0, program.TestRun(MapTestObjects.Args(0xc0de0000u + (uint)cpu), cpu));

        Assert.Equal(16 * BpfMap.PossibleCpuCount, map.ValueBufferSize);
        var slots = new CpuSlot[BpfMap.PossibleCpuCount];
        Assert.True(map.TryLookupPerCpu(0u, slots));
        foreach (int cpu in online)
        {
            Assert.Equal((uint)cpu, slots[cpu].Cpu);
            Assert.Equal(0xc0de0000u + (uint)cpu, slots[cpu].Marker);
            Assert.Equal((uint)cpu + 1, slots[cpu].Runs);
        }

        // The raw buffer: CPU i's copy at 16 * i, the 4 bytes after each copy are padding.
        var raw = new byte[map.ValueBufferSize];
        Assert.True(map.TryLookup(stackalloc byte[4], raw));
        foreach (int cpu in online) Assert.Equal((uint)cpu, BitConverter.ToUInt32(raw, 16 * cpu));
    }

    [Fact]
    public void Writing_all_cpus_is_what_each_cpu_then_sees()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var map = obj.Map("per_cpu_slots");
        var written = Enumerable.Range(0, BpfMap.PossibleCpuCount).Select(c => new CpuSlot { Cpu = 99, Marker = (uint)(7 * c), Runs = 1000 }).ToArray();
        map.UpdatePerCpu<uint, CpuSlot>(0u, written);
        // The program increments this CPU's runs: on each online CPU it must start from the value written for it.
        foreach (int cpu in Ebpf.Internal.Cpus.Online()) obj.Program("mark_cpu").TestRun(MapTestObjects.Args(1), cpu);
        var read = map.LookupPerCpu<uint, CpuSlot>(0u);
        foreach (int cpu in Ebpf.Internal.Cpus.Online()) Assert.Equal(1001u, read[cpu].Runs);
    }

    [Fact]
    public void Wrong_per_cpu_shapes_are_refused_naming_the_map()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var map = obj.Map("per_cpu_slots");
        var tooFew = Assert.Throws<BpfMapException>(() => map.TryLookupPerCpu(0u, new CpuSlot[BpfMap.PossibleCpuCount - 1]));
        Assert.Equal("per_cpu_slots", tooFew.MapName);
        Assert.Contains("one value per possible CPU", tooFew.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => map.TryLookupPerCpu(0u, new ulong[BpfMap.PossibleCpuCount])); // 8 != 12 bytes
        Assert.Throws<BpfMapException>(() => map.TryLookup(stackalloc byte[4], new byte[12])); // one CPU's worth
        var notPerCpu = Assert.Throws<BpfMapException>(() => obj.Map("outer").LookupPerCpu<uint, uint>(0));
        Assert.Contains("not a per-CPU map", notPerCpu.Message, StringComparison.Ordinal);
    }
}
