using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Linking;

namespace Ebpf;

/// <summary>
/// A loaded BPF object: its maps and programs living in the kernel. Dispose closes them all (links made from its
/// programs keep working until they are disposed themselves, as the kernel holds the program while attached).
/// </summary>
public sealed class BpfObject : IDisposable
{
    private readonly NamedDictionary<BpfMap> _maps;
    private readonly NamedDictionary<BpfProgram> _programs;
    private bool _disposed;

    private readonly Dictionary<string, GlobalVariable> _variables;

    internal BpfObject(string name, Dictionary<string, BpfMap> maps, Dictionary<string, BpfProgram> programs, Dictionary<string, GlobalVariable> variables)
    {
        Name = name;
        _variables = variables;
        _maps = new NamedDictionary<BpfMap>(name, "map", maps);
        _programs = new NamedDictionary<BpfProgram>(name, "loaded program", programs);
    }

    /// <summary>Parses and loads the object at <paramref name="path"/> (<see cref="BpfObjectSpec.FromFile"/> then <see cref="BpfObjectSpec.Load"/>).</summary>
    public static BpfObject Load(string path, BpfLoadOptions? options = null) => BpfObjectSpec.FromFile(path).Load(options);

    /// <summary>Parses and loads an object held in memory.</summary>
    public static BpfObject Load(ReadOnlyMemory<byte> elf, string name, BpfLoadOptions? options = null) => BpfObjectSpec.FromBytes(elf, name).Load(options);

    /// <summary>The object's name.</summary>
    public string Name { get; }

    /// <summary>The maps, by the names <see cref="BpfObjectSpec.Maps"/> uses. A missing name throws
    /// <see cref="BpfNameNotFoundException"/> listing the maps.</summary>
    public NamedDictionary<BpfMap> Maps
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _maps;
        }
    }

    /// <summary>The loaded programs by function name (programs with AutoLoad = false are absent). A missing name throws
    /// <see cref="BpfNameNotFoundException"/> listing the loaded programs.</summary>
    public NamedDictionary<BpfProgram> Programs
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _programs;
        }
    }

    /// <summary>The map called <paramref name="name"/>.</summary>
    /// <exception cref="BpfNameNotFoundException">No such map; the message lists the maps.</exception>
    public BpfMap Map(string name) => Maps[name];

    /// <summary>The program called <paramref name="name"/>.</summary>
    /// <exception cref="BpfNameNotFoundException">No such loaded program; the message lists the programs.</exception>
    public BpfProgram Program(string name) => Programs[name];

    /// <summary>Registers struct_ops map <paramref name="mapName"/> (see <see cref="StructOps.StructOpsLink.Attach"/>).</summary>
    public StructOps.StructOpsLink AttachStructOps(string mapName) => StructOps.StructOpsLink.Attach(Map(mapName));

    /// <summary>Reads global variable <paramref name="name"/> from its global-data map (.bss, .data, .rodata) as it is now in the kernel.</summary>
    /// <exception cref="BpfNameNotFoundException">No such variable; the message lists the variables.</exception>
    /// <exception cref="ArgumentException">The size of <typeparamref name="T"/> differs from the variable's.</exception>
    public T ReadVariable<T>(string name) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_variables.TryGetValue(name, out var v))
            throw new BpfNameNotFoundException(Name, "global variable", name, [.. _variables.Keys.Order(StringComparer.Ordinal)]);
        if (Unsafe.SizeOf<T>() != v.Size)
            throw new ArgumentException($"Object '{Name}': variable '{name}' is {v.Size} bytes, but {typeof(T).Name} is {Unsafe.SizeOf<T>()} bytes.", nameof(name));
        var map = Map(v.MapName);
        var value = new byte[map.ValueSize];
        if (!map.TryLookup(stackalloc byte[4], value))
            throw new InvalidOperationException($"Map '{v.MapName}' has no entry 0.");
        return MemoryMarshal.Read<T>(value.AsSpan((int)v.Offset, (int)v.Size));
    }

    /// <summary>Closes every program and map of this object.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var p in _programs.Values) p.Dispose();
        foreach (var m in _maps.Values) m.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({_programs.Count} programs, {_maps.Count} maps)";
}
