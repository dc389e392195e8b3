using Ebpf.Internal.Unix;

namespace Ebpf.Tests.Errors;

/// <summary>The permission message names what the thread actually lacks, from its effective capability mask.</summary>
public sealed class PermissionReasonTests
{
    private const ulong None = 0;
    private const ulong Bpf = 1UL << Capabilities.CAP_BPF;
    private const ulong Perfmon = 1UL << Capabilities.CAP_PERFMON;
    private const ulong Admin = 1UL << Capabilities.CAP_SYS_ADMIN;

    [Fact]
    public void Cap_bpf_alone_loading_a_program_names_cap_perfmon_and_says_cap_bpf_is_held()
    {
        string reason = Errno.PermissionReason("BPF_PROG_LOAD", Bpf);
        Assert.Contains("lacks CAP_PERFMON, which loading a tracing program needs besides CAP_BPF", reason, StringComparison.Ordinal);
        Assert.Contains("holds CAP_BPF)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Cap_perfmon_alone_opening_a_perf_event_is_not_a_capability_problem()
    {
        string reason = Errno.PermissionReason("perf_event_open", Perfmon);
        Assert.Contains("refusal comes from policy", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("lacks", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BPF_MAP_CREATE", None, "lacks CAP_BPF (or CAP_SYS_ADMIN)")]
    [InlineData("BPF_MAP_CREATE", Perfmon, "lacks CAP_BPF (or CAP_SYS_ADMIN)")]
    [InlineData("perf_event_open", Bpf, "lacks CAP_PERFMON (or CAP_SYS_ADMIN)")]
    [InlineData("tracepoint attach", None, "lacks CAP_PERFMON (or CAP_SYS_ADMIN)")]
    [InlineData("BPF_PROG_LOAD", Admin, "refusal comes from policy")]
    [InlineData("BPF_PROG_LOAD", Bpf | Perfmon, "refusal comes from policy")]
    public void The_message_follows_the_effective_set(string operation, ulong effective, string expected) =>
        Assert.Contains(expected, Errno.PermissionReason(operation, effective), StringComparison.Ordinal);

    [Fact]
    public void Map_creation_does_not_send_the_user_after_cap_perfmon()
    {
        Assert.DoesNotContain("PERFMON for tracing", Errno.PermissionReason("BPF_MAP_CREATE", None), StringComparison.Ordinal);
        Assert.Contains("plus CAP_PERFMON for tracing programs", Errno.PermissionReason("BPF_PROG_LOAD", None), StringComparison.Ordinal);
    }

    [Fact]
    public void Without_proc_the_message_lists_what_the_operation_needs()
    {
        Assert.Contains("CAP_BPF (plus CAP_PERFMON for tracing programs", Errno.PermissionReason("BPF_PROG_LOAD", null), StringComparison.Ordinal);
        Assert.Contains("CAP_PERFMON (or CAP_SYS_ADMIN)", Errno.PermissionReason("perf_event_open", null), StringComparison.Ordinal);
    }

    [Fact]
    public void This_thread_reads_its_own_effective_set()
    {
        ulong? caps = Capabilities.Effective();
        Assert.NotNull(caps); // /proc is mounted wherever these tests run
        // No thread of this test process changes its own set, so the process-wide line agrees with the thread's.
        string line = File.ReadLines("/proc/self/status").Single(l => l.StartsWith("CapEff:", StringComparison.Ordinal));
        Assert.Equal(Convert.ToUInt64(line[7..].Trim(), 16), caps.Value);
    }
}
