namespace Ebpf.Maps;

/// <summary>
/// How a per-CPU value crosses the syscall: one slot per possible CPU, each slot the value size rounded up to 8 bytes
/// (the kernel's <c>bpf_map_value_size</c>: <c>round_up(value_size, 8) * num_possible_cpus()</c>), whatever the value
/// size, so that each CPU's copy starts 8-byte aligned.
/// </summary>
internal static class PerCpuLayout
{
    /// <summary>True for the map types whose values are per CPU.</summary>
    internal static bool IsPerCpu(BpfMapType type) =>
        type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash or BpfMapType.PerCpuCgroupStorage;

    /// <summary>Bytes between two CPUs' copies of a value of <paramref name="valueSize"/> bytes.</summary>
    internal static int Stride(uint valueSize) => checked((int)((valueSize + 7) & ~7u));

    /// <summary>Bytes of the whole user-space buffer for one value on <paramref name="cpus"/> possible CPUs.</summary>
    internal static int BufferSize(uint valueSize, int cpus) => checked(Stride(valueSize) * cpus);
}
