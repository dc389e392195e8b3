using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>What kind of BPF object a descriptor holds, read from its /proc/self/fd link
/// (<c>anon_inode:bpf-map</c>, <c>anon_inode:bpf-prog</c>, <c>anon_inode:bpf_link</c>): BPF_OBJ_GET opens any of them,
/// and BPF_OBJ_GET_INFO_BY_FD would fill a map's info struct from a program's.</summary>
internal static class MapOpening
{
    internal static string ObjectKind(SafeFd fd)
    {
        string? target = new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget;
        if (target is null) return "file";
        const string Prefix = "anon_inode:";
        return target.StartsWith(Prefix, StringComparison.Ordinal) ? target[Prefix.Length..] : "file";
    }
}
