using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Internal;
using Ebpf.Maps;

namespace Ebpf;

public sealed partial class BpfMap
{
    /// <summary>The number of possible CPUs (the kernel's <c>num_possible_cpus()</c>, from
    /// <c>/sys/devices/system/cpu/possible</c>): a per-CPU value holds one slot for each, in the order of the possible CPUs.</summary>
    public static int PossibleCpuCount => Cpus.PossibleCount;

    /// <summary>Reads a per-CPU value at <paramref name="key"/>: one <typeparamref name="TValue"/> per possible CPU
    /// (zeros when the key is absent).</summary>
    /// <exception cref="BpfMapException">The map is not per-CPU, or the types' sizes differ from the map's.</exception>
    public TValue[] LookupPerCpu<TKey, TValue>(TKey key) where TKey : unmanaged where TValue : unmanaged
    {
        var result = new TValue[Cpus.PossibleCount];
        TryLookupPerCpu(key, result);
        return result;
    }

    /// <summary>Reads a per-CPU value at <paramref name="key"/> into <paramref name="values"/> (at least
    /// <see cref="PossibleCpuCount"/> elements: element i is the i-th possible CPU's copy); false when absent.</summary>
    /// <exception cref="BpfMapException">The map is not per-CPU, the types' sizes differ from the map's, or <paramref name="values"/> is too short.</exception>
    public bool TryLookupPerCpu<TKey, TValue>(TKey key, Span<TValue> values) where TKey : unmanaged where TValue : unmanaged
    {
        CheckPerCpu<TKey, TValue>(values.Length, "BPF_MAP_LOOKUP_ELEM");
        int cpus = Cpus.PossibleCount, stride = PerCpuLayout.Stride(ValueSize), size = Unsafe.SizeOf<TValue>();
        if (stride == size) return TryLookup(AsBytes(ref key), MemoryMarshal.AsBytes(values[..cpus]));
        byte[]? rented = null;
        Span<byte> raw = ValueBufferSize <= 1024 ? stackalloc byte[ValueBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(ValueBufferSize));
        try
        {
            raw = raw[..ValueBufferSize];
            if (!TryLookup(AsBytes(ref key), raw)) return false;
            for (int i = 0; i < cpus; i++) values[i] = MemoryMarshal.Read<TValue>(raw.Slice(i * stride, size));
            return true;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes a per-CPU value at <paramref name="key"/>: <paramref name="values"/>[i] becomes the i-th possible
    /// CPU's copy (exactly <see cref="PossibleCpuCount"/> elements). <paramref name="flags"/> as for <see cref="Update(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ulong)"/>.</summary>
    /// <exception cref="BpfMapException">The map is not per-CPU, the sizes differ from the map's, or the count differs from the possible CPUs.</exception>
    public void UpdatePerCpu<TKey, TValue>(TKey key, ReadOnlySpan<TValue> values, ulong flags = 0) where TKey : unmanaged where TValue : unmanaged
    {
        CheckPerCpu<TKey, TValue>(values.Length, "BPF_MAP_UPDATE_ELEM");
        int cpus = Cpus.PossibleCount, stride = PerCpuLayout.Stride(ValueSize), size = Unsafe.SizeOf<TValue>();
        if (values.Length != cpus)
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", 0, Name, $"Map '{Name}' is per-CPU: pass one value per possible CPU ({cpus}); got {values.Length}.");
        if (stride == size)
        {
            Update(AsBytes(ref key), MemoryMarshal.AsBytes(values), flags);
            return;
        }
        byte[]? rented = null;
        Span<byte> raw = ValueBufferSize <= 1024 ? stackalloc byte[ValueBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(ValueBufferSize));
        try
        {
            raw = raw[..ValueBufferSize];
            raw.Clear(); // the padding after each CPU's copy goes to the kernel too
            for (int i = 0; i < cpus; i++) MemoryMarshal.Write(raw.Slice(i * stride, size), in values[i]);
            Update(AsBytes(ref key), raw, flags);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private void CheckPerCpu<TKey, TValue>(int count, string operation) where TKey : unmanaged where TValue : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!PerCpuLayout.IsPerCpu(Type))
            throw new BpfMapException(operation, 0, Name, $"Map '{Name}' is a {Type} map, not a per-CPU map; use TryLookup/Update.");
        MapChecks.Key(this, Unsafe.SizeOf<TKey>(), operation);
        if (Unsafe.SizeOf<TValue>() != ValueSize)
            throw new BpfMapException(operation, 0, Name, $"Map '{Name}' has {ValueSize}-byte values per CPU; {typeof(TValue).Name} is {Unsafe.SizeOf<TValue>()} bytes.");
        if (count < Cpus.PossibleCount)
            throw new BpfMapException(operation, 0, Name, $"Map '{Name}' is per-CPU: the buffer needs one value per possible CPU ({Cpus.PossibleCount}); it holds {count}.");
    }
}
