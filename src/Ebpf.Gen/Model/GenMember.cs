namespace Ebpf.Gen.Model;

/// <summary>One member of a generated struct, with the C declaration it comes from (for its doc comment).</summary>
internal abstract record GenMember(string CDeclaration);

/// <summary>A field at a byte offset.</summary>
internal sealed record FieldMember(string CDeclaration, string Name, ulong Offset, TypeRef Type) : GenMember(CDeclaration)
{
    /// <summary>The C member or variable name it comes from.</summary>
    internal string CName { get; init; } = "";
}

/// <summary>A bitfield: a property over a storage field of <see cref="StorageBytes"/> bytes at <see cref="StorageOffset"/>,
/// the value's bits starting <see cref="Shift"/> bits into it.</summary>
internal sealed record BitfieldMember(string CDeclaration, string Name, ulong StorageOffset, int StorageBytes, int Shift, int Width,
    TypeRef Type, BitfieldValue Value) : GenMember(CDeclaration)
{
    internal string StorageName => $"_bits{StorageOffset}_{StorageBytes * 8}";

    /// <summary>The C member name it comes from.</summary>
    internal string CName { get; init; } = "";
}

/// <summary>How a bitfield's bits become its value.</summary>
internal enum BitfieldValue
{
    Unsigned,
    Signed,
    Bool,
}

/// <summary>A flexible array member (or any zero-length array): no field, so the size stays C's; its offset and the
/// bytes after it in a record.</summary>
internal sealed record FlexibleMember(string CDeclaration, string Name, ulong Offset, ulong ElementSize) : GenMember(CDeclaration)
{
    /// <summary>The C member name it comes from.</summary>
    internal string CName { get; init; } = "";
}

/// <summary>A member that cannot be represented: a comment saying why; its bytes stay in the struct's size.</summary>
internal sealed record SkippedMember(string CDeclaration, string Reason) : GenMember(CDeclaration);
