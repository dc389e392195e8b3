using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;

namespace Ebpf.Internal.Unix;

/// <summary>mount(2) for the pseudo file systems BPF tooling needs (tracefs), when they are not mounted yet.</summary>
internal static unsafe class Mounts
{
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
