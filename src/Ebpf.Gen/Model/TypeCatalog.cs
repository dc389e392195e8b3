using System.Globalization;
using Ebpf.Btf;
using Ebpf.Gen.Naming;

namespace Ebpf.Gen.Model;

/// <summary>
/// Maps BTF types to C# and collects the types to generate, naming each when first reached. The traversal order is
/// fixed (the roots in the order the generator adds them, then each struct's members in declaration order), so the same
/// object always produces the same names and the same file.
/// </summary>
internal sealed class TypeCatalog(NameScope top)
{
    private const int MaxDepth = 48;
    private readonly Dictionary<uint, GenType> _byBtfId = [];
    private readonly Dictionary<(string Element, uint Length, bool Char), GenType> _arrays = [];
    private readonly Queue<GenType> _pending = new();
    private readonly NameScope _top = top;

    /// <summary>The types at the skeleton's level, in the order they were reached.</summary>
    internal List<GenType> TopLevel { get; } = [];

    /// <summary>The C# type for <paramref name="type"/>. An anonymous struct or union is named after, in this order: the
    /// typedef that names it, the member it is declared for (nested in <paramref name="owner"/>), or <paramref name="context"/>.</summary>
    internal TypeRef Ref(BtfTypeView type, GenType? owner, string? member, string? context) => Ref(type, owner, member, context, 0);

    private TypeRef Ref(BtfTypeView type, GenType? owner, string? member, string? context, int depth)
    {
        if (depth > MaxDepth) return TypeRef.Not($"type nesting deeper than {MaxDepth} (a cycle?)");
        string? typedefName = null;
        var t = type;
        for (int i = 0; t.Kind is BtfKind.Typedef or BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag; i++)
        {
            if (i > MaxDepth) return TypeRef.Not("typedef chain too long (a cycle?)");
            if (t.Kind == BtfKind.Typedef) typedefName ??= t.Name;
            t = t.Target!;
        }
        switch (t.Kind)
        {
            case BtfKind.Int:
                if (t.IsBool && t.Size == 1) return TypeRef.Bool;
                return TypeRef.Integer(t.Size!.Value, t.IsSigned) ?? TypeRef.Not($"a {t.Size}-byte integer has no C# type");
            case BtfKind.Float:
                return t.Size switch { 2 => TypeRef.Half, 4 => TypeRef.Single, 8 => TypeRef.Double, _ => TypeRef.Not($"a {t.Size}-byte float (long double) has no C# type") };
            case BtfKind.Pointer:
                return TypeRef.UInt64; // BPF pointers are 8 bytes; a user-space process cannot follow them anyway
            case BtfKind.Enum or BtfKind.Enum64:
            {
                var underlying = TypeRef.Integer(t.Size ?? 0, t.IsSigned);
                if (underlying is null || t.Size == 16) return TypeRef.Not($"an enum of {t.Size} bytes has no C# underlying type");
                if (t.IsAnonymous && typedefName is null) return underlying;
                return Named(EnumType(t, typedefName ?? t.Name, underlying));
            }
            case BtfKind.Struct or BtfKind.Union:
            {
                if (t.Size is null or 0) return TypeRef.Not("an empty struct (0 bytes) cannot be represented: a C# struct is at least 1 byte");
                if (_byBtfId.TryGetValue(t.Id, out var known)) return Named(known);
                GenType generated;
                string kind = t.Kind == BtfKind.Union ? "union" : "struct";
                if (!t.IsAnonymous || typedefName is not null)
                    generated = Add(GenKind.Struct, _top.Claim(CSharpName.Pascal(t.IsAnonymous ? typedefName! : t.Name)), null, t);
                else if (owner?.Scope is not null && member is not null)
                    generated = Add(GenKind.Struct, owner.Scope.ClaimAlsoFreeIn(CSharpName.Pascal(member) + (t.Kind == BtfKind.Union ? "Union" : "Struct"), _top), owner, t);
                else
                    generated = Add(GenKind.Struct, _top.Claim(context ?? $"Anonymous{t.Id}"), null, t);
                generated.Size = t.Size.Value;
                generated.CName = !t.IsAnonymous ? $"{kind} {t.Name}" : typedefName is not null ? $"{typedefName} (an anonymous {kind})"
                    : member is not null && owner?.CName is not null ? $"the anonymous {kind} of {owner.CName}'s {member}" : $"an anonymous {kind}";
                return Named(generated);
            }
            case BtfKind.Array:
            {
                if (t.ArrayLength == 0) return TypeRef.Not("a zero-length array");
                var element = t.ArrayElement!;
                var resolved = element.Resolve();
                bool isChar = resolved.IsChar;
                var elementRef = isChar ? TypeRef.Byte : Ref(element, owner, member, context, depth + 1);
                if (!elementRef.IsRepresentable) return TypeRef.Not($"its elements: {elementRef.Unrepresentable}");
                ulong size = elementRef.Size * t.ArrayLength;
                if (size > int.MaxValue / 2) return TypeRef.Not($"an array of {size} bytes is larger than a C# struct can be");
                var key = (elementRef.CSharp, t.ArrayLength, isChar);
                if (!_arrays.TryGetValue(key, out var array))
                {
                    string name = _top.Claim((isChar ? "Char" : elementRef.Stem) + "Array" + t.ArrayLength.ToString(CultureInfo.InvariantCulture));
                    array = new GenType(GenKind.InlineArray, name, null, null) { Element = elementRef, Length = t.ArrayLength, IsCharArray = isChar, Size = size };
                    TopLevel.Add(array);
                    _arrays[key] = array;
                }
                return new TypeRef(array.Path, array.Path.Replace(".", "", StringComparison.Ordinal), size);
            }
            case BtfKind.Forward:
                return TypeRef.Not($"{(t.IsUnionForward ? "union" : "struct")} {t.Name} is only declared (its layout is unknown)");
            default:
                return TypeRef.Not($"a {t.Kind} has no value layout");
        }
    }

    private static TypeRef Named(GenType type) =>
        new(type.Path, type.Path.Replace(".", "", StringComparison.Ordinal), type.Kind == GenKind.Enum ? type.Underlying!.Size : type.Size);

    private GenType Add(GenKind kind, string name, GenType? parent, BtfTypeView btf)
    {
        var type = new GenType(kind, name, parent, btf);
        _byBtfId[btf.Id] = type;
        if (parent is null) TopLevel.Add(type);
        else parent.Nested.Add(type);
        if (kind == GenKind.Struct) _pending.Enqueue(type);
        return type;
    }

    private GenType EnumType(BtfTypeView t, string cName, TypeRef underlying)
    {
        if (_byBtfId.TryGetValue(t.Id, out var known)) return known;
        var type = Add(GenKind.Enum, _top.Claim(CSharpName.Pascal(cName)), null, t);
        type.CName = t.IsAnonymous ? $"{cName} (an anonymous enum)" : $"enum {t.Name}";
        type.Underlying = underlying;
        var scope = new NameScope(["value__"]);
        foreach (var value in t.EnumValues)
            type.EnumMembers.Add((scope.Claim(CSharpName.Pascal(value.Name)), Literal(value.Value, underlying), value.Name));
        return type;
    }

    /// <summary>A C# literal of <paramref name="underlying"/>'s type; out of its range, the same bits through unchecked.</summary>
    private static string Literal(long value, TypeRef underlying)
    {
        bool unsigned = underlying.CSharp is "byte" or "ushort" or "uint" or "ulong";
        int bits = (int)underlying.Size * 8;
        if (unsigned)
        {
            ulong u = (ulong)value;
            bool fits = bits == 64 || (value >= 0 && u < (1UL << bits));
            string text = u.ToString(CultureInfo.InvariantCulture) + (bits == 64 ? "UL" : "");
            return fits ? text : $"unchecked(({underlying.CSharp}){value.ToString(CultureInfo.InvariantCulture)}L)";
        }
        long min = bits == 64 ? long.MinValue : -(1L << (bits - 1)), max = bits == 64 ? long.MaxValue : (1L << (bits - 1)) - 1;
        return value >= min && value <= max ? value.ToString(CultureInfo.InvariantCulture) + (bits == 64 ? "L" : "")
            : $"unchecked(({underlying.CSharp}){value.ToString(CultureInfo.InvariantCulture)}L)";
    }

    /// <summary>A root: a named struct, union or enum (or a typedef of one) asked for by name.</summary>
    internal TypeRef AddRoot(BtfTypeView type, string? context) => Ref(type, null, null, context);

    /// <summary>A data section's variables, as a struct named <paramref name="name"/>.</summary>
    internal GenType AddSection(BtfTypeView datasec, string sectionName, string name, ulong size)
    {
        var section = new GenType(GenKind.Section, name, null, datasec) { SectionName = sectionName, Size = size, CName = $"section {sectionName}" };
        TopLevel.Add(section);
        section.Scope = new NameScope([name]);
        foreach (var v in datasec.Variables)
        {
            var variable = v.Variable;
            if (variable.Kind != BtfKind.Variable || variable.Linkage == BtfLinkage.Static) continue; // libbpf's skeletons skip statics too
            var type = variable.Target!;
            string declaration = CDeclaration.Of(type, variable.Name);
            var r = Ref(type, section, variable.Name, null);
            if (!r.IsRepresentable) section.Members.Add(new SkippedMember(declaration, r.Unrepresentable!));
            else if ((ulong)v.Offset + r.Size > size) section.Members.Add(new SkippedMember(declaration, $"it lies past the section's {size} bytes"));
            else section.Members.Add(new FieldMember(declaration, section.Scope.Claim(CSharpName.Pascal(variable.Name)), v.Offset, r) { CName = variable.Name });
        }
        DrainPending();
        return section;
    }

    /// <summary>Fills every struct reached so far (and those they reach).</summary>
    internal void DrainPending()
    {
        while (_pending.TryDequeue(out var type)) FillStruct(type);
    }

    private void FillStruct(GenType type)
    {
        type.Scope = new NameScope([type.Name]);
        foreach (var (field, bitOffset) in Flatten(type.Btf!, 0, 0))
        {
            string declaration = CDeclaration.Of(field.Type, field.Name.Length > 0 ? field.Name : "(anonymous)") + (field.IsBitfield ? $" : {field.BitfieldSize}" : "");
            if (field.IsBitfield)
            {
                if (field.Name.Length == 0) continue; // unnamed bitfield: padding
                type.Members.Add(Bitfield(type, field, bitOffset, declaration));
                continue;
            }
            if (field.Name.Length == 0)
            {
                type.Members.Add(new SkippedMember(declaration, "an anonymous member that is not a struct or union"));
                continue;
            }
            var resolved = field.Type.Resolve();
            if (resolved.Kind == BtfKind.Array && resolved.ArrayLength == 0)
            {
                var elementSize = resolved.ArrayElement!.Size ?? 0;
                type.Members.Add(new FlexibleMember(declaration, type.Scope.Claim(CSharpName.Pascal(field.Name)), bitOffset / 8, elementSize) { CName = field.Name });
                continue;
            }
            if (bitOffset % 8 != 0)
            {
                type.Members.Add(new SkippedMember(declaration, $"it starts at bit {bitOffset}, not on a byte"));
                continue;
            }
            var r = Ref(field.Type, type, field.Name, null);
            if (!r.IsRepresentable) type.Members.Add(new SkippedMember(declaration, r.Unrepresentable!));
            else if (bitOffset / 8 + r.Size > type.Size) type.Members.Add(new SkippedMember(declaration, $"it extends past the struct's {type.Size} bytes"));
            else type.Members.Add(new FieldMember(declaration, type.Scope.Claim(CSharpName.Pascal(field.Name)), bitOffset / 8, r) { CName = field.Name });
        }
    }

    /// <summary>The members with anonymous struct and union members flattened into the parent at their absolute offsets
    /// (bpf2go does the same: C names their members as the parent's).</summary>
    private static IEnumerable<(BtfField Field, ulong BitOffset)> Flatten(BtfTypeView type, ulong baseOffset, int depth)
    {
        foreach (var m in type.Members)
        {
            var resolved = m.Type.Resolve();
            if (m.Name.Length == 0 && !m.IsBitfield && resolved.Kind is BtfKind.Struct or BtfKind.Union && depth < MaxDepth)
            {
                foreach (var inner in Flatten(resolved, baseOffset + m.BitOffset, depth + 1)) yield return inner;
                continue;
            }
            yield return (m, baseOffset + m.BitOffset);
        }
    }

    private GenMember Bitfield(GenType type, BtfField field, ulong bitOffset, string declaration)
    {
        var resolved = field.Type.Resolve();
        TypeRef valueType;
        BitfieldValue kind;
        switch (resolved.Kind)
        {
            case BtfKind.Int when resolved.IsBool:
                (valueType, kind) = (TypeRef.Bool, BitfieldValue.Bool);
                break;
            case BtfKind.Int:
                valueType = TypeRef.Integer(resolved.Size ?? 0, resolved.IsSigned) ?? TypeRef.Not("no C# integer of its size");
                kind = resolved.IsSigned ? BitfieldValue.Signed : BitfieldValue.Unsigned;
                break;
            case BtfKind.Enum or BtfKind.Enum64:
                valueType = Ref(field.Type, type, field.Name, null);
                kind = resolved.IsSigned ? BitfieldValue.Signed : BitfieldValue.Unsigned;
                break;
            default:
                return new SkippedMember(declaration, $"a bitfield of {resolved.Kind}");
        }
        if (!valueType.IsRepresentable || valueType.Size > 8) return new SkippedMember(declaration, valueType.Unrepresentable ?? "a bitfield wider than 64 bits");
        int width = (int)field.BitfieldSize;
        // The smallest 1/2/4/8-byte window inside the struct holding the bits.
        foreach (int bytes in new[] { 1, 2, 4, 8 })
        {
            if ((ulong)bytes > type.Size) break;
            ulong start = Math.Min(bitOffset / 8, type.Size - (ulong)bytes);
            long shift = (long)bitOffset - (long)start * 8;
            if (shift < 0 || shift + width > bytes * 8) continue;
            return new BitfieldMember(declaration, type.Scope!.Claim(CSharpName.Pascal(field.Name)), start, bytes, (int)shift, width, valueType, kind) { CName = field.Name };
        }
        return new SkippedMember(declaration, "its bits span more than 8 bytes");
    }
}
