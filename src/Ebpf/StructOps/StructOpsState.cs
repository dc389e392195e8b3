namespace Ebpf.StructOps;

/// <summary>What attaching a loaded struct_ops map needs: its value with the program fds filled in, and whether it is
/// registered through a link (<c>.struct_ops.link</c>) or by the map update itself (<c>.struct_ops</c>).</summary>
internal sealed record StructOpsState(string TypeName, byte[] Value, bool IsLink);
