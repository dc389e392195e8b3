using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Ebpf.Cli.Unlinks;

/// <summary>Mirror of <c>struct unlink_event</c> in bpf/unlinks.h (288 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UnlinkEvent
{
    internal ulong TimestampNs;
    internal uint Pid;
    internal uint Tid;
    internal CommBuffer CommBytes;
    internal FileNameBuffer FileNameBytes;

    internal readonly string Comm => CString(CommBytes);

    internal readonly string FileName => CString(FileNameBytes);

    private static string CString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }

    [InlineArray(16)]
    internal struct CommBuffer { private byte _b; }

    [InlineArray(256)]
    internal struct FileNameBuffer { private byte _b; }
}
