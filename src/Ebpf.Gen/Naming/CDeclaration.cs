using Ebpf.Btf;

namespace Ebpf.Gen.Naming;

/// <summary>A C declaration for doc comments: <c>__u32 matrix[2][3]</c>, <c>char comm[16]</c>, <c>struct task_struct * task</c>.</summary>
internal static class CDeclaration
{
    internal static string Of(BtfTypeView type, string name)
    {
        var dimensions = new System.Text.StringBuilder();
        var t = type;
        for (int depth = 0; t.Kind == BtfKind.Array && depth < 16; depth++)
        {
            dimensions.Append('[').Append(t.ArrayLength == 0 ? "" : t.ArrayLength.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
            t = t.ArrayElement!;
        }
        return $"{t} {name}{dimensions}";
    }
}
