namespace Ebpf;

/// <summary>Options for <see cref="BpfObjectSpec.Load"/>.</summary>
public sealed class BpfLoadOptions
{
    /// <summary>The default first verifier-log buffer: 16 MiB.</summary>
    public const int DefaultLogSize = 16 << 20;

    /// <summary>Verifier log level used when a load fails and is retried with a log (1 = the failing path, 2 = every
    /// instruction). 0 means 1. Loads are first tried without a log, as libbpf does, so the log costs nothing on success.</summary>
    public int LogLevel { get; init; }

    /// <summary>The first verifier-log buffer size in bytes; doubled (up to 1 GiB) while the kernel says the log did not fit.</summary>
    public int LogSize { get; init; } = DefaultLogSize;

    /// <summary>Kernel BTF used for CO-RE relocations; null means <c>/sys/kernel/btf/vmlinux</c>.</summary>
    public string? KernelBtfPath { get; init; }

    /// <summary>Tests only: the BTF kinds to assume the kernel accepts, instead of probing, to exercise sanitisation.</summary>
    internal Btf.BtfFeatureSet? AssumedBtfFeatures { get; init; }
}
