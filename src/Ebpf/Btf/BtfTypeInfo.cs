namespace Ebpf.Btf;

/// <summary>One type of an object's BTF, as <c>bpftool btf dump</c> lists it: id, kind, name and a one-line summary.</summary>
/// <param name="Id">The type id (1-based; 0 is void).</param>
/// <param name="Kind">The kind in bpftool's spelling: INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST,
/// RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64.</param>
/// <param name="Name">The name ("" for anonymous types).</param>
/// <param name="Summary">Size, members and the types it refers to, for example <c>size=48 vlen=3 { u32 pid; char comm[16]; }</c>.</param>
public sealed record BtfTypeInfo(uint Id, string Kind, string Name, string Summary)
{
    /// <inheritdoc/>
    public override string ToString() => $"[{Id}] {Kind} '{(Name.Length > 0 ? Name : "(anon)")}' {Summary}";
}
