using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Btf;
using Ebpf.Gen.Model;

namespace Ebpf.Gen.Tests.Infrastructure;

/// <summary>
/// Checks compiled generated types against BTF, by reading: each struct is read from a byte pattern, and every field's
/// bytes (and every bitfield property's value) must be the pattern's bytes (bits) at the offset BTF gives; the size must
/// be BTF's. The offsets come from the BTF here, not from the generator, and the layout is the runtime's.
/// </summary>
internal sealed class LayoutChecker
{
    private static readonly MethodInfo SizeOfMethod = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;
    private static readonly MethodInfo ReadMethod = typeof(LayoutChecker).GetMethod(nameof(ReadAs), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo BytesMethod = typeof(LayoutChecker).GetMethod(nameof(BytesOf), BindingFlags.NonPublic | BindingFlags.Static)!;

    internal int Structs { get; private set; }

    internal int Fields { get; private set; }

    internal int Bitfields { get; private set; }

    internal int Skipped { get; private set; }

    internal List<string> SkipReasons { get; } = [];

    /// <summary>Checks every generated struct and section nested in <paramref name="container"/>.</summary>
    internal void CheckAll(Type container, IEnumerable<GenType> types)
    {
        foreach (var type in types)
        {
            var clr = container.GetNestedType(type.Name) ?? throw new InvalidOperationException($"{container.Name} has no nested type {type.Name}");
            switch (type.Kind)
            {
                case GenKind.Struct or GenKind.Section:
                    Check(clr, type);
                    break;
                case GenKind.InlineArray:
                    Assert.Equal((int)type.Size, SizeOf(clr));
                    break;
                case GenKind.Enum:
                    Assert.Equal((int)type.Btf!.Size!.Value, Marshal.SizeOf(Enum.GetUnderlyingType(clr)));
                    var names = Enum.GetValues(clr).Cast<object>().Select(v => Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
                    foreach (var value in type.Btf.EnumValues) Assert.Contains(Normalise(value.Value, type.Btf), names);
                    break;
            }
        }
    }

    private static long Normalise(long value, BtfTypeView e) =>
        e.IsSigned ? value : e.Size switch { 1 => (byte)value, 2 => (ushort)value, 4 => (uint)value, _ => value };

    private void Check(Type clr, GenType type)
    {
        Structs++;
        var btf = type.Btf!;
        int size = SizeOf(clr);
        Assert.True(size == (int)type.Size && (type.Kind == GenKind.Section || (ulong)size == btf.Size), $"{clr.FullName}: SizeOf {size}, BTF {btf.Size} ({btf})");
        var pattern = new byte[size];
        for (int i = 0; i < size; i++) pattern[i] = (byte)(i * 7 + 3);
        object boxed = ReadMethod.MakeGenericMethod(clr).Invoke(null, [pattern])!;

        var expected = type.Kind == GenKind.Section ? SectionVariables(btf) : Flatten(btf, 0);
        foreach (var member in type.Members)
        {
            switch (member)
            {
                case FieldMember f:
                {
                    var (bitOffset, _, btfType) = expected[f.CName];
                    var info = clr.GetField(f.Name) ?? throw new InvalidOperationException($"{clr.FullName} has no field {f.Name} for {f.CName}");
                    int offset = (int)(bitOffset / 8), length = (int)btfType.Size!.Value;
                    Assert.Equal(offset, info.GetCustomAttribute<FieldOffsetAttribute>()!.Value);
                    object value = info.GetValue(boxed)!;
                    if (value is bool b) Assert.Equal(pattern[offset], Unsafe.As<bool, byte>(ref b)); // the raw byte: bool equality would compare it too
                    else
                    {
                        var bytes = (byte[])BytesMethod.MakeGenericMethod(info.FieldType).Invoke(null, [value])!;
                        Assert.True(bytes.AsSpan().SequenceEqual(pattern.AsSpan(offset, length)),
                            $"{clr.FullName}.{f.Name} ({f.CDeclaration}): read {Convert.ToHexString(bytes)}, BTF offset {offset} holds {Convert.ToHexString(pattern, offset, length)}");
                    }
                    Fields++;
                    break;
                }
                case BitfieldMember bf:
                {
                    var (bitOffset, width, btfType) = expected[bf.CName];
                    var property = clr.GetProperty(bf.Name)!;
                    object value = property.GetValue(boxed)!;
                    UInt128 raw = 0;
                    for (int i = 0; i < 16 && (int)(bitOffset / 8) + i < size; i++) raw |= (UInt128)pattern[(int)(bitOffset / 8) + i] << (8 * i);
                    ulong bits = (ulong)((raw >> (int)(bitOffset % 8)) & ((UInt128.One << (int)width) - 1));
                    bool signed = btfType.Resolve().IsSigned;
                    long want = signed && width < 64 && (bits >> ((int)width - 1)) != 0 ? (long)(bits | (ulong.MaxValue << (int)width)) : (long)bits;
                    long got = value is bool flag ? (flag ? 1 : 0) : value.GetType().IsEnum
                        ? Convert.ToInt64(Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture)
                        : unchecked(value switch { ulong u => (long)u, _ => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) });
                    if (value is bool) want = bits != 0 ? 1 : 0;
                    Assert.True(want == got, $"{clr.FullName}.{bf.Name} ({bf.CDeclaration}): read {got}, BTF bits give {want}");
                    Bitfields++;
                    break;
                }
                case FlexibleMember x:
                    Assert.Equal((int)(expected[x.CName].BitOffset / 8), (int)clr.GetField(x.Name + "Offset")!.GetValue(null)!);
                    break;
                case SkippedMember s:
                    Skipped++;
                    SkipReasons.Add($"{clr.Name}: {s.CDeclaration}: {s.Reason}");
                    break;
            }
        }
        // Every named member of the BTF type is accounted for (generated or skipped with a reason).
        Assert.True(type.Members.Count == expected.Count, $"{clr.FullName}: {type.Members.Count} members generated or skipped, BTF has {expected.Count}");
        foreach (var nested in type.Nested) Check(clr.GetNestedType(nested.Name)!, nested);
    }

    /// <summary>The test's own walk: named members, anonymous struct/union members' members at their absolute offsets.</summary>
    private static Dictionary<string, (ulong BitOffset, uint Width, BtfTypeView Type)> Flatten(BtfTypeView type, ulong baseOffset)
    {
        var result = new Dictionary<string, (ulong, uint, BtfTypeView)>(StringComparer.Ordinal);
        void Walk(BtfTypeView t, ulong at, int depth)
        {
            foreach (var m in t.Members)
            {
                var resolved = m.Type.Resolve();
                if (m.Name.Length == 0 && !m.IsBitfield && resolved.Kind is BtfKind.Struct or BtfKind.Union && depth < 48) Walk(resolved, at + m.BitOffset, depth + 1);
                else if (m.Name.Length > 0) result[m.Name] = (at + m.BitOffset, m.BitfieldSize, m.Type);
                else if (!m.IsBitfield) result["(anonymous)" + result.Count] = (at + m.BitOffset, 0, m.Type);
            }
        }
        Walk(type, baseOffset, 0);
        return result;
    }

    private static Dictionary<string, (ulong BitOffset, uint Width, BtfTypeView Type)> SectionVariables(BtfTypeView datasec) =>
        datasec.Variables.Where(v => v.Variable.Kind == BtfKind.Variable && v.Variable.Linkage != BtfLinkage.Static)
            .ToDictionary(v => v.Variable.Name, v => ((ulong)v.Offset * 8, 0u, v.Variable.Target!), StringComparer.Ordinal);

    internal static int SizeOf(Type t) => (int)SizeOfMethod.MakeGenericMethod(t).Invoke(null, null)!;

    private static object ReadAs<T>(byte[] bytes) where T : unmanaged => MemoryMarshal.Read<T>(bytes);

    private static byte[] BytesOf<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value)).ToArray();
}
