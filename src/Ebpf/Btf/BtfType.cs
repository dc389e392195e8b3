namespace Ebpf.Btf;

/// <summary>One BTF type record. Kind-specific data: <see cref="Members"/> (struct, union, enum, func_proto,
/// datasec), <see cref="ArrayElement"/>/<see cref="ArrayLength"/> (array), <see cref="Extra"/> (int encoding, var linkage,
/// decl_tag component index).</summary>
internal sealed class BtfType
{
    internal uint Id { get; init; }
    internal BtfKind Kind { get; init; }
    internal string Name { get; init; } = "";
    internal uint Info { get; init; }

    /// <summary>The size (int, struct, union, enum, datasec, float) or the referenced type id (ptr, typedef, modifiers, func, var).</summary>
    internal uint SizeOrType { get; set; }

    internal IReadOnlyList<BtfMember> Members { get; init; } = [];
    internal uint ArrayElement { get; init; }
    internal uint ArrayLength { get; init; }
    internal uint Extra { get; init; }

    /// <summary>Byte position of this record inside the raw type section (so fix-ups can patch a copy of the blob).</summary>
    internal int RawPosition { get; init; }

    internal int VLen => (int)(Info & 0xffff);

    /// <summary>The info word of a record: kind in bits 24-28, vlen (or linkage) in the low 16 bits, no kind flag.</summary>
    internal static uint EncodeInfo(BtfKind kind, int vlen) => ((uint)kind << 24) | (uint)vlen;
    internal bool KindFlag => (Info & 0x8000_0000) != 0;

    /// <inheritdoc/>
    public override string ToString() => $"[{Id}] {Kind} '{Name}'";
}
