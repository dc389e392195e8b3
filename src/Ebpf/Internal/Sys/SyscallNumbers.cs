using System.Runtime.InteropServices;

namespace Ebpf.Internal.Sys;

/// <summary>bpf(2) and perf_event_open(2) have no libc wrapper; their numbers differ per architecture.</summary>
internal static class SyscallNumbers
{
    internal static readonly long Bpf = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 321,
        Architecture.Arm64 => 280,
        var other => throw new PlatformNotSupportedException($"Ebpf.Net supports x86_64 and arm64 Linux, not {other}."),
    };

    internal static readonly long PerfEventOpen = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 298,
        Architecture.Arm64 => 241,
        var other => throw new PlatformNotSupportedException($"Ebpf.Net supports x86_64 and arm64 Linux, not {other}."),
    };
}
