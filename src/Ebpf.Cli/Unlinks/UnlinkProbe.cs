namespace Ebpf.Cli.Unlinks;

/// <summary>Where the tool hooks file deletions.</summary>
internal enum UnlinkProbe
{
    /// <summary>The lesson's program: a kprobe on do_unlinkat with CO-RE reads (needs a kernel with kprobes).</summary>
    Kprobe,

    /// <summary>The syscall tracepoints sys_enter_unlink and sys_enter_unlinkat (stable ABI, no kprobes needed).</summary>
    Tracepoint,
}
