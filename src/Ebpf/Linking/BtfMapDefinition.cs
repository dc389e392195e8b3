using Ebpf.Btf;

namespace Ebpf.Linking;

/// <summary>
/// Reads a BTF-defined map (libbpf's <c>__uint</c>/<c>__type</c>/<c>__array</c> convention): each member of the
/// anonymous struct encodes one attribute in its type: <c>int (*type)[N]</c> carries N, <c>T *key</c> carries T.
/// </summary>
internal static class BtfMapDefinition
{
    internal static MapSpec Parse(BtfTypes btf, string mapName, uint typeId, string objectName, bool inner = false)
    {
        BpfObjectException Bad(string m) => new(objectName, ".maps", $"map '{mapName}': {m}");
        var def = btf.SkipQualifiers(typeId);
        if (def.Kind != BtfKind.Struct)
            throw Bad($"definition is a BTF {def.Kind}, not a struct. Declare maps with the libbpf struct convention (__uint, __type).");
        var spec = new MapSpec { Name = mapName };
        foreach (var m in def.Members)
        {
            switch (m.Name)
            {
                case "type": spec.Type = (BpfMapType)Number(m); break;
                case "max_entries": spec.MaxEntries = Number(m); break;
                case "map_flags": spec.Flags = Number(m); break;
                case "pinning": spec.Pinning = Number(m); break;
                case "numa_node": _ = Number(m); break;
                case "key_size": spec.KeySize = Number(m); break;
                case "value_size": spec.ValueSize = Number(m); break;
                case "map_extra": spec.MapExtra = Number(m); break;
                case "key":
                    (spec.KeySize, spec.BtfKeyTypeId) = Pointee(m);
                    break;
                case "value":
                    (spec.ValueSize, spec.BtfValueTypeId) = Pointee(m);
                    break;
                case "values":
                    if (inner) throw Bad("an inner map definition cannot itself declare 'values'.");
                    var arr = btf.SkipQualifiers(m.Type);
                    if (arr.Kind != BtfKind.Array) throw Bad("'values' must be declared with __array(values, ...).");
                    var ptr = btf.SkipQualifiers(arr.ArrayElement);
                    if (ptr.Kind != BtfKind.Pointer) throw Bad("'values' must be an array of pointers (__array).");
                    var pointee = btf.SkipQualifiers(ptr.SizeOrType);
                    if (pointee.Kind == BtfKind.Struct)
                    {
                        spec.InnerMap = Parse(btf, mapName + ".inner", pointee.Id, objectName, inner: true);
                        spec.ValueSize = 4; // map-in-map values are map fds
                    }
                    else if (pointee.Kind == BtfKind.FunctionProto)
                        spec.ValueSize = 4; // program arrays hold program fds
                    else
                        throw Bad($"'values' points to a BTF {pointee.Kind}; expected a map definition struct or a function prototype.");
                    break;
                default:
                    throw Bad($"unknown attribute '{m.Name}'. Known: type, max_entries, map_flags, pinning, numa_node, key, value, key_size, value_size, values, map_extra.");
            }
        }
        if (spec.Type is BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps && spec.InnerMap is null)
            throw Bad("a map-in-map needs its inner map declared with __array(values, struct { ... }).");
        return spec;

        uint Number(BtfMember m)
        {
            var p = btf.SkipQualifiers(m.Type);
            if (p.Kind != BtfKind.Pointer) throw Bad($"attribute '{m.Name}' must be declared with __uint (a pointer to an array), found a BTF {p.Kind}.");
            var a = btf.SkipQualifiers(p.SizeOrType);
            if (a.Kind != BtfKind.Array) throw Bad($"attribute '{m.Name}' must be declared with __uint (a pointer to an array), found a pointer to a BTF {a.Kind}.");
            return a.ArrayLength;
        }

        (uint Size, uint TypeId) Pointee(BtfMember m)
        {
            var p = btf.SkipQualifiers(m.Type);
            if (p.Kind != BtfKind.Pointer) throw Bad($"attribute '{m.Name}' must be declared with __type (a pointer to the type), found a BTF {p.Kind}.");
            ulong? size = btf.SizeOf(p.SizeOrType);
            if (size is null or 0 or > uint.MaxValue) throw Bad($"attribute '{m.Name}' points to BTF type {p.SizeOrType}, whose size cannot be determined.");
            return ((uint)size.Value, p.SizeOrType);
        }
    }
}
