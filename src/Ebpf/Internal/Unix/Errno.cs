namespace Ebpf.Internal.Unix;

/// <summary>errno values Ebpf.Net reacts to, and their translation into the typed exception family.</summary>
internal static class Errno
{
    internal const int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, E2BIG = 7, EBADF = 9, EAGAIN = 11, ENOMEM = 12,
        EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17, ENODEV = 19, EINVAL = 22, ENOSPC = 28, ENOSYS = 38,
        ERANGE = 34, ENOLINK = 67, ENOTSOCK = 88, EOPNOTSUPP = 95, ENOTSUPP = 524;

    internal static string Name(int errno) => errno switch
    {
        EPERM => "EPERM", ENOENT => "ENOENT", ESRCH => "ESRCH", EINTR => "EINTR", E2BIG => "E2BIG", EBADF => "EBADF",
        EAGAIN => "EAGAIN", ENOMEM => "ENOMEM", EACCES => "EACCES", EFAULT => "EFAULT", EBUSY => "EBUSY",
        EEXIST => "EEXIST", ENODEV => "ENODEV", EINVAL => "EINVAL", ENOSPC => "ENOSPC", ENOSYS => "ENOSYS", ERANGE => "ERANGE", ENOLINK => "ENOLINK", ENOTSOCK => "ENOTSOCK",
        EOPNOTSUPP => "EOPNOTSUPP", ENOTSUPP => "ENOTSUPP", _ => $"errno {errno}",
    };

    /// <summary>
    /// What the calling thread lacks for <paramref name="operation"/>, judged from its effective capabilities: perf
    /// operations need CAP_PERFMON (or CAP_SYS_ADMIN); bpf(2) needs CAP_BPF (or CAP_SYS_ADMIN), and loading a tracing
    /// program also CAP_PERFMON. With all of them held the refusal comes from policy, and the message says where to look.
    /// </summary>
    internal static string PermissionReason(string operation) => PermissionReason(operation, Capabilities.Effective());

    internal static string PermissionReason(string operation, ulong? effective)
    {
        const string Grant = " Run as root, or grant the capabilities (for example: setcap cap_bpf,cap_perfmon+ep <binary>).";
        string? missing = MissingCapability(operation, effective);
        return missing is not null
            ? $"the process lacks {missing}.{Grant}"
            : $"the process holds the capabilities ({Capabilities.Held(effective!.Value)}), so the refusal comes from policy: " +
              "check kernel.unprivileged_bpf_disabled, kernel lockdown, an LSM (SELinux, AppArmor), a seccomp filter, or (before Linux 5.11) RLIMIT_MEMLOCK.";
    }

    private static string? MissingCapability(string operation, ulong? effective)
    {
        const string Paranoid = "; with kernel.perf_event_paranoid > 1 unprivileged users cannot open CPU-wide events";
        bool perf = operation.StartsWith("perf_event_open", StringComparison.Ordinal) || operation.Contains("tracepoint", StringComparison.Ordinal);
        if (effective is not ulong caps)
            return perf ? "CAP_PERFMON (or CAP_SYS_ADMIN)" + Paranoid
                : "CAP_BPF (plus CAP_PERFMON for tracing programs; CAP_SYS_ADMIN on kernels older than 5.8)";
        bool admin = Capabilities.Has(caps, Capabilities.CAP_SYS_ADMIN);
        bool bpf = admin || Capabilities.Has(caps, Capabilities.CAP_BPF);
        bool perfmon = admin || Capabilities.Has(caps, Capabilities.CAP_PERFMON);
        string held = $" (its effective set holds {Capabilities.Held(caps)})";
        if (perf && !perfmon) return "CAP_PERFMON (or CAP_SYS_ADMIN)" + held + Paranoid;
        if (!perf && !bpf)
            return "CAP_BPF (or CAP_SYS_ADMIN)" + (operation.StartsWith("BPF_PROG_LOAD", StringComparison.Ordinal) ? ", plus CAP_PERFMON for tracing programs" : "") + held;
        if (!perf && !perfmon && operation.StartsWith("BPF_PROG_LOAD", StringComparison.Ordinal))
            return "CAP_PERFMON, which loading a tracing program needs besides CAP_BPF" + held;
        return null;
    }

    /// <summary>Builds the typed exception for a failed call. <paramref name="subject"/> names the map, program or path involved.</summary>
    internal static BpfException ToException(string operation, int errno, string? subject, string? detail = null)
    {
        string what = subject is null ? operation : $"{operation} for {subject}";
        switch (errno)
        {
            case EPERM or EACCES:
                return new BpfPermissionException(operation, errno,
                    $"{what} failed with {Name(errno)}: {PermissionReason(operation)}" + Suffix(detail));
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
