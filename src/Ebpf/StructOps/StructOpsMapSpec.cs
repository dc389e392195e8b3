namespace Ebpf.StructOps;

/// <summary>
/// A struct_ops map as the object declares it: a variable of a kernel operations struct (for example
/// <c>struct tcp_congestion_ops</c>) in section <c>.struct_ops</c> or <c>.struct_ops.link</c>, its initial bytes in the
/// object's layout, and the programs its function-pointer members point at (by byte offset in the struct).
/// </summary>
/// <param name="Name">The variable's name, which becomes the map's name.</param>
/// <param name="Section">.struct_ops or .struct_ops.link.</param>
/// <param name="TypeId">The struct's id in the object's BTF.</param>
/// <param name="TypeName">The struct's name, looked up in the kernel's BTF.</param>
/// <param name="Data">The variable's bytes.</param>
/// <param name="Programs">Program names by byte offset of the function-pointer member that holds them.</param>
internal sealed record StructOpsMapSpec(string Name, string Section, uint TypeId, string TypeName, byte[] Data, IReadOnlyDictionary<uint, string> Programs)
{
    /// <summary>True for <c>.struct_ops.link</c> maps: registered through a BPF link (BPF_F_LINK), so disposing the link unregisters.</summary>
    internal bool IsLink => Section == StructOpsReader.LinkSection;
}
