namespace Ebpf.Btf;

/// <summary>
/// One type of an object's BTF on one line: the same ids, kinds and names as <c>bpftool btf dump file</c>, with a
/// compact summary of Ebpf.Net's own that spells the types it refers to in C. <see cref="ToString"/> is the line
/// <c>ebpf inspect</c> prints, for example <c>[20] STRUCT '(anon)' size=16 vlen=3 { __u32 a; __u32 b; __u64 c; }</c>.
/// </summary>
/// <param name="Id">The type id (1-based; 0 is void and is not listed).</param>
/// <param name="Kind">The kind in bpftool's spelling: INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD, TYPEDEF, VOLATILE, CONST,
/// RESTRICT, FUNC, FUNC_PROTO, VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64; <c>KIND_n</c> for a kind this version
/// does not know.</param>
/// <param name="Name">The name, "" for anonymous types (<see cref="ToString"/> shows those as <c>'(anon)'</c>).</param>
/// <param name="Summary">
/// By kind (C spellings in parentheses; arrays spelled <c>char[16]</c>, pointers <c>__u64 *</c>):
/// <list type="bullet">
/// <item>INT: <c>size=4 bits=32 signed</c> (no <c>signed</c> when unsigned); FLOAT: <c>size=8</c>.</item>
/// <item>PTR, TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG: the target, <c>type_id=11 (__u64)</c>.</item>
/// <item>ARRAY: <c>type_id=2 nr_elems=4 (int[4])</c>, the element type and count, then the array's C spelling.</item>
/// <item>STRUCT, UNION: <c>size=16 vlen=3 { __u32 a; __u32 b; __u64 c; }</c>, each member as "type name;".</item>
/// <item>ENUM, ENUM64: <c>size=4 vlen=2 { A = 0, B = 1, }</c>.</item>
/// <item>DATASEC: <c>size=12 vlen=2 { increment@0+8; target_pid@8+4; }</c>, each variable as name@offset+size.</item>
/// <item>VAR: <c>type_id=38 (const volatile __u32) linkage=global</c>; FUNC: <c>type_id=30 (int (*)(void *)) linkage=global</c>
/// (linkage static, global or extern).</item>
/// <item>FUNC_PROTO: the prototype alone, <c>int (*)(void *)</c>.</item>
/// <item>FWD: <c>fwd_kind=struct</c> or <c>fwd_kind=union</c>; DECL_TAG: <c>type_id=5 component_idx=-1</c>.</item>
/// </list>
/// Members and variables beyond the eighth are summed up as <c>… N more</c>.
/// </param>
public sealed record BtfTypeInfo(uint Id, string Kind, string Name, string Summary)
{
    /// <summary>The listing line: <c>[id] KIND 'name' summary</c>.</summary>
    public override string ToString() => $"[{Id}] {Kind} '{(Name.Length > 0 ? Name : "(anon)")}' {Summary}";
}
