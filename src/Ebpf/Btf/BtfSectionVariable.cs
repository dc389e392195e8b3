namespace Ebpf.Btf;

/// <summary>A variable of a BTF data section (<c>BTF_KIND_DATASEC</c>), where it lives in the section.</summary>
/// <param name="Variable">The variable (<see cref="BtfKind.Variable"/>; a function for <c>.ksyms</c>): its
/// <see cref="BtfTypeView.Target"/> is the variable's type.</param>
/// <param name="Offset">The byte offset in the section.</param>
/// <param name="Size">The size in bytes.</param>
public sealed record BtfSectionVariable(BtfTypeView Variable, uint Offset, uint Size);
