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
            var maps = new TextTable("lllrlrlrll");
            foreach (var m in spec.Maps.Values.OrderBy(m => m.Name, StringComparer.Ordinal))
                maps.Add(m.Name, m.Type.ToString(), "key", $"{m.KeySize}", "value", $"{m.ValueSize}", "max_entries", $"{m.MaxEntries}",
                    $"flags 0x{m.Flags:x}", m.Pinning != 0 ? "pinned-by-name" : "");
            maps.Write(Console.Out);
            Console.WriteLine($"programs ({spec.Programs.Count})");
            var programs = new TextTable("llrl");
            foreach (var p in spec.Programs.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
                programs.Add(p.Name, p.Type.ToString(), $"{p.InstructionCount} insns", p.SectionName);
            programs.Write(Console.Out);
            Console.WriteLine($"global variables ({spec.GlobalVariables.Count})");
            var variables = new TextTable("lllrlrl");
            foreach (var v in spec.GlobalVariables)
                variables.Add(v.Name, v.Section, "offset", $"{v.Offset}", "size", $"{v.Size}", v.TypeName);
            variables.Write(Console.Out);
            var types = spec.DescribeBtfTypes();
            Console.WriteLine($"btf types ({types.Count})");
            foreach (var t in types) Console.WriteLine($"  {t}");
            return 0;
        });
        return command;
    }
}
