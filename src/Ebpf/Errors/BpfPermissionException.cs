namespace Ebpf;

/// <summary>The kernel refused an operation for lack of privilege (EPERM/EACCES). The message names the capability to grant.</summary>
public sealed class BpfPermissionException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfPermissionException(string operation, int errno, string message) : base(operation, errno, message) { }
}
