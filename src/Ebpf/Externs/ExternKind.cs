namespace Ebpf.Externs;

/// <summary>What an extern symbol of a BPF object stands for.</summary>
internal enum ExternKind
{
    /// <summary>A <c>__kconfig</c> variable: a value from the kernel configuration (or a virtual <c>LINUX_*</c> value), read from the hidden <c>.kconfig</c> map.</summary>
    Kconfig,

    /// <summary>A <c>__ksym</c> variable: a kernel symbol's address (typeless) or its BTF id (typed).</summary>
    Ksym,

    /// <summary>A <c>__ksym</c> function: a kfunc, called by BTF id.</summary>
    Kfunc,
}
