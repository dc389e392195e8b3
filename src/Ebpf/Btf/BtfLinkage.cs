namespace Ebpf.Btf;

/// <summary>The linkage of a BTF variable or function (<c>BTF_VAR_*</c> / <c>BTF_FUNC_*</c>).</summary>
public enum BtfLinkage
{
    /// <summary><c>static</c>: visible only inside its object.</summary>
    Static = 0,

    /// <summary>Global: defined here, visible to other objects.</summary>
    Global = 1,

    /// <summary><c>extern</c>: defined elsewhere (the kernel, for <c>__ksym</c> and <c>__kconfig</c>).</summary>
    Extern = 2,
}
