using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// Differential test against libbpf: every program of every object is loaded by Ebpf.Net and by libbpf (bpftool prog
/// loadall), and the instructions the kernel translated (BPF_OBJ_GET_INFO_BY_FD, xlated) must be identical, map
/// references aside (ld_imm64 of a map holds a per-load id). Covers map and global-data relocations, bpf-to-bpf calls,
/// callbacks, CO-RE (loader_core, loader_core_kernel with bitfields/enums/missing fields, the lesson's kprobes),
/// externs (loader_externs: kconfig map loads, typeless ksym addresses, kfunc calls by BTF id, a dead poisoned kfunc call)
/// and BTF attach targets (loader_btf_attach: tp_btf and iter programs loaded against vmlinux types).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class DifferentialLibbpfTests
{
    public static TheoryData<string> Objects() =>
    [
        "unlinks.bpf.o", "lesson_unlinks.bpf.o", "lesson_unlinks_perf.bpf.o", "bench.bpf.o",
        "loader_basic.bpf.o", "loader_calls.bpf.o", "loader_maps.bpf.o", "loader_core.bpf.o", "loader_core_kernel.bpf.o", "loader_probes.bpf.o",
        "ringbuf_test.bpf.o", "perf_test.bpf.o", "loader_externs.bpf.o", "loader_btf_attach.bpf.o", "gen_types.bpf.o",
        "events_channel_test.bpf.o", "user_ringbuf_test.bpf.o", "user_ringbuf_bench.bpf.o",
    ];

    [Theory]
    [MemberData(nameof(Objects))]
    public void Kernel_translated_instructions_match_libbpf(string objectFile)
    {
        using var libbpf = new LibbpfReference();
        string path = TestObjects.Path(objectFile);
        var (loaded, pinned, messages) = libbpf.LoadAll(path);
        Assert.True(loaded, $"libbpf could not load {objectFile}: {messages}");
        using var ours = BpfObject.Load(path);
        Assert.NotEmpty(ours.Programs);
        Assert.Equal(pinned.Keys.Order(StringComparer.Ordinal), ours.Programs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, program) in ours.Programs)
            LibbpfReference.AssertSameXlated($"{objectFile}/{name}", program.Handle, pinned[name]);
    }
}
