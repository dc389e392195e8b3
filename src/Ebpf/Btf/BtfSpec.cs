using System.Diagnostics.CodeAnalysis;

namespace Ebpf.Btf;

/// <summary>
/// The BTF types of an object (<see cref="BpfObjectSpec.Btf"/>) or of the kernel (<see cref="LoadKernel"/>): look types
/// up by id, or by name and kind, and read their size, members, offsets, bitfields and enum values — enough to decode a
/// record without a C# type for it (<see cref="BtfValueFormatter"/> does that, as <c>bpftool map dump</c> does).
/// A read-only view: parsing checked every id and offset, so nothing here can point outside the blob.
/// </summary>
public sealed class BtfSpec
{
    private BtfTypeView?[]? _views;

    internal BtfSpec(BtfTypes types) => Types = types;

    internal BtfTypes Types { get; }

    /// <summary>What the types came from: an object's name, or the kernel BTF file's name (<c>vmlinux</c>).</summary>
    public string Name => Types.ObjectName;

    /// <summary>The number of type ids, void (id 0) included: valid ids are 0 to <c>Count - 1</c>.</summary>
    public int Count => Types.Count;

    /// <summary>Parses the running kernel's BTF (<c>/sys/kernel/btf/vmlinux</c>), or the BTF file at <paramref name="path"/>.</summary>
    /// <exception cref="BpfFeatureNotSupportedException">The file does not exist (a kernel built without CONFIG_DEBUG_INFO_BTF).</exception>
    /// <exception cref="BpfObjectException">The file is not valid BTF.</exception>
    public static BtfSpec LoadKernel(string? path = null) => new(KernelBtf.Load(path, "Reading kernel types"));

    /// <summary>Parses a raw BTF blob (the contents of a <c>.BTF</c> section or of a file under /sys/kernel/btf);
    /// <paramref name="name"/> names it in errors.</summary>
    /// <exception cref="BpfObjectException">The blob is not valid BTF.</exception>
    public static BtfSpec FromBytes(ReadOnlySpan<byte> blob, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new BtfSpec(BtfTypes.Parse(blob, name, ".BTF"));
    }

    /// <summary>The type with id <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such id.</exception>
    public BtfTypeView this[uint id]
    {
        get
        {
            if (id >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(id), $"BTF of '{Name}' has no type id {id} (ids are 0 to {Count - 1}).");
            _views ??= new BtfTypeView?[Count];
            return _views[id] ??= new BtfTypeView(this, Types[id]);
        }
    }

    /// <summary>Every type in id order, void (id 0) first.</summary>
    public IEnumerable<BtfTypeView> AllTypes
    {
        get
        {
            for (uint id = 0; id < (uint)Count; id++) yield return this[id];
        }
    }

    /// <summary>Every type called <paramref name="name"/>, in id order (a name may be shared by a struct, a typedef and
    /// a function, for example).</summary>
    public IReadOnlyList<BtfTypeView> FindAll(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return [.. Types.IdsNamed(name).Select(id => this[id])];
    }

    /// <summary>The first type (lowest id) called <paramref name="name"/> of kind <paramref name="kind"/>.</summary>
    public bool TryFind(string name, BtfKind kind, [NotNullWhen(true)] out BtfTypeView? type)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (uint id in Types.IdsNamed(name))
            if (Types[id].Kind == kind)
            {
                type = this[id];
                return true;
            }
        type = null;
        return false;
    }

    /// <summary>The first type (lowest id) called <paramref name="name"/> of kind <paramref name="kind"/>.</summary>
    /// <exception cref="KeyNotFoundException">There is none; the message says which kinds carry that name.</exception>
    public BtfTypeView Find(string name, BtfKind kind)
    {
        if (TryFind(name, kind, out var type)) return type;
        var others = FindAll(name);
        throw new KeyNotFoundException(others.Count == 0
            ? $"BTF of '{Name}' has no type named '{name}'."
            : $"BTF of '{Name}' has no {kind} named '{name}'; that name belongs to: {string.Join(", ", others.Select(t => $"[{t.Id}] {t.Kind}"))}.");
    }

    /// <inheritdoc/>
    public override string ToString() => $"BTF of '{Name}' ({Count} types)";
}
