namespace Ebpf.Btf;

/// <summary>One value of a BTF enum.</summary>
/// <param name="Name">The enumerator's name.</param>
/// <param name="Value">Its value.</param>
public readonly record struct BtfEnumValue(string Name, long Value);
