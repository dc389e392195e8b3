using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.TestRuns;

/// <summary>BPF_PROG_TEST_RUN: runs a loaded program once or many times on given input, without attaching it.</summary>
internal static class ProgramTestRunner
{
    /// <summary>Extra data-out room by default: programs may grow a packet (bpf_xdp_adjust_head/tail, bpf_skb_change_tail).</summary>
    internal const int DefaultGrowth = 4096;

    /// <summary>Default context-out room: the kernel copies its whole context struct back (192 bytes for
    /// <c>struct __sk_buff</c>) even when the caller passed only its first fields.</summary>
    internal const int ContextRoom = 256;

    /// <summary>The program types whose test run copies a context back (ctx_out); the others refuse one with EINVAL.</summary>
    internal static bool ReturnsContext(BpfProgramType type) => type is BpfProgramType.SocketFilter or BpfProgramType.SchedCls
        or BpfProgramType.SchedAct or BpfProgramType.CgroupSkb or BpfProgramType.LwtIn or BpfProgramType.LwtOut or BpfProgramType.LwtXmit
        or BpfProgramType.LwtSeg6local or BpfProgramType.Xdp or BpfProgramType.SkLookup or BpfProgramType.FlowDissector;

    internal static TestRunResult Run(BpfProgram program, TestRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int dataOut = options.DataOutSize ?? (options.Data.IsEmpty || options.Flags.HasFlag(TestRunFlags.XdpLiveFrames) ? 0 : options.Data.Length + DefaultGrowth);
        int contextOut = options.ContextOutSize ?? (options.Context.IsEmpty || !ReturnsContext(program.Type) ? 0 : Math.Max(options.Context.Length, ContextRoom));
        ArgumentOutOfRangeException.ThrowIfNegative(dataOut, nameof(options.DataOutSize));
        ArgumentOutOfRangeException.ThrowIfNegative(contextOut, nameof(options.ContextOutSize));
        var data = new byte[dataOut];
        var context = new byte[contextOut];
        var outcome = Run(program, options.Data.Span, data, options.Context.Span, context, options.Repeat, options.Cpu, options.Flags, options.BatchSize);
        return new TestRunResult(outcome.ReturnValue, outcome.DurationNanoseconds,
            data.AsSpan(0, outcome.DataOutLength).ToArray(), context.AsSpan(0, outcome.ContextOutLength).ToArray());
    }

    internal static TestRunOutcome Run(BpfProgram program, ReadOnlySpan<byte> dataIn, Span<byte> dataOut, ReadOnlySpan<byte> contextIn,
        Span<byte> contextOut, uint repeat, int? cpu, TestRunFlags flags, uint batchSize)
    {
        ObjectDisposedException.ThrowIf(program.IsDisposed, program);
        if (cpu is < 0) throw new ArgumentOutOfRangeException(nameof(cpu), cpu, "CPU numbers are non-negative.");
        if (cpu is not null) flags |= TestRunFlags.RunOnCpu;
        // Once is 0 to the kernel: raw tracepoint and tracing programs refuse any repeat, networking ones read 0 as 1.
        if (repeat <= 1) repeat = 0;
        while (true)
        {
            long r = BpfProg.TestRun(program.Handle, dataIn, dataOut, contextIn, contextOut, repeat, (uint)flags, (uint)(cpu ?? 0), batchSize, out var attr);
            // A signal during the run. Kernels before 5.10 check for signals before counting the repetitions, so a single
            // run can report EINTR after it ran (cilium treats it the same way); a longer run starts again.
            if (r == -Errno.EINTR && repeat > 0) continue;
            if (r < 0 && r != -Errno.EINTR) throw Failure(program, (int)-r, attr, dataOut.Length, contextOut.Length);
            return new TestRunOutcome(attr.Retval, attr.Duration,
                (int)Math.Min(attr.DataSizeOut, (uint)dataOut.Length), (int)Math.Min(attr.CtxSizeOut, (uint)contextOut.Length));
        }
    }

    private static BpfException Failure(BpfProgram program, int errno, in TestRunAttr attr, int dataRoom, int contextRoom)
    {
        string subject = $"program '{program.Name}' ({program.Type})";
        if (errno == Errno.ENOSPC)
        {
            bool data = attr.DataSizeOut > (uint)dataRoom;
            string what = data
                ? $"the packet after the run is {attr.DataSizeOut} bytes but the data-out buffer holds {dataRoom}; give TestRunOptions.DataOutSize at least {attr.DataSizeOut}"
                : $"the context after the run is {attr.CtxSizeOut} bytes but the context-out buffer holds {contextRoom}; give TestRunOptions.ContextOutSize at least {attr.CtxSizeOut}";
            return new BpfException("BPF_PROG_TEST_RUN", errno, $"BPF_PROG_TEST_RUN for {subject} failed with ENOSPC: {what}.");
        }
        string? hint = errno switch
        {
            Errno.EINVAL => $"The input does not suit a {program.Type} program: networking programs take a packet (XDP and tc: at least an Ethernet header, 14 bytes) " +
                "and optionally their context struct, raw tracepoint programs take only their u64 arguments as context, and only raw tracepoint programs take a CPU; " +
                "context fields the kernel does not let tests set must be zero.",
            Errno.ENOTSUPP or Errno.EOPNOTSUPP => $"The kernel cannot test-run {program.Type} programs.",
            _ => null,
        };
        return Errno.ToException("BPF_PROG_TEST_RUN", errno, subject, hint);
    }
}
