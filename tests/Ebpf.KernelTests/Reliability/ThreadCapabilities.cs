using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Runs code on a dedicated OS thread whose effective capability set lacks the given capabilities (capset(2) is per
/// thread, so the rest of the process keeps its privileges; the thread exits afterwards). The way cilium's
/// WithCapabilities runs its privilege tests.
/// </summary>
internal static unsafe class ThreadCapabilities
{
    internal const int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;
    private const uint Version3 = 0x20080522; // _LINUX_CAPABILITY_VERSION_3: two 32-bit words per set
    private static readonly (long Get, long Set) Numbers = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? (90, 91) : (125, 126);

    [StructLayout(LayoutKind.Sequential)]
    private struct Header
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Data
    {
        public uint Effective, Permitted, Inheritable;
    }

    /// <summary>Runs <paramref name="body"/> without <paramref name="dropped"/> in its thread's effective set; returns what it returned.</summary>
    internal static T RunWithout<T>(int[] dropped, Func<T> body)
    {
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Drop(dropped);
                result = body();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60))) throw new TimeoutException("the unprivileged thread did not finish");
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        return result;
    }

    /// <summary>True when the calling thread has <paramref name="capability"/> in its effective set.</summary>
    internal static bool HasEffective(int capability)
    {
        var (header, data) = Get();
        _ = header;
        return (data[capability / 32].Effective & (1u << (capability % 32))) != 0;
    }

    private static (Header, Data[]) Get()
    {
        var header = new Header { Version = Version3 };
        var data = new Data[2];
        fixed (Data* d = data)
        {
            if (Libc.Syscall(Numbers.Get, (long)&header, (long)d, 0, 0, 0) != 0)
                throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return (header, data);
    }

    private static void Drop(int[] capabilities)
    {
        var (header, data) = Get();
        foreach (int cap in capabilities) data[cap / 32].Effective &= ~(1u << (cap % 32));
        header.Pid = 0;
        fixed (Data* d = data)
        {
            if (Libc.Syscall(Numbers.Set, (long)&header, (long)d, 0, 0, 0) != 0)
                throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
        }
        foreach (int cap in capabilities)
            if (HasEffective(cap)) throw new InvalidOperationException($"capability {cap} is still effective after capset");
    }
}
