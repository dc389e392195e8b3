using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Generated;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Records;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Gen;

/// <summary>
/// The skeleton the build generates for gen_types.bpf.o (a precompiled &lt;BpfObject&gt; in this project): .rodata set
/// before load reaches the program, .data/.bss are read and written in place through the mapped sections while it runs,
/// AttachAll attaches the tracepoint, typed maps round-trip, and ring buffer records read as the generated event type.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class SkeletonKernelTests
{
    private static readonly long GetPpid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 173 : 110;

    private static void CallGetPpid(int times)
    {
        for (int i = 0; i < times; i++) Libc.Syscall(GetPpid, 0, 0, 0, 0, 0);
    }

    [Fact]
    public void Settings_sections_attach_and_events_through_the_generated_skeleton()
    {
        KernelGuard.RequireRoot();
        var spec = GenTypesBpf.Open();
        spec.Rodata.FilterPid = (uint)Environment.ProcessId;
        spec.Rodata.Prefix.Set("Z");
        spec.Data.DataCounter = 100;
        using var skeleton = spec.Load();
        Assert.Equal((uint)Environment.ProcessId, skeleton.Rodata.FilterPid);
        Assert.Equal("Z", skeleton.Rodata.Prefix.ToString());
        Assert.Equal(9u, skeleton.DataCustom.CustomVar);
        skeleton.DataCustom.CustomVar = 2; // written in place: the program adds it to data_counter

        var events = new List<(uint Pid, string Comm, ulong Seq, uint N)>();
        using var ring = new RingBuffer(skeleton.Maps.Events, record =>
        {
            ref readonly var e = ref RecordView.As<GenTypesBpf.GenEvent>(record);
            events.Add((e.Pid, e.Comm.ToString(), e.Seq, e.Fl.N));
            return 0;
        });
        using (skeleton.AttachAll())
            CallGetPpid(3);
        CallGetPpid(2); // detached: not counted
        ring.Consume();

        Assert.Equal(3ul, skeleton.Bss.Hits);
        Assert.Equal(100ul + 3 * 2, skeleton.Data.DataCounter);
        Assert.Equal([0ul, 1ul, 2ul], events.Select(e => e.Seq));
        string comm = File.ReadAllText("/proc/thread-self/comm").TrimEnd('\n'); // this thread's, as bpf_get_current_comm sees it
        Assert.All(events, e => Assert.Equal(((uint)Environment.ProcessId, comm, (uint)'Z'), (e.Pid, e.Comm, e.N)));
        skeleton.Bss.Hits = 0;
        Assert.Equal(0ul, skeleton.Object.ReadVariable<ulong>("hits")); // the same memory the kernel reads
    }

    [Fact]
    public void Typed_maps_round_trip_generated_keys_and_values()
    {
        KernelGuard.RequireRoot();
        using var skeleton = GenTypesBpf.Load();
        var key = new GenTypesBpf.RichKey { Id = 7, Kind = 3 };
        var value = new GenTypesBpf.RichValue { Ts = 42, Color = GenTypesBpf.Color.Blue, State = GenTypesBpf.PackedState.StGone, Sign = GenTypesBpf.SignedE.Neg };
        value.Name.Set("skeleton");
        value.F2 = 17;
        value.Sf = -3;
        value.Halves.Hi = 0xbeef;
        skeleton.Maps.Rich.Update(key, value);
        var back = skeleton.Maps.Rich.Lookup(key);
        Assert.Equal((42ul, GenTypesBpf.Color.Blue, GenTypesBpf.PackedState.StGone, GenTypesBpf.SignedE.Neg), (back.Ts, back.Color, back.State, back.Sign));
        Assert.Equal("skeleton", back.Name.ToString());
        Assert.Equal((17u, -3, (ushort)0xbeef, 0u), (back.F2, back.Sf, back.Halves.Hi, back.F1));
        Assert.Equal([key.Id], skeleton.Maps.Rich.Keys.Select(k => k.Id));
        Assert.True(skeleton.Maps.Rich.Delete(key));
        Assert.False(skeleton.Maps.Rich.TryLookup(key, out _));
        Assert.All(skeleton.Maps.Counts.LookupPerCpu(0), v => Assert.Equal(0ul, v));
    }

    [Fact]
    public void A_filter_set_before_load_keeps_other_processes_out()
    {
        KernelGuard.RequireRoot();
        var spec = GenTypesBpf.Open();
        spec.Rodata.FilterPid = uint.MaxValue; // no such process
        using var skeleton = spec.Load();
        using (skeleton.AttachAll()) CallGetPpid(5);
        Assert.Equal(0ul, skeleton.Bss.Hits);
    }
}
