namespace Ebpf.Maps;

/// <summary>What the kernel reports about a map (BPF_OBJ_GET_INFO_BY_FD, <c>struct bpf_map_info</c>): the shape it was
/// created with and its BTF. From <see cref="BpfMap.GetInfo"/>.</summary>
/// <param name="Type">The map type.</param>
/// <param name="Id">The kernel's id (see <c>bpftool map show id N</c>).</param>
/// <param name="Name">The name as the kernel keeps it (at most 15 characters).</param>
/// <param name="KeySize">Key size in bytes.</param>
/// <param name="ValueSize">Value size in bytes (per CPU, for per-CPU maps).</param>
/// <param name="MaxEntries">Max entries.</param>
/// <param name="Flags">The creation flags.</param>
/// <param name="InterfaceIndex">The device of an offloaded map; 0 otherwise.</param>
/// <param name="BtfId">The id of the map's BTF object; 0 without BTF.</param>
/// <param name="BtfKeyTypeId">The key's type in that BTF.</param>
/// <param name="BtfValueTypeId">The value's type in that BTF.</param>
/// <param name="MapExtra">The type-specific <c>map_extra</c> (bloom filter: the number of hash functions).</param>
public sealed record MapInfo(BpfMapType Type, uint Id, string Name, uint KeySize, uint ValueSize, uint MaxEntries, BpfMapFlags Flags,
    uint InterfaceIndex, uint BtfId, uint BtfKeyTypeId, uint BtfValueTypeId, ulong MapExtra);
