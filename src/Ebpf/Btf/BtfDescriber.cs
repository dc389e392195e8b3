using System.Text;

namespace Ebpf.Btf;

/// <summary>Renders BTF types for people: C-like type names and bpftool-style one-line summaries. Depth is capped,
/// so a cyclic or absurdly deep chain in a hostile object renders as "…" rather than overflowing the stack.</summary>
internal static class BtfDescriber
{
    private const int MaxDepth = 32;
    private const int MaxMembersShown = 8;

    internal static string KindName(BtfKind kind) => kind switch
    {
        BtfKind.Void => "VOID", BtfKind.Int => "INT", BtfKind.Pointer => "PTR", BtfKind.Array => "ARRAY",
        BtfKind.Struct => "STRUCT", BtfKind.Union => "UNION", BtfKind.Enum => "ENUM", BtfKind.Forward => "FWD",
        BtfKind.Typedef => "TYPEDEF", BtfKind.Volatile => "VOLATILE", BtfKind.Const => "CONST", BtfKind.Restrict => "RESTRICT",
        BtfKind.Function => "FUNC", BtfKind.FunctionProto => "FUNC_PROTO", BtfKind.Variable => "VAR",
        BtfKind.DataSection => "DATASEC", BtfKind.Float => "FLOAT", BtfKind.DeclTag => "DECL_TAG",
        BtfKind.TypeTag => "TYPE_TAG", BtfKind.Enum64 => "ENUM64", _ => $"KIND_{(int)kind}",
    };

    internal static IReadOnlyList<BtfTypeInfo> All(BtfTypes types) =>
        [.. types.All.Skip(1).Select(t => new BtfTypeInfo(t.Id, KindName(t.Kind), t.Name, Summary(types, t)))];

    /// <summary>The C spelling of type <paramref name="id"/>: <c>const volatile u32</c>, <c>char[16]</c>, <c>struct event *</c>.</summary>
    internal static string TypeName(BtfTypes types, uint id) => TypeName(types, id, 0);

    private static string TypeName(BtfTypes types, uint id, int depth)
    {
        if (depth > MaxDepth || id >= (uint)types.Count) return "…";
        var t = types[id];
        string inner() => TypeName(types, t.SizeOrType, depth + 1);
        return t.Kind switch
        {
            BtfKind.Void => "void",
            BtfKind.Int or BtfKind.Float or BtfKind.Typedef => t.Name,
            BtfKind.Struct => $"struct {Named(t)}",
            BtfKind.Union => $"union {Named(t)}",
            BtfKind.Enum or BtfKind.Enum64 => $"enum {Named(t)}",
            BtfKind.Forward => $"{(t.KindFlag ? "union" : "struct")} {t.Name}",
            BtfKind.Pointer => $"{inner()} *",
            BtfKind.Const => $"const {inner()}",
            BtfKind.Volatile => $"volatile {inner()}",
            BtfKind.Restrict => $"{inner()} restrict",
            BtfKind.TypeTag => $"{inner()} __tag(\"{t.Name}\")",
            BtfKind.Array => $"{TypeName(types, t.ArrayElement, depth + 1)}[{t.ArrayLength}]",
            BtfKind.FunctionProto => $"{inner()} (*)({string.Join(", ", t.Members.Select(p => p.Type == 0 ? "..." : TypeName(types, p.Type, depth + 1)))})",
            BtfKind.Function or BtfKind.Variable => t.Name,
            _ => t.Name.Length > 0 ? t.Name : KindName(t.Kind),
        };
    }

    private static string Named(BtfType t) => t.Name.Length > 0 ? t.Name : "(anon)";

    private static string Summary(BtfTypes types, BtfType t)
    {
        string target = $"type_id={t.SizeOrType} ({TypeName(types, t.SizeOrType)})";
        return t.Kind switch
        {
            BtfKind.Int => $"size={t.SizeOrType} bits={t.Extra & 0xff}{((t.Extra >> 24) & 1) switch { 1 => " signed", _ => "" }}",
            BtfKind.Float => $"size={t.SizeOrType}",
            BtfKind.Struct or BtfKind.Union => $"size={t.SizeOrType} vlen={t.VLen} {Members(t, m => $"{TypeName(types, m.Type)} {m.Name};")}",
            BtfKind.Enum or BtfKind.Enum64 => $"size={t.SizeOrType} vlen={t.VLen} {Members(t, m => $"{m.Name} = {m.Value},")}",
            BtfKind.DataSection => $"size={t.SizeOrType} vlen={t.VLen} {Members(t, m => $"{TypeName(types, m.Type)}@{m.Offset}+{m.Size};")}",
            BtfKind.Array => $"type_id={t.ArrayElement} nr_elems={t.ArrayLength} ({TypeName(types, t.Id)})",
            BtfKind.Variable => $"{target} linkage={(t.Extra switch { 0 => "static", 1 => "global", _ => "extern" })}",
            BtfKind.Function => $"{target} linkage={((t.Info & 0xffff) switch { 0 => "static", 1 => "global", _ => "extern" })}",
            BtfKind.FunctionProto => $"{TypeName(types, t.Id)}",
            BtfKind.DeclTag => $"type_id={t.SizeOrType} component_idx={(int)t.Extra}",
            BtfKind.Forward => $"fwd_kind={(t.KindFlag ? "union" : "struct")}",
            _ => target,
        };
    }

    private static string Members(BtfType t, Func<BtfMember, string> render)
    {
        var text = new StringBuilder("{ ");
        foreach (var m in t.Members.Take(MaxMembersShown)) text.Append(render(m)).Append(' ');
        if (t.Members.Count > MaxMembersShown) text.Append($"… {t.Members.Count - MaxMembersShown} more ");
        return text.Append('}').ToString();
    }
}
