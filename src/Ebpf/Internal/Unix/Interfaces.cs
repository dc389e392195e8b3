using System.Runtime.InteropServices;
using System.Text;
using Ebpf.Internal.Sys;

namespace Ebpf.Internal.Unix;

/// <summary>Network interface names and indexes in the calling thread's network namespace (if_nametoindex(3),
/// if_indextoname(3)).</summary>
internal static unsafe class Interfaces
{
    /// <summary>The index of interface <paramref name="name"/>, or 0 when there is none.</summary>
    internal static int IndexOf(string name)
    {
        if (name.Length == 0 || Encoding.UTF8.GetByteCount(name) >= Libc.IF_NAMESIZE || name.AsSpan().IndexOfAny("/\0 \t\n") >= 0) return 0;
        byte[] n = Bpf.NulTerminated(name);
        fixed (byte* p = n)
        {
            // SAFETY: p is a pinned NUL-terminated copy alive for the call.
            return (int)Libc.IfNameToIndex(p);
        }
    }

    /// <summary>The name of interface <paramref name="index"/>, or null when there is none.</summary>
    internal static string? NameOf(int index)
    {
        if (index <= 0) return null;
        byte* buffer = stackalloc byte[Libc.IF_NAMESIZE];
        // SAFETY: buffer holds IF_NAMESIZE bytes, what if_indextoname writes at most (NUL included).
        if (Libc.IfIndexToName((uint)index, buffer) == null) return null;
        return Marshal.PtrToStringUTF8((nint)buffer);
    }
}
