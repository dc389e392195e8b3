using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary>An mmap'd region, unmapped on release. Readers take one AddRef for their whole life, not one per access.</summary>
internal sealed class MappedRegion : SafeHandle
{
    private MappedRegion(nint address, nuint length) : base(Libc.MapFailed, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
    }

    /// <summary>The mapping's length in bytes (64-bit: a 2 GiB ring maps 4 GiB of data pages).</summary>
    internal nuint Length { get; }

    internal nint Address => handle;

    public override bool IsInvalid => handle == Libc.MapFailed || handle == 0;

    internal static MappedRegion Map(SafeFd fd, ulong length, int prot, long offset, string subject)
    {
        if (length > nuint.MaxValue) throw new BpfException("mmap", Errno.E2BIG, $"mmap of {length} bytes for {subject} does not fit the address space.");
        nint addr = Libc.Mmap(0, (nuint)length, prot, Libc.MAP_SHARED, fd.Fd, offset);
        if (addr == Libc.MapFailed)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw Errno.ToException("mmap", errno, subject, errno == Errno.EPERM
                ? "Perf buffers count against kernel.perf_event_mlock_kb and RLIMIT_MEMLOCK: use fewer pages or grant CAP_IPC_LOCK."
                : null);
        }
        return new MappedRegion(addr, (nuint)length);
    }

    protected override bool ReleaseHandle() => Libc.Munmap(handle, Length) == 0;
}
