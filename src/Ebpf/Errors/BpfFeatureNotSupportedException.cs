namespace Ebpf;

/// <summary>The running kernel lacks a feature (map type, program type, attach point, syscall). <see cref="Feature"/> names it.</summary>
public sealed class BpfFeatureNotSupportedException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfFeatureNotSupportedException(string operation, int errno, string feature, string message)
        : base(operation, errno, message) => Feature = feature;

    /// <summary>The missing feature, for example <c>BPF_MAP_TYPE_RINGBUF</c> or <c>kprobe</c>.</summary>
    public string Feature { get; }
}
