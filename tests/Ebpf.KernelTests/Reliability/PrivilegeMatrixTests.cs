using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;
using static Ebpf.KernelTests.Reliability.ThreadCapabilities;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Every entry point, on a thread without the capabilities it needs (catalogue PV-01/PV-02): map create, program load,
/// perf_event_open (a perf buffer) and tracepoint attach each fail with
/// <see cref="BpfPermissionException"/> naming the operation and the missing capability, and leave no descriptor behind.
/// Objects the attach and perf cases need are created beforehand, with privileges, on the test thread.
/// </summary>
[Collection(PerfSerialCollection.Name)]
public sealed class PrivilegeMatrixTests
{
    private static readonly int[] NoBpfNoPerfmonNoAdmin = [CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN];
    private static readonly int[] BpfOnly = [CAP_PERFMON, CAP_SYS_ADMIN];

    public static TheoryData<string, string, string> EntryPoints() => new()
    {
        // entry point, operation named in the exception, capability named in the message
        { "map create (hash)", "BPF_MAP_CREATE", "CAP_BPF" },
        { "map create (ringbuf)", "BPF_MAP_CREATE", "CAP_BPF" },
        { "program load", "BPF_PROG_LOAD", "CAP_BPF" },
        { "perf_event_open (perf buffer)", "perf_event_open", "CAP_PERFMON" },
        { "tracepoint attach", "perf_event_open", "CAP_PERFMON" },
    };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Without_cap_bpf_perfmon_and_sys_admin_each_entry_point_names_the_capability(string entryPoint, string operation, string capability)
    {
        KernelGuard.RequireRoot();
        var e = Attempt(entryPoint, NoBpfNoPerfmonNoAdmin);
        Assert.StartsWith(operation, e.Operation, StringComparison.Ordinal);
        Assert.Contains(capability, e.Message, StringComparison.Ordinal);
        TestContext.Current.TestOutputHelper?.WriteLine($"{entryPoint}: {e.GetType().Name} ({e.Operation}, errno {e.Errno}): {e.Message}");
    }

    [Theory]
    [InlineData("program load")]
    [InlineData("perf_event_open (perf buffer)")]
    [InlineData("tracepoint attach")]
    public void With_cap_bpf_but_without_cap_perfmon_tracing_entry_points_name_cap_perfmon(string entryPoint)
    {
        KernelGuard.RequireRoot();
        var e = Attempt(entryPoint, BpfOnly);
        Assert.Contains("lacks CAP_PERFMON", e.Message, StringComparison.Ordinal);
        Assert.Contains("holds CAP_BPF)", e.Message, StringComparison.Ordinal); // it says what the thread has, not only what it needs
        TestContext.Current.TestOutputHelper?.WriteLine($"{entryPoint} with CAP_BPF only: {e.GetType().Name} ({e.Operation}): {e.Message}");
    }

    /// <summary>
    /// Measured on 6.18: BPF_RAW_TRACEPOINT_OPEN checks no capability. The kernel checks at BPF_PROG_LOAD; whoever holds
    /// the program's descriptor may attach it. So this entry point cannot fail for lack of capabilities, and a library
    /// that hands a loaded program to less privileged code hands over the right to attach it.
    /// </summary>
    [Fact]
    public void Raw_tracepoint_attach_of_a_program_loaded_with_privileges_needs_no_capability()
    {
        KernelGuard.RequireRoot();
        using var loaded = BpfObject.Load(TestObjects.Path("reliability_privileges.bpf.o"));
        var program = loaded.Program("noop_raw");
        bool attached = RunWithout(NoBpfNoPerfmonNoAdmin, () =>
        {
            using var link = program.Attach();
            return link is not null;
        });
        Assert.True(attached);
    }

    [Fact]
    public void With_cap_bpf_alone_maps_can_still_be_created()
    {
        KernelGuard.RequireRoot();
        bool created = RunWithout(BpfOnly, () =>
        {
            using var map = BpfMap.Create(new MapSpec { Name = "capbpf_only", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 1 });
            return map.Fd > 0;
        });
        Assert.True(created);
    }

    /// <summary>Runs one entry point without <paramref name="dropped"/>; returns its exception after checking no fd leaked.</summary>
    private static BpfPermissionException Attempt(string entryPoint, int[] dropped)
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("reliability_privileges.bpf.o"));
        using var loaded = spec.Load();
        using var perfMap = BpfMap.Create(new MapSpec { Name = "priv_pb", Type = BpfMapType.PerfEventArray, KeySize = 4, ValueSize = 4, MaxEntries = (uint)Environment.ProcessorCount });
        Action action = entryPoint switch
        {
            "map create (hash)" => () => BpfMap.Create(new MapSpec { Name = "priv_hash", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 1 }).Dispose(),
            "map create (ringbuf)" => () => BpfMap.Create(new MapSpec { Name = "priv_rb", Type = BpfMapType.RingBuf, MaxEntries = (uint)Environment.SystemPageSize }).Dispose(),
            "program load" => () => spec.Load().Dispose(),
            "perf_event_open (perf buffer)" => () => new PerfBuffer(perfMap, 1, (_, _) => { }).Dispose(),
            "tracepoint attach" => () => loaded.Program("noop_tp").Attach().Dispose(),
            _ => throw new ArgumentOutOfRangeException(nameof(entryPoint)),
        };
        action(); // privileged: the entry point works here, so the failure below is the capabilities' doing
        // BPF/perf descriptors only: the runtime opens files of its own (a lazily loaded assembly) meanwhile.
        var before = FdSnapshot.TakeBpf();
        var error = RunWithout(dropped, () => Record.Exception(action));
        Assert.Equal(before, FdSnapshot.TakeBpf()); // a failed attempt leaks nothing
        return Assert.IsType<BpfPermissionException>(error);
    }
}
