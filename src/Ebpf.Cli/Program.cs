using System.CommandLine;
using Ebpf;
using Ebpf.Cli.Objects;
using Ebpf.Cli.Unlinks;

var root = new RootCommand("ebpf: Ebpf.Net's tool. Loads BPF objects and reads their ring and perf buffers, in pure .NET.")
{
    UnlinksCommand.Create(),
    LoadCommand.Create(),
    InspectCommand.Create(),
};

try
{
    return await root.Parse(args).InvokeAsync();
}
catch (BpfException e)
{
    // Kernel and object errors carry actionable messages; a stack trace would bury them.
    Console.Error.WriteLine($"ebpf: {e.Message}");
    return 2;
}
