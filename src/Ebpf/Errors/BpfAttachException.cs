namespace Ebpf;

/// <summary>
/// A program could not be attached to a hook, or an attachment could not be pinned, updated or removed: the target
/// does not exist (interface, cgroup, namespace), the program's type does not fit the hook, the hook is taken, or a pin
/// path is not on a bpffs. <see cref="ProgramName"/> and <see cref="Target"/> say which; nothing is left attached.
/// </summary>
public sealed class BpfAttachException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfAttachException(string operation, int errno, string programName, string target, string message)
        : base(operation, errno, message)
    {
        ProgramName = programName;
        Target = target;
    }

    /// <summary>The program being attached (or whose link was being managed).</summary>
    public string ProgramName { get; }

    /// <summary>The hook, as the message names it: <c>interface 'eth0'</c>, <c>cgroup '/sys/fs/cgroup/app'</c>, a pin path...</summary>
    public string Target { get; }
}
