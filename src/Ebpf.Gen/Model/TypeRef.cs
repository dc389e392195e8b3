namespace Ebpf.Gen.Model;

/// <summary>How a BTF type appears in C#: an expression (<c>uint</c>, <c>UnlinksBpf.UnlinkEvent</c>), the stem that names
/// inline arrays of it (<c>UInt32</c>), its size; or why it cannot be represented.</summary>
internal sealed record TypeRef(string CSharp, string Stem, ulong Size, string? Unrepresentable = null)
{
    internal bool IsRepresentable => Unrepresentable is null;

    internal static TypeRef Not(string reason) => new("", "", 0, reason);

    internal static readonly TypeRef Bool = new("bool", "Boolean", 1);
    internal static readonly TypeRef SByte = new("sbyte", "SByte", 1);
    internal static readonly TypeRef Byte = new("byte", "Byte", 1);
    internal static readonly TypeRef Int16 = new("short", "Int16", 2);
    internal static readonly TypeRef UInt16 = new("ushort", "UInt16", 2);
    internal static readonly TypeRef Int32 = new("int", "Int32", 4);
    internal static readonly TypeRef UInt32 = new("uint", "UInt32", 4);
    internal static readonly TypeRef Int64 = new("long", "Int64", 8);
    internal static readonly TypeRef UInt64 = new("ulong", "UInt64", 8);
    internal static readonly TypeRef Int128 = new("global::System.Int128", "Int128", 16);
    internal static readonly TypeRef UInt128 = new("global::System.UInt128", "UInt128", 16);
    internal static readonly TypeRef Half = new("global::System.Half", "Half", 2);
    internal static readonly TypeRef Single = new("float", "Single", 4);
    internal static readonly TypeRef Double = new("double", "Double", 8);

    /// <summary>The integer of <paramref name="size"/> bytes, or null.</summary>
    internal static TypeRef? Integer(ulong size, bool signed) => size switch
    {
        1 => signed ? SByte : Byte,
        2 => signed ? Int16 : UInt16,
        4 => signed ? Int32 : UInt32,
        8 => signed ? Int64 : UInt64,
        16 => signed ? Int128 : UInt128,
        _ => null,
    };
}
