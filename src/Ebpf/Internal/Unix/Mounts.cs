using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;

namespace Ebpf.Internal.Unix;

/// <summary>mount(2) for the pseudo file systems BPF tooling needs (tracefs, bpffs) when they are not mounted yet, and
/// statfs(2) to tell which file system a path is on.</summary>
internal static unsafe class Mounts
{
    /// <summary>BPF_FS_MAGIC, statfs's f_type for a bpffs.</summary>
    internal const long BpfFsMagic = 0xcafe4a11;

    /// <summary>statfs(2)'s f_type for <paramref name="path"/> (the file system it lives on), or null with the errno.</summary>
    internal static long? FileSystemType(string path, out int errno)
    {
        byte[] p = Bpf.NulTerminated(path);
        // struct statfs is 120 bytes on 64-bit Linux (x86_64, arm64); f_type, a long, comes first.
        byte* buffer = stackalloc byte[256];
        fixed (byte* pp = p)
        {
            // SAFETY: pp is a pinned NUL-terminated copy, buffer a stack block larger than struct statfs; both outlive the call.
            if (Libc.Statfs(pp, buffer) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                return null;
            }
        }
        errno = 0;
        return *(long*)buffer;
    }

    /// <summary>Mounts <paramref name="fsType"/> at <paramref name="target"/>; returns 0 or the errno.</summary>
    internal static int TryMount(string fsType, string target)
    {
        byte[] type = Bpf.NulTerminated(fsType), path = Bpf.NulTerminated(target);
        fixed (byte* t = type)
        fixed (byte* p = path)
        {
            // SAFETY: both strings are pinned NUL-terminated copies alive for the call; data is NULL (no options).
            return Libc.Mount(t, p, t, 0, 0) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }
}
