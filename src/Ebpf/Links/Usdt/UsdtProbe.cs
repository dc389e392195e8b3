namespace Ebpf.Links.Usdt;

/// <summary>
/// One USDT probe site as a <c>.note.stapsdt</c> note describes it (the notes <c>&lt;sys/sdt.h&gt;</c>'s <c>DTRACE_PROBE</c> /
/// <c>STAP_PROBE</c> macros emit): <see cref="Provider"/>:<see cref="Name"/> at <see cref="Address"/> (already moved by the
/// <c>.stapsdt.base</c> adjustment for prelinked files), its file offset, an optional semaphore, and the argument
/// specification string (for example <c>-4@%edi 8@-16(%rbp) 4@$42</c>).
/// </summary>
/// <param name="Provider">The provider (the first macro argument).</param>
/// <param name="Name">The probe name.</param>
/// <param name="Address">The probe's virtual address in the file's own address space.</param>
/// <param name="FileOffset">Where the probe's instruction is in the file (what a uprobe takes).</param>
/// <param name="SemaphoreAddress">The semaphore's virtual address, or 0 when the probe has none.</param>
/// <param name="SemaphoreOffset">The semaphore's file offset (a uprobe reference counter offset), or 0.</param>
/// <param name="Arguments">The argument specification string; empty for a probe without arguments.</param>
public sealed record UsdtProbe(string Provider, string Name, ulong Address, ulong FileOffset, ulong SemaphoreAddress, ulong SemaphoreOffset, string Arguments)
{
    /// <summary>True when the probe is guarded by a semaphore (its arguments are computed only while it is non-zero).</summary>
    public bool HasSemaphore => SemaphoreAddress != 0;

    /// <inheritdoc/>
    public override string ToString() => $"{Provider}:{Name} at 0x{Address:x} (file offset 0x{FileOffset:x}){(HasSemaphore ? $", semaphore 0x{SemaphoreAddress:x}" : "")}: {Arguments}";
}
