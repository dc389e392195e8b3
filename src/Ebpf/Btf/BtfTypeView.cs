namespace Ebpf.Btf;

/// <summary>
/// One BTF type, read-only: its kind, name and size, and by kind its members (struct, union), values (enum), element
/// (array), target (pointer, typedef, const/volatile/restrict, variable, function) or variables (data section).
/// Members' bitfields are normalised: <see cref="BtfField.BitOffset"/> and <see cref="BtfField.BitfieldSize"/> are
/// the same whether the compiler encoded them in the struct (kind_flag) or in the member's int type.
/// </summary>
public sealed class BtfTypeView
{
    private const uint IntSigned = 1, IntChar = 2, IntBool = 4;
    private readonly BtfType _type;
    private IReadOnlyList<BtfField>? _members;

    internal BtfTypeView(BtfSpec spec, BtfType type)
    {
        Spec = spec;
        _type = type;
    }

    /// <summary>The BTF this type belongs to.</summary>
    public BtfSpec Spec { get; }

    /// <summary>The type id.</summary>
    public uint Id => _type.Id;

    /// <summary>The kind.</summary>
    public BtfKind Kind => _type.Kind;

    /// <summary>The name ("" for anonymous types, pointers, arrays and modifiers).</summary>
    public string Name => _type.Name;

    /// <summary>True when the type has no name.</summary>
    public bool IsAnonymous => _type.Name.Length == 0;

    /// <summary>The size in bytes (typedefs, modifiers and variables resolved, arrays multiplied out), or null when the
    /// type has none (void, functions, forward declarations).</summary>
    public ulong? Size => Spec.Types.SizeOf(Id);

    /// <summary>The type this one refers to: a pointer's, typedef's, modifier's, variable's or tag's target, a function's
    /// prototype, a function prototype's return type; null for other kinds.</summary>
    public BtfTypeView? Target => Kind is BtfKind.Pointer or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
        or BtfKind.Function or BtfKind.FunctionProto or BtfKind.Variable or BtfKind.TypeTag or BtfKind.DeclTag
        ? Spec[_type.SizeOrType] : null;

    /// <summary>This type with typedefs, <c>const</c>, <c>volatile</c>, <c>restrict</c> and type tags skipped.</summary>
    public BtfTypeView Resolve() => Spec[Spec.Types.SkipQualifiers(Id).Id];

    /// <summary>For an int: true when signed. For an enum: true when its values are signed (the kind flag, or, in BTF
    /// from compilers that predate it, a negative value).</summary>
    public bool IsSigned => Kind switch
    {
        BtfKind.Int => (Encoding & IntSigned) != 0,
        BtfKind.Enum => _type.KindFlag || _type.Members.Any(m => m.Value < 0),
        BtfKind.Enum64 => _type.KindFlag,
        _ => false,
    };

    /// <summary>For an int: true when BTF marks it as a character (<c>BTF_INT_CHAR</c>) or it is named <c>char</c>
    /// (clang encodes <c>char</c> as a signed 8-bit int), as bpftool decides whether an array is a string.</summary>
    public bool IsChar => Kind == BtfKind.Int && _type.SizeOrType == 1 && ((Encoding & IntChar) != 0 || Name == "char");

    /// <summary>For an int: true for <c>_Bool</c> (<c>BTF_INT_BOOL</c>).</summary>
    public bool IsBool => Kind == BtfKind.Int && (Encoding & IntBool) != 0;

    /// <summary>For an int: the number of value bits (<c>BTF_INT_BITS</c>); 0 for other kinds.</summary>
    public int IntBits => Kind == BtfKind.Int ? (int)(_type.Extra & 0xff) : 0;

    /// <summary>For an int: the bit offset of the value inside its bytes (<c>BTF_INT_OFFSET</c>, used by old-style bitfields).</summary>
    public int IntBitOffset => Kind == BtfKind.Int ? (int)((_type.Extra >> 16) & 0xff) : 0;

    private uint Encoding => (_type.Extra >> 24) & 0xf;

    /// <summary>For an array: the element type; null for other kinds.</summary>
    public BtfTypeView? ArrayElement => Kind == BtfKind.Array ? Spec[_type.ArrayElement] : null;

    /// <summary>For an array: the number of elements (0 for a flexible array member).</summary>
    public uint ArrayLength => Kind == BtfKind.Array ? _type.ArrayLength : 0;

    /// <summary>For a forward declaration: true when it declares a union rather than a struct.</summary>
    public bool IsUnionForward => Kind == BtfKind.Forward && _type.KindFlag;

    /// <summary>For a variable or function: its linkage.</summary>
    public BtfLinkage Linkage => Kind switch
    {
        BtfKind.Variable => (BtfLinkage)Math.Min(_type.Extra, 2),
        BtfKind.Function => (BtfLinkage)Math.Min(_type.VLen, 2),
        _ => BtfLinkage.Static,
    };

    /// <summary>For a struct or union: the members in declaration order (anonymous members have an empty name and an
    /// anonymous struct or union type); for a function prototype: the parameters (offsets 0). Empty for other kinds.</summary>
    public IReadOnlyList<BtfField> Members => _members ??= ReadMembers();

    /// <summary>For an enum: the values in declaration order (ENUM64 values as their 64 bits, unsigned ones above
    /// <see cref="long.MaxValue"/> wrapped); empty for other kinds.</summary>
    public IReadOnlyList<BtfEnumValue> EnumValues => Kind is BtfKind.Enum or BtfKind.Enum64
        ? [.. _type.Members.Select(m => new BtfEnumValue(m.Name, Kind == BtfKind.Enum && !IsSigned ? (uint)m.Value : m.Value))]
        : [];

    /// <summary>For a data section: its variables (or functions, for <c>.ksyms</c>) with their offsets and sizes, in
    /// offset order; empty for other kinds.</summary>
    public IReadOnlyList<BtfSectionVariable> Variables => Kind == BtfKind.DataSection
        ? [.. _type.Members.OrderBy(m => m.Offset).Select(m => new BtfSectionVariable(Spec[m.Type], m.Offset, m.Size))]
        : [];

    private BtfField[] ReadMembers()
    {
        if (Kind == BtfKind.FunctionProto)
            return [.. _type.Members.Select(m => new BtfField(m.Name, Spec[m.Type], 0, 0))];
        if (Kind is not (BtfKind.Struct or BtfKind.Union)) return [];
        var fields = new BtfField[_type.Members.Count];
        for (int i = 0; i < fields.Length; i++)
        {
            var m = _type.Members[i];
            var type = Spec[m.Type];
            ulong bitOffset = _type.KindFlag ? m.Offset & 0xff_ffff : m.Offset;
            uint bitfield = _type.KindFlag ? m.Offset >> 24 : 0;
            if (!_type.KindFlag && type.Resolve() is { Kind: BtfKind.Int } integer && (integer.IntBitOffset != 0 || integer.IntBits != (int)(integer._type.SizeOrType * 8)))
            {
                // Old-style encoding: the member's int type carries the width (and an offset inside its bytes).
                bitOffset += (ulong)integer.IntBitOffset;
                bitfield = (uint)integer.IntBits;
            }
            fields[i] = new BtfField(m.Name, type, bitOffset, bitfield);
        }
        return fields;
    }

    /// <summary>The C spelling of the type: <c>struct event</c>, <c>const volatile u32</c>, <c>char[16]</c>.</summary>
    public override string ToString() => BtfDescriber.TypeName(Spec.Types, Id);
}
