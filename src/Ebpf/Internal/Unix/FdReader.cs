namespace Ebpf.Internal.Unix;

/// <summary>Reads a descriptor to its end (a BPF iterator instance, which produces its output as it is read).</summary>
internal static unsafe class FdReader
{
    internal static byte[] ReadToEnd(SafeFd fd, string subject, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            nint n;
            // SAFETY: buffer is pinned for the call and read(2) writes at most buffer.Length bytes into it.
            fixed (byte* p = buffer) n = Libc.Read(fd.Fd, p, (nuint)buffer.Length);
            if (n == 0) return output.ToArray();
            if (n < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                if (errno is Errno.EINTR or Errno.EAGAIN) continue;
                throw Errno.ToException("read", errno, subject);
            }
            output.Write(buffer, 0, (int)n);
        }
    }
}
