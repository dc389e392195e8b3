namespace Ebpf.Linking;

/// <summary>The <c>BPF_F_*</c> map flags the loader sets itself.</summary>
internal static class MapFlags
{
    /// <summary>BPF_F_RDONLY_PROG: programs may read but not write (libbpf sets it on .rodata).</summary>
    internal const uint ReadOnlyProgram = 1u << 7;

    /// <summary>BPF_F_MMAPABLE.</summary>
    internal const uint Mmapable = 1u << 10;
}
