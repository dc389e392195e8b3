using Ebpf.Features;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Links;

/// <summary>freplace: an extension program (freplace_ext.bpf.o) loaded against a global function of another loaded
/// program (freplace_target.bpf.o) and attached in its place; the target's test run shows which one runs.</summary>
[Trait("Category", "Kernel")]
public sealed class FreplaceLinkTests
{
    private static BpfObject LoadTarget()
    {
        KernelGuard.RequireRoot();
        return BpfObject.Load(TestObjects.Path("freplace_target.bpf.o"));
    }

    private static BpfObjectSpec Extension(BpfProgram? target)
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("freplace_ext.bpf.o"));
        spec.Programs["new_replaceable"].AttachProgram = target;
        return spec;
    }

    [Fact]
    public void Extension_replaces_the_function_while_attached()
    {
        using var target = LoadTarget();
        var run = target.Program("run_target");
        Assert.Equal(8, run.TestRun(new byte[8]));
        var spec = Extension(run);
        Assert.Equal(BpfProgramType.Ext, spec.Programs["new_replaceable"].Type);
        Assert.Equal("replaceable", spec.Programs["new_replaceable"].AttachTarget);
        BpfObject ext;
        try
        {
            ext = spec.Load();
        }
        catch (BpfFeatureNotSupportedException e)
        {
            // Only a kernel that refuses fentry the same way may refuse extensions: then the error must say so.
            Assert.False(KernelFeatures.HasAttachType(BpfAttachType.TraceFentry), $"freplace refused on a kernel with working fentry: {e.Message}");
            Assert.Equal("freplace", e.Feature);
            Assert.Contains("'new_replaceable'", e.Message, StringComparison.Ordinal);
            Assert.Contains("'run_target'", e.Message, StringComparison.Ordinal);
            Assert.Contains("trampoline", e.Message, StringComparison.Ordinal);
            Assert.Equal(8, run.TestRun(new byte[8]));
            return;
        }
        using var _ = ext;
        using (var link = Assert.IsType<FreplaceLink>(ext.Program("new_replaceable").Attach()))
        {
            Assert.Equal("replaceable", link.Function);
            Assert.Equal("run_target", link.TargetProgram);
            Assert.Equal(700, run.TestRun(new byte[8]));
        }
        Assert.Equal(8, run.TestRun(new byte[8]));
    }

    [Fact]
    public void Missing_target_program_or_function_is_a_typed_error_before_any_load()
    {
        using var target = LoadTarget();
        var none = Assert.Throws<BpfObjectException>(() => Extension(null).Load());
        Assert.Contains("'new_replaceable'", none.Message, StringComparison.Ordinal);
        Assert.Contains("AttachProgram", none.Message, StringComparison.Ordinal);

        var spec = Extension(target.Program("run_target"));
        spec.Programs["new_replaceable"].AttachTarget = "no_such_function";
        var absent = Assert.Throws<BpfObjectException>(() => spec.Load());
        Assert.Contains("'no_such_function'", absent.Message, StringComparison.Ordinal);
        Assert.Contains("'run_target'", absent.Message, StringComparison.Ordinal);
    }
}
