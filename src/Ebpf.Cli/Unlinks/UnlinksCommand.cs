using System.CommandLine;
using Ebpf.Cli.Lifetime;
using Ebpf.Events;
using Ebpf.Features;

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
        var orderWindow = new Option<int>("--order-window")
        {
            Description = "Print events in timestamp order, holding each this many milliseconds (adds that much latency); later ones are marked late and counted. 0: as they arrive.",
        };

        var command = new Command("unlinks", "Trace file deletions (unlink, unlinkat): TIME PID COMM FILENAME.") { json, pid, transport, probe, orderWindow };
        command.SetAction((parse, cancellationToken) =>
        {
            var chosen = parse.GetValue(transport) switch
            {
                "ringbuf" => EventTransport.RingBuf,
                "perf" => EventTransport.PerfBuffer,
                _ => EventReader.PreferredTransport(),
            };
            int windowMs = parse.GetValue(orderWindow);
            if (windowMs < 0) throw new ArgumentException("--order-window cannot be negative.");
            TimeSpan? window = windowMs > 0 ? TimeSpan.FromMilliseconds(windowMs) : null;
            return Task.FromResult(Run(chosen, parse.GetValue(probe)!, parse.GetValue(pid), window, parse.GetValue(json), cancellationToken));
        });
        return command;
    }

    private static UnlinkTracer Open(EventTransport transport, string probe, uint pid, TimeSpan? window, UnlinkOutput output)
    {
        if (probe == "tracepoint") return new UnlinkTracer(transport, UnlinkProbe.Tracepoint, pid, window, output);
        // Asked first, before the kprobe object's CO-RE load: on a kernel without kprobes that load is wasted start-up time.
        if (probe == "auto" && !KernelFeatures.HasKprobes())
            return FallBackToTracepoints("this kernel has no kprobe PMU and no kprobe_events");
        try
        {
            return new UnlinkTracer(transport, UnlinkProbe.Kprobe, pid, window, output);
        }
        catch (BpfFeatureNotSupportedException e) when (probe == "auto")
        {
            return FallBackToTracepoints(e.Message.Split(". ")[0]);
        }

        UnlinkTracer FallBackToTracepoints(string why)
        {
            // The note after the tracer is up: a failure (no privileges) is then the first and only line on stderr.
            var tracer = new UnlinkTracer(transport, UnlinkProbe.Tracepoint, pid, window, output);
            Console.Error.WriteLine($"kprobe unavailable ({why}); using the syscall tracepoints instead.");
            return tracer;
        }
    }

    private static int Run(EventTransport transport, string probe, uint pid, TimeSpan? window, bool json, CancellationToken invocationToken)
    {
        // The invocation token is cancelled by the first SIGINT or SIGTERM (Lifetime/StopSignals); a closed stdout stops
        // the tracer the same way, as it would stop any Unix filter.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken);
        using var output = new UnlinkOutput(new StandardOutput(stop.Cancel), json);
        using var tracer = Open(transport, probe, pid, window, output);
        Console.Error.WriteLine($"Tracing file deletions with the {(tracer.Probe == UnlinkProbe.Kprobe ? "do_unlinkat kprobe" : "unlink/unlinkat tracepoints")} " +
                                $"over the {(transport == EventTransport.RingBuf ? "ring buffer" : "perf buffer")}" +
                                (pid != 0 ? $" for pid {pid}" : "") +
                                (window is { } w ? $", in timestamp order within {w.TotalMilliseconds} ms" : "") + ". Ctrl-C to stop.");
        output.Header();
        output.Flush();
        tracer.Run(stop.Token);
        output.Summary(tracer.Received, tracer.Dropped, window is null ? null : tracer.Late);
        output.Flush();
        return 0;
    }
}
