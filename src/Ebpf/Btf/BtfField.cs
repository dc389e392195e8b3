namespace Ebpf.Btf;

/// <summary>A member of a struct or union (or a parameter of a function prototype).</summary>
/// <param name="Name">The member's name; empty for an anonymous struct or union member, whose members belong to the parent.</param>
/// <param name="Type">The member's type, as declared (typedefs and modifiers not resolved).</param>
/// <param name="BitOffset">The offset from the start of the parent, in bits.</param>
/// <param name="BitfieldSize">The width in bits for a bitfield; 0 for an ordinary member.</param>
public sealed record BtfField(string Name, BtfTypeView Type, ulong BitOffset, uint BitfieldSize)
{
    /// <summary>True for a bitfield.</summary>
    public bool IsBitfield => BitfieldSize != 0;

    /// <summary>The offset in bytes (rounded down, for a bitfield that does not start on a byte).</summary>
    public ulong ByteOffset => BitOffset / 8;
}
