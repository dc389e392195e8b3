using System.CommandLine;
using Ebpf;
using Ebpf.Cli;
using Ebpf.Cli.Bench;
using Ebpf.Cli.Gen;
using Ebpf.Cli.Objects;
using Ebpf.Cli.Unlinks;

var root = new RootCommand("ebpf: Ebpf.Net's tool. Loads BPF objects and reads their ring and perf buffers, in pure .NET.")
{
    UnlinksCommand.Create(),
    LoadCommand.Create(),
    InspectCommand.Create(),
    RunCommand.Create(),
    BenchCommand.Create(),
    GenCommand.Create(),
};
ToolVersion.Use(root);

try
{
    // Our exceptions carry actionable messages; System.CommandLine's default handler would print a stack trace.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (BpfException e)
{
    Console.Error.WriteLine($"ebpf: {e.Message}");
    return 2;
}
catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException or KeyNotFoundException or InvalidDataException)
{
    Console.Error.WriteLine($"ebpf: {e.Message}");
    return 2;
}
