namespace Ebpf.Links;

/// <summary>
/// How a cgroup program shares its hook when it is attached with BPF_PROG_ATTACH, the mechanism before cgroup links
/// (kernel &lt; 5.7). Cgroup links always behave as <see cref="Multi"/>.
/// </summary>
public enum CgroupAttachMode : uint
{
    /// <summary>No flag: the only program of this hook in this cgroup, and no descendant cgroup may attach one.</summary>
    Exclusive = 0,
    /// <summary>BPF_F_ALLOW_OVERRIDE: the only program here, but a descendant cgroup's program replaces it for that subtree.</summary>
    Override = 1,
    /// <summary>BPF_F_ALLOW_MULTI: one of several programs here; every program from the cgroup up to the root runs.</summary>
    Multi = 2,
}
