using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Btf;
using Ebpf.Externs;
using Ebpf.Linking;

namespace Ebpf;

/// <summary>
/// A parsed BPF object (clang-compiled, libbpf-style ELF): its maps, programs and global variables as plain data.
/// Parsing never touches the kernel; edit the specs, then <see cref="Load"/>.
/// </summary>
public sealed class BpfObjectSpec
{
    private readonly Dictionary<string, GlobalVariable> _variables;

    private BpfObjectSpec(string name, ObjectReader.Result parsed)
    {
        Name = name;
        License = parsed.License;
        Maps = new NamedDictionary<MapSpec>(name, "map", parsed.Maps);
        Programs = new NamedDictionary<ProgramSpec>(name, "program", parsed.Programs);
        _variables = parsed.Variables;
        BtfTypes = parsed.Btf;
        Btf = parsed.Btf is null ? null : new BtfSpec(parsed.Btf);
        BtfExt = parsed.BtfExt;
        Externs = parsed.Externs;
        StructOps = parsed.StructOps;
    }

    /// <summary>Reads and parses the object at <paramref name="path"/>.</summary>
    /// <exception cref="BpfObjectException">The file is not a well-formed BPF object, or uses something unsupported.</exception>
    public static BpfObjectSpec FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromBytes(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Parses an object held in memory; <paramref name="name"/> names it in messages.</summary>
    /// <exception cref="BpfObjectException">The bytes are not a well-formed BPF object, or use something unsupported.</exception>
    public static BpfObjectSpec FromBytes(ReadOnlyMemory<byte> elf, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new BpfObjectSpec(name, ObjectReader.Read(elf, name));
    }

    /// <summary>The object's name (its file name, or the name given to <see cref="FromBytes"/>).</summary>
    public string Name { get; }

    /// <summary>The license from the object's <c>license</c> section ("" when it has none).</summary>
    public string License { get; }

    /// <summary>The maps: BTF-defined maps from <c>.maps</c> by variable name, and global-data maps by section name
    /// (<c>.rodata</c>, <c>.data</c>, <c>.bss</c>, <c>.rodata.*</c>, <c>.data.*</c>). A missing name throws
    /// <see cref="BpfNameNotFoundException"/> listing the maps.</summary>
    public NamedDictionary<MapSpec> Maps { get; }

    /// <summary>The programs by function name. A missing name throws <see cref="BpfNameNotFoundException"/> listing the programs.</summary>
    public NamedDictionary<ProgramSpec> Programs { get; }

    /// <summary>The names of the global variables <see cref="SetVariable{T}"/> can write.</summary>
    public IReadOnlyList<string> VariableNames => [.. _variables.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The global variables with their section, offset, size and C type, ordered by section and offset.</summary>
    public IReadOnlyList<GlobalVariableInfo> GlobalVariables =>
    [
        .. _variables.Values.OrderBy(v => v.MapName, StringComparer.Ordinal).ThenBy(v => v.Offset)
            .Select(v => new GlobalVariableInfo(v.Name, v.MapName, v.Offset, v.Size,
                BtfTypes is not null && v.TypeId != 0 && v.TypeId < (uint)BtfTypes.Count ? BtfDescriber.TypeName(BtfTypes, v.TypeId) : "")),
    ];

    /// <summary>Describes the object's BTF types in id order (empty when the object has no .BTF section), as the loader
    /// will load them: an object with <c>__ksym</c> externs ends with the <c>dummy_ksym</c> VAR the loader appends.</summary>
    public IReadOnlyList<BtfTypeInfo> DescribeBtfTypes() => BtfTypes is null ? [] : BtfDescriber.All(BtfTypes);

    internal Dictionary<string, GlobalVariable> Variables => _variables;

    /// <summary>The object's BTF (its <c>.BTF</c> section, with the fix-ups the loader makes: data section sizes and
    /// variable offsets), or null when it has none: map key and value types, global variables, and the types named
    /// by <c>--type</c> in <c>ebpf gen</c>.</summary>
    public BtfSpec? Btf { get; }

    internal BtfTypes? BtfTypes { get; }

    internal BtfExt? BtfExt { get; }

    /// <summary>The struct_ops maps, created at load as BPF_MAP_TYPE_STRUCT_OPS (they appear in <see cref="BpfObject.Maps"/>).</summary>
    internal IReadOnlyList<StructOps.StructOpsMapSpec> StructOps { get; }

    /// <summary>The externs (__kconfig, __ksym) in libbpf's order: <see cref="ExternSpec.Index"/> indexes this list.</summary>
    internal IReadOnlyList<ExternSpec> Externs { get; }

    /// <summary>
    /// Writes <paramref name="value"/> into global variable <paramref name="name"/> (a <c>const volatile</c> in .rodata,
    /// or a variable in .data/.bss) before load: the value becomes part of the map's initial contents.
    /// </summary>
    /// <exception cref="BpfNameNotFoundException">No such variable; the message lists the variables.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    public void SetVariable<T>(string name, T value) where T : unmanaged
    {
        var v = FindVariable(name);
        int size = Unsafe.SizeOf<T>();
        if (size != v.Size)
            throw new ArgumentException($"Object '{Name}': variable '{name}' is {v.Size} bytes, but {typeof(T).Name} is {size} bytes. Pass a value of the variable's C type.", nameof(value));
        var map = Maps[v.MapName];
        if (map.InitialValue is null || map.InitialValue.Length < v.Offset + v.Size)
            throw new InvalidOperationException($"Object '{Name}': map '{v.MapName}' has no initial value large enough for variable '{name}' (was MapSpec.InitialValue replaced?).");
        MemoryMarshal.Write(map.InitialValue.AsSpan((int)v.Offset, size), in value);
    }

    /// <summary>Reads the current initial value of global variable <paramref name="name"/>.</summary>
    /// <exception cref="BpfNameNotFoundException">No such variable; the message lists the variables.</exception>
    public T GetVariable<T>(string name) where T : unmanaged
    {
        var v = FindVariable(name);
        if (Unsafe.SizeOf<T>() != v.Size)
            throw new ArgumentException($"Object '{Name}': variable '{name}' is {v.Size} bytes, but {typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes.", nameof(name));
        var bytes = Maps[v.MapName].InitialValue ?? throw new InvalidOperationException($"Map '{v.MapName}' has no initial value.");
        return MemoryMarshal.Read<T>(bytes.AsSpan((int)v.Offset, (int)v.Size));
    }

    private GlobalVariable FindVariable(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_variables.TryGetValue(name, out var v)) return v;
        throw new BpfNameNotFoundException(Name, "global variable", name, VariableNames);
    }

    /// <summary>Creates the maps and loads the programs (those with <see cref="ProgramSpec.AutoLoad"/>) into the kernel.</summary>
    /// <exception cref="BpfVerifierException">The verifier rejected a program; the exception carries its log.</exception>
    /// <exception cref="BpfObjectException">The object uses something the loader cannot load (for example an unsupported CO-RE relocation).</exception>
    /// <exception cref="BpfPermissionException">The process lacks CAP_BPF / CAP_PERFMON.</exception>
    public BpfObject Load(BpfLoadOptions? options = null) => ObjectLoader.Load(this, options ?? new BpfLoadOptions());

    /// <summary>
    /// Loads each program on its own, against maps created once: a map the kernel refuses (for example one declared with
    /// max_entries 0 and not sized with <see cref="MapSpec.MaxEntries"/>) fails exactly the programs that use it, a program
    /// the verifier rejects fails alone, and the rest load: each program gets the outcome libbpf gives it when loaded
    /// alone. Failures are reported in the result, not thrown (without CAP_BPF every program fails with a
    /// <see cref="BpfPermissionException"/>).
    /// </summary>
    public BpfLoadResult LoadEach(BpfLoadOptions? options = null) => ObjectLoader.LoadEach(this, options ?? new BpfLoadOptions());

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Programs.Count} programs, {Maps.Count} maps)";
}
