namespace Ebpf.Diagnostics;

/// <summary>
/// Where a BPF program counts the events it could not hand to user space: a ring buffer's losses happen in the
/// program (<c>bpf_ringbuf_reserve</c> returns NULL when the ring is full), so only the program can count them, and
/// likewise a failed <c>bpf_perf_event_output</c>. Register one with <c>Ring.DropCounter</c>,
/// <c>PerfBuffer.DropCounter</c> or <c>EventReader.DropCounter</c>: it is then published as
/// <see cref="EbpfMetrics.Dropped"/>, read when a listener collects (one map lookup), never on the read path.
/// </summary>
/// <example>
/// <code>
/// // BPF side: struct { __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); __uint(max_entries, 1); __type(key, __u32);
/// //                  __type(value, __u64); } drops SEC(".maps");   … if (!e) { bump(&amp;drops); return 0; }
/// reader.DropCounter = BpfDropCounter.FromMap(obj.Map("drops"));
/// // or a global: __u64 dropped; … __sync_fetch_and_add(&amp;dropped, 1);
/// reader.DropCounter = BpfDropCounter.FromVariable(obj, "dropped");
/// </code>
/// </example>
public sealed class BpfDropCounter
{
    private readonly Func<ulong> _read;

    private BpfDropCounter(string description, Func<ulong> read)
    {
        Description = description;
        _read = read;
    }

    /// <summary>What is read, e.g. <c>map 'drops' key 0 (summed over CPUs)</c>.</summary>
    public string Description { get; }

    /// <summary>
    /// A 64-bit counter at <paramref name="key"/> (a 32-bit key) in an array or hash map; per-CPU maps
    /// (<c>BPF_MAP_TYPE_PERCPU_ARRAY</c>, the usual choice: no atomics on the BPF side) are summed over the CPUs. A
    /// missing key reads as 0.
    /// </summary>
    /// <exception cref="ArgumentException">The map's key is not 4 bytes or its value not 8 bytes.</exception>
    public static BpfDropCounter FromMap(BpfMap map, uint key = 0)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.KeySize != sizeof(uint) || map.ValueSize != sizeof(ulong))
            throw new ArgumentException(
                $"Map '{map.Name}' has {map.KeySize}-byte keys and {map.ValueSize}-byte values; a drop counter needs a __u32 key and a __u64 value.", nameof(map));
        if (map.Type is BpfMapType.PerCpuArray or BpfMapType.PerCpuHash or BpfMapType.LruPerCpuHash)
        {
            return new BpfDropCounter($"map '{map.Name}' key {key} (summed over CPUs)", () =>
            {
                ulong sum = 0;
                foreach (ulong perCpu in map.LookupPerCpu<uint, ulong>(key)) sum += perCpu;
                return sum;
            });
        }
        return new BpfDropCounter($"map '{map.Name}' key {key}", () => map.TryLookup(key, out ulong value) ? value : 0);
    }

    /// <summary>A 64-bit global variable of <paramref name="obj"/> (in <c>.bss</c> or <c>.data</c>).</summary>
    /// <exception cref="KeyNotFoundException">No such variable (the message lists them).</exception>
    /// <exception cref="ArgumentException">The variable is not 8 bytes.</exception>
    public static BpfDropCounter FromVariable(BpfObject obj, string name)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(name);
        obj.ReadVariable<ulong>(name); // refuses a wrong name or size now, not at the first collection
        return new BpfDropCounter($"variable '{name}' of {obj.Name}", () => obj.ReadVariable<ulong>(name));
    }

    /// <summary>A counter read by <paramref name="read"/> (the event channel's per-CPU struct of causes, summed).</summary>
    internal static BpfDropCounter FromFunction(string description, Func<ulong> read) => new(description, read);

    /// <summary>The counter's value now.</summary>
    /// <exception cref="ObjectDisposedException">The map or object was disposed.</exception>
    public ulong Read() => _read();

    /// <summary>Reads for a collection: null when the map or object is gone (the buffer outlived it), or unreadable.</summary>
    internal long? TryRead()
    {
        try
        {
            return (long)Math.Min(_read(), long.MaxValue);
        }
        catch (Exception e) when (e is ObjectDisposedException or BpfException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
