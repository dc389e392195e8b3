namespace Ebpf.Internal.Unix;

/// <summary>errno values Ebpf.Net reacts to, and their translation into the typed exception family.</summary>
internal static class Errno
{
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ENOSYS = 38,
        EOPNOTSUPP = 95, ENOTSUPP = 524;

    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", E2BIG => "E2BIG", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY",
        EEXIST => "EEXIST", ENODEV => "ENODEV", EINVAL => "EINVAL", ENOSPC => "ENOSPC", ENOSYS => "ENOSYS",
        EOPNOTSUPP => "EOPNOTSUPP", ENOTSUPP => "ENOTSUPP", _ => $"errno {errno}",
    };

    /// <summary>The capability hint for a permission failure of <paramref name="operation"/>.</summary>
    internal static string CapabilityHint(string operation) =>
        operation.StartsWith("perf_event_open", StringComparison.Ordinal) || operation.Contains("tracepoint", StringComparison.Ordinal)
            ? "CAP_PERFMON (or CAP_SYS_ADMIN); with kernel.perf_event_paranoid > 1 unprivileged users cannot open CPU-wide events"
            : "CAP_BPF (plus CAP_PERFMON for tracing programs; CAP_SYS_ADMIN on kernels older than 5.8)";

    /// <summary>Builds the typed exception for a failed call. <paramref name="subject"/> names the map, program or path involved.</summary>
    internal static BpfException ToException(string operation, int errno, string? subject, string? detail = null)
    {
        string what = subject is null ? operation : $"{operation} for {subject}";
        switch (errno)
        {
            case EPERM or EACCES:
                return new BpfPermissionException(operation, errno,
                    $"{what} failed with {Name(errno)}: the process lacks {CapabilityHint(operation)}. " +
                    "Run as root, or grant the capabilities (for example: setcap cap_bpf,cap_perfmon+ep <binary>)." + Suffix(detail));
            case ENOSYS:
                return new BpfFeatureNotSupportedException(operation, errno, operation,
                    $"{what} failed with ENOSYS: this kernel has no such system call (built without CONFIG_BPF_SYSCALL?)." + Suffix(detail));
            case EOPNOTSUPP or ENOTSUPP:
                return new BpfFeatureNotSupportedException(operation, errno, operation,
                    $"{what} failed with {Name(errno)}: this kernel does not support the operation." + Suffix(detail));
            default:
                return new BpfException(operation, errno, $"{what} failed with {Name(errno)}." + Suffix(detail));
        }
    }

    private static string Suffix(string? detail) => detail is null ? "" : " " + detail;
}
