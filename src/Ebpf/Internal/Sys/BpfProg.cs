using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Sys;

/// <summary>The program-side bpf(2) commands the loader issues: BPF_PROG_LOAD, BPF_PROG_TEST_RUN, BPF_BTF_LOAD.</summary>
internal static unsafe class BpfProg
{
    /// <summary>Issues BPF_PROG_LOAD; returns the fd or -errno (the caller decides whether to retry with a log).</summary>
    internal static long TryLoad(ref ProgLoadAttr attr)
    {
        long r;
        // EAGAIN: the verifier was interrupted (libbpf retries a few times too).
        int attempts = 0;
        do r = Bpf.Raw(BpfCommand.ProgLoad, ref attr); while ((r == -Errno.EAGAIN || r == -Errno.EINTR) && ++attempts < 5);
        return r;
    }

    /// <summary>BPF_PROG_TEST_RUN; returns the program's return value.</summary>
    internal static uint TestRun(SafeFd prog, ReadOnlySpan<byte> context, ReadOnlySpan<byte> data, uint flags, uint cpu, string name)
    {
        fixed (byte* ctx = context)
        fixed (byte* d = data)
        {
            var attr = new TestRunAttr
            {
                ProgFd = (uint)prog.Fd,
                CtxIn = context.IsEmpty ? 0 : (ulong)ctx,
                CtxSizeIn = (uint)context.Length,
                DataIn = data.IsEmpty ? 0 : (ulong)d,
                DataSizeIn = (uint)data.Length,
                Flags = flags,
                Cpu = cpu,
            };
            long r = Bpf.Raw(BpfCommand.ProgTestRun, ref attr);
            Bpf.Check(r, "BPF_PROG_TEST_RUN", $"program '{name}'",
                r == -Errno.EINVAL ? "The context size or flags do not suit this program type (raw_tp takes the u64 arguments as context and no data)." : null);
            return attr.Retval;
        }
    }

    /// <summary>BPF_BTF_LOAD; returns the fd or -errno, filling <paramref name="log"/> when given.</summary>
    internal static long TryLoadBtf(ReadOnlySpan<byte> btf, Span<byte> log, uint logLevel)
    {
        fixed (byte* b = btf)
        fixed (byte* l = log)
        {
            var attr = new BtfLoadAttr
            {
                Btf = (ulong)b,
                BtfSize = (uint)btf.Length,
                BtfLogBuf = log.IsEmpty ? 0 : (ulong)l,
                BtfLogSize = (uint)log.Length,
                BtfLogLevel = log.IsEmpty ? 0 : logLevel,
            };
            return Bpf.Raw(BpfCommand.BtfLoad, ref attr);
        }
    }
}
