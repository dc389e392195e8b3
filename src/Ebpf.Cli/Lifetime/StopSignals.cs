using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Ebpf.Cli.Lifetime;

/// <summary>
/// SIGINT and SIGTERM for a command that stops in order (one whose action takes a CancellationToken): the first signal
/// cancels <see cref="Token"/>, and the command finishes its work (drains, detaches, prints its summary) and returns;
/// every later signal is absorbed, and the second also starts a short grace period after which the process exits
/// at once with 128 + the signal's number, for a stop that hangs (a stdout nobody reads, for instance).
/// </summary>
/// <remarks>
/// System.CommandLine's own handling is switched off (ProcessTerminationTimeout = null) because it breaks on the
/// second signal: it completes a TaskCompletionSource with SetResult on every signal while the action has not
/// returned, so the second signal throws InvalidOperationException on the runtime's signal thread (exit 134 and a
/// stack trace). With a synchronous action body it does so on the second signal whatever the timing, as the action
/// task is only known once the body returns.
/// Registered once for the life of the process and never disposed, so a signal arriving while the command unwinds or
/// Main returns is still absorbed instead of killing the process halfway through its summary.
/// </remarks>
[SuppressMessage("Design", "CA1001", Justification = "Lives as long as the process on purpose: see the remarks.")]
internal sealed class StopSignals
{
    /// <summary>How long the orderly stop may still take once a second signal arrived.</summary>
    internal static readonly TimeSpan HurryGrace = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    private StopSignals()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];
    }

    /// <summary>Takes over SIGINT and SIGTERM for the rest of the process.</summary>
    internal static StopSignals Register() => new();

    /// <summary>Cancelled by the first SIGINT or SIGTERM.</summary>
    internal CancellationToken Token => _stop.Token;

    /// <summary>Keeps the registrations alive until the process ends (their finalizers would unregister them).</summary>
    internal void KeepUntilExit() => GC.KeepAlive(_registrations);

    private void OnSignal(PosixSignalContext context)
    {
        // Never the default action (terminate) while a command stops in order, and never an exception on this thread:
        // an exception here is unhandled and aborts the process.
        context.Cancel = true;
        int count = Interlocked.Increment(ref _received);
        try
        {
            if (count == 1) _stop.Cancel();
            else if (count == 2) HurryExit(128 + SignalNumber(context.Signal));
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"ebpf: while stopping: {e.Message}");
        }
    }

    private static void HurryExit(int exitCode)
    {
        var hurry = new Thread(() =>
        {
            Thread.Sleep(HurryGrace);
            Console.Error.WriteLine("ebpf: stop signal received twice and the orderly stop is still running; exiting now.");
            Environment.Exit(exitCode);
        })
        { IsBackground = true, Name = "ebpf hurried exit" };
        hurry.Start();
    }

    private static int SignalNumber(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => 2,
        PosixSignal.SIGTERM => 15,
        _ => 0,
    };
}
