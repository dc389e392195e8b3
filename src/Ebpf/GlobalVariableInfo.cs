namespace Ebpf;

/// <summary>A global variable of an object: the section (and global-data map) holding it, where, how large, and its C type.</summary>
/// <param name="Name">The variable's name, as <see cref="BpfObjectSpec.SetVariable{T}"/> takes it.</param>
/// <param name="Section">The section and map name: <c>.rodata</c>, <c>.data</c>, <c>.bss</c> or a custom <c>.rodata.*</c>/<c>.data.*</c>.</param>
/// <param name="Offset">Byte offset inside the section.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="TypeName">The C type from BTF (<c>const volatile u32</c>), or "" when the object has no BTF for it.</param>
public sealed record GlobalVariableInfo(string Name, string Section, uint Offset, uint Size, string TypeName);
