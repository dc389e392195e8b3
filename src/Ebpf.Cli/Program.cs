using System.CommandLine;
using System.CommandLine.Invocation;
using Ebpf;
using Ebpf.Cli;
using Ebpf.Cli.Bench;
using Ebpf.Cli.Gen;
using Ebpf.Cli.Lifetime;
using Ebpf.Cli.Maps;
using Ebpf.Cli.Objects;
using Ebpf.Cli.Unlinks;

var root = new RootCommand("ebpf: Ebpf.Net's tool. Loads BPF objects and reads their ring and perf buffers, in pure .NET.")
{
    UnlinksCommand.Create(),
    LoadCommand.Create(),
    InspectCommand.Create(),
    RunCommand.Create(),
    AttachCommand.Create(),
    MapCommand.Create(),
    BenchCommand.Create(),
    GenCommand.Create(),
};
ToolVersion.Use(root);

// Commands that stop in order (their action takes a token) get SIGINT/SIGTERM from StopSignals, which survives a second
// signal; the others keep the default action (the process ends at once).
var parsed = root.Parse(args);
var signals = parsed.Action is AsynchronousCommandLineAction ? StopSignals.Register() : null;
try
{
    // Our exceptions carry actionable messages; System.CommandLine's default handler would print a stack trace.
    return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
        signals?.Token ?? default);
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
finally
{
    signals?.KeepUntilExit();
}
