namespace Ebpf;

/// <summary>A kernel call made by Ebpf.Net failed. Carries the operation and the errno the kernel returned.</summary>
public class BpfException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BpfException(string operation, int errno, string message) : base(message)
    {
        Operation = operation;
        Errno = errno;
    }

    /// <summary>Creates an exception that is not tied to one errno.</summary>
    public BpfException(string message) : base(message) => Operation = "";

    /// <summary>Creates an exception that wraps another.</summary>
    public BpfException(string message, Exception inner) : base(message, inner) => Operation = "";

    /// <summary>The call that failed, for example <c>BPF_MAP_CREATE</c> or <c>perf_event_open</c>.</summary>
    public string Operation { get; }

    /// <summary>The errno the kernel returned, or 0 when the failure was detected in user space.</summary>
    public int Errno { get; }
}
