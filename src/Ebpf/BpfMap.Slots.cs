using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ebpf.Maps;

namespace Ebpf;

public sealed partial class BpfMap
{
    /// <summary>Puts map <paramref name="inner"/> at <paramref name="key"/> of this map-in-map (ArrayOfMaps: a uint index;
    /// HashOfMaps: any key). <paramref name="inner"/> must have the shape of the outer map's inner template.</summary>
    /// <exception cref="BpfMapException">This is not a map-in-map, or the key has the wrong size.</exception>
    /// <exception cref="BpfException">The kernel refused the inner map (EINVAL: its shape differs from the template).</exception>
    public void SetInnerMap<TKey>(TKey key, BpfMap inner) where TKey : unmanaged
    {
        ArgumentNullException.ThrowIfNull(inner);
        ObjectDisposedException.ThrowIf(inner.IsDisposed, inner);
        MapSlots.SetInnerMap(Live(), AsBytes(ref key), inner.Fd);
    }

    /// <summary>Puts the map behind descriptor <paramref name="innerMapFd"/> at <paramref name="key"/> of this map-in-map.</summary>
    public void SetInnerMap<TKey>(TKey key, int innerMapFd) where TKey : unmanaged => MapSlots.SetInnerMap(Live(), AsBytes(ref key), innerMapFd);

    /// <summary>Reads the id of the inner map at <paramref name="key"/> (the kernel answers ids, not descriptors); false when empty.</summary>
    public bool TryGetInnerMapId<TKey>(TKey key, out uint id) where TKey : unmanaged =>
        MapSlots.TryGetId(Live(), AsBytes(ref key), out id, "TryGetInnerMapId", BpfMapType.ArrayOfMaps, BpfMapType.HashOfMaps);

    /// <summary>Opens the inner map at <paramref name="key"/> (its id, then BPF_MAP_GET_FD_BY_ID); null when empty.</summary>
    public BpfMap? OpenInnerMap<TKey>(TKey key) where TKey : unmanaged => TryGetInnerMapId(key, out uint id) ? OpenById(id) : null;

    /// <summary>Puts <paramref name="program"/> at <paramref name="index"/> of this program array, where
    /// <c>bpf_tail_call(ctx, &amp;map, index)</c> jumps to it. Remove it with <see cref="Delete{TKey}(TKey)"/>.</summary>
    /// <exception cref="BpfMapException">This is not a program array.</exception>
    /// <exception cref="BpfException">The kernel refused the program (EINVAL: another program type than the array's).</exception>
    public void SetProgram(uint index, BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        ObjectDisposedException.ThrowIf(program.IsDisposed, program);
        MapSlots.SetProgram(Live(), AsBytes(ref index), program.Fd);
    }

    /// <summary>Reads the id of the program at <paramref name="index"/> of this program array; false when empty.</summary>
    public bool TryGetProgramId(uint index, out uint id) =>
        MapSlots.TryGetId(Live(), AsBytes(ref index), out id, "TryGetProgramId", BpfMapType.ProgramArray);

    /// <summary>Makes <paramref name="key"/> of this devmap (or devmap hash) redirect to interface
    /// <paramref name="interfaceIndex"/>; with 8-byte values (<c>struct bpf_devmap_val</c>) <paramref name="program"/>, an
    /// XDP program loaded for devmaps, runs on each redirected frame.</summary>
    /// <exception cref="BpfMapException">This is not a devmap; a program on a map with 4-byte values.</exception>
    /// <exception cref="BpfException">The interface does not exist in this network namespace, or cannot take redirected frames.</exception>
    public void SetDevice(uint key, int interfaceIndex, BpfProgram? program = null) =>
        MapSlots.SetDevice(Live(), AsBytes(ref key), interfaceIndex, program?.Fd ?? 0);

    /// <summary>Reads the interface index at <paramref name="key"/> of this devmap and the id of its program (0: none); false when empty.</summary>
    public bool TryGetDevice(uint key, out int interfaceIndex, out uint programId)
    {
        bool found = MapSlots.TryGetPair(Live(), AsBytes(ref key), out uint ifindex, out programId, "TryGetDevice", BpfMapType.DevMap, BpfMapType.DevMapHash);
        interfaceIndex = (int)ifindex;
        return found;
    }

    /// <summary>Enables CPU <paramref name="cpu"/> in this cpumap with a queue of <paramref name="queueSize"/> frames; with
    /// 8-byte values (<c>struct bpf_cpumap_val</c>) <paramref name="program"/>, an XDP program loaded for cpumaps, runs on
    /// that CPU for each redirected frame. Delete the key to disable the CPU.</summary>
    public void SetCpu(uint cpu, uint queueSize, BpfProgram? program = null) =>
        MapSlots.SetCpu(Live(), cpu, queueSize, program?.Fd ?? 0);

    /// <summary>Reads the queue size of CPU <paramref name="cpu"/> in this cpumap and the id of its program (0: none); false when the CPU is not enabled.</summary>
    public bool TryGetCpu(uint cpu, out uint queueSize, out uint programId) =>
        MapSlots.TryGetPair(Live(), AsBytes(ref cpu), out queueSize, out programId, "TryGetCpu", BpfMapType.CpuMap);

    /// <summary>Puts <paramref name="socket"/> at <paramref name="key"/> of this sockmap, sockhash, XSKMAP (an AF_XDP
    /// socket) or reuseport array.</summary>
    /// <exception cref="BpfMapException">This is not a socket map.</exception>
    /// <exception cref="BpfException">The kernel refused the socket (its family, type or state does not suit the map).</exception>
    public void SetSocket<TKey>(TKey key, Socket socket) where TKey : unmanaged
    {
        ArgumentNullException.ThrowIfNull(socket);
        SetSocket(key, socket.SafeHandle);
    }

    /// <summary>Puts the socket behind <paramref name="socket"/> at <paramref name="key"/> (see <see cref="SetSocket{TKey}(TKey, Socket)"/>).</summary>
    public void SetSocket<TKey>(TKey key, SafeHandle socket) where TKey : unmanaged
    {
        ArgumentNullException.ThrowIfNull(socket);
        bool added = false;
        try
        {
            // Holds the descriptor open across the syscall, so a concurrent close cannot hand its number to another file.
            socket.DangerousAddRef(ref added);
            MapSlots.SetSocket(Live(), AsBytes(ref key), (int)socket.DangerousGetHandle());
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    /// <summary>Puts the socket behind descriptor <paramref name="socketFd"/> at <paramref name="key"/>.</summary>
    public void SetSocket<TKey>(TKey key, int socketFd) where TKey : unmanaged => MapSlots.SetSocket(Live(), AsBytes(ref key), socketFd);

    /// <summary>Reads the cookie (SO_COOKIE) of the socket at <paramref name="key"/> of a sockmap or sockhash with
    /// 8-byte values (the kernel answers cookies, not descriptors); false when empty.</summary>
    public bool TryGetSocketCookie<TKey>(TKey key, out ulong cookie) where TKey : unmanaged =>
        MapSlots.TryGetSocketCookie(Live(), AsBytes(ref key), out cookie);
}
