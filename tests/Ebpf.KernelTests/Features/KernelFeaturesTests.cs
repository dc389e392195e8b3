using Ebpf.Features;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Features;

public sealed class KernelFeaturesTests
{
    [Fact]
    public void This_kernel_has_the_transports_the_lesson_needs()
    {
        KernelGuard.RequireRoot();
        Assert.True(KernelFeatures.HasMapType(BpfMapType.RingBuf));
        Assert.True(KernelFeatures.HasMapType(BpfMapType.PerfEventArray));
        Assert.True(KernelFeatures.HasMapType(BpfMapType.UserRingBuf));
        KernelFeatures.RequireMapType(BpfMapType.RingBuf);
    }

    [Fact]
    public void A_map_type_the_kernel_lacks_is_reported_by_name()
    {
        KernelGuard.RequireRoot();
        var missing = (BpfMapType)250; // far beyond any kernel's enum bpf_map_type
        Assert.False(KernelFeatures.HasMapType(missing));
        var e = Assert.Throws<BpfFeatureNotSupportedException>(() => KernelFeatures.RequireMapType(missing));
        Assert.Equal("BPF_MAP_TYPE_250", e.Feature);
        Assert.Contains("250", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Creating_a_map_of_a_type_the_kernel_lacks_names_the_type()
    {
        KernelGuard.RequireRoot();
        var e = Assert.Throws<BpfFeatureNotSupportedException>(() =>
            BpfMap.Create(new MapSpec { Name = "future", Type = (BpfMapType)250, KeySize = 4, ValueSize = 4, MaxEntries = 1 }));
        Assert.Contains("map type 250", e.Message, StringComparison.Ordinal);
        Assert.Contains("'future'", e.Message, StringComparison.Ordinal);
    }
}

public sealed class ProgramTypeFeatureTests
{
    [Fact]
    public void The_program_types_the_tool_uses_are_present()
    {
        KernelGuard.RequireRoot();
        Assert.True(KernelFeatures.HasProgramType(BpfProgramType.Tracepoint));
        Assert.True(KernelFeatures.HasProgramType(BpfProgramType.RawTracepoint));
        Assert.True(KernelFeatures.HasProgramType(BpfProgramType.Kprobe)); // loads even where kprobes cannot attach
        KernelFeatures.RequireProgramType(BpfProgramType.Tracepoint);
    }

    [Fact]
    public void A_program_type_the_kernel_lacks_is_reported_by_name()
    {
        KernelGuard.RequireRoot();
        var missing = (BpfProgramType)250;
        Assert.False(KernelFeatures.HasProgramType(missing));
        var e = Assert.Throws<BpfFeatureNotSupportedException>(() => KernelFeatures.RequireProgramType(missing));
        Assert.Equal("BPF_PROG_TYPE_250", e.Feature);
    }
}
