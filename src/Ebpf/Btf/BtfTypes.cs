using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Btf;

/// <summary>
/// The types of one BTF blob (an object's .BTF section or the kernel's vmlinux BTF). Parsing checks every length
/// against the blob, so a corrupt blob yields a <see cref="BpfObjectException"/> naming the section.
/// A split blob (a kernel module's /sys/kernel/btf/&lt;module&gt;) extends a base (vmlinux): its first type id is the base's
/// type count (void included) and its string offsets continue after the base's string section, so ids and names
/// resolve across both; <see cref="Base"/> is then set.
/// </summary>
internal sealed class BtfTypes
{
    internal const ushort Magic = 0xeB9F;
    private const int MaxResolveDepth = 64;

    /// <summary>This blob's own types: for a split blob the first is id <see cref="_firstId"/>, else void (id 0).</summary>
    private readonly List<BtfType> _types;
    private readonly uint _firstId;
    private Dictionary<string, List<uint>>? _byName;

    private BtfTypes(string objectName, string section, byte[] raw, int typeStart, int stringStart, int stringLength, List<BtfType> types,
        BtfTypes? baseTypes = null)
    {
        Base = baseTypes;
        _firstId = baseTypes is null ? 0 : (uint)baseTypes.Count;
        ObjectName = objectName;
        Section = section;
        Raw = raw;
        TypeStart = typeStart;
        StringStart = stringStart;
        StringLength = stringLength;
        _types = types;
    }

    internal string ObjectName { get; }

    /// <summary>The base BTF a split blob extends (vmlinux for a module), or null.</summary>
    internal BtfTypes? Base { get; }

    internal string Section { get; }

    /// <summary>A private copy of the blob (header included), patched by DATASEC fix-ups before kernel load.</summary>
    internal byte[] Raw { get; }

    internal int TypeStart { get; }

    internal int StringStart { get; }

    internal int StringLength { get; }

    /// <summary>The number of type ids, including the implicit void (id 0) and, for a split blob, the base's types.</summary>
    internal int Count => (int)_firstId + _types.Count;

    // Unsplit: _firstId is 0, so this is one bounds check. Split: ids below _firstId wrap around and go to the base.
    internal BtfType this[uint id] => id - _firstId < (uint)_types.Count ? _types[(int)(id - _firstId)]
        : id < _firstId ? Base![id]
        : throw new BpfObjectException(ObjectName, Section, $"BTF type id {id} does not exist ({Count} types).");

    /// <summary>Every type, the base's first for a split blob.</summary>
    internal IEnumerable<BtfType> All => Base is null ? _types : Base.All.Concat(_types);

    /// <summary>This blob's own types (for a split blob, without the base's).</summary>
    internal IReadOnlyList<BtfType> Own => _types;

    /// <summary>Parses <paramref name="blob"/>; errors name <paramref name="objectName"/> and <paramref name="section"/>.
    /// With <paramref name="baseTypes"/>, the blob is split BTF on top of it (a kernel module's on top of vmlinux).</summary>
    internal static BtfTypes Parse(ReadOnlySpan<byte> blob, string objectName, string section, BtfTypes? baseTypes = null)
    {
        BpfObjectException Bad(string m) => new(objectName, section, m);
        if (baseTypes?.Base is not null) throw Bad("split BTF on top of split BTF is not supported (the base must be vmlinux-like).");
        if (blob.Length < 24) throw Bad($"BTF is {blob.Length} bytes, too short for its 24-byte header.");
        if (BinaryPrimitives.ReadUInt16LittleEndian(blob) != Magic)
            throw Bad($"bad BTF magic 0x{BinaryPrimitives.ReadUInt16LittleEndian(blob):x4} (expected 0xeb9f; big-endian BTF is not supported).");
        if (blob[2] != 1) throw Bad($"BTF version {blob[2]} is not supported (expected 1).");
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(blob[8..]);
        uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[12..]);
        uint strOff = BinaryPrimitives.ReadUInt32LittleEndian(blob[16..]);
        uint strLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[20..]);
        if (hdrLen < 24 || hdrLen > (uint)blob.Length) throw Bad($"BTF header length {hdrLen} is invalid for a {blob.Length}-byte section.");
        ulong body = (ulong)blob.Length - hdrLen;
        if ((ulong)typeOff + typeLen > body) throw Bad($"BTF type section (offset {typeOff}, length {typeLen}) lies outside the section.");
        if ((ulong)strOff + strLen > body) throw Bad($"BTF string section (offset {strOff}, length {strLen}) lies outside the section.");
        if (typeLen % 4 != 0) throw Bad($"BTF type section length {typeLen} is not a multiple of 4.");

        int typeStart = (int)(hdrLen + typeOff), stringStart = (int)(hdrLen + strOff);
        var strings = new StringSections(
            baseTypes is null ? default : baseTypes.Raw.AsSpan(baseTypes.StringStart, baseTypes.StringLength), blob.Slice(stringStart, (int)strLen));
        if (strLen > 0 && strings.Own[^1] != 0) throw Bad("BTF string section is not NUL-terminated.");
        var types = blob.Slice(typeStart, (int)typeLen);
        // A split blob's ids start at the base's count; its list holds only its own types (no second void).
        uint firstId = baseTypes is null ? 0 : (uint)baseTypes.Count;
        var list = baseTypes is null ? new List<BtfType> { new() { Id = 0, Kind = BtfKind.Void, Name = "void" } } : [];

        int pos = 0;
        while (pos < types.Length)
        {
            if (types.Length - pos < 12) throw Bad($"BTF type {firstId + list.Count} is truncated at type-section offset {pos}.");
            uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(types[pos..]);
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 4)..]);
            uint sizeOrType = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 8)..]);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);
            uint id = firstId + (uint)list.Count;
            string name = String(strings, nameOff, id, Bad);
            int start = pos;
            pos += 12;
            int remaining = types.Length - pos;

            BtfType t;
            switch (kind)
            {
                case BtfKind.Int or BtfKind.Variable or BtfKind.DeclTag:
                {
                    uint extra = BinaryPrimitives.ReadUInt32LittleEndian(Need(types, pos, 4, remaining, id, kind, name, Bad));
                    pos += 4;
                    t = new BtfType { Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, Extra = extra, RawPosition = start };
                    break;
                }
                case BtfKind.Pointer or BtfKind.Forward or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.Function or BtfKind.Float or BtfKind.TypeTag:
                    t = new BtfType { Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, RawPosition = start };
                    break;
                case BtfKind.Array:
                {
                    var a = Need(types, pos, 12, remaining, id, kind, name, Bad);
                    pos += 12;
                    t = new BtfType
                    {
                        Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, RawPosition = start,
                        ArrayElement = BinaryPrimitives.ReadUInt32LittleEndian(a),
                        ArrayLength = BinaryPrimitives.ReadUInt32LittleEndian(a[8..]),
                    };
                    break;
                }
                case BtfKind.Struct or BtfKind.Union or BtfKind.DataSection or BtfKind.Enum or BtfKind.FunctionProto or BtfKind.Enum64:
                {
                    int recordSize = kind switch { BtfKind.Enum or BtfKind.FunctionProto => 8, _ => 12 };
                    var data = Need(types, pos, vlen * recordSize, remaining, id, kind, name, Bad);
                    var members = new BtfMember[vlen];
                    for (int i = 0; i < vlen; i++)
                    {
                        var m = data.Slice(i * recordSize, recordSize);
                        uint a = BinaryPrimitives.ReadUInt32LittleEndian(m), b = BinaryPrimitives.ReadUInt32LittleEndian(m[4..]);
                        uint c = recordSize == 12 ? BinaryPrimitives.ReadUInt32LittleEndian(m[8..]) : 0;
                        int rawOffsetPos = typeStart + pos + i * recordSize;
                        members[i] = kind switch
                        {
                            BtfKind.DataSection => new BtfMember { Type = a, Offset = b, Size = c, RawOffsetPosition = rawOffsetPos + 4 },
                            BtfKind.Enum => new BtfMember { Name = String(strings, a, id, Bad), Value = (int)b },
                            BtfKind.Enum64 => new BtfMember { Name = String(strings, a, id, Bad), Value = (long)(((ulong)c << 32) | b) },
                            BtfKind.FunctionProto => new BtfMember { Name = String(strings, a, id, Bad), Type = b },
                            _ => new BtfMember { Name = String(strings, a, id, Bad), Type = b, Offset = c },
                        };
                    }
                    pos += vlen * recordSize;
                    t = new BtfType { Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, Members = members, RawPosition = start };
                    break;
                }
                default:
                    throw Bad($"BTF type [{id}] '{name}' has unknown kind {(int)kind}.");
            }
            list.Add(t);
        }
        // Ids may refer to the base's types and to this blob's own (base + split count).
        long count = firstId + list.Count;
        foreach (var t in list)
        {
            if (t.Kind is BtfKind.Pointer or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                or BtfKind.Function or BtfKind.Variable or BtfKind.TypeTag or BtfKind.DeclTag && t.SizeOrType >= count)
                throw Bad($"BTF type {t} refers to type {t.SizeOrType}, which does not exist ({count} types).");
            if (t.Kind == BtfKind.Array && (t.ArrayElement >= count))
                throw Bad($"BTF type {t} has element type {t.ArrayElement}, which does not exist ({count} types).");
            foreach (var m in t.Members)
                if (m.Type >= count)
                    throw Bad($"BTF type {t} has a member referring to type {m.Type}, which does not exist ({count} types).");
        }
        return new BtfTypes(objectName, section, blob.ToArray(), typeStart, stringStart, (int)strLen, list, baseTypes);
    }

    private static ReadOnlySpan<byte> Need(ReadOnlySpan<byte> types, int pos, int bytes, int remaining, uint id, BtfKind kind, string name, Func<string, BpfObjectException> bad) =>
        bytes <= remaining ? types.Slice(pos, bytes) : throw bad($"BTF type [{id}] {kind} '{name}' needs {bytes} more bytes but only {remaining} remain.");

    /// <summary>The string sections a blob's name offsets index: the base's (empty unless split), then its own.</summary>
    private readonly ref struct StringSections(ReadOnlySpan<byte> baseStrings, ReadOnlySpan<byte> own)
    {
        internal readonly ReadOnlySpan<byte> Base = baseStrings;
        internal readonly ReadOnlySpan<byte> Own = own;
    }

    private static string String(StringSections strings, uint offset, uint id, Func<string, BpfObjectException> bad)
    {
        if (offset == 0) return "";
        ReadOnlySpan<byte> section;
        if (offset < (uint)strings.Base.Length)
            section = strings.Base;
        else
        {
            offset -= (uint)strings.Base.Length;
            section = strings.Own;
            if (offset >= (uint)section.Length)
                throw bad(strings.Base.IsEmpty
                    ? $"BTF type [{id}] has name offset {offset} outside the {section.Length}-byte string section."
                    : $"BTF type [{id}] has name offset {offset + (uint)strings.Base.Length} outside the base's {strings.Base.Length}-byte and this split blob's {section.Length}-byte string sections.");
        }
        var rest = section[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    /// <summary>This blob (with the fix-ups made to <see cref="Raw"/> so far) parsed again, with
    /// <paramref name="types"/> appended to the type section (their ids follow the last) and <paramref name="strings"/>
    /// to the string section (their offsets start at <see cref="StringLength"/>).</summary>
    internal BtfTypes Rebuild(ReadOnlySpan<byte> types = default, ReadOnlySpan<byte> strings = default)
    {
        if (Base is not null) throw new InvalidOperationException("Split (kernel module) BTF is never rebuilt.");
        return Parse(Appended(Raw, types, strings), ObjectName, Section);
    }

    /// <summary>A new blob: <paramref name="raw"/> (this blob's layout, possibly patched in place) laid out again as
    /// header, types + <paramref name="types"/>, strings + <paramref name="strings"/>.</summary>
    internal byte[] Appended(ReadOnlySpan<byte> raw, ReadOnlySpan<byte> types, ReadOnlySpan<byte> strings)
    {
        int hdrLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[4..]);
        int typeLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(raw[12..]);
        var blob = new byte[hdrLen + typeLen + types.Length + StringLength + strings.Length];
        raw[..hdrLen].CopyTo(blob);
        var header = blob.AsSpan(8);
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(typeLen + types.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], (uint)(typeLen + types.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)(StringLength + strings.Length));
        var body = blob.AsSpan(hdrLen);
        raw.Slice(TypeStart, typeLen).CopyTo(body);
        types.CopyTo(body[typeLen..]);
        raw.Slice(StringStart, StringLength).CopyTo(body[(typeLen + types.Length)..]);
        strings.CopyTo(body[(typeLen + types.Length + StringLength)..]);
        return blob;
    }

    /// <summary>A string from the string section (for .BTF.ext records), or null when out of range.</summary>
    internal string? StringAt(uint offset)
    {
        if (Base is not null)
        {
            if (offset < (uint)Base.StringLength) return Base.StringAt(offset);
            offset -= (uint)Base.StringLength;
        }
        if (offset >= (uint)StringLength) return null;
        var rest = Raw.AsSpan(StringStart + (int)offset, StringLength - (int)offset);
        int end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    /// <summary>All type ids with this name (for a split blob, the base's first).</summary>
    internal IReadOnlyList<uint> IdsNamed(string name)
    {
        var own = OwnIdsNamed(name);
        if (Base is null) return own;
        var inBase = Base.IdsNamed(name);
        return inBase.Count == 0 ? own : own.Count == 0 ? inBase : [.. inBase, .. own];
    }

    /// <summary>The ids of this blob's own types with this name (for a split blob, none of the base's).</summary>
    internal IReadOnlyList<uint> OwnIdsNamed(string name)
    {
        if (_byName is null)
        {
            var map = new Dictionary<string, List<uint>>(StringComparer.Ordinal);
            foreach (var t in _types)
            {
                if (t.Name.Length == 0) continue;
                if (!map.TryGetValue(t.Name, out var ids)) map[t.Name] = ids = [];
                ids.Add(t.Id);
            }
            _byName = map;
        }
        return _byName.TryGetValue(name, out var found) ? found : [];
    }

    /// <summary>The DATASEC called <paramref name="name"/>, or null.</summary>
    internal BtfType? FindDataSection(string name)
    {
        foreach (uint id in IdsNamed(name))
            if (this[id].Kind == BtfKind.DataSection) return this[id];
        return null;
    }

    /// <summary>Follows typedefs, modifiers (const, volatile, restrict, type tags) to the underlying type.</summary>
    internal BtfType SkipQualifiers(uint id)
    {
        for (int depth = 0; depth < MaxResolveDepth; depth++)
        {
            var t = this[id];
            if (t.Kind is not (BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag)) return t;
            id = t.SizeOrType;
        }
        throw new BpfObjectException(ObjectName, Section, $"BTF type {id}: typedef/modifier chain longer than {MaxResolveDepth} (a cycle?).");
    }

    /// <summary>The size in bytes of type <paramref name="id"/>, or null when it has none (void, func, forward declaration).</summary>
    internal ulong? SizeOf(uint id)
    {
        try
        {
            return SizeOfChecked(id);
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private ulong? SizeOfChecked(uint id)
    {
        ulong multiplier = 1;
        for (int depth = 0; depth < MaxResolveDepth; depth++)
        {
            var t = this[id];
            switch (t.Kind)
            {
                case BtfKind.Int or BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.DataSection or BtfKind.Float:
                    return checked(multiplier * t.SizeOrType);
                case BtfKind.Pointer:
                    return checked(multiplier * 8);
                case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag or BtfKind.Variable:
                    id = t.SizeOrType;
                    break;
                case BtfKind.Array:
                    multiplier = checked(multiplier * t.ArrayLength);
                    id = t.ArrayElement;
                    break;
                default:
                    return null;
            }
        }
        return null;
    }
}
