namespace Ebpf;

/// <summary>
/// A map as declared in an object (or built by hand): plain data, editable before load, the way libbpf's
/// <c>bpf_map__set_max_entries</c> / <c>bpf_map__set_type</c> and cilium's <c>MapSpec</c> are.
/// </summary>
public sealed class MapSpec
{
    /// <summary>The map's name in the object (global-data maps are named after their section, e.g. <c>.rodata</c>).</summary>
    public required string Name { get; set; }

    /// <summary>The map type.</summary>
    public BpfMapType Type { get; set; }

    /// <summary>Key size in bytes (0 for ring buffers).</summary>
    public uint KeySize { get; set; }

    /// <summary>Value size in bytes (0 for ring buffers).</summary>
    public uint ValueSize { get; set; }

    /// <summary>Entries; for <see cref="BpfMapType.RingBuf"/> the data size in bytes (a power-of-two multiple of the page size).
    /// For <see cref="BpfMapType.PerfEventArray"/>, 0 means "one slot per possible CPU".</summary>
    public uint MaxEntries { get; set; }

    /// <summary><c>map_flags</c> (BPF_F_*).</summary>
    public uint Flags { get; set; }

    /// <summary><c>map_extra</c>: type-specific (a bloom filter's number of hash functions in its low 4 bits; 0 means 5).</summary>
    public ulong MapExtra { get; set; }

    /// <summary>Pinning mode from the object (<c>LIBBPF_PIN_BY_NAME</c> = 1).</summary>
    public uint Pinning { get; set; }

    /// <summary>Contents written into the map after creation (global data sections), or null.</summary>
    public byte[]? InitialValue { get; set; }

    /// <summary>For map-in-map declarations: the inner map's shape.</summary>
    public MapSpec? InnerMap { get; set; }

    /// <summary>True for <c>.rodata</c>-style maps that are frozen after their initial value is written.</summary>
    public bool Freeze { get; set; }

    /// <summary>BTF ids for the key and value types, when the object carries BTF (0 otherwise).</summary>
    public uint BtfKeyTypeId { get; set; }

    /// <inheritdoc cref="BtfKeyTypeId"/>
    public uint BtfValueTypeId { get; set; }

    /// <summary>Slots the object fills statically (<c>.values = { [i] = &amp;target }</c>): programs of a program array,
    /// inner maps of a map of maps; set at load.</summary>
    internal IReadOnlyList<Linking.MapSlot> InitialSlots { get; set; } = [];

    /// <summary>A shallow copy, so that one parsed spec can be loaded several times with different settings.</summary>
    public MapSpec Clone() => (MapSpec)MemberwiseClone();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Type}, key {KeySize}, value {ValueSize}, max_entries {MaxEntries})";
}
