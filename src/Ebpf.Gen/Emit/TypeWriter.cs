using System.Globalization;
using Ebpf.Gen.Model;
using Ebpf.Gen.Naming;

namespace Ebpf.Gen.Emit;

/// <summary>Writes the generated structs, unions, sections, enums and inline arrays.</summary>
internal static class TypeWriter
{
    private const string Interop = "global::System.Runtime.InteropServices";

    internal static void Write(CodeWriter w, GenType type)
    {
        switch (type.Kind)
        {
            case GenKind.Struct or GenKind.Section:
                WriteStruct(w, type);
                break;
            case GenKind.Enum:
                WriteEnum(w, type);
                break;
            case GenKind.InlineArray:
                WriteArray(w, type);
                break;
        }
    }

    private static void WriteStruct(CodeWriter w, GenType type)
    {
        string what = type.Kind == GenKind.Section ? $"The variables of section <c>{CSharpName.Xml(type.SectionName!)}</c>" : $"<c>{CSharpName.Xml(type.CName!)}</c>";
        w.Doc($"{what} ({Bytes(type.Size)}), laid out as BTF says.");
        // Pack = 1: the layout is explicit, so the type needs no alignment and can be viewed in place at any address
        // (a perf sample is only 4-byte aligned).
        w.Line($"[{Interop}.StructLayout({Interop}.LayoutKind.Explicit, Size = {type.Size}, Pack = 1)]");
        w.Open($"public partial struct {type.Name}");
        var storage = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in type.Members)
        {
            switch (member)
            {
                case FieldMember f:
                    w.Doc($"<c>{CSharpName.Xml(f.CDeclaration)}</c> at byte {f.Offset}.");
                    w.Line($"[{Interop}.FieldOffset({f.Offset})] public {f.Type.CSharp} {f.Name};");
                    break;
                case BitfieldMember b:
                    if (storage.Add(b.StorageName))
                        w.Line($"[{Interop}.FieldOffset({b.StorageOffset})] private {StorageType(b.StorageBytes)} {b.StorageName};");
                    WriteBitfield(w, b);
                    break;
                case FlexibleMember x:
                    w.Doc($"The offset of the flexible array member <c>{CSharpName.Xml(x.CDeclaration)}</c>: its elements ({Bytes(x.ElementSize)} each) follow in the record, outside this struct's size.");
                    w.Line($"public const int {x.Name}Offset = {x.Offset};");
                    w.Doc($"The bytes of <c>{CSharpName.Xml(x.CDeclaration)}</c> in <paramref name=\"record\"/> (everything from its offset on).");
                    w.Line($"public static global::System.ReadOnlySpan<byte> {x.Name}(global::System.ReadOnlySpan<byte> record) => record.Length > {x.Name}Offset ? record[{x.Name}Offset..] : default;");
                    break;
                case SkippedMember s:
                    w.Line($"// Skipped {s.CDeclaration}: {s.Reason}.");
                    break;
            }
        }
        foreach (var nested in type.Nested)
        {
            w.Line();
            Write(w, nested);
        }
        w.Close();
    }

    private static string Bytes(ulong n) => n == 1 ? "1 byte" : $"{n} bytes";

    private static string StorageType(int bytes) => bytes switch { 1 => "byte", 2 => "ushort", 4 => "uint", _ => "ulong" };

    private static void WriteBitfield(CodeWriter w, BitfieldMember b)
    {
        string s = b.StorageName;
        ulong mask = b.Width == 64 ? ulong.MaxValue : (1UL << b.Width) - 1;
        string maskText = Hex(mask);
        string get = b.Value switch
        {
            BitfieldValue.Bool => $"((((ulong){s} >> {b.Shift}) & {maskText}) != 0)",
            BitfieldValue.Signed => $"({b.Type.CSharp})((long)((ulong){s} << {64 - b.Shift - b.Width}) >> {64 - b.Width})",
            _ => $"({b.Type.CSharp})(((ulong){s} >> {b.Shift}) & {maskText})",
        };
        string value = b.Value == BitfieldValue.Bool ? "(value ? 1UL : 0UL)" : "(ulong)value";
        string keep = Hex(~(mask << b.Shift) & (b.StorageBytes == 8 ? ulong.MaxValue : (1UL << (b.StorageBytes * 8)) - 1));
        w.Doc($"<c>{CSharpName.Xml(b.CDeclaration)}</c>: bits {b.Shift} to {b.Shift + b.Width - 1} of the {(b.StorageBytes == 1 ? "byte" : $"{b.StorageBytes} bytes")} at byte {b.StorageOffset}.");
        w.Open($"public {b.Type.CSharp} {b.Name}");
        w.Line($"readonly get => {get};");
        w.Line($"set => {s} = ({StorageType(b.StorageBytes)})(((ulong){s} & {keep}) | (({value} & {maskText}) << {b.Shift}));");
        w.Close();
    }

    private static string Hex(ulong value) => "0x" + value.ToString("X", CultureInfo.InvariantCulture) + "UL";

    private static void WriteEnum(CodeWriter w, GenType type)
    {
        var btf = type.Btf!;
        w.Doc($"<c>{CSharpName.Xml(type.CName!)}</c> ({Bytes(btf.Size ?? 0)}, {(btf.IsSigned ? "signed" : "unsigned")}).");
        w.Open($"public enum {type.Name} : {type.Underlying!.CSharp}");
        foreach (var (name, literal, cName) in type.EnumMembers)
        {
            w.Doc($"<c>{CSharpName.Xml(cName)}</c>");
            w.Line($"{name} = {literal},");
        }
        w.Close();
    }

    private static void WriteArray(CodeWriter w, GenType type)
    {
        w.Doc(type.IsCharArray
            ? $"<c>char[{type.Length}]</c>: a C string (UTF-8, up to the first NUL) in a fixed buffer."
            : $"{type.Length} elements of <see cref=\"{type.Element!.CSharp.Replace("global::", "", StringComparison.Ordinal)}\"/>, inline.");
        w.Line($"[global::System.Runtime.CompilerServices.InlineArray({type.Length})]");
        w.Open($"public struct {type.Name}");
        w.Line($"private {type.Element!.CSharp} _element0;");
        if (type.IsCharArray)
        {
            w.Line();
            w.Doc("The string (the bytes before the first NUL, decoded as UTF-8).");
            w.Line("public override readonly string ToString() => global::Ebpf.Records.CString.ToString(this);");
            w.Line();
            w.Doc("The string's bytes (before the first NUL), without copying or allocating.");
            w.Line("[global::System.Diagnostics.CodeAnalysis.UnscopedRef]");
            w.Line("public readonly global::System.ReadOnlySpan<byte> Bytes => global::Ebpf.Records.CString.Bytes(this);");
            w.Line();
            w.Doc("Decodes the string into <paramref name=\"destination\"/> without allocating; false when it does not fit.");
            w.Line("public readonly bool TryDecode(global::System.Span<char> destination, out int charsWritten) => global::Ebpf.Records.CString.TryDecode(this, destination, out charsWritten);");
            w.Line();
            w.Doc("Sets the string (UTF-8, NUL-terminated, the rest zeroed); throws when it does not fit.");
            w.Line("public void Set(global::System.ReadOnlySpan<char> value) => global::Ebpf.Records.CString.Write(this, value);");
        }
        w.Close();
    }
}
