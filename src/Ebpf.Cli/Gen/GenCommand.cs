using System.CommandLine;
using Ebpf.Btf;
using Ebpf.Gen;

namespace Ebpf.Cli.Gen;

/// <summary><c>ebpf gen OBJ</c>: typed C# bindings from an object's BTF (or types only, from a raw BTF file such as
/// /sys/kernel/btf/vmlinux), for people who commit generated code; the Ebpf.Net.Build package does the same at build time.</summary>
internal static class GenCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o), or a raw BTF file (/sys/kernel/btf/vmlinux: types only, name them with --type)." };
        var ns = new Option<string>("--namespace") { Description = "The namespace of the generated file.", DefaultValueFactory = _ => "Bpf" };
        var className = new Option<string?>("--class") { Description = "The skeleton class's name (default: from the file name, unlinks.bpf.o -> UnlinksBpf)." };
        var types = new Option<string[]>("--type") { Description = "Also generate this struct, union, enum or typedef (an event record, say); repeatable.", AllowMultipleArgumentsPerToken = false };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write the C# file here (default: standard output)." };
        var command = new Command("gen", "Generate C# bindings (types with their exact layout, and a skeleton class) from a BPF object's BTF.") { path, ns, className, types, output };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(path)!;
            byte[] bytes = File.ReadAllBytes(file.FullName);
            string[] typeNames = parse.GetValue(types) ?? [];
            string code = IsRawBtf(bytes)
                ? BindingGenerator.GenerateTypes(BtfSpec.FromBytes(bytes, file.Name), typeNames.Length > 0 ? typeNames
                    : throw new ArgumentException($"{file.Name} is raw BTF: name the types to generate with --type."), parse.GetValue(className) ?? "KernelTypes", parse.GetValue(ns)!)
                : BindingGenerator.Generate(bytes, file.Name, new GenOptions { Namespace = parse.GetValue(ns)!, ClassName = parse.GetValue(className), Types = typeNames });
            if (parse.GetValue(output) is { } target)
            {
                // Written whole, then renamed: a build reading it never sees half a file.
                string temp = target.FullName + ".tmp";
                File.WriteAllText(temp, code);
                File.Move(temp, target.FullName, overwrite: true);
            }
            else Console.Out.Write(code);
            return 0;
        });
        return command;
    }

    private static bool IsRawBtf(byte[] bytes) => bytes.Length >= 2 && bytes[0] == 0x9f && bytes[1] == 0xeb;
}
