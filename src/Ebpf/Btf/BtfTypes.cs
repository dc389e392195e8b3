using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Btf;

/// <summary>
/// The types of one BTF blob (an object's .BTF section or the kernel's vmlinux BTF). Every record's length is checked
/// against the blob up front, so a corrupt blob yields a <see cref="BpfObjectException"/> naming the section.
/// A split blob (a kernel module's /sys/kernel/btf/&lt;module&gt;) extends a base (vmlinux): its first type id is the base's
/// type count (void included) and its string offsets continue after the base's string section, so ids and names
/// resolve across both; <see cref="Base"/> is then set.
/// <see cref="Parse"/> (an object's BTF) turns every record into a <see cref="BtfType"/> and checks every name and
/// reference at once. <see cref="Index"/> (the kernel's BTF: some 125,000 types, of which a load reaches a few hundred)
/// keeps only each record's position: a type becomes an object, with its names and references checked, when it is
/// first reached, and names are found through a hash index over the blob's bytes. Both are safe to share between threads.
/// </summary>
internal sealed class BtfTypes
{
    internal const ushort Magic = 0xeB9F;
    private const int MaxResolveDepth = 64;

    /// <summary>Each own type's record position in the type section, by id - <see cref="_firstId"/>; -1 for void.</summary>
    private readonly int[] _positions;

    /// <summary>Own types made into objects so far (all of them after <see cref="Parse"/>).</summary>
    private readonly BtfType?[] _types;

    private readonly uint _firstId;
    private readonly int _typeLength;
    private BtfNameIndex? _names;

    private BtfTypes(string objectName, string section, byte[] raw, int typeStart, int typeLength, int stringStart, int stringLength,
        int[] positions, BtfTypes? baseTypes)
    {
        Base = baseTypes;
        _firstId = baseTypes is null ? 0 : (uint)baseTypes.Count;
        ObjectName = objectName;
        Section = section;
        Raw = raw;
        TypeStart = typeStart;
        _typeLength = typeLength;
        StringStart = stringStart;
        StringLength = stringLength;
        _positions = positions;
        _types = new BtfType?[positions.Length];
    }

    internal string ObjectName { get; }

    /// <summary>The base BTF a split blob extends (vmlinux for a module), or null.</summary>
    internal BtfTypes? Base { get; }

    internal string Section { get; }

    /// <summary>The blob (header included): for an object a private copy, patched by DATASEC fix-ups before kernel load.</summary>
    internal byte[] Raw { get; }

    internal int TypeStart { get; }

    internal int StringStart { get; }

    internal int StringLength { get; }

    /// <summary>The number of type ids, including the implicit void (id 0) and, for a split blob, the base's types.</summary>
    internal int Count => (int)_firstId + _positions.Length;

    // Unsplit: _firstId is 0, so this is one bounds check. Split: ids below _firstId wrap around and go to the base.
    internal BtfType this[uint id] => id - _firstId < (uint)_positions.Length ? OwnAt((int)(id - _firstId))
        : id < _firstId ? Base![id]
        : throw new BpfObjectException(ObjectName, Section, $"BTF type id {id} does not exist ({Count} types).");

    /// <summary>Every type, the base's first for a split blob.</summary>
    internal IEnumerable<BtfType> All => Base is null ? OwnTypes() : Base.All.Concat(OwnTypes());

    /// <summary>This blob's own types (for a split blob, without the base's).</summary>
    internal IReadOnlyList<BtfType> Own => [.. OwnTypes()];

    private IEnumerable<BtfType> OwnTypes()
    {
        for (int i = 0; i < _positions.Length; i++) yield return OwnAt(i);
    }

    /// <summary>Parses <paramref name="blob"/> (copied) into types, checking every record, name and reference; errors name
    /// <paramref name="objectName"/> and <paramref name="section"/>. With <paramref name="baseTypes"/>, the blob is split
    /// BTF on top of it (a kernel module's on top of vmlinux).</summary>
    internal static BtfTypes Parse(ReadOnlySpan<byte> blob, string objectName, string section, BtfTypes? baseTypes = null)
    {
        var btf = Index(blob.ToArray(), objectName, section, baseTypes);
        for (int i = 0; i < btf._types.Length; i++) btf._types[i] = btf.Decode(i);
        for (int i = 0; i < btf._types.Length; i++) btf.CheckReferences(btf._types[i]!);
        return btf;
    }

    /// <summary>Indexes <paramref name="blob"/> (kept, not copied) without decoding its types: checks the header and the
    /// record lengths now, each type's names and references when it is first reached.</summary>
    internal static BtfTypes Index(byte[] blob, string objectName, string section, BtfTypes? baseTypes = null)
    {
        BpfObjectException Bad(string m) => new(objectName, section, m);
        if (baseTypes?.Base is not null) throw Bad("split BTF on top of split BTF is not supported (the base must be vmlinux-like).");
        if (blob.Length < 24) throw Bad($"BTF is {blob.Length} bytes, too short for its 24-byte header.");
        if (BinaryPrimitives.ReadUInt16LittleEndian(blob) != Magic)
            throw Bad($"bad BTF magic 0x{BinaryPrimitives.ReadUInt16LittleEndian(blob):x4} (expected 0xeb9f; big-endian BTF is not supported).");
        if (blob[2] != 1) throw Bad($"BTF version {blob[2]} is not supported (expected 1).");
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(4));
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(8));
        uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(12));
        uint strOff = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(16));
        uint strLen = BinaryPrimitives.ReadUInt32LittleEndian(blob.AsSpan(20));
        if (hdrLen < 24 || hdrLen > (uint)blob.Length) throw Bad($"BTF header length {hdrLen} is invalid for a {blob.Length}-byte section.");
        ulong body = (ulong)blob.Length - hdrLen;
        if ((ulong)typeOff + typeLen > body) throw Bad($"BTF type section (offset {typeOff}, length {typeLen}) lies outside the section.");
        if ((ulong)strOff + strLen > body) throw Bad($"BTF string section (offset {strOff}, length {strLen}) lies outside the section.");
        if (typeLen % 4 != 0) throw Bad($"BTF type section length {typeLen} is not a multiple of 4.");
        int typeStart = (int)(hdrLen + typeOff), stringStart = (int)(hdrLen + strOff);
        if (strLen > 0 && blob[stringStart + (int)strLen - 1] != 0) throw Bad("BTF string section is not NUL-terminated.");
        var positions = Walk(blob.AsSpan(typeStart, (int)typeLen), baseTypes is null ? 0 : (uint)baseTypes.Count, unsplit: baseTypes is null,
            (id, pos) => NameForError(blob, stringStart, (int)strLen, baseTypes, blob.AsSpan(typeStart + pos), id, Bad), Bad);
        return new BtfTypes(objectName, section, blob, typeStart, (int)typeLen, stringStart, (int)strLen, positions, baseTypes);
    }

    /// <summary>The position of every record in <paramref name="types"/>, reading only kinds and lengths: a first pass
    /// checks and counts the records, a second fills an array of exactly that many.</summary>
    private static int[] Walk(ReadOnlySpan<byte> types, uint firstId, bool unsplit, Func<uint, int, string> name, Func<string, BpfObjectException> bad)
    {
        int first = unsplit ? 1 : 0, count = first;
        for (int pos = 0; pos < types.Length; count++)
        {
            uint id = firstId + (uint)count;
            if (types.Length - pos < 12) throw bad($"BTF type {id} is truncated at type-section offset {pos}.");
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 4)..]);
            var kind = (BtfKind)((info >> 24) & 0x1f);
            long extra = TrailerLength(kind, (int)(info & 0xffff));
            if (extra < 0) throw bad($"BTF type [{id}] '{name(id, pos)}' has unknown kind {(int)kind}.");
            int remaining = types.Length - pos - 12;
            if (extra > remaining) throw bad($"BTF type [{id}] {kind} '{name(id, pos)}' needs {extra} more bytes but only {remaining} remain.");
            pos += 12 + (int)extra;
        }
        var positions = new int[count];
        if (unsplit) positions[0] = -1;
        for (int i = first, pos = 0; i < count; i++)
        {
            positions[i] = pos;
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 4)..]);
            pos += 12 + (int)TrailerLength((BtfKind)((info >> 24) & 0x1f), (int)(info & 0xffff));
        }
        return positions;
    }

    /// <summary>The bytes after a record's 12-byte header, or -1 for an unknown kind.</summary>
    private static long TrailerLength(BtfKind kind, int vlen) => kind switch
    {
        BtfKind.Int or BtfKind.Variable or BtfKind.DeclTag => 4,
        BtfKind.Array => 12,
        BtfKind.Struct or BtfKind.Union or BtfKind.DataSection or BtfKind.Enum64 => 12L * vlen,
        BtfKind.Enum or BtfKind.FunctionProto => 8L * vlen,
        BtfKind.Pointer or BtfKind.Forward or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
            or BtfKind.Function or BtfKind.Float or BtfKind.TypeTag => 0,
        _ => -1,
    };

    private static string NameForError(byte[] blob, int stringStart, int stringLength, BtfTypes? baseTypes, ReadOnlySpan<byte> record, uint id,
        Func<string, BpfObjectException> bad) =>
        String(new StringSections(baseTypes is null ? default : baseTypes.Raw.AsSpan(baseTypes.StringStart, baseTypes.StringLength),
            blob.AsSpan(stringStart, stringLength)), BinaryPrimitives.ReadUInt32LittleEndian(record), id, bad);

    private BpfObjectException Bad(string message) => new(ObjectName, Section, message);

    private StringSections Strings => new(Base is null ? default : Base.Raw.AsSpan(Base.StringStart, Base.StringLength),
        Raw.AsSpan(StringStart, StringLength));

    private BtfType OwnAt(int index)
    {
        var t = Volatile.Read(ref _types[index]);
        if (t is not null) return t;
        t = Decode(index);
        CheckReferences(t);
        // Two threads may decode the same record: they make equal objects, and the first one stored is kept.
        return Interlocked.CompareExchange(ref _types[index], t, null) ?? t;
    }

    /// <summary>Makes the record of own type <paramref name="index"/> into a <see cref="BtfType"/>, checking its names.</summary>
    private BtfType Decode(int index)
    {
        uint id = _firstId + (uint)index;
        int start = _positions[index];
        if (start < 0) return new BtfType { Id = 0, Kind = BtfKind.Void, Name = "void" };
        var types = Raw.AsSpan(TypeStart, _typeLength);
        var strings = Strings;
        uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(types[start..]);
        uint info = BinaryPrimitives.ReadUInt32LittleEndian(types[(start + 4)..]);
        uint sizeOrType = BinaryPrimitives.ReadUInt32LittleEndian(types[(start + 8)..]);
        var kind = (BtfKind)((info >> 24) & 0x1f);
        int vlen = (int)(info & 0xffff);
        string name = String(strings, nameOff, id, Bad);
        int pos = start + 12;
        switch (kind)
        {
            case BtfKind.Int or BtfKind.Variable or BtfKind.DeclTag:
                return new BtfType
                {
                    Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, RawPosition = start,
                    Extra = BinaryPrimitives.ReadUInt32LittleEndian(types[pos..]),
                };
            case BtfKind.Array:
                return new BtfType
                {
                    Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, RawPosition = start,
                    ArrayElement = BinaryPrimitives.ReadUInt32LittleEndian(types[pos..]),
                    ArrayLength = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 8)..]),
                };
            case BtfKind.Struct or BtfKind.Union or BtfKind.DataSection or BtfKind.Enum or BtfKind.FunctionProto or BtfKind.Enum64:
            {
                int recordSize = kind is BtfKind.Enum or BtfKind.FunctionProto ? 8 : 12;
                var members = new BtfMember[vlen];
                for (int i = 0; i < vlen; i++)
                {
                    var m = types.Slice(pos + i * recordSize, recordSize);
                    uint a = BinaryPrimitives.ReadUInt32LittleEndian(m), b = BinaryPrimitives.ReadUInt32LittleEndian(m[4..]);
                    uint c = recordSize == 12 ? BinaryPrimitives.ReadUInt32LittleEndian(m[8..]) : 0;
                    members[i] = kind switch
                    {
                        BtfKind.DataSection => new BtfMember { Type = a, Offset = b, Size = c, RawOffsetPosition = TypeStart + pos + i * recordSize + 4 },
                        BtfKind.Enum => new BtfMember { Name = String(strings, a, id, Bad), Value = (int)b },
                        BtfKind.Enum64 => new BtfMember { Name = String(strings, a, id, Bad), Value = (long)(((ulong)c << 32) | b) },
                        BtfKind.FunctionProto => new BtfMember { Name = String(strings, a, id, Bad), Type = b },
                        _ => new BtfMember { Name = String(strings, a, id, Bad), Type = b, Offset = c },
                    };
                }
                return new BtfType { Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, Members = members, RawPosition = start };
            }
            default:
                return new BtfType { Id = id, Kind = kind, Name = name, Info = info, SizeOrType = sizeOrType, RawPosition = start };
        }
    }

    /// <summary>Ids may refer to the base's types and to this blob's own (base + split count), nothing beyond.</summary>
    private void CheckReferences(BtfType t)
    {
        long count = Count;
        if (t.Kind is BtfKind.Pointer or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
            or BtfKind.Function or BtfKind.Variable or BtfKind.TypeTag or BtfKind.DeclTag && t.SizeOrType >= count)
            throw Bad($"BTF type {t} refers to type {t.SizeOrType}, which does not exist ({count} types).");
        if (t.Kind == BtfKind.Array && t.ArrayElement >= count)
            throw Bad($"BTF type {t} has element type {t.ArrayElement}, which does not exist ({count} types).");
        foreach (var m in t.Members)
            if (m.Type >= count)
                throw Bad($"BTF type {t} has a member referring to type {m.Type}, which does not exist ({count} types).");
    }

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

    /// <summary>The NUL-terminated name at <paramref name="offset"/> of the string sections, without its NUL; empty when
    /// the offset is 0 or outside them (decoding the type then reports it).</summary>
    internal ReadOnlySpan<byte> NameBytes(uint offset)
    {
        if (offset == 0) return default;
        ReadOnlySpan<byte> section;
        if (Base is not null && offset < (uint)Base.StringLength)
            section = Base.Raw.AsSpan(Base.StringStart, Base.StringLength);
        else
        {
            if (Base is not null) offset -= (uint)Base.StringLength;
            if (offset >= (uint)StringLength) return default;
            section = Raw.AsSpan(StringStart, StringLength);
        }
        var rest = section[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return end < 0 ? rest : rest[..end];
    }

    /// <summary>Own type <paramref name="index"/>'s name offset and kind, read from its record (void: 0 and Void).</summary>
    internal (uint NameOffset, BtfKind Kind) Header(int index)
    {
        int start = _positions[index];
        if (start < 0) return (0, BtfKind.Void);
        var record = Raw.AsSpan(TypeStart + start, 8);
        return (BinaryPrimitives.ReadUInt32LittleEndian(record), (BtfKind)((BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) >> 24) & 0x1f));
    }

    /// <summary>The number of own types (void included for an unsplit blob).</summary>
    internal int OwnCount => _positions.Length;

    /// <summary>The id of own type <paramref name="index"/>.</summary>
    internal uint OwnId(int index) => _firstId + (uint)index;

    private BtfNameIndex Names => LazyInitializer.EnsureInitialized(ref _names, () => new BtfNameIndex(this));

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

    /// <summary>All type ids with this name, in id order (for a split blob, the base's first).</summary>
    internal IReadOnlyList<uint> IdsNamed(string name)
    {
        var own = OwnIdsNamed(name);
        if (Base is null) return own;
        var inBase = Base.IdsNamed(name);
        return inBase.Count == 0 ? own : own.Count == 0 ? inBase : [.. inBase, .. own];
    }

    /// <summary>The ids of this blob's own types with this name, in id order (for a split blob, none of the base's).</summary>
    internal IReadOnlyList<uint> OwnIdsNamed(string name) => Names.Find(name);

    /// <summary>The id of the first own type named <paramref name="name"/> of kind <paramref name="kind"/>, or 0 when none:
    /// found through the name index, no type decoded.</summary>
    internal uint FirstOwnIdNamed(string name, BtfKind kind) => Names.FindFirst(name, kind);

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
