using System.Runtime.InteropServices;
using Ebpf.Internal;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Maps;
using Ebpf.RingBuf;

namespace Ebpf;

/// <summary>
/// A map living in the kernel. Disposing closes this process's descriptor; the kernel frees the map when the last
/// reference (descriptor, pin or program) goes away.
/// </summary>
/// <remarks>
/// This file is the core (create, open, lookup, update, delete, pin); the other operations are split by concern into
/// <c>BpfMap.*.cs</c> beside it and forward to <c>Maps/</c>: iteration, batches, per-CPU values, keyless maps (queue,
/// stack, bloom filter), and maps of kernel objects (map-in-map, program arrays, devmaps, cpumaps, socket maps).
/// Wrong key or value sizes and operations the map's type does not have are refused with a <see cref="BpfMapException"/>
/// naming the map, before any syscall.
/// </remarks>
public sealed partial class BpfMap : IDisposable, IMapCommands
{
    private BpfMap(SafeFd fd, string name, BpfMapType type, uint keySize, uint valueSize, uint maxEntries, uint flags, uint id)
    {
        Handle = fd;
        Name = name;
        Type = type;
        KeySize = keySize;
        ValueSize = valueSize;
        MaxEntries = maxEntries;
        Flags = flags;
        Id = id;
        ValueBufferSize = PerCpuLayout.IsPerCpu(type) ? PerCpuLayout.BufferSize(valueSize, Cpus.PossibleCount) : (int)valueSize;
    }

    internal SafeFd Handle { get; }

    /// <summary>For a struct_ops map loaded from an object: its value and kind, for <see cref="StructOps.StructOpsLink"/>.</summary>
    internal StructOps.StructOpsState? StructOps { get; set; }

    /// <summary>The map's name (as declared in the object, not truncated to the kernel's 15 characters).</summary>
    public string Name { get; private set; }

    /// <summary>The map's type, as the kernel reports it.</summary>
    public BpfMapType Type { get; }

    /// <summary>Key size in bytes.</summary>
    public uint KeySize { get; }

    /// <summary>Value size in bytes.</summary>
    public uint ValueSize { get; }

    /// <summary>Max entries (for ring buffers, the data size in bytes).</summary>
    public uint MaxEntries { get; }

    /// <summary>The map's flags.</summary>
    public uint Flags { get; }

    /// <summary>The kernel's id for this map (see <c>bpftool map show id N</c>).</summary>
    public uint Id { get; }

    /// <summary>Bytes of one value as user space reads and writes it: <see cref="ValueSize"/>, except for per-CPU maps,
    /// whose values hold one slot per possible CPU, each <see cref="ValueSize"/> rounded up to 8 bytes.</summary>
    public int ValueBufferSize { get; }

    /// <summary>The raw descriptor, valid until this map is disposed.</summary>
    public int Fd => Handle.Fd;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <summary>Creates a map from <paramref name="spec"/>. Sizes are checked before the syscall. A map-in-map
    /// (<see cref="BpfMapType.ArrayOfMaps"/>, <see cref="BpfMapType.HashOfMaps"/>) takes its inner maps' shape from
    /// <see cref="MapSpec.InnerMap"/>: a template map is created from it for the call and closed.</summary>
    /// <exception cref="BpfMapException">A ring buffer size is not a power-of-two multiple of the page size, a map-in-map
    /// spec has no <see cref="MapSpec.InnerMap"/>, or the kernel refused the map (for example max_entries 0 for a map type
    /// that needs a size).</exception>
    /// <exception cref="BpfPermissionException">The process lacks CAP_BPF.</exception>
    public static BpfMap Create(MapSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Type is not (BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps)) return Create(spec, btf: null);
        var innerSpec = spec.InnerMap ?? throw new BpfMapException("BPF_MAP_CREATE", 0, spec.Name,
            $"Map '{spec.Name}' is a {spec.Type} map: set MapSpec.InnerMap to the shape of the maps it will hold.");
        using var template = Create(innerSpec, btf: null);
        return Create(spec, btf: null, template.Handle);
    }

    /// <summary>The key size, value size and max_entries the kernel gets for <paramref name="spec"/> (ring buffers have
    /// no keys or values; a perf event array has one 4-byte slot per possible CPU unless fewer are asked for).</summary>
    internal static (uint KeySize, uint ValueSize, uint MaxEntries) EffectiveShape(MapSpec spec)
    {
        switch (spec.Type)
        {
            case BpfMapType.RingBuf or BpfMapType.UserRingBuf:
                return (0, 0, spec.MaxEntries);
            case BpfMapType.PerfEventArray:
                // libbpf and cilium: 0 means one slot per possible CPU; the kernel stores event fds, so 4-byte key and value.
                int possible = Cpus.Possible().Max() + 1;
                return (4, 4, spec.MaxEntries == 0 ? (uint)possible : Math.Min(spec.MaxEntries, (uint)possible));
            default:
                return (spec.KeySize, spec.ValueSize, spec.MaxEntries);
        }
    }

    internal static BpfMap Create(MapSpec spec, SafeFd? btf, SafeFd? innerMap = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Type is BpfMapType.RingBuf or BpfMapType.UserRingBuf
            && RingBufferSize.Problem(spec.Name, spec.MaxEntries, Environment.SystemPageSize,
                spec.Type == BpfMapType.UserRingBuf ? "User ring buffer" : "Ring buffer") is { } problem)
            throw new BpfMapException("BPF_MAP_CREATE", 0, spec.Name, problem);
        // max_entries 0 goes to the kernel as libbpf sends it: local-storage maps require it, and for the others the
        // kernel's EINVAL comes back with a hint to set MapSpec.MaxEntries (a perf event array's 0 was sized above).
        var (keySize, valueSize, maxEntries) = EffectiveShape(spec);

        var attr = new MapCreateAttr
        {
            MapType = (uint)spec.Type,
            KeySize = keySize,
            ValueSize = valueSize,
            MaxEntries = maxEntries,
            MapFlags = spec.Flags,
            MapName = ObjName.From(spec.Name),
            MapExtra = spec.MapExtra,
        };
        if (innerMap is not null) attr.InnerMapFd = (uint)innerMap.Fd;
        if (btf is not null && spec.BtfValueTypeId != 0)
        {
            attr.BtfFd = (uint)btf.Fd;
            attr.BtfKeyTypeId = spec.BtfKeyTypeId;
            attr.BtfValueTypeId = spec.BtfValueTypeId;
        }
        SafeFd fd;
        try
        {
            fd = Bpf.MapCreate(ref attr, spec.Name);
        }
        catch (BpfException e) when (e.Errno == Errno.EINVAL && (attr.BtfFd != 0 || spec.Type > BpfMapType.Arena))
        {
            if (spec.Type > BpfMapType.Arena)
                throw new BpfFeatureNotSupportedException("BPF_MAP_CREATE", Errno.EINVAL, $"map type {(uint)spec.Type}",
                    $"Map '{spec.Name}': this kernel does not know map type {(uint)spec.Type}.");
            // Some map types reject BTF key/value ids (libbpf retries without them too).
            attr.BtfFd = attr.BtfKeyTypeId = attr.BtfValueTypeId = 0;
            fd = Bpf.MapCreate(ref attr, spec.Name);
        }
        return FromHandle(fd, spec.Name);
    }

    /// <summary>Wraps an existing map descriptor (duplicated: the caller keeps ownership of <paramref name="fd"/>).</summary>
    public static BpfMap FromFd(int fd, string? name = null)
    {
        return FromHandle(SafeFd.Duplicate(fd), name);
    }

    /// <summary>Opens a map pinned in bpffs (BPF_OBJ_GET), its type, sizes and flags read back from the kernel
    /// (BPF_OBJ_GET_INFO_BY_FD). <see cref="Name"/> is the kernel's name, or the pin's file name when the kernel's is
    /// that name cut to 15 characters; <see cref="PinnedPath"/> is <paramref name="path"/>.</summary>
    /// <exception cref="BpfException">Nothing is pinned at <paramref name="path"/> (ENOENT), it is not a map, or it is not
    /// on a bpffs; the message says which.</exception>
    public static BpfMap OpenPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fileName = Path.GetFileName(path);
        var map = FromHandle(Pinning.PinFile.Open(path, Pinning.PinFile.ObjectKind.Map, "map"), null);
        if (map.Name.Length == 0 || (map.Name.Length == 15 && fileName.StartsWith(map.Name, StringComparison.Ordinal)))
            map.Name = fileName;
        map.PinnedPath = path;
        return map;
    }

    /// <summary>Opens the map with kernel id <paramref name="id"/> (BPF_MAP_GET_FD_BY_ID), for example the inner map a
    /// map-in-map holds (<see cref="TryGetInnerMapId{TKey}"/>) or one listed by <c>bpftool map</c>.</summary>
    /// <exception cref="BpfException">No map has that id (ENOENT).</exception>
    public static BpfMap OpenById(uint id)
    {
        long r = BpfMapCommands.GetFdById(BpfCommand.MapGetFdById, id);
        return FromHandle(SafeFd.FromSyscall(Bpf.Check(r, "BPF_MAP_GET_FD_BY_ID", $"map id {id}",
            r == -Errno.ENOENT ? "No map has that id any more (list them with bpftool map)." : null)), null);
    }

    internal static BpfMap FromHandle(SafeFd fd, string? name)
    {
        try
        {
            var info = Bpf.GetInfo<BpfMapInfo>(fd, $"map '{name}'");
            return new BpfMap(fd, name ?? info.Name.AsString(), (BpfMapType)info.Type, info.KeySize, info.ValueSize,
                info.MaxEntries, info.MapFlags, info.Id);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>What the kernel reports about this map now (BPF_OBJ_GET_INFO_BY_FD).</summary>
    public MapInfo GetInfo()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var info = Bpf.GetInfo<BpfMapInfo>(Handle, $"map '{Name}'");
        return new MapInfo((BpfMapType)info.Type, info.Id, info.Name.AsString(), info.KeySize, info.ValueSize, info.MaxEntries,
            (BpfMapFlags)info.MapFlags, info.Ifindex, info.BtfId, info.BtfKeyTypeId, info.BtfValueTypeId, info.MapExtra);
    }

    /// <summary>Looks up <paramref name="key"/> into <paramref name="value"/> (<see cref="ValueBufferSize"/> bytes; a
    /// larger buffer is accepted for per-CPU maps); returns false when absent.</summary>
    /// <exception cref="BpfMapException">The key or value buffer has the wrong size.</exception>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckSizes(key.Length, value.Length, "BPF_MAP_LOOKUP_ELEM");
        int errno = ((IMapCommands)this).Lookup(key, value[..ValueBufferSize], 0);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(this, "BPF_MAP_LOOKUP_ELEM", errno);
        return true;
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/>. <paramref name="flags"/>: BPF_ANY (0), BPF_NOEXIST (1), BPF_EXIST (2), BPF_F_LOCK (4).</summary>
    /// <exception cref="BpfMapException">The key or value has the wrong size.</exception>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags = 0)
    {
        CheckSizes(key.Length, value.Length, "BPF_MAP_UPDATE_ELEM");
        int errno = ((IMapCommands)this).Update(key, value[..ValueBufferSize], flags);
        if (errno != 0) throw MapChecks.Failed(this, "BPF_MAP_UPDATE_ELEM", errno, UpdateHint(errno, flags));
    }

    /// <summary>Deletes <paramref name="key"/>; returns false when it was absent.</summary>
    /// <exception cref="BpfMapException">The key has the wrong size, or the map's type cannot delete (arrays).</exception>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        MapChecks.Key(this, key.Length, "BPF_MAP_DELETE_ELEM");
        if (!MapChecks.CanDelete(Type))
            throw new BpfMapException("BPF_MAP_DELETE_ELEM", 0, Name, $"Map '{Name}' is a {Type} map, whose elements cannot be deleted (write a zero value instead).");
        int errno = ((IMapCommands)this).Delete(key);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(this, "BPF_MAP_DELETE_ELEM", errno);
        return true;
    }

    /// <summary>Looks up <paramref name="key"/> and deletes it in one step (BPF_MAP_LOOKUP_AND_DELETE_ELEM; on hash maps
    /// of kernels before 5.14, a lookup then a delete); false when absent. Hash maps only: queues and stacks pop with
    /// <see cref="TryPop(Span{byte})"/>.</summary>
    /// <exception cref="BpfMapException">The key or value has the wrong size, or the map is not a hash map.</exception>
    public bool TryLookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value, ulong flags = 0)
    {
        MapChecks.Type(this, "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "TryLookupAndDelete", BpfMapType.Hash, BpfMapType.PerCpuHash,
            BpfMapType.LruHash, BpfMapType.LruPerCpuHash);
        CheckSizes(key.Length, value.Length, "BPF_MAP_LOOKUP_AND_DELETE_ELEM");
        int errno = MapBatch.LookupAndDeleteOne(this, key, value[..ValueBufferSize], flags);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(this, "BPF_MAP_LOOKUP_AND_DELETE_ELEM", errno);
        return true;
    }

    /// <summary>Finds the key after <paramref name="key"/> (or the first key when <paramref name="key"/> is empty); false at
    /// the end. For a walk that survives deletions, use <see cref="Iterate"/>, <see cref="Keys{TKey}"/> or <see cref="Entries{TKey, TValue}"/>.</summary>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        MapChecks.Key(this, nextKey.Length, "BPF_MAP_GET_NEXT_KEY");
        if (!key.IsEmpty) MapChecks.Key(this, key.Length, "BPF_MAP_GET_NEXT_KEY");
        int errno = ((IMapCommands)this).GetNextKey(key, nextKey);
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(this, "BPF_MAP_GET_NEXT_KEY", errno);
        return true;
    }

    /// <summary>Typed lookup of unmanaged key and value; false when absent.</summary>
    public bool TryLookup<TKey, TValue>(TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        value = default;
        return TryLookup(AsBytes(ref key), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
    }

    /// <summary>Typed lookup of a key that must be there (an array index, a key just written).</summary>
    /// <exception cref="BpfMapException">The key is absent (errno ENOENT), or the sizes differ from the map's.</exception>
    public TValue Lookup<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        if (TryLookup(key, out TValue value)) return value;
        throw new BpfMapException("BPF_MAP_LOOKUP_ELEM", Errno.ENOENT, Name, $"Map '{Name}' has no element with key {Describe(key)}.");
    }

    /// <summary>Typed update of unmanaged key and value.</summary>
    public void Update<TKey, TValue>(TKey key, TValue value, ulong flags = 0) where TKey : unmanaged where TValue : unmanaged =>
        Update(AsBytes(ref key), AsBytes(ref value), flags);

    /// <summary>Typed delete; false when the key was absent.</summary>
    public bool Delete<TKey>(TKey key) where TKey : unmanaged => Delete(AsBytes(ref key));

    /// <summary>Typed <see cref="TryLookupAndDelete(ReadOnlySpan{byte}, Span{byte}, ulong)"/>.</summary>
    public bool TryLookupAndDelete<TKey, TValue>(TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        value = default;
        return TryLookupAndDelete(AsBytes(ref key), MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref value, 1)));
    }

    /// <summary>Where this map was pinned by <see cref="Pin"/>, found by <see cref="OpenPinned"/> or pinned by name
    /// during its object's load; null when it is not known to be pinned.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>Pins the map at <paramref name="path"/> on a bpffs mount: the map then lives until the pin is removed
    /// (<see cref="Unpin"/>, or <c>rm</c>), even after every descriptor is closed.</summary>
    /// <exception cref="ArgumentException">The last component of <paramref name="path"/> cannot be a bpffs entry (empty,
    /// '.' in it, longer than 255 bytes).</exception>
    /// <exception cref="BpfException">The path is taken (EEXIST), its directory is missing or not on a bpffs, or the process
    /// may not write there; the message says which.</exception>
    public void Pin(string path)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Pinning.PinFile.Pin(Handle, path, $"map '{Name}'");
        PinnedPath = path;
    }

    /// <summary>Removes the pin at <see cref="PinnedPath"/> (the map lives on while descriptors or programs hold it).
    /// Harmless when the pin is already gone.</summary>
    /// <exception cref="InvalidOperationException">The map is not known to be pinned.</exception>
    public void Unpin()
    {
        string path = PinnedPath ?? throw new InvalidOperationException($"Map '{Name}' is not pinned (PinnedPath is null).");
        File.Delete(path);
        PinnedPath = null;
    }

    internal void MarkPinned(string path) => PinnedPath = path;

    /// <summary>Makes the map read-only for user space (BPF_MAP_FREEZE, what libbpf does to <c>.rodata</c>); programs
    /// may still write it. Irreversible; freezing again fails (EPERM), as does freezing while a writable mapping exists (EBUSY).</summary>
    public void Freeze()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Bpf.MapFreeze(Handle, Name);
    }

    /// <summary>Key exactly <see cref="KeySize"/>; value exactly <see cref="ValueBufferSize"/> (per-CPU maps: at least).</summary>
    private void CheckSizes(int keyLength, int valueLength, string operation)
    {
        MapChecks.Key(this, keyLength, operation);
        if (PerCpuLayout.IsPerCpu(Type) ? valueLength < ValueBufferSize : valueLength != ValueBufferSize)
            MapChecks.Value(this, valueLength, operation);
    }

    private static string? UpdateHint(int errno, ulong flags) => errno switch
    {
        Errno.EEXIST when (flags & 3) == 1 => "BPF_NOEXIST (1) was given and the key exists.",
        Errno.ENOENT when (flags & 3) == 2 => "BPF_EXIST (2) was given and the key does not exist.",
        Errno.E2BIG => "The map is full (max_entries), or an array index is out of range.",
        Errno.EPERM => "The map may be frozen (BPF_MAP_FREEZE) or read-only for user space.",
        _ => null,
    };

    private static ReadOnlySpan<byte> AsBytes<T>(ref T value) where T : unmanaged =>
        MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref value, 1));

    private static string Describe<T>(T key) where T : unmanaged =>
        key is uint or int or ulong or long or ushort or short or byte ? $"{key}" : Convert.ToHexString(AsBytes(ref key));

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Type}, id {Id})";
}
