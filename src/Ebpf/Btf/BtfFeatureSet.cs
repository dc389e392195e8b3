namespace Ebpf.Btf;

/// <summary>The BTF kinds and flags a kernel accepts beyond the original set (INT, PTR, ARRAY, STRUCT, UNION, ENUM, FWD,
/// TYPEDEF and the modifiers). Each arrived in a different kernel release; an object's BTF is sanitised down to them.</summary>
[Flags]
internal enum BtfFeatureSet
{
    None = 0,

    /// <summary>FUNC and FUNC_PROTO (Linux 5.0); without them the kernel takes no func_info or line_info either.</summary>
    Func = 1 << 0,

    /// <summary>FUNC with global linkage (5.6).</summary>
    FuncGlobal = 1 << 1,

    /// <summary>VAR and DATASEC (5.2).</summary>
    DataSection = 1 << 2,

    /// <summary>FLOAT (5.13).</summary>
    Float = 1 << 3,

    /// <summary>DECL_TAG (5.16).</summary>
    DeclTag = 1 << 4,

    /// <summary>TYPE_TAG (5.17).</summary>
    TypeTag = 1 << 5,

    /// <summary>ENUM64 and signed enums (6.0).</summary>
    Enum64 = 1 << 6,

    All = Func | FuncGlobal | DataSection | Float | DeclTag | TypeTag | Enum64,
}
