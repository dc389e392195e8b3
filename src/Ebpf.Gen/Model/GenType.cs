using Ebpf.Btf;
using Ebpf.Gen.Naming;

namespace Ebpf.Gen.Model;

/// <summary>What a generated type is.</summary>
internal enum GenKind
{
    /// <summary>A struct or union: an explicit-layout struct.</summary>
    Struct,

    /// <summary>A data section's variables (<c>.rodata</c>, <c>.bss</c>…): an explicit-layout struct.</summary>
    Section,

    /// <summary>An enum.</summary>
    Enum,

    /// <summary>A fixed-size array: an [InlineArray] struct.</summary>
    InlineArray,
}

/// <summary>One generated type, named and placed (top level in the skeleton class, or nested in its parent struct).</summary>
internal sealed class GenType
{
    internal GenType(GenKind kind, string name, GenType? parent, BtfTypeView? btf)
    {
        Kind = kind;
        Name = name;
        Parent = parent;
        Btf = btf;
    }

    internal GenKind Kind { get; }

    /// <summary>The simple name (unique in its scope).</summary>
    internal string Name { get; }

    /// <summary>The struct this one is nested in (for a named member of anonymous struct or union type), or null.</summary>
    internal GenType? Parent { get; }

    /// <summary>The struct, union, enum or data section it is generated from (null for inline arrays).</summary>
    internal BtfTypeView? Btf { get; }

    /// <summary>The name as written from the skeleton class: <c>RichValue.HalvesStruct</c>.</summary>
    internal string Path => Parent is null ? Name : Parent.Path + "." + Name;

    /// <summary>What it is in C, for its doc comment: <c>struct rich_value</c>, <c>point_t (an anonymous struct)</c>.</summary>
    internal string? CName { get; set; }

    /// <summary>The names of a struct's members and nested types.</summary>
    internal NameScope? Scope { get; set; }

    internal List<GenType> Nested { get; } = [];

    internal List<GenMember> Members { get; } = [];

    /// <summary>Struct and section: the size in bytes.</summary>
    internal ulong Size { get; set; }

    /// <summary>For a section: the map (section) name, <c>.rodata</c>.</summary>
    internal string? SectionName { get; set; }

    /// <summary>For an inline array: the element and the length; <see cref="IsCharArray"/> when the element is C's char.</summary>
    internal TypeRef? Element { get; set; }

    internal uint Length { get; set; }

    internal bool IsCharArray { get; set; }

    /// <summary>For an enum: the underlying type and the values (C# names and the literals to write).</summary>
    internal TypeRef? Underlying { get; set; }

    internal List<(string Name, string Literal, string CName)> EnumMembers { get; } = [];
}
