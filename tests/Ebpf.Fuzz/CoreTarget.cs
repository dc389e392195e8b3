using Ebpf.Btf;

namespace Ebpf.Fuzz;

/// <summary>
/// The fixed target BTF for CO-RE relocation: the .BTF of tests/testdata/loader_core.bpf.o (copied beside the program),
/// which carries vmlinux.h's task_struct and the types it reaches. A file, not /sys/kernel/btf/vmlinux, so a finding
/// reproduces on any machine.
/// </summary>
internal static class CoreTarget
{
    internal const string FileName = "loader_core.bpf.o";

    private static readonly Lazy<BtfTypes> s_btf = new(Load);

    internal static BtfTypes Btf => s_btf.Value;

    private static BtfTypes Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, FileName);
        return BpfObjectSpec.FromFile(path).BtfTypes ?? throw new InvalidOperationException($"{path} has no .BTF section.");
    }
}
