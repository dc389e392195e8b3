using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links.MultiProbe;
using Ebpf.Links.Usdt;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Links.Usdt;

/// <summary>
/// USDT probes of a real C program (<see cref="UsdtTargetProgram"/>) read by a program written for libbpf's usdt.bpf.h
/// (usdt_probes.bpf.o): every argument kind arrives with the value the C code passed, the semaphore is counted while
/// attached, through uprobe.multi links and through one perf-event uprobe per site, with BPF cookies and (forced off)
/// through the ip map; bad input is refused with typed errors and leaves nothing attached.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UsdtLinkTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct UsdtEvent
    {
        public int Count;
        public int Error;
        public ulong Cookie;
        public Args Args;
    }

    [System.Runtime.CompilerServices.InlineArray(12)]
    private struct Args
    {
        private long _first;
    }

    private sealed record Event(int Count, int Error, ulong Cookie, long[] Args);

    private static BpfObject Load(BpfLoadOptions? options = null, string? only = null)
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("usdt_probes.bpf.o"));
        if (only is not null)
            foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == only;
        return spec.Load(options);
    }

    private static List<Event> Drain(BpfObject obj)
    {
        var events = new List<Event>();
        using var rb = new RingBuffer(obj.Map("events"), r =>
        {
            var e = MemoryMarshal.Read<UsdtEvent>(r);
            events.Add(new Event(e.Count, e.Error, e.Cookie, ((ReadOnlySpan<long>)e.Args).ToArray()));
            return 0;
        });
        rb.Consume();
        Assert.Equal(0ul, obj.ReadVariable<ulong>("dropped"));
        return events;
    }

    private static long[] Padded(params long[] values) => [.. values, .. new long[12 - values.Length]];

    private static void AssertMixed(List<Event> events, int rounds, ulong cookie)
    {
        Assert.Equal(rounds, events.Count);
        for (int i = 0; i < rounds; i++)
        {
            Assert.Equal(6, events[i].Count);
            Assert.Equal(0, events[i].Error);
            Assert.Equal(cookie, events[i].Cookie);
            Assert.Equal(Padded(i, 1000 + i, -i, 200 + i, -7, 42), events[i].Args);
        }
    }

    [Fact]
    public void Every_argument_kind_arrives_with_the_value_the_program_passed()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(only: "on_any");
        var probes = UsdtNotes.Read(target);
        var mixed = Assert.Single(probes, p => p.Name == "mixed");
        // The notes really carry the three kinds usdt.bpf.h distinguishes (gcc -O2 chooses the operands).
        Assert.Contains("@$", mixed.Arguments, StringComparison.Ordinal);
        Assert.Contains("(%", mixed.Arguments, StringComparison.Ordinal);
        Assert.Matches(@"(^| )-?\d@%", mixed.Arguments);

        using (var link = obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "mixed", cookie: 0xC00C1E))
        {
            Assert.Equal(UprobeMultiFeature.IsSupported, link.UsesUprobeMulti);
            Assert.Equal(mixed.FileOffset, Assert.Single(link.Probes).FileOffset);
            Assert.Equal(0, UsdtTargetProgram.Run(3));
            AssertMixed(Drain(obj), 3, 0xC00C1E);
        }
        UsdtTargetProgram.Run(2);
        Assert.Empty(Drain(obj));
    }

    [Fact]
    public void Stack_memory_and_probes_without_arguments()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(only: "on_any");
        using (obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "memory", cookie: 7))
        {
            UsdtTargetProgram.Run(2);
            var events = Drain(obj);
            Assert.Equal(2, events.Count);
            for (int i = 0; i < 2; i++) Assert.Equal(new Event(2, 0, 7, Padded(UsdtTargetProgram.MemoryBase + i, i)), events[i], EventComparer.Instance);
        }
        using (obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "empty"))
        {
            UsdtTargetProgram.Run(1);
            var e = Assert.Single(Drain(obj));
            Assert.Equal(0, e.Count);
            Assert.Equal(Padded(), e.Args);
        }
    }

    [Fact]
    public void Semaphore_is_raised_while_attached_and_guarded_probe_fires()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(only: "on_any");
        var guarded = Assert.Single(UsdtNotes.Read(target), p => p.Name == "guarded");
        Assert.True(guarded.HasSemaphore);
        Assert.NotEqual(0ul, guarded.SemaphoreOffset);
        Assert.Equal(0, UsdtTargetProgram.Run(2));
        using (obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "guarded"))
        {
            Assert.Equal(3, UsdtTargetProgram.Run(3));
            var events = Drain(obj);
            Assert.Equal(3, events.Count);
            for (int i = 0; i < 3; i++) Assert.Equal(Padded(i, 1), events[i].Args);
        }
        Assert.Equal(0, UsdtTargetProgram.Run(2));
    }

    [Fact]
    public void Section_usdt_PATH_PROVIDER_NAME_attaches_and_BPF_USDT_unpacks_typed_arguments()
    {
        string target = UsdtTargetProgram.Path();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("usdt_probes.bpf.o"));
        Assert.Equal("placeholder:ebpf_test:mixed", spec.Programs["on_mixed"].AttachTarget);
        spec.Programs["on_mixed"].AttachTarget = $"{target}:ebpf_test:mixed";
        using var obj = spec.Load();
        using var link = Assert.IsType<UsdtLink>(obj.Program("on_mixed").Attach());
        UsdtTargetProgram.Run(4);
        Assert.Equal(4ul, obj.ReadVariable<ulong>("mixed_hits"));
        Assert.Equal(3, obj.ReadVariable<int>("last_round"));
        Assert.Equal(1003L, obj.ReadVariable<long>("last_first"));
        Assert.Equal(-3, obj.ReadVariable<int>("last_second"));
        Assert.Equal((byte)203, obj.ReadVariable<byte>("last_byte"));
        Assert.Equal((short)-7, obj.ReadVariable<short>("last_negative"));
        Assert.Equal(42, obj.ReadVariable<int>("last_constant"));
    }

    [Fact]
    public void One_perf_event_uprobe_per_site_counts_the_semaphore_too()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(new BpfLoadOptions { UsdtPerfEventLinks = true }, only: "on_any");
        Assert.Equal((BpfAttachType)0, obj.Program("on_any").ExpectedAttachType);
        using (var mixed = obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "mixed", cookie: 5))
        using (var guarded = obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "guarded", cookie: 6))
        {
            Assert.False(mixed.UsesUprobeMulti);
            Assert.Equal(2, UsdtTargetProgram.Run(2));
            var events = Drain(obj);
            AssertMixed([.. events.Where(e => e.Cookie == 5)], 2, 5);
            Assert.Equal([Padded(0, 1), Padded(1, 1)], events.Where(e => e.Cookie == 6).Select(e => e.Args));
        }
        Assert.Equal(0, UsdtTargetProgram.Run(1));
    }

    [Fact]
    public void Without_cookies_the_program_finds_specs_through_the_ip_map()
    {
        string target = UsdtTargetProgram.Path();
        // As on a kernel before 5.15: usdt.bpf.h looks the spec up by instruction address. The target is
        // position-independent, so its addresses exist only in a process: attach to one that waits.
        var options = new BpfLoadOptions { Kconfig = new Dictionary<string, string> { ["LINUX_HAS_BPF_COOKIE"] = "n" } };
        using var obj = Load(options, only: "on_any");
        var ipMap = obj.Map(UsdtSpecTable.IpMapName);
        using var process = NativeProgram.Start(target, "2", "wait");
        // The loader maps the program only once it runs: wait until the dynamic loader has mapped it.
        Thread.Sleep(200);
        using (var link = obj.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, "mixed", cookie: 9, processId: process.Id))
        {
            Assert.True(ipMap.TryGetNextKey([], new byte[8]));
            process.StandardInput.WriteLine("go");
            process.StandardInput.Close();
            process.WaitForExit();
            AssertMixed(Drain(obj), 2, 9);
        }
        Assert.False(ipMap.TryGetNextKey([], new byte[8]));
    }

    [Fact]
    public void Spec_ids_are_shared_per_object_and_freed_on_dispose()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(only: "on_any");
        var program = obj.Program("on_any");
        var first = program.AttachUsdt(target, UsdtTargetProgram.Provider, "mixed", cookie: 1);
        using (var second = program.AttachUsdt(target, UsdtTargetProgram.Provider, "memory", cookie: 2))
        {
            first.Dispose();
            using var third = program.AttachUsdt(target, UsdtTargetProgram.Provider, "mixed", cookie: 3);
            UsdtTargetProgram.Run(1);
            var events = Drain(obj);
            Assert.Equal([2ul, 3ul], events.Select(e => e.Cookie).Order());
            AssertMixed([.. events.Where(e => e.Cookie == 3)], 1, 3);
        }
    }

    [Fact]
    public void Bad_input_is_a_typed_error_naming_program_and_target_and_leaves_nothing_attached()
    {
        string target = UsdtTargetProgram.Path();
        using var obj = Load(only: "on_any");
        var program = obj.Program("on_any");
        var before = FdSnapshot.TakeBpf();

        var missing = Assert.Throws<BpfException>(() => program.AttachUsdt("/nonexistent/usdt-binary", "p", "n"));
        Assert.Contains("'on_any'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/usdt-binary", missing.Message, StringComparison.Ordinal);

        var noProbe = Assert.Throws<BpfException>(() => program.AttachUsdt(target, UsdtTargetProgram.Provider, "absent"));
        Assert.Contains("ebpf_test:absent", noProbe.Message, StringComparison.Ordinal);
        Assert.Contains("ebpf_test:mixed", noProbe.Message, StringComparison.Ordinal); // lists what exists
        Assert.Contains("'on_any'", noProbe.Message, StringComparison.Ordinal);

        var noProvider = Assert.Throws<BpfException>(() => program.AttachUsdt(target, "other_provider", "mixed"));
        Assert.Contains("other_provider:mixed", noProvider.Message, StringComparison.Ordinal);

        var noNotes = Assert.Throws<BpfException>(() => program.AttachUsdt("/bin/true", "p", "n"));
        Assert.Contains("no USDT probes", noNotes.Message, StringComparison.Ordinal);

        var noProcess = Assert.Throws<BpfException>(() => program.AttachUsdt(target, UsdtTargetProgram.Provider, "guarded", processId: int.MaxValue - 1));
        Assert.Contains("'on_any'", noProcess.Message, StringComparison.Ordinal);

        Assert.Equal(before, FdSnapshot.TakeBpf());
        Assert.Equal(0, UsdtTargetProgram.Run(1)); // the semaphore was not left raised
        Assert.Empty(Drain(obj));
        // The failed attaches freed their spec ids: a working attach still gets the first one.
        using var link = program.AttachUsdt(target, UsdtTargetProgram.Provider, "mixed");
        var spec = new byte[obj.Map(UsdtSpecTable.SpecsMapName).ValueSize];
        Assert.True(obj.Map(UsdtSpecTable.SpecsMapName).TryLookup(BitConverter.GetBytes(0), spec));
        Assert.Equal(6, BitConverter.ToInt16(spec, 200));
    }

    [Fact]
    public void A_program_without_usdt_maps_is_refused_with_what_to_do()
    {
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        var e = Assert.Throws<BpfException>(() => obj.Program("count_calls").AttachUsdt(UsdtTargetProgram.Path(), "ebpf_test", "mixed"));
        Assert.Contains("usdt.bpf.h", e.Message, StringComparison.Ordinal);
        Assert.Contains("'count_calls'", e.Message, StringComparison.Ordinal);
    }

    private sealed class EventComparer : IEqualityComparer<Event>
    {
        public static readonly EventComparer Instance = new();

        public bool Equals(Event? x, Event? y) => x is not null && y is not null && x.Count == y.Count && x.Error == y.Error && x.Cookie == y.Cookie && x.Args.SequenceEqual(y.Args);

        public int GetHashCode(Event obj) => obj.Count;
    }
}
