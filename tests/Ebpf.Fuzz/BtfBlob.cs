using System.Buffers.Binary;
using System.Text;
using Ebpf.Btf;

namespace Ebpf.Fuzz;

/// <summary>
/// Writes small BTF blobs type by type (little-endian, version 1): crafted fuzz seeds that reach shapes clang's objects
/// rarely have (arrays of arrays, bitfields with kind_flag, enum64, flavours), and the regression inputs of the tests.
/// Ids are given out in order from 1; names are interned in the string section.
/// </summary>
internal sealed class BtfBlob
{
    private readonly List<byte> _types = [];
    private readonly List<byte> _strings;
    private readonly Dictionary<string, uint> _names = new(StringComparer.Ordinal) { [""] = 0 };
    private readonly uint _stringBase;
    private uint _next;

    /// <summary>A blob whose ids start at 1; or split BTF on top of a base with <paramref name="baseTypeCount"/> types
    /// (void included) and a <paramref name="baseStringLength"/>-byte string section: ids start at the base's count,
    /// string offsets after the base's strings, and the empty name is the base's offset 0.</summary>
    internal BtfBlob(uint baseTypeCount = 0, uint baseStringLength = 0)
    {
        bool split = baseTypeCount > 0;
        _next = split ? baseTypeCount : 1;
        _strings = split ? [] : [0];
        _stringBase = baseStringLength;
    }

    /// <summary>The offset of <paramref name="s"/> in the string section (added on first use). Also for access strings
    /// and section names of .BTF.ext records.</summary>
    internal uint Name(string s)
    {
        if (_names.TryGetValue(s, out uint at)) return at;
        at = _stringBase + (uint)_strings.Count;
        _strings.AddRange(Encoding.UTF8.GetBytes(s));
        _strings.Add(0);
        _names[s] = at;
        return at;
    }

    /// <summary>Makes <paramref name="s"/> refer to the base's string at <paramref name="offset"/> (split blobs share
    /// the base's strings rather than repeat them).</summary>
    internal void BaseName(string s, uint offset) => _names[s] = offset;

    internal uint Int(string name, uint size, bool signed = false, uint bits = 0) =>
        Add(name, BtfKind.Int, 0, size, [(signed ? 1u << 24 : 0) | (bits == 0 ? size * 8 : bits)]);

    /// <summary>A function prototype with no parameters returning <paramref name="returns"/>.</summary>
    internal uint FunctionProto(uint returns) => Add("", BtfKind.FunctionProto, 0, returns, []);

    internal uint Function(string name, uint proto) => Add(name, BtfKind.Function, 0, proto, []);

    internal uint Pointer(uint to) => Add("", BtfKind.Pointer, 0, to, []);

    internal uint Typedef(string name, uint to) => Add(name, BtfKind.Typedef, 0, to, []);

    internal uint Const(uint to) => Add("", BtfKind.Const, 0, to, []);

    internal uint Array(uint element, uint index, uint length) => Add("", BtfKind.Array, 0, 0, [element, index, length]);

    /// <summary>A struct; with <paramref name="bitfields"/> (kind_flag), each member offset is <c>bit_size &lt;&lt; 24 | bit_offset</c>.</summary>
    internal uint Struct(string name, uint size, bool bitfields, params (string Name, uint Type, uint Offset)[] members) =>
        Composite(BtfKind.Struct, name, size, bitfields, members);

    internal uint Union(string name, uint size, params (string Name, uint Type, uint Offset)[] members) =>
        Composite(BtfKind.Union, name, size, false, members);

    internal uint Enum(string name, uint size, bool signed, params (string Name, int Value)[] values)
    {
        var extra = new List<uint>();
        foreach (var (n, v) in values) extra.AddRange([Name(n), (uint)v]);
        return Add(name, BtfKind.Enum, (uint)values.Length | (signed ? 1u << 31 : 0), size, [.. extra]);
    }

    internal uint Enum64(string name, params (string Name, long Value)[] values)
    {
        var extra = new List<uint>();
        foreach (var (n, v) in values) extra.AddRange([Name(n), (uint)v, (uint)(v >> 32)]);
        return Add(name, BtfKind.Enum64, (uint)values.Length, 8, [.. extra]);
    }

    /// <summary>The blob: header, type section, string section.</summary>
    internal byte[] ToArray()
    {
        var blob = new byte[24 + _types.Count + _strings.Count];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, BtfTypes.Magic);
        span[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 24);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)_types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)_types.Count);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)_strings.Count);
        _types.CopyTo(blob, 24);
        _strings.CopyTo(blob, 24 + _types.Count);
        return blob;
    }

    private uint Composite(BtfKind kind, string name, uint size, bool bitfields, (string Name, uint Type, uint Offset)[] members)
    {
        var extra = new List<uint>();
        foreach (var (n, t, o) in members) extra.AddRange([Name(n), t, o]);
        return Add(name, kind, (uint)members.Length | (bitfields ? 1u << 31 : 0), size, [.. extra]);
    }

    private uint Add(string name, BtfKind kind, uint vlenAndFlag, uint sizeOrType, uint[] extra)
    {
        Word(Name(name));
        Word(((uint)kind << 24) | vlenAndFlag);
        Word(sizeOrType);
        foreach (uint w in extra) Word(w);
        return _next++;
    }

    private void Word(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _types.AddRange(b);
    }
}
