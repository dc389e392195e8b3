using Ebpf.Btf;

namespace Ebpf.Externs;

/// <summary>
/// libbpf's shallow type compatibility (bpf_core_types_are_compat) between an object's declaration of a kernel
/// symbol and the kernel's: same kinds after typedefs and modifiers (enum and enum64 alike); structs, unions, enums
/// and forward declarations match by kind alone; integers unless bitfield-like; pointers and arrays by their targets;
/// function prototypes by parameter count, each parameter and the return type.
/// </summary>
internal static class BtfCompat
{
    private const int MaxDepth = 32;

    internal static bool AreCompatible(BtfTypes local, uint localId, BtfTypes target, uint targetId, int level = MaxDepth)
    {
        for (int depth = 0; depth < MaxDepth; depth++)
        {
            var l = local.SkipQualifiers(localId);
            var t = target.SkipQualifiers(targetId);
            if (!KindsMatch(l.Kind, t.Kind)) return false;
            switch (l.Kind)
            {
                case BtfKind.Void or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Forward:
                    return true;
                case BtfKind.Int:
                    // bits 16..23 of the int encoding word: the bit offset of bitfield-like integers.
                    return ((l.Extra >> 16) & 0xff) == 0 && ((t.Extra >> 16) & 0xff) == 0;
                case BtfKind.Pointer:
                    localId = l.SizeOrType;
                    targetId = t.SizeOrType;
                    continue;
                case BtfKind.Array:
                    localId = l.ArrayElement;
                    targetId = t.ArrayElement;
                    continue;
                case BtfKind.FunctionProto:
                    if (l.Members.Count != t.Members.Count) return false;
                    for (int i = 0; i < l.Members.Count; i++)
                    {
                        if (level <= 0) return false;
                        if (!AreCompatible(local, l.Members[i].Type, target, t.Members[i].Type, level - 1)) return false;
                    }
                    localId = l.SizeOrType;
                    targetId = t.SizeOrType;
                    continue;
                default:
                    return false;
            }
        }
        return false;
    }

    private static bool KindsMatch(BtfKind a, BtfKind b) =>
        a == b || (a is BtfKind.Enum or BtfKind.Enum64 && b is BtfKind.Enum or BtfKind.Enum64);
}
