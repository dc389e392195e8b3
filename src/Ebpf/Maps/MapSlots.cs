using System.Buffers.Binary;
using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>
/// Maps whose values are kernel objects rather than data: map-in-map (inner map fd in, inner map id out), program
/// arrays for tail calls (program fd in, program id out), devmaps (ifindex, or <c>struct bpf_devmap_val</c>: ifindex
/// plus an optional XDP program fd), cpumaps (queue size, or <c>struct bpf_cpumap_val</c>: queue size plus an optional
/// program fd), and the socket maps (sockmap, sockhash, xskmap, reuseport array: a socket fd in; sockmap and sockhash
/// give the socket cookie out when their value is 8 bytes).
/// </summary>
internal static class MapSlots
{
    internal static void SetInnerMap(IMapCommands map, ReadOnlySpan<byte> key, int innerFd)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "SetInnerMap", BpfMapType.ArrayOfMaps, BpfMapType.HashOfMaps);
        WriteFd(map, key, innerFd, "SetInnerMap",
            "the inner map must match the outer map's inner template (type, key and value sizes, max_entries unless BPF_F_INNER_MAP, flags)");
    }

    internal static void SetProgram(IMapCommands map, ReadOnlySpan<byte> key, int programFd)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "SetProgram", BpfMapType.ProgramArray);
        WriteFd(map, key, programFd, "SetProgram",
            "a program array takes programs of one type and expected attach type (the first program put in or the first program using the array decides)");
    }

    internal static void SetSocket(IMapCommands map, ReadOnlySpan<byte> key, int socketFd)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "SetSocket", BpfMapType.SockMap, BpfMapType.SockHash, BpfMapType.XskMap,
            BpfMapType.ReuseportSockArray);
        WriteFd(map, key, socketFd, "SetSocket", map.Type switch
        {
            BpfMapType.XskMap => "an XSKMAP takes AF_XDP sockets bound to a device queue (with their rings set up)",
            BpfMapType.ReuseportSockArray => "a reuseport array takes TCP or UDP sockets bound with SO_REUSEPORT",
            _ => "a sockmap or sockhash takes established or listening TCP sockets, bound UDP sockets and unix or vsock sockets",
        });
    }

    /// <summary>Reads the id a map-in-map or program array holds at <paramref name="key"/> (the kernel answers ids, not fds).</summary>
    internal static bool TryGetId(IMapCommands map, ReadOnlySpan<byte> key, out uint id, string action, params ReadOnlySpan<BpfMapType> types)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_ELEM", action, types);
        MapChecks.Key(map, key.Length, "BPF_MAP_LOOKUP_ELEM");
        Span<byte> value = stackalloc byte[4];
        id = 0;
        if (!Found(map, map.Lookup(key, value, 0))) return false;
        id = BinaryPrimitives.ReadUInt32LittleEndian(value);
        return true;
    }

    internal static bool TryGetSocketCookie(IMapCommands map, ReadOnlySpan<byte> key, out ulong cookie)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_ELEM", "TryGetSocketCookie", BpfMapType.SockMap, BpfMapType.SockHash);
        MapChecks.Key(map, key.Length, "BPF_MAP_LOOKUP_ELEM");
        cookie = 0;
        if (map.ValueBufferSize != 8)
            throw new BpfMapException("BPF_MAP_LOOKUP_ELEM", 0, map.Name,
                $"Map '{map.Name}' has {map.ValueBufferSize}-byte values; the kernel returns socket cookies only from maps with 8-byte values.");
        Span<byte> value = stackalloc byte[8];
        if (!Found(map, map.Lookup(key, value, 0))) return false;
        cookie = BinaryPrimitives.ReadUInt64LittleEndian(value);
        return true;
    }

    internal static void SetDevice(IMapCommands map, ReadOnlySpan<byte> key, int ifindex, int programFd)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "SetDevice", BpfMapType.DevMap, BpfMapType.DevMapHash);
        if (ifindex <= 0)
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, map.Name, $"Map '{map.Name}': {ifindex} is not an interface index (they start at 1).");
        WritePair(map, key, (uint)ifindex, programFd, "SetDevice", "struct bpf_devmap_val",
            "the interface must exist in this network namespace and support XDP redirect (ndo_xdp_xmit); a program must be an XDP program loaded for devmaps (SEC(\"xdp/devmap\"))");
    }

    internal static void SetCpu(IMapCommands map, uint cpu, uint queueSize, int programFd)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "SetCpu", BpfMapType.CpuMap);
        if (queueSize == 0)
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, map.Name, $"Map '{map.Name}': a CPU's queue size must be at least 1 (Delete the entry to remove the CPU).");
        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(key, cpu);
        WritePair(map, key, queueSize, programFd, "SetCpu", "struct bpf_cpumap_val",
            "the CPU must be possible, the queue size at most 16384, and a program an XDP program loaded for cpumaps (SEC(\"xdp/cpumap\"))");
    }

    /// <summary>Reads a devmap or cpumap entry: the ifindex or queue size, and the id of the program attached to it (0: none).</summary>
    internal static bool TryGetPair(IMapCommands map, ReadOnlySpan<byte> key, out uint first, out uint programId, string action, params ReadOnlySpan<BpfMapType> types)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_ELEM", action, types);
        MapChecks.Key(map, key.Length, "BPF_MAP_LOOKUP_ELEM");
        Span<byte> value = stackalloc byte[8];
        value = value[..map.ValueBufferSize];
        first = programId = 0;
        if (!Found(map, map.Lookup(key, value, 0))) return false;
        first = BinaryPrimitives.ReadUInt32LittleEndian(value);
        if (value.Length == 8) programId = BinaryPrimitives.ReadUInt32LittleEndian(value[4..]);
        return true;
    }

    private static void WriteFd(IMapCommands map, ReadOnlySpan<byte> key, int fd, string action, string hint)
    {
        MapChecks.Key(map, key.Length, "BPF_MAP_UPDATE_ELEM");
        if (map.ValueBufferSize is not (4 or 8))
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, map.Name, $"Map '{map.Name}' has {map.ValueBufferSize}-byte values; {action} writes a 4-byte (or, for socket maps, 8-byte) descriptor.");
        Span<byte> value = stackalloc byte[8];
        value.Clear();
        BinaryPrimitives.WriteInt32LittleEndian(value, fd);
        Update(map, key, value[..map.ValueBufferSize], hint);
    }

    private static void WritePair(IMapCommands map, ReadOnlySpan<byte> key, uint first, int programFd, string action, string structName, string hint)
    {
        MapChecks.Key(map, key.Length, "BPF_MAP_UPDATE_ELEM");
        Span<byte> value = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(value, first);
        BinaryPrimitives.WriteInt32LittleEndian(value[4..], programFd);
        if (map.ValueBufferSize == 4)
        {
            if (programFd > 0)
                throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, map.Name,
                    $"Map '{map.Name}' has 4-byte values, which hold no program; declare the map's value as {structName} (8 bytes) to attach a program to an entry.");
            Update(map, key, value[..4], hint);
        }
        else if (map.ValueBufferSize == 8) Update(map, key, value, hint);
        else
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, map.Name, $"Map '{map.Name}' has {map.ValueBufferSize}-byte values; {action} writes 4 bytes or a {structName} (8 bytes).");
    }

    private static void Update(IMapCommands map, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, string hint)
    {
        int errno = map.Update(key, value, 0);
        if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_UPDATE_ELEM", errno, $"({hint}.)");
    }

    private static bool Found(IMapCommands map, int errno)
    {
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_LOOKUP_ELEM", errno);
        return true;
    }
}
