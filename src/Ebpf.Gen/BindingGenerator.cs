using System.Security.Cryptography;
using Ebpf.Btf;
using Ebpf.Gen.Emit;
using Ebpf.Gen.Model;
using Ebpf.Gen.Naming;

namespace Ebpf.Gen;

/// <summary>
/// Generates one C# file from a BPF object: the types of its maps' keys and values, of its global variables and of
/// the types asked for by name, with their exact BTF layout; and a skeleton class that embeds the object and gives typed
/// access to its maps, programs and sections (libbpf's <c>bpftool gen skeleton</c>, cilium's <c>bpf2go</c>). The same
/// object and options always give the same bytes.
/// </summary>
public static class BindingGenerator
{
    /// <summary>Generates the bindings for the object in <paramref name="objectBytes"/>; <paramref name="objectName"/> is its
    /// file name (it names the skeleton class unless <see cref="GenOptions.ClassName"/> does).</summary>
    /// <exception cref="BpfObjectException">The bytes are not a BPF object the loader can read.</exception>
    /// <exception cref="KeyNotFoundException">A type named in <see cref="GenOptions.Types"/> is not in the object's BTF.</exception>
    /// <exception cref="ArgumentException">An option is not a valid C# name, or a named type cannot be represented.</exception>
    public static string Generate(ReadOnlyMemory<byte> objectBytes, string objectName, GenOptions? options = null) =>
        GenerateWithModel(objectBytes, objectName, options).Code;

    /// <summary>The file and the model it was written from (the tests check the model's layout against BTF).</summary>
    internal static (string Code, string ClassName, IReadOnlyList<GenType> Types) GenerateWithModel(ReadOnlyMemory<byte> objectBytes, string objectName, GenOptions? options)
    {
        ArgumentNullException.ThrowIfNull(objectName);
        options ??= new GenOptions();
        var spec = BpfObjectSpec.FromBytes(objectBytes, objectName);
        string className = ClassName(objectName, options);
        var top = new NameScope([className, .. SkeletonWriter.Reserved.Split(' ')]);
        var catalog = new TypeCatalog(top);
        var skeleton = new Skeleton { ClassName = className, ObjectName = objectName };
        var btf = spec.Btf;

        // Sections first: their accessor and type names are the skeleton's own.
        var sections = new List<(MapSpec Map, BtfTypeView Datasec, string Property, string TypeName)>();
        foreach (var (name, map) in spec.Maps.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (!IsSection(name) || btf is null || map.BtfValueTypeId == 0 || map.BtfValueTypeId >= (uint)btf.Count) continue;
            var datasec = btf[map.BtfValueTypeId];
            if (datasec.Kind != BtfKind.DataSection) continue;
            string property = top.Claim(CSharpName.Pascal(name));
            sections.Add((map, datasec, property, top.Claim(property + "Section")));
        }
        foreach (var (map, datasec, property, typeName) in sections)
        {
            var type = catalog.AddSection(datasec, map.Name, typeName, map.ValueSize);
            var access = (map.Flags & MmapableFlag) == 0 ? SectionAccess.Copied : map.Freeze ? SectionAccess.MappedReadOnly : SectionAccess.Mapped;
            skeleton.Sections.Add(new SkeletonSection(type, property, access, map.InitialValue is not null && map.Name != KconfigSection));
        }

        var mapScope = new NameScope(["MapSet"]);
        foreach (var (name, map) in spec.Maps.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            if (IsSection(name)) continue;
            string property = mapScope.Claim(CSharpName.Pascal(name));
            skeleton.Maps.Add(TypedMap(catalog, btf, name, map, property));
        }

        var skippedRoots = new List<string>();
        foreach (string name in options.Types)
        {
            if (btf is null) throw new KeyNotFoundException($"Object '{objectName}' has no BTF (compile it with clang -g), so it has no type '{name}'.");
            AddNamedRoot(catalog, btf, name, skippedRoots);
        }
        catalog.DrainPending();

        var programScope = new NameScope(["ProgramSet"]);
        foreach (var (name, program) in spec.Programs.OrderBy(p => p.Key, StringComparer.Ordinal))
            skeleton.Programs.Add((programScope.Claim(CSharpName.Pascal(name)), name, program.SectionName));

        var w = new CodeWriter();
        Header(w, $"`ebpf gen` from {objectName} (SHA-256 {Convert.ToHexStringLower(SHA256.HashData(objectBytes.Span))[..16]})", options.Namespace);
        w.Doc($"Typed bindings for the BPF object <c>{CSharpName.Xml(objectName)}</c>, generated from its BTF: open (and set <c>.rodata</c>), load, attach, then read the maps and sections.");
        w.Open($"public sealed partial class {className} : global::System.IDisposable");
        SkeletonWriter.Write(w, skeleton, objectBytes.Span, options.EmbedObject);
        foreach (string skipped in skippedRoots) w.Line().Line($"// Skipped {skipped}.");
        foreach (var type in catalog.TopLevel)
        {
            w.Line();
            TypeWriter.Write(w, type);
        }
        w.Close();
        return (w.ToString(), className, catalog.TopLevel);
    }

    /// <summary>Generates only types (no skeleton) from any BTF, the kernel's for instance: the named structs, unions and
    /// enums and what they contain, nested in a static class <paramref name="className"/>.</summary>
    /// <exception cref="KeyNotFoundException">A type is not in <paramref name="btf"/>.</exception>
    public static string GenerateTypes(BtfSpec btf, IEnumerable<string> typeNames, string className, string @namespace = "Bpf") =>
        GenerateTypesWithModel(btf, typeNames, className, @namespace).Code;

    internal static (string Code, IReadOnlyList<GenType> Types) GenerateTypesWithModel(BtfSpec btf, IEnumerable<string> typeNames, string className, string @namespace)
    {
        ArgumentNullException.ThrowIfNull(btf);
        ArgumentNullException.ThrowIfNull(typeNames);
        CheckName(className, nameof(className), dotted: false);
        var catalog = new TypeCatalog(new NameScope([className]));
        var skippedRoots = new List<string>();
        foreach (string name in typeNames)
        {
            AddNamedRoot(catalog, btf, name, skippedRoots);
            catalog.DrainPending();
        }
        var w = new CodeWriter();
        Header(w, $"`ebpf gen` from the BTF of {btf.Name}", @namespace);
        w.Doc($"Types from the BTF of <c>{CSharpName.Xml(btf.Name)}</c>, with their exact layout.");
        w.Open($"public static partial class {className}");
        bool first = true;
        foreach (string skipped in skippedRoots)
        {
            w.Line($"// Skipped {skipped}.");
            first = false;
        }
        foreach (var type in catalog.TopLevel)
        {
            if (!first) w.Line();
            first = false;
            TypeWriter.Write(w, type);
        }
        w.Close();
        return (w.ToString(), catalog.TopLevel);
    }

    private const uint MmapableFlag = 1u << 10;
    private const string KconfigSection = ".kconfig";

    private static bool IsSection(string mapName) => mapName is ".rodata" or ".data" or ".bss" or KconfigSection
        || mapName.StartsWith(".rodata.", StringComparison.Ordinal) || mapName.StartsWith(".data.", StringComparison.Ordinal)
        || mapName.StartsWith(".bss.", StringComparison.Ordinal);

    private static void Header(CodeWriter w, string source, string @namespace)
    {
        CheckName(@namespace, nameof(@namespace), dotted: true);
        w.Line("// <auto-generated>");
        w.Line($"//   Generated by {source}. Do not edit: generate again.");
        w.Line("// </auto-generated>");
        w.Line("#nullable enable");
        w.Line("#pragma warning disable CS0169, CS0649 // inline-array element fields and bitfield storage are used through their accessors");
        w.Line();
        w.Line($"namespace {@namespace};");
        w.Line();
    }

    private static string ClassName(string objectName, GenOptions options)
    {
        if (options.ClassName is { } given)
        {
            CheckName(given, nameof(options), dotted: false);
            return given;
        }
        string file = Path.GetFileName(objectName);
        if (file.EndsWith(".o", StringComparison.Ordinal)) file = file[..^2];
        return CSharpName.Pascal(file.Replace('.', '_')).TrimStart('@');
    }

    private static void CheckName(string name, string parameter, bool dotted)
    {
        if (!CSharpName.IsIdentifier(name, dotted))
            throw new ArgumentException($"'{name}' is not a valid C# {(dotted ? "namespace" : "identifier")}.", parameter);
    }

    /// <summary>Map types whose values are data (not fds or ids): they get typed accessors.</summary>
    private static bool HasDataValues(BpfMapType type) => type is BpfMapType.Hash or BpfMapType.Array or BpfMapType.PerCpuHash
        or BpfMapType.PerCpuArray or BpfMapType.LruHash or BpfMapType.LruPerCpuHash or BpfMapType.LpmTrie;

    private static SkeletonMap TypedMap(TypeCatalog catalog, BtfSpec? btf, string name, MapSpec map, string property)
    {
        string entries = map.Type switch
        {
            BpfMapType.RingBuf or BpfMapType.UserRingBuf => $"{map.MaxEntries} bytes",
            BpfMapType.PerfEventArray when map.MaxEntries == 0 => "a slot per CPU",
            _ => map.MaxEntries == 1 ? "1 entry" : $"{map.MaxEntries} entries",
        };
        string description = $"{map.Type}, {entries}";
        if (!HasDataValues(map.Type)) return new SkeletonMap(property, name, description, null, null, null);
        if (btf is null || map.BtfKeyTypeId == 0 || map.BtfValueTypeId == 0 || map.BtfKeyTypeId >= (uint)btf.Count || map.BtfValueTypeId >= (uint)btf.Count)
            return new SkeletonMap(property, name, description, null, null, "the object's BTF gives no key and value types");
        var keyType = btf[map.BtfKeyTypeId];
        var valueType = btf[map.BtfValueTypeId];
        description = $"{map.Type} of {keyType} to {valueType}, {entries}";
        string context = CSharpName.Pascal(name).TrimStart('@');
        var key = catalog.AddRoot(keyType, context + "Key");
        var value = catalog.AddRoot(valueType, context + "Value");
        string? why = !key.IsRepresentable ? $"key: {key.Unrepresentable}" : !value.IsRepresentable ? $"value: {value.Unrepresentable}"
            : key.Size != map.KeySize || value.Size != map.ValueSize ? $"the BTF types' sizes ({key.Size}, {value.Size}) differ from the map's ({map.KeySize}, {map.ValueSize})"
            : null;
        return why is null ? new SkeletonMap(property, name, description, key, value, null) : new SkeletonMap(property, name, description, null, null, why);
    }

    /// <summary>Adds a type asked for by name; one that cannot be represented (an empty struct, a typedef of an int) is
    /// noted, to be written as a comment saying why.</summary>
    private static void AddNamedRoot(TypeCatalog catalog, BtfSpec btf, string name, List<string> skipped)
    {
        var type = FindNamed(btf, name);
        var r = catalog.AddRoot(type, null);
        if (!r.IsRepresentable) skipped.Add($"{type.Kind.ToString().ToLowerInvariant()} {name}: {r.Unrepresentable}");
        else if (type.Resolve().Kind is not (BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64))
            skipped.Add($"{type.Kind.ToString().ToLowerInvariant()} {name}: it is {r.CSharp} in C#, nothing to generate");
    }

    /// <summary>The struct, union or enum (or typedef of one) called <paramref name="name"/>.</summary>
    private static BtfTypeView FindNamed(BtfSpec btf, string name)
    {
        var candidates = btf.FindAll(name);
        var best = candidates.FirstOrDefault(t => t.Kind is BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64)
            ?? candidates.FirstOrDefault(t => t.Kind == BtfKind.Typedef);
        if (best is not null) return best;
        var similar = btf.AllTypes.Where(t => t.Kind is BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 or BtfKind.Typedef
                && t.Name.Contains(name, StringComparison.OrdinalIgnoreCase)).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal).Take(8).ToList();
        throw new KeyNotFoundException($"BTF of '{btf.Name}' has no struct, union, enum or typedef named '{name}'" +
            (similar.Count > 0 ? $"; similar names: {string.Join(", ", similar)}." : ". (A type only a local variable uses is not in BTF: declare a global pointer to it, as libbpf-tools do.)"));
    }
}
