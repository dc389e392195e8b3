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

    /// <summary>BPF_PROG_TEST_RUN with every input and output; returns 0 or -errno, <paramref name="attr"/> holding what
    /// the kernel wrote back (retval, duration, the full sizes of data and context out, even on ENOSPC).
    /// Empty spans are passed as NULL pointers with size 0.</summary>
    internal static long TestRun(SafeFd prog, ReadOnlySpan<byte> dataIn, Span<byte> dataOut, ReadOnlySpan<byte> contextIn, Span<byte> contextOut,
        uint repeat, uint flags, uint cpu, uint batchSize, out TestRunAttr attr)
    {
        fixed (byte* di = dataIn)
        fixed (byte* dout = dataOut)
        fixed (byte* ci = contextIn)
        fixed (byte* cout = contextOut)
        {
            // SAFETY: the four buffers are pinned for the synchronous syscall; the kernel writes at most data_size_out
            // and ctx_size_out bytes into the out buffers.
            attr = new TestRunAttr
            {
                ProgFd = (uint)prog.Fd,
                DataIn = (ulong)di,
                DataSizeIn = (uint)dataIn.Length,
                DataOut = (ulong)dout,
                DataSizeOut = (uint)dataOut.Length,
                CtxIn = (ulong)ci,
                CtxSizeIn = (uint)contextIn.Length,
                CtxOut = (ulong)cout,
                CtxSizeOut = (uint)contextOut.Length,
                Repeat = repeat,
                Flags = flags,
                Cpu = cpu,
                BatchSize = batchSize,
            };
            return Bpf.Raw(BpfCommand.ProgTestRun, ref attr);
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
