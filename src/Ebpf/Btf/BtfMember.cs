namespace Ebpf.Btf;

/// <summary>A struct/union member, enum value, function parameter or DATASEC entry, depending on the owning kind.
/// For members <see cref="Offset"/> is the bit offset (with kind_flag: bitfield size in the top 8 bits);
/// for DATASEC entries <see cref="Type"/> is the VAR, <see cref="Offset"/> the byte offset and <see cref="Size"/> the size;
/// for enums <see cref="Value"/> holds the value.</summary>
internal sealed class BtfMember
{
    internal string Name { get; init; } = "";
    internal uint Type { get; init; }
    internal uint Offset { get; set; }
    internal uint Size { get; init; }
    internal long Value { get; init; }

    /// <summary>Byte position of this entry's offset field inside the raw BTF blob (so a DATASEC fix-up can patch a copy).</summary>
    internal int RawOffsetPosition { get; init; }
}
