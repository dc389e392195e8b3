using Ebpf.Gen;

namespace Ebpf.Build;

/// <summary><c>gen</c>: the bindings of one object, written only when they change (so what compiles them stays incremental).</summary>
internal static class BindingsWriter
{
    internal static int Run(ToolArguments args)
    {
        string objectPath = args.Required("--object");
        string name = args.Optional("--name") ?? Path.GetFileName(objectPath);
        string output = args.Required("--output");
        var options = new GenOptions
        {
            Namespace = args.Optional("--namespace") ?? "Bpf",
            ClassName = args.Optional("--class"),
            Types = args.All("--type"),
        };
        string code = BindingGenerator.Generate(File.ReadAllBytes(objectPath), name, options);
        if (File.Exists(output) && File.ReadAllText(output) == code) return 0;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
        string temp = output + ".tmp";
        File.WriteAllText(temp, code);
        File.Move(temp, output, overwrite: true);
        return 0;
    }
}
