using System.Runtime.CompilerServices;
using Ebpf.Internal;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.RingBuf;

namespace Ebpf;

/// <summary>
/// A map living in the kernel. Disposing closes this process's descriptor; the kernel frees the map when the last
/// reference (descriptor, pin or program) goes away.
/// </summary>
public sealed unsafe class BpfMap : IDisposable
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
    }

    internal SafeFd Handle { get; }

    /// <summary>For a struct_ops map loaded from an object: its value and kind, for <see cref="StructOps.StructOpsLink"/>.</summary>
    internal StructOps.StructOpsState? StructOps { get; set; }

    /// <summary>The map's name (as declared in the object, not truncated to the kernel's 15 characters).</summary>
    public string Name { get; }

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

    /// <summary>The raw descriptor, valid until this map is disposed.</summary>
    public int Fd => Handle.Fd;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <summary>Creates a map from <paramref name="spec"/>. Sizes are checked before the syscall.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A ring buffer size is not a power-of-two multiple of the page size.</exception>
    /// <exception cref="BpfPermissionException">The process lacks CAP_BPF.</exception>
    public static BpfMap Create(MapSpec spec) => Create(spec, btf: null);

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
        if (spec.Type is BpfMapType.RingBuf or BpfMapType.UserRingBuf)
            RingBufferSize.Validate(spec.Name, spec.MaxEntries, Environment.SystemPageSize);
        var (keySize, valueSize, maxEntries) = EffectiveShape(spec);
        if (spec.Type is not (BpfMapType.RingBuf or BpfMapType.UserRingBuf) && maxEntries == 0)
            throw new ArgumentOutOfRangeException(nameof(spec), $"Map '{spec.Name}': max_entries is 0; set MapSpec.MaxEntries to the number of entries the map must hold.");

        var attr = new MapCreateAttr
        {
            MapType = (uint)spec.Type,
            KeySize = keySize,
            ValueSize = valueSize,
            MaxEntries = maxEntries,
            MapFlags = spec.Flags,
            MapName = ObjName.From(spec.Name),
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

    /// <summary>Opens a map pinned in bpffs (<see cref="PinnedPath"/> is then <paramref name="path"/>).</summary>
    /// <exception cref="BpfException">Nothing is pinned at <paramref name="path"/> (ENOENT), it is not a map, or it is not on a
    /// bpffs; the message says which.</exception>
    public static BpfMap OpenPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var map = FromHandle(Pinning.PinFile.Open(path, Pinning.PinFile.ObjectKind.Map, "map"), Path.GetFileName(path));
        map.PinnedPath = path;
        return map;
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

    /// <summary>Looks up <paramref name="key"/>; returns false when absent.</summary>
    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckSizes(key.Length, value.Length, perCpuValue: true);
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            long r = Bpf.Lookup(Handle, k, v);
            if (r == -Errno.ENOENT) return false;
            Bpf.Check(r, "BPF_MAP_LOOKUP_ELEM", $"map '{Name}'");
            return true;
        }
    }

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/>. <paramref name="flags"/>: BPF_ANY (0), BPF_NOEXIST (1), BPF_EXIST (2).</summary>
    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags = 0)
    {
        CheckSizes(key.Length, value.Length, perCpuValue: true);
        fixed (byte* k = key)
        fixed (byte* v = value)
            Bpf.Check(Bpf.Update(Handle, k, v, flags), "BPF_MAP_UPDATE_ELEM", $"map '{Name}'");
    }

    /// <summary>Deletes <paramref name="key"/>; returns false when it was absent.</summary>
    public bool Delete(ReadOnlySpan<byte> key)
    {
        CheckSizes(key.Length, (int)ValueSize, perCpuValue: false);
        fixed (byte* k = key)
        {
            long r = Bpf.Delete(Handle, k);
            if (r == -Errno.ENOENT) return false;
            Bpf.Check(r, "BPF_MAP_DELETE_ELEM", $"map '{Name}'");
            return true;
        }
    }

    /// <summary>Finds the key after <paramref name="key"/> (or the first key when <paramref name="key"/> is empty); false at the end.</summary>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (nextKey.Length != KeySize || (!key.IsEmpty && key.Length != KeySize))
            throw new ArgumentException($"Map '{Name}' has {KeySize}-byte keys.");
        fixed (byte* k = key)
        fixed (byte* n = nextKey)
        {
            long r = Bpf.GetNextKey(Handle, key.IsEmpty ? null : k, n);
            if (r == -Errno.ENOENT) return false;
            Bpf.Check(r, "BPF_MAP_GET_NEXT_KEY", $"map '{Name}'");
            return true;
        }
    }

    /// <summary>Typed lookup of unmanaged key and value.</summary>
    public bool TryLookup<TKey, TValue>(TKey key, out TValue value) where TKey : unmanaged where TValue : unmanaged
    {
        value = default;
        return TryLookup(new ReadOnlySpan<byte>(&key, sizeof(TKey)), new Span<byte>(Unsafe.AsPointer(ref value), sizeof(TValue)));
    }

    /// <summary>Typed update of unmanaged key and value.</summary>
    public void Update<TKey, TValue>(TKey key, TValue value, ulong flags = 0) where TKey : unmanaged where TValue : unmanaged =>
        Update(new ReadOnlySpan<byte>(&key, sizeof(TKey)), new ReadOnlySpan<byte>(&value, sizeof(TValue)), flags);

    /// <summary>Reads a per-CPU value at <paramref name="key"/> and returns one <typeparamref name="TValue"/> per possible CPU.</summary>
    public TValue[] LookupPerCpu<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        if (Type is not (BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash))
            throw new InvalidOperationException($"Map '{Name}' is {Type}, not a per-CPU map.");
        int cpus = Cpus.Possible().Max() + 1;
        int stride = (sizeof(TValue) + 7) & ~7; // the kernel rounds each CPU's slot up to 8 bytes
        var raw = new byte[stride * cpus];
        var result = new TValue[cpus];
        if (!TryLookup(new ReadOnlySpan<byte>(&key, sizeof(TKey)), raw)) return result;
        for (int i = 0; i < cpus; i++)
            result[i] = System.Runtime.InteropServices.MemoryMarshal.Read<TValue>(raw.AsSpan(i * stride));
        return result;
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

    /// <summary>Makes the map read-only for user space (what libbpf does to <c>.rodata</c>).</summary>
    public void Freeze() => Bpf.MapFreeze(Handle, Name);

    private void CheckSizes(int keyLength, int valueLength, bool perCpuValue)
    {
        if (keyLength != KeySize)
            throw new ArgumentException($"Map '{Name}' has {KeySize}-byte keys; got {keyLength} bytes.");
        bool perCpu = Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash;
        if (perCpuValue && !perCpu && valueLength != ValueSize)
            throw new ArgumentException($"Map '{Name}' has {ValueSize}-byte values; got {valueLength} bytes.");
        if (perCpuValue && perCpu && valueLength < ((ValueSize + 7) & ~7u) * (uint)(Cpus.Possible().Max() + 1))
            throw new ArgumentException($"Map '{Name}' is per-CPU: the value buffer needs one 8-byte-aligned slot per possible CPU.");
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Type}, id {Id})";
}
