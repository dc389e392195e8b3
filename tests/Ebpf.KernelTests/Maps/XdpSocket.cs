using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;

namespace Ebpf.KernelTests.Maps;

/// <summary>
/// A minimal AF_XDP socket, bound in copy mode to queue 0 of an interface: a UMEM of 16 frames, fill and completion
/// rings and an RX ring, which is what the kernel needs before an XSKMAP takes the socket (the rings are never mapped:
/// no frame flows). Raw syscalls, as the library has no AF_XDP support.
/// </summary>
internal sealed unsafe class XdpSocket : IDisposable
{
    private const int AfXdp = 44, SockRaw = 3, SockCloexec = 0x80000, SolXdp = 283;
    private const int XdpRxRing = 2, XdpUmemReg = 4, XdpUmemFillRing = 5, XdpUmemCompletionRing = 6;
    private const ushort XdpCopy = 1 << 1;
    private const int Frames = 16, FrameSize = 4096;

    private static readonly (long Socket, long Bind, long SetSockOpt) Numbers = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => (41, 49, 54),
        Architecture.Arm64 => (198, 200, 208),
        var other => throw new PlatformNotSupportedException(other.ToString()),
    };

    private readonly void* _umem;

    internal XdpSocket(int ifindex)
    {
        long fd = Libc.Syscall(Numbers.Socket, AfXdp, SockRaw | SockCloexec, 0, 0, 0);
        if (fd < 0) throw new InvalidOperationException($"socket(AF_XDP) failed: errno {Marshal.GetLastPInvokeError()}");
        Fd = (int)fd;
        _umem = NativeMemory.AlignedAlloc(Frames * FrameSize, FrameSize);
        try
        {
            // struct xdp_umem_reg { u64 addr; u64 len; u32 chunk_size; u32 headroom; u32 flags; u32 tx_metadata_len; }
            ulong* reg = stackalloc ulong[4];
            reg[0] = (ulong)_umem;
            reg[1] = Frames * FrameSize;
            reg[2] = FrameSize; // chunk_size, headroom 0
            reg[3] = 0;         // flags, tx_metadata_len
            SetOption(XdpUmemReg, reg, 32);
            int size = Frames;
            SetOption(XdpUmemFillRing, &size, 4);
            SetOption(XdpUmemCompletionRing, &size, 4);
            SetOption(XdpRxRing, &size, 4);
            // struct sockaddr_xdp { u16 family; u16 flags; u32 ifindex; u32 queue_id; u32 shared_umem_fd; }
            uint* address = stackalloc uint[4];
            address[0] = AfXdp | ((uint)XdpCopy << 16);
            address[1] = (uint)ifindex;
            address[2] = 0;
            address[3] = 0;
            if (Libc.Syscall(Numbers.Bind, Fd, (long)address, 16, 0, 0) != 0)
                throw new InvalidOperationException($"bind(AF_XDP) to ifindex {ifindex} failed: errno {Marshal.GetLastPInvokeError()}");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal int Fd { get; }

    private void SetOption(int option, void* value, int length)
    {
        if (Libc.Syscall(Numbers.SetSockOpt, Fd, SolXdp, option, (long)value, length) != 0)
            throw new InvalidOperationException($"setsockopt(SOL_XDP, {option}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        _ = Libc.Close(Fd);
        // The kernel unpins the UMEM when the socket goes away; free it after.
        NativeMemory.AlignedFree(_umem);
    }
}
