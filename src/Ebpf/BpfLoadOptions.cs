using Microsoft.Extensions.Logging;

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

    /// <summary>Kernel BTF used for CO-RE relocations, typed <c>__ksym</c> externs and kfuncs; null means <c>/sys/kernel/btf/vmlinux</c>.</summary>
    public string? KernelBtfPath { get; init; }

    /// <summary>
    /// The directory where maps declared with <c>__uint(pinning, LIBBPF_PIN_BY_NAME)</c> are pinned, each as
    /// <c>&lt;PinPath&gt;/&lt;map name&gt;</c>: a map already pinned there is reused (after checking that its type, key and
    /// value sizes, max_entries and flags match the declaration), otherwise the new map is pinned there. Null means
    /// <c>/sys/fs/bpf</c> (libbpf's default), where a bpffs is mounted if none is. The directory is created if missing.
    /// The map's name must be one bpffs entry (not empty, no '/', no '.', at most 255 bytes): an object whose pinned map
    /// is named otherwise, <c>../x</c> or <c>/x</c> say, fails to load with <see cref="BpfObjectException"/> before
    /// anything is created, so no name from an object can reach outside this directory.
    /// </summary>
    public string? PinPath { get; init; }

    /// <summary>
    /// The kernel configuration read for <c>__kconfig</c> externs named <c>CONFIG_*</c>: a <c>.config</c>-style file, plain
    /// or gzip-compressed. Null means the running kernel's, where libbpf looks: <c>/boot/config-$(uname -r)</c>, then
    /// <c>/proc/config.gz</c>.
    /// </summary>
    public string? KconfigPath { get; init; }

    /// <summary>
    /// Values for <c>__kconfig</c> externs by name, in <c>.config</c> syntax (<c>y</c>, <c>n</c>, <c>m</c>, a number, a
    /// quoted string), taking precedence over the kernel configuration and over the virtual values
    /// (<c>LINUX_KERNEL_VERSION</c>, <c>LINUX_HAS_BPF_COOKIE</c>, <c>LINUX_HAS_SYSCALL_WRAPPER</c>) the loader computes.
    /// When every <c>CONFIG_*</c> extern is given here, the kernel configuration is not read.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Kconfig { get; init; }

    /// <summary>
    /// Where the loader says what it decided (category <c>Ebpf.Loader</c> is a good name for it): the object loaded,
    /// CO-RE relocations applied and poisoned, BTF the kernel needed sanitised or refused, map-creation and probe
    /// fallbacks, and the verifier log when a program is refused. Null (the default): silent. Nothing is logged per
    /// event; see docs/logging.md for the messages and their event ids.
    /// </summary>
    public ILogger? Logger { get; init; }

    /// <summary>Tests only: load usdt programs for one perf-event uprobe per site (what kernels without uprobe.multi
    /// links get) even where uprobe.multi links exist.</summary>
    internal bool UsdtPerfEventLinks { get; init; }

    /// <summary>Tests only: the BTF kinds to assume the kernel accepts, instead of probing, to exercise sanitisation.</summary>
    internal Btf.BtfFeatureSet? AssumedBtfFeatures { get; init; }
}
