namespace Ebpf.Maps;

/// <summary>The <c>BPF_F_*</c> map creation flags (include/uapi/linux/bpf.h), for <see cref="MapSpec.Flags"/>
/// (<c>Flags = (uint)BpfMapFlags.NoPrealloc</c>) and <see cref="BpfMap.Flags"/>.</summary>
[Flags]
public enum BpfMapFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>BPF_F_NO_PREALLOC: allocate elements on demand (required by LPM tries).</summary>
    NoPrealloc = 1u << 0,
    /// <summary>BPF_F_NO_COMMON_LRU: one LRU list per CPU.</summary>
    NoCommonLru = 1u << 1,
    /// <summary>BPF_F_NUMA_NODE: <c>numa_node</c> is set.</summary>
    NumaNode = 1u << 2,
    /// <summary>BPF_F_RDONLY: user space may only read.</summary>
    ReadOnly = 1u << 3,
    /// <summary>BPF_F_WRONLY: user space may only write.</summary>
    WriteOnly = 1u << 4,
    /// <summary>BPF_F_STACK_BUILD_ID: stack trace maps store build ids.</summary>
    StackBuildId = 1u << 5,
    /// <summary>BPF_F_ZERO_SEED: a zero hash seed (testing only).</summary>
    ZeroSeed = 1u << 6,
    /// <summary>BPF_F_RDONLY_PROG: programs may only read.</summary>
    ReadOnlyProgram = 1u << 7,
    /// <summary>BPF_F_WRONLY_PROG: programs may only write.</summary>
    WriteOnlyProgram = 1u << 8,
    /// <summary>BPF_F_CLONE: clone the map with the socket (sk_storage).</summary>
    Clone = 1u << 9,
    /// <summary>BPF_F_MMAPABLE: the array can be mapped into memory.</summary>
    Mmapable = 1u << 10,
    /// <summary>BPF_F_PRESERVE_ELEMS: perf event array entries outlive the fd that created them.</summary>
    PreserveElements = 1u << 11,
    /// <summary>BPF_F_INNER_MAP: inner maps of this template may differ in max_entries.</summary>
    InnerMap = 1u << 12,
}
