using System.CommandLine;

namespace Ebpf.Cli.Objects;

/// <summary><c>ebpf inspect OBJ</c>: what an object declares (maps, programs, global variables, BTF types), without touching the kernel.</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var command = new Command("inspect", "List the maps, programs, global variables and BTF types of a BPF object (parsing only).") { path };
        command.SetAction(parse =>
        {
            var spec = BpfObjectSpec.FromFile(parse.GetValue(path)!.FullName);
            Console.WriteLine($"object  {spec.Name}  license \"{spec.License}\"");
            Console.WriteLine($"maps ({spec.Maps.Count})");
            foreach (var m in spec.Maps.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
                Console.WriteLine($"  {m.Name,-24} {m.Type,-16} key {m.KeySize,-4} value {m.ValueSize,-6} max_entries {m.MaxEntries,-10} flags 0x{m.Flags:x}{(m.Pinning != 0 ? " pinned-by-name" : "")}");
            Console.WriteLine($"programs ({spec.Programs.Count})");
            foreach (var p in spec.Programs.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
                Console.WriteLine($"  {p.Name,-24} {p.Type,-16} {p.InstructionCount,6} insns  {p.SectionName}");
            Console.WriteLine($"global variables ({spec.GlobalVariables.Count})");
            foreach (var v in spec.GlobalVariables)
                Console.WriteLine($"  {v.Name,-24} {v.Section,-12} offset {v.Offset,-6} size {v.Size,-6} {v.TypeName}");
            var types = spec.DescribeBtfTypes();
            Console.WriteLine($"btf types ({types.Count})");
            foreach (var t in types) Console.WriteLine($"  {t}");
            return 0;
        });
        return command;
    }
}
