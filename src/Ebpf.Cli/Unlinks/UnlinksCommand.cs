using System.CommandLine;
using Ebpf.Cli.Lifetime;
using Ebpf.Events;

namespace Ebpf.Cli.Unlinks;

/// <summary><c>ebpf unlinks</c>: trace file deletions (pid, comm, filename) over a ring buffer or a perf buffer.</summary>
internal static class UnlinksCommand
{
    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "One JSON object per line: events, {\"cpu\",\"lost\"} perf loss reports (already counted in dropped), and a final {\"received\",\"dropped\"}." };
        var pid = new Option<uint>("--pid") { Description = "Only this process id (filtered in the kernel)." };
        var transport = new Option<string>("--transport")
        {
            Description = "ringbuf, perf, or auto (the ring buffer when the kernel has one).",
            DefaultValueFactory = _ => "auto",
        };
        transport.AcceptOnlyFromAmong("ringbuf", "perf", "auto");
        var probe = new Option<string>("--probe")
        {
            Description = "kprobe (the lesson's do_unlinkat program; --pid is then applied in user space), tracepoint, or auto (kprobe when the kernel can attach it).",
            DefaultValueFactory = _ => "auto",
        };
        probe.AcceptOnlyFromAmong("kprobe", "tracepoint", "auto");

        var command = new Command("unlinks", "Trace file deletions (unlink, unlinkat): TIME PID COMM FILENAME.") { json, pid, transport, probe };
        command.SetAction((parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(transport) switch
            {
                "ringbuf" => EventTransport.RingBuf,
                "perf" => EventTransport.PerfBuffer,
                _ => EventReader.PreferredTransport(),
            };
            return Task.FromResult(Run(chosen, parse.GetValue(probe)!, parse.GetValue(pid), parse.GetValue(json), cancellationToken));
        });
        return command;
    }

    private static UnlinkTracer Open(EventTransport transport, string probe, uint pid, UnlinkOutput output)
    {
        if (probe == "tracepoint") return new UnlinkTracer(transport, UnlinkProbe.Tracepoint, pid, output);
        try
        {
            return new UnlinkTracer(transport, UnlinkProbe.Kprobe, pid, output);
        }
        catch (BpfFeatureNotSupportedException e) when (probe == "auto")
        {
            Console.Error.WriteLine($"kprobe unavailable ({e.Message.Split(". ")[0]}); using the syscall tracepoints instead.");
            return new UnlinkTracer(transport, UnlinkProbe.Tracepoint, pid, output);
        }
    }

    private static int Run(EventTransport transport, string probe, uint pid, bool json, CancellationToken invocationToken)
    {
        // The invocation token is cancelled by the first SIGINT or SIGTERM (Lifetime/StopSignals); a closed stdout stops
        // the tracer the same way, as it would stop any Unix filter.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var output = new UnlinkOutput(new StandardOutput(stop.Cancel), json);
        using var tracer = Open(transport, probe, pid, output);
        Console.Error.WriteLine($"Tracing file deletions with the {(tracer.Probe == UnlinkProbe.Kprobe ? "do_unlinkat kprobe" : "unlink/unlinkat tracepoints")} " +
                                $"over the {(transport == EventTransport.RingBuf ? "ring buffer" : "perf buffer")}" +
                                (pid != 0 ? $" for pid {pid}" : "") + ". Ctrl-C to stop.");
        output.Header();
        output.Flush();
        tracer.Run(stop.Token);
        output.Summary(tracer.Received, tracer.Dropped);
        output.Flush();
        return 0;
    }
}
