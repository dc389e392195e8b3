using Ebpf.Gen.Model;
using Ebpf.Gen.Naming;

namespace Ebpf.Gen.Emit;

/// <summary>Writes the skeleton class's own members: the embedded object, Open/Load, the map, program and section
/// accessors, AttachAll and Dispose (libbpf's skeleton, bpf2go's objects).</summary>
internal static class SkeletonWriter
{
    internal const string Reserved = "ObjectName ObjectBytes Open Load Object Maps Programs AttachAll Dispose Spec MapSet ProgramSet";

    internal static void Write(CodeWriter w, Skeleton s, ReadOnlySpan<byte> objectBytes, bool embed)
    {
        string c = s.ClassName;
        w.Doc($"The object's file name, <c>{CSharpName.Xml(s.ObjectName)}</c>.");
        w.Line($"public const string ObjectName = {CSharpName.Literal(s.ObjectName)};");
        w.Line();
        if (embed)
        {
            w.Doc($"The object's bytes ({objectBytes.Length}), embedded when the bindings were generated.");
            w.Line("public static global::System.ReadOnlySpan<byte> ObjectBytes =>");
            w.Line("[");
            for (int i = 0; i < objectBytes.Length; i += 32)
            {
                var line = objectBytes.Slice(i, Math.Min(32, objectBytes.Length - i));
                w.Line("    " + string.Join(", ", line.ToArray().Select(b => b.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ",");
            }
            w.Line("];");
            w.Line();
            w.Doc("Parses the embedded object (no kernel involved): adjust <see cref=\"Spec.Object\"/> and the typed sections, then <see cref=\"Spec.Load\"/>.");
            w.Line($"public static Spec Open() => new(global::Ebpf.BpfObjectSpec.FromBytes(ObjectBytes.ToArray(), ObjectName));");
            w.Line();
            w.Doc("Parses and loads the embedded object as it is (<c>Open().Load(options)</c>).");
            w.Line($"public static {c} Load(global::Ebpf.BpfLoadOptions? options = null) => Open().Load(options);");
            w.Line();
        }
        w.Doc("Wraps an object parsed elsewhere (a file on disk, say) that must be the one these bindings were generated from.");
        w.Line($"public static Spec Open(global::Ebpf.BpfObjectSpec spec) => new(spec);");
        w.Line();
        foreach (var section in s.Sections.Where(x => x.Access != SectionAccess.Copied))
            w.Line($"private readonly global::Ebpf.Maps.BpfMapMemory _{char.ToLowerInvariant(section.Property[0])}{section.Property[1..]};");
        w.Line();
        w.Open($"private {c}(global::Ebpf.BpfObject obj)");
        w.Line("Object = obj;");
        w.Open("try");
        w.Line("Maps = new MapSet(obj);");
        w.Line("Programs = new ProgramSet(obj);");
        foreach (var section in s.Sections.Where(x => x.Access != SectionAccess.Copied))
            w.Line($"{Field(section)} = global::Ebpf.Maps.BpfMapMemory.Map(obj.Map({CSharpName.Literal(section.Type.SectionName!)}), writable: {(section.Access == SectionAccess.Mapped ? "true" : "false")});");
        w.Close();
        w.Open("catch");
        w.Line("Dispose();");
        w.Line("throw;");
        w.Close();
        w.Close();
        w.Line();
        w.Doc("The loaded object: every map and program, untyped.");
        w.Line("public global::Ebpf.BpfObject Object { get; }");
        w.Line();
        w.Doc("The maps, typed where BTF gives their key and value.");
        w.Line("public MapSet Maps { get; }");
        w.Line();
        w.Doc("The programs.");
        w.Line("public ProgramSet Programs { get; }");
        foreach (var section in s.Sections)
        {
            w.Line();
            string type = section.Type.Name;
            switch (section.Access)
            {
                case SectionAccess.Mapped:
                    w.Doc($"<c>{CSharpName.Xml(section.Type.SectionName!)}</c>'s variables in the kernel's memory: reads and writes need no syscall.");
                    w.Line($"public ref {type} {section.Property} => ref {Field(section)}.As<{type}>();");
                    break;
                case SectionAccess.MappedReadOnly:
                    w.Doc($"<c>{CSharpName.Xml(section.Type.SectionName!)}</c>'s variables (frozen at load: read-only).");
                    w.Line($"public ref readonly {type} {section.Property} => ref {Field(section)}.AsReadOnly<{type}>();");
                    break;
                default:
                    w.Doc($"A copy of <c>{CSharpName.Xml(section.Type.SectionName!)}</c>'s variables, read from the kernel.");
                    w.Line($"public {type} {section.Property} => Object.Map({CSharpName.Literal(section.Type.SectionName!)}).TryLookup(0u, out {type} value) ? value : default;");
                    break;
            }
        }
        w.Line();
        w.Doc("Attaches every program whose section says where (<see cref=\"global::Ebpf.Links.BpfLinkSet.AttachAll\"/>); dispose the result to detach them all.");
        w.Line("public global::Ebpf.Links.BpfLinkSet AttachAll() => global::Ebpf.Links.BpfLinkSet.AttachAll(Object);");
        w.Line();
        w.Doc("Unmaps the sections and closes the object's maps and programs (links stay attached until disposed).");
        w.Open("public void Dispose()");
        foreach (var section in s.Sections.Where(x => x.Access != SectionAccess.Copied))
            w.Line($"{Field(section)}?.Dispose();");
        w.Line("Object.Dispose();");
        w.Close();
        w.Line();
        WriteSpec(w, s);
        w.Line();
        WriteMaps(w, s);
        w.Line();
        WritePrograms(w, s);
    }

    private static string Field(SkeletonSection section) => $"_{char.ToLowerInvariant(section.Property[0])}{section.Property[1..]}";

    private static void WriteSpec(CodeWriter w, Skeleton s)
    {
        w.Doc("The parsed object before load: the place for settings (<c>const volatile</c> variables in <c>.rodata</c>, initial values of <c>.data</c> and <c>.bss</c>) and for <see cref=\"global::Ebpf.BpfObjectSpec\"/> edits.");
        w.Open("public sealed class Spec");
        w.Line("internal Spec(global::Ebpf.BpfObjectSpec spec) => Object = spec;");
        w.Line();
        w.Doc("The parsed object (maps, programs, BTF).");
        w.Line("public global::Ebpf.BpfObjectSpec Object { get; }");
        foreach (var section in s.Sections.Where(x => x.BeforeLoad))
        {
            string type = section.Type.Name;
            w.Line();
            w.Doc($"<c>{CSharpName.Xml(section.Type.SectionName!)}</c>'s initial values, written into the map at load.");
            w.Line($"public ref {type} {section.Property} => ref global::System.Runtime.InteropServices.MemoryMarshal.AsRef<{type}>(global::System.MemoryExtensions.AsSpan(Object.Maps[{CSharpName.Literal(section.Type.SectionName!)}].InitialValue));");
        }
        w.Line();
        w.Doc("Creates the maps and loads the programs.");
        w.Line($"public {s.ClassName} Load(global::Ebpf.BpfLoadOptions? options = null) => new(Object.Load(options));");
        w.Close();
    }

    private static void WriteMaps(CodeWriter w, Skeleton s)
    {
        w.Doc("The object's maps (global-data sections are the typed section properties).");
        w.Open("public sealed class MapSet");
        w.Open("internal MapSet(global::Ebpf.BpfObject obj)");
        foreach (var m in s.Maps)
            w.Line(m.Key is null ? $"{m.Property} = obj.Map({CSharpName.Literal(m.Name)});"
                : $"{m.Property} = new global::Ebpf.Maps.TypedMap<{m.Key.CSharp}, {m.Value!.CSharp}>(obj.Map({CSharpName.Literal(m.Name)}));");
        w.Close();
        foreach (var m in s.Maps)
        {
            w.Line();
            w.Doc($"<c>{CSharpName.Xml(m.Name)}</c>: {CSharpName.Xml(m.Description)}{(m.Untyped is null ? "" : $" (untyped: {CSharpName.Xml(m.Untyped)})")}.");
            w.Line(m.Key is null ? $"public global::Ebpf.BpfMap {m.Property} {{ get; }}"
                : $"public global::Ebpf.Maps.TypedMap<{m.Key.CSharp}, {m.Value!.CSharp}> {m.Property} {{ get; }}");
        }
        w.Close();
    }

    private static void WritePrograms(CodeWriter w, Skeleton s)
    {
        w.Doc("The object's programs (a program not loaded, AutoLoad = false, throws).");
        w.Open("public sealed class ProgramSet");
        w.Line("private readonly global::Ebpf.BpfObject _object;");
        w.Line();
        w.Line("internal ProgramSet(global::Ebpf.BpfObject obj) => _object = obj;");
        foreach (var (property, name, section) in s.Programs)
        {
            w.Line();
            w.Doc($"<c>{CSharpName.Xml(name)}</c>, <c>SEC(\"{CSharpName.Xml(section)}\")</c>.");
            w.Line($"public global::Ebpf.BpfProgram {property} => _object.Program({CSharpName.Literal(name)});");
        }
        w.Close();
    }
}
