using Ebpf.Externs;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>The errors of the attach paths, all naming the program and the hook.</summary>
internal static class AttachErrors
{
    /// <summary>The program's type does not fit the hook; thrown before anything is attached.</summary>
    internal static BpfAttachException WrongType(BpfProgram program, string target, string expected) =>
        new("attach", 0, program.Name, target,
            $"Cannot attach program '{program.Name}' ({Section(program)}{program.Type}) to {target}: {expected}");

    /// <summary>The kernel refused. Permission errors stay <see cref="BpfPermissionException"/> when the process lacks a
    /// capability; an EPERM the kernel gives a privileged process is about the hook, and says so through
    /// <paramref name="detail"/>.</summary>
    internal static BpfException Kernel(string operation, int errno, BpfProgram program, string kind, string target, string? detail = null) =>
        Kernel(operation, errno, program.Name, kind, target, detail);

    internal static BpfException Kernel(string operation, int errno, string programName, string kind, string target, string? detail = null)
    {
        string what = $"{kind} program '{programName}' to {target}";
        if (errno is Errno.EPERM or Errno.EACCES && !HasNetAdmin())
            return new BpfPermissionException(operation, errno,
                $"{operation} for {what} failed with {Errno.Name(errno)}: attaching network and cgroup programs needs CAP_NET_ADMIN (or CAP_SYS_ADMIN), " +
                "which the process lacks. Run as root, or grant it (setcap cap_bpf,cap_net_admin+ep <binary>).");
        if (errno is Errno.ENOSYS)
            return Errno.ToException(operation, errno, what, detail);
        return new BpfAttachException(operation, errno, programName, target,
            $"Cannot attach {what}: {operation} failed with {Errno.Name(errno)}.{(detail is null ? "" : " " + detail)}");
    }

    /// <summary>True when the kernel refused an attach type it does not know (EINVAL) on a kernel older than the one that
    /// introduced <paramref name="major"/>.<paramref name="minor"/>: the caller then uses the older mechanism.</summary>
    internal static bool KernelPredates(int errno, uint major, uint minor) =>
        errno == Errno.EINVAL && KernelVersion.Current() is uint v && v < KernelVersion.Encode(major, minor, 0);

    private const int CAP_NET_ADMIN = 12;

    /// <summary>Whether the process may attach network programs; when it may, an EPERM is the hook's answer (a cgroup
    /// program attached exclusively, a mode conflict), not a missing privilege.</summary>
    private static bool HasNetAdmin()
    {
        ulong? caps = Capabilities.Effective();
        return caps is not ulong c || Capabilities.Has(c, Capabilities.CAP_SYS_ADMIN) || Capabilities.Has(c, CAP_NET_ADMIN);
    }

    private static string Section(BpfProgram program) => program.SectionName.Length == 0 ? "" : $"section '{program.SectionName}', ";
}
