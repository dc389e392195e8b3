using CsCheck;
using Ebpf.Maps;

namespace Ebpf.Tests.Maps;

/// <summary>Per-CPU value buffers: one slot per possible CPU, each the value size rounded up to 8 bytes
/// (kernel: bpf_map_value_size = round_up(value_size, 8) * num_possible_cpus()).</summary>
public class PerCpuLayoutTests
{
    [Theory]
    [InlineData(1u, 8)]
    [InlineData(4u, 8)]
    [InlineData(8u, 8)]
    [InlineData(9u, 16)]
    [InlineData(12u, 16)]
    [InlineData(16u, 16)]
    [InlineData(17u, 24)]
    public void A_slot_is_the_value_rounded_up_to_8_bytes(uint valueSize, int stride) => Assert.Equal(stride, PerCpuLayout.Stride(valueSize));

    [Fact]
    public void The_buffer_holds_one_aligned_slot_per_possible_cpu()
    {
        Gen.Select(Gen.UInt[1, 4096], Gen.Int[1, 512]).Sample((size, cpus) =>
        {
            int total = PerCpuLayout.BufferSize(size, cpus);
            Assert.Equal(0, total % 8);
            Assert.Equal(0, total % cpus);
            int stride = total / cpus;
            Assert.True(stride >= size && stride < size + 8);
        });
    }

    [Theory]
    [InlineData(BpfMapType.PerCpuArray, true)]
    [InlineData(BpfMapType.PerCpuHash, true)]
    [InlineData(BpfMapType.LruPerCpuHash, true)]
    [InlineData(BpfMapType.PerCpuCgroupStorage, true)]
    [InlineData(BpfMapType.Hash, false)]
    [InlineData(BpfMapType.Array, false)]
    public void Per_cpu_types(BpfMapType type, bool perCpu) => Assert.Equal(perCpu, PerCpuLayout.IsPerCpu(type));

    [Fact]
    public void The_possible_cpu_count_is_the_number_of_cpus_in_the_sysfs_list()
    {
        int listed = Ebpf.Internal.Cpus.Parse(File.ReadAllText("/sys/devices/system/cpu/possible")).Length;
        Assert.Equal(listed, BpfMap.PossibleCpuCount);
        Assert.Equal(5, Ebpf.Internal.Cpus.Parse("0-3,6").Length); // counted, not max + 1: slots follow the possible CPUs
    }
}
