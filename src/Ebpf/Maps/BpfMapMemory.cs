using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;
using Ebpf.Linking;

namespace Ebpf.Maps;

/// <summary>
/// An array map's values mapped into this process (<c>mmap</c> of a map created with <c>BPF_F_MMAPABLE</c>): reads and
/// writes go straight to the kernel's memory, with no syscall, as libbpf's skeletons read and write <c>.data</c> and
/// <c>.bss</c>. The loader creates global-data maps mmapable (as libbpf does), so their variables can be read while the
/// programs run. The spans are valid until <see cref="Dispose"/>; do not keep them past it.
/// </summary>
public sealed unsafe class BpfMapMemory : IDisposable
{
    private readonly MappedRegion _region;
    private readonly string _mapName;

    private BpfMapMemory(MappedRegion region, string mapName, int length, bool writable)
    {
        _region = region;
        _mapName = mapName;
        Length = length;
        IsWritable = writable;
    }

    /// <summary>The bytes of the map's values (value size × max entries).</summary>
    public int Length { get; }

    /// <summary>True when mapped read-write (a frozen map, such as <c>.rodata</c> after load, maps only read-only).</summary>
    public bool IsWritable { get; }

    /// <summary>Maps <paramref name="map"/>'s values, read-only or read-write.</summary>
    /// <exception cref="InvalidOperationException">The map is not an array created with <c>BPF_F_MMAPABLE</c>.</exception>
    /// <exception cref="BpfException">mmap failed (EPERM for a writable mapping of a frozen map).</exception>
    /// <remarks>Minimum kernel version: 5.5 (mmapable arrays).</remarks>
    public static BpfMapMemory Map(BpfMap map, bool writable)
    {
        ArgumentNullException.ThrowIfNull(map);
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        if (map.Type != BpfMapType.Array || (map.Flags & MapFlags.Mmapable) == 0)
            throw new InvalidOperationException($"Map '{map.Name}' ({map.Type}, flags 0x{map.Flags:x}) cannot be mapped: only array maps created with BPF_F_MMAPABLE (0x{MapFlags.Mmapable:x}) can. " +
                "Global-data maps (.data, .bss, .rodata) are created that way; for other maps set MapSpec.Flags before load.");
        ulong bytes = (ulong)map.ValueSize * map.MaxEntries;
        if (bytes > int.MaxValue) throw new InvalidOperationException($"Map '{map.Name}' holds {bytes} bytes of values, more than a span can cover.");
        ulong page = (ulong)Environment.SystemPageSize;
        // The kernel rounds each value up to 8 bytes and the whole area up to a page.
        ulong mapped = (((ulong)((map.ValueSize + 7) & ~7u) * map.MaxEntries) + page - 1) & ~(page - 1);
        var region = MappedRegion.Map(map.Handle, mapped, writable ? Libc.PROT_READ | Libc.PROT_WRITE : Libc.PROT_READ, 0,
            $"map '{map.Name}' ({(writable ? "read-write; a frozen map maps only read-only" : "read-only")})");
        return new BpfMapMemory(region, map.Name, (int)bytes, writable);
    }

    /// <summary>The values, writable.</summary>
    /// <exception cref="InvalidOperationException">Mapped read-only.</exception>
    public Span<byte> Span
    {
        get
        {
            if (!IsWritable) throw new InvalidOperationException($"Map '{_mapName}' is mapped read-only.");
            // SAFETY: the region maps at least Length bytes and stays mapped until Dispose (checked by Address).
            return new Span<byte>((void*)Address, Length);
        }
    }

    /// <summary>The values, read-only.</summary>
    public ReadOnlySpan<byte> ReadOnlySpan => new((void*)Address, Length);

    /// <summary>The first <c>sizeof(T)</c> bytes as a writable <typeparamref name="T"/>, in place.</summary>
    /// <exception cref="ArgumentException">The values are smaller than <typeparamref name="T"/>.</exception>
    public ref T As<T>() where T : unmanaged
    {
        var span = Span;
        if (span.Length < Unsafe.SizeOf<T>()) throw TooSmall<T>();
        return ref MemoryMarshal.AsRef<T>(span);
    }

    /// <summary>The first <c>sizeof(T)</c> bytes as a read-only <typeparamref name="T"/>, in place.</summary>
    /// <exception cref="ArgumentException">The values are smaller than <typeparamref name="T"/>.</exception>
    public ref readonly T AsReadOnly<T>() where T : unmanaged
    {
        var span = ReadOnlySpan;
        if (span.Length < Unsafe.SizeOf<T>()) throw TooSmall<T>();
        return ref MemoryMarshal.AsRef<T>(span);
    }

    private ArgumentException TooSmall<T>() where T : unmanaged =>
        new($"Map '{_mapName}' holds {Length} bytes, fewer than {typeof(T).Name} ({Unsafe.SizeOf<T>()} bytes).", "T");

    private nint Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_region.IsClosed, this);
            return _region.Address;
        }
    }

    /// <summary>Unmaps the memory (the map itself lives on). Spans taken earlier must not be used after this.</summary>
    public void Dispose() => _region.Dispose();
}
