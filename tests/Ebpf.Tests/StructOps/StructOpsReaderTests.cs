using Ebpf.Elf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.StructOps;

public sealed class StructOpsReaderTests
{
    [Fact]
    public void Struct_ops_variables_become_maps_with_their_function_members_programs()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("struct_ops_cc.bpf.o"));
        Assert.Equal(2, spec.StructOps.Count);
        var cc = Assert.Single(spec.StructOps, m => m.Name == "ebpf_cc");
        var link = Assert.Single(spec.StructOps, m => m.Name == "ebpf_cc_link");
        Assert.False(cc.IsLink);
        Assert.True(link.IsLink);
        Assert.Equal("tcp_congestion_ops", cc.TypeName);
        // struct tcp_congestion_ops as vmlinux.h lays it out: ssthresh at 0, cong_avoid at 8, undo_cwnd at 64, init at 136.
        Assert.Equal(new Dictionary<uint, string> { [0] = "ebpf_ssthresh", [8] = "ebpf_cong_avoid", [64] = "ebpf_undo_cwnd", [136] = "ebpf_init" },
            cc.Programs.OrderBy(p => p.Key).ToDictionary());
        Assert.Equal(["ebpf_link_cong_avoid", "ebpf_link_init", "ebpf_link_ssthresh", "ebpf_link_undo_cwnd"], link.Programs.Values.Order(StringComparer.Ordinal));
        // The name member keeps its bytes; the pointer members are cleared (the kernel gets program fds there).
        Assert.Contains("ebpfnet_cc\0"u8.ToArray(), Windows(cc.Data, 11));
        foreach (uint offset in cc.Programs.Keys) Assert.All(cc.Data.AsSpan((int)offset, 8).ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(BpfProgramType.StructOps, spec.Programs["ebpf_unused"].Type);
    }

    [Fact]
    public void Objects_without_struct_ops_sections_have_none()
    {
        Assert.Empty(BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_basic.bpf.o")).StructOps);
    }

    private static IEnumerable<byte[]> Windows(byte[] data, int size)
    {
        for (int i = 0; i + size <= data.Length; i++) yield return data[i..(i + size)];
    }
}
