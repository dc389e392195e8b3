using System.Net;
using System.Net.Sockets;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Networking;
using Ebpf.Links;

namespace Ebpf.KernelTests.Cli;

/// <summary>
/// <c>ebpf attach</c> end to end, the real tool against real traffic: XDP on a veth in private namespaces, pinned into a
/// private bpffs (dropping until the pin is removed) or held until a stop signal; a cgroup egress program on a temporary
/// cgroup v2 directory; and bad input, which must give one typed line on stderr naming the program and the target and
/// leave nothing attached or pinned.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class AttachCommandTests
{
    private const uint XdpDropped = 0, CgroupDropped = 1, TracepointHits = 2;
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(90);

    private static string Object => TestObjects.Path("cli_attach.bpf.o");

    private static bool XdpShown(NetNamespace ns, string device) =>
        ns.Ip("-d", "link", "show", "dev", device).Contains("prog/xdp", StringComparison.Ordinal);

    private static ulong Counter(string mapPin, uint slot)
    {
        using var map = BpfMap.OpenPinned(mapPin);
        return map.Lookup<uint, ulong>(slot);
    }

    [Fact]
    public void Pinned_xdp_program_drops_until_its_pin_is_removed()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var bpffs = new PrivateBpfFs("ebpf-attach-");
        string dir = bpffs.Pin("app"); // missing: the tool creates it on the bpffs
        Assert.Equal(5, udp.SendAndCount(5));

        using (var tool = ToolProcess.InNetNamespace(pair.Receiver.Path, "attach", Object, "--program", "xdp_drop_udp",
                   "--iface", pair.ReceiverInterface, "--xdp-mode", "skb", "--pin", dir))
        {
            Assert.True(tool.WaitForExit(Slow, "attach --pin") == 0, tool.Stderr);
            var line = Assert.Single(tool.StdoutLines, l => l.Contains("attached", StringComparison.Ordinal));
            Assert.Contains("xdp_drop_udp", line, StringComparison.Ordinal);
            Assert.Contains(pair.ReceiverInterface, line, StringComparison.Ordinal);
        }
        Assert.Equal(["drops", "flows", "per_cpu_flows", "xdp_drop_udp"], PrivateBpfFs.UserEntries(dir));
        Assert.Contains("xdpgeneric", pair.Receiver.Ip("link", "show", "dev", pair.ReceiverInterface), StringComparison.Ordinal);

        // The tool has exited: only the pins keep the program attached and the counter alive.
        Assert.Equal(0, udp.SendAndCount(10));
        Assert.Equal(10ul, Counter(Path.Join(dir, "drops"), XdpDropped));

        RemovePinAndAwaitDetach(Path.Join(dir, "xdp_drop_udp"));
        Assert.False(XdpShown(pair.Receiver, pair.ReceiverInterface));
        Assert.Equal(10, udp.SendAndCount(10));
        Assert.Equal(10ul, Counter(Path.Join(dir, "drops"), XdpDropped));
    }

    [Fact]
    public void Several_programs_attach_at_once_a_tracing_one_where_its_section_says()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var bpffs = new PrivateBpfFs("ebpf-attach-");
        string dir = bpffs.Pin("two");
        using (var tool = ToolProcess.InNetNamespace(pair.Receiver.Path, "attach", Object, "--program", "xdp_drop_udp", "--program", "tp_getppid",
                   "--iface", pair.ReceiverInterface, "--pin", dir))
        {
            Assert.True(tool.WaitForExit(Slow, "attach two programs --pin") == 0, tool.Stderr);
            var attached = tool.StdoutLines.Where(l => l.StartsWith("attached ", StringComparison.Ordinal)).ToList();
            Assert.Equal(2, attached.Count);
            Assert.Contains(attached, l => l.Contains("xdp_drop_udp", StringComparison.Ordinal) && l.Contains(pair.ReceiverInterface, StringComparison.Ordinal));
            Assert.Contains(attached, l => l.Contains("tp_getppid", StringComparison.Ordinal) && l.Contains("tracepoint/syscalls/sys_enter_getppid", StringComparison.Ordinal));
        }
        Assert.Equal(["drops", "flows", "per_cpu_flows", "tp_getppid", "xdp_drop_udp"], PrivateBpfFs.UserEntries(dir));
        string drops = Path.Join(dir, "drops");

        ulong before = Counter(drops, TracepointHits);
        Command.Run("bash", "-c", "echo $PPID"); // bash asks getppid() for $PPID
        ulong after = Counter(drops, TracepointHits);
        Assert.True(after > before, $"getppid not seen: {before} -> {after}");
        Assert.Equal(0, udp.SendAndCount(4));

        // Other processes call getppid too: the count is compared from the moment the program is gone.
        RemovePinAndAwaitDetach(Path.Join(dir, "tp_getppid"));
        ulong detached = Counter(drops, TracepointHits);
        Command.Run("bash", "-c", "echo $PPID");
        Assert.Equal(detached, Counter(drops, TracepointHits));
        Assert.Equal(0, udp.SendAndCount(4)); // the other program is still attached through its own pin
        RemovePinAndAwaitDetach(Path.Join(dir, "xdp_drop_udp"));
        Assert.Equal(4, udp.SendAndCount(4));
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT", "INT")]
    [InlineData("TERM", "TERM")]
    public void Without_pin_it_holds_until_a_stop_signal_then_detaches(params string[] signals)
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var tool = ToolProcess.InNetNamespace(pair.Receiver.Path, "attach", Object, "--program", "xdp_drop_udp", "--iface", pair.ReceiverInterface);
        tool.WaitUntil(() => tool.StdoutLines.Any(l => l.Contains("attached xdp_drop_udp", StringComparison.Ordinal)), Slow, "the attached line");
        Assert.True(XdpShown(pair.Receiver, pair.ReceiverInterface));
        Assert.Equal(0, udp.SendAndCount(5));
        Assert.False(tool.HasExited);

        foreach (var s in signals) tool.Signal(s);
        int code = tool.WaitForExit(TimeSpan.FromSeconds(30), $"SIG{string.Join("+SIG", signals)}");
        // One signal: an orderly stop (0). A second one may cut a slow stop short after StopSignals' grace period
        // (128 + the signal), but never crash (134, an unhandled exception on the signal thread).
        int hurried = 128 + (signals[^1] == "INT" ? 2 : 15);
        Assert.True(code == 0 || (signals.Length > 1 && code == hurried), $"exit {code}\n{tool.Stderr}");
        Assert.DoesNotContain("Unhandled", tool.Stderr, StringComparison.Ordinal);
        if (code == 0) Assert.Contains("detached 1 program", tool.Stderr, StringComparison.Ordinal);

        Assert.False(XdpShown(pair.Receiver, pair.ReceiverInterface));
        Assert.Equal(5, udp.SendAndCount(5));
    }

    [Fact]
    public void Cgroup_program_attaches_to_the_cgroup_option_and_detaches_with_its_pin()
    {
        using var cgroup = new TestCgroup();
        using var bpffs = new PrivateBpfFs("ebpf-attach-");
        string dir = bpffs.Pin("cg");
        using var receiver = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        receiver.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)receiver.LocalEndPoint!).Port;
        try
        {
            using (var tool = new ToolProcess("attach", Object, "--program", "cg_drop_udp", "--cgroup", cgroup.Path, "--pin", dir))
            {
                Assert.True(tool.WaitForExit(Slow, "attach --cgroup --pin") == 0, tool.Stderr);
                var line = Assert.Single(tool.StdoutLines, l => l.Contains("attached", StringComparison.Ordinal));
                Assert.Contains("cg_drop_udp", line, StringComparison.Ordinal);
                Assert.Contains(cgroup.Path, line, StringComparison.Ordinal);
            }
            Assert.Single(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);

            cgroup.SendUdp(port, 5);
            Assert.Equal(0, Drain(receiver));
            Assert.Equal(5ul, Counter(Path.Join(dir, "drops"), CgroupDropped));

            RemovePinAndAwaitDetach(Path.Join(dir, "cg_drop_udp"));
            Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            cgroup.SendUdp(port, 5);
            Assert.Equal(5, Drain(receiver));
        }
        finally
        {
            File.Delete(Path.Join(dir, "cg_drop_udp")); // detaches, even when an assertion failed first
        }
    }

    [Fact]
    public void Bad_input_is_one_typed_line_naming_program_and_target_and_leaves_nothing_attached_or_pinned()
    {
        using var ns = new NetNamespace();
        using var cgroup = new TestCgroup();
        using var bpffs = new PrivateBpfFs("ebpf-attach-");
        string notBpffs = Directory.CreateTempSubdirectory("ebpf-attach-plain-").FullName;
        string missingCgroup = Path.Join(cgroup.Path, "no-such-child");
        try
        {
            string dir = bpffs.Pin("bad");
            var cases = new (string[] Args, string[] Named)[]
            {
                (["--program", "xdp_drop_udp", "--iface", "ebpf-missing0", "--pin", dir], ["xdp_drop_udp", "ebpf-missing0"]),
                (["--program", "cg_drop_udp", "--cgroup", missingCgroup, "--pin", dir], ["cg_drop_udp", missingCgroup]),
                (["--program", "no_such_program", "--iface", "lo"], ["no_such_program", "cli_attach"]),
                (["--program", "tp_getppid", "--iface", "lo"], ["tp_getppid", "interface 'lo'"]),
                (["--program", "xdp_drop_udp", "--cgroup", cgroup.Path], ["xdp_drop_udp", cgroup.Path]),
                (["--program", "xdp_drop_udp", "--iface", "lo", "--pin", notBpffs], ["xdp_drop_udp", notBpffs, "not on a BPF file system"]),
                // The XDP program attaches first, then the cgroup program has no cgroup: the XDP one must be detached again.
                (["--program", "xdp_drop_udp", "--program", "cg_drop_udp", "--iface", "lo", "--pin", dir], ["cg_drop_udp", "cgroup"]),
                (["--program", "cg_drop_udp", "--program", "xdp_drop_udp", "--cgroup", cgroup.Path, "--iface", "ebpf-missing0", "--pin", dir], ["xdp_drop_udp", "ebpf-missing0"]),
            };
            foreach (var (args, named) in cases)
            {
                using var tool = ToolProcess.InNetNamespace(ns.Path, ["attach", Object, .. args]);
                int code = tool.WaitForExit(Slow, string.Join(' ', args));
                string what = $"ebpf attach {string.Join(' ', args)}: exit {code}\nstderr: {tool.Stderr}";
                Assert.True(code != 0, what);
                var line = Assert.Single(tool.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.StartsWith("ebpf: ", line, StringComparison.Ordinal);
                foreach (var n in named) Assert.True(line.Contains(n, StringComparison.Ordinal), $"'{n}' not named: {what}");
                Assert.DoesNotContain(tool.StdoutLines, l => l.Contains("attached", StringComparison.Ordinal));

                Assert.False(XdpShown(ns, "lo"), what);
                Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
                Assert.False(Directory.Exists(dir), what);
                Assert.Empty(PrivateBpfFs.UserEntries(bpffs.Path));
                Assert.Empty(Directory.GetFileSystemEntries(notBpffs));
            }
        }
        finally
        {
            Directory.Delete(notBpffs, recursive: true);
        }
    }

    [Fact]
    public void A_pin_that_fails_midway_removes_the_pins_already_made_and_detaches()
    {
        using var ns = new NetNamespace();
        using var bpffs = new PrivateBpfFs("ebpf-attach-");
        string dir = bpffs.Pin("taken");
        Directory.CreateDirectory(dir);
        // Someone else's pin where the object's 'drops' map would go: the link is pinned first, then 'drops' fails (EEXIST).
        using var other = BpfMap.Create(new MapSpec { Name = "drops", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 1 });
        other.Pin(Path.Join(dir, "drops"));

        using var tool = ToolProcess.InNetNamespace(ns.Path, "attach", Object, "--program", "xdp_drop_udp", "--iface", "lo", "--pin", dir);
        int code = tool.WaitForExit(Slow, "attach --pin into a taken directory");
        Assert.True(code != 0, tool.Stderr);
        var line = Assert.Single(tool.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.Join(dir, "drops"), line, StringComparison.Ordinal);
        Assert.Contains("taken", line, StringComparison.Ordinal);
        Assert.Equal(["drops"], PrivateBpfFs.UserEntries(dir));
        Assert.False(XdpShown(ns, "lo"));
    }

    /// <summary>
    /// Removes a link's pin (as a user would: rm) and waits until the kernel has detached the link. The pin held the last
    /// reference, and the kernel frees a link that loses it that way from a workqueue (bpf_link_put defers): the detach
    /// lands a moment after the unlink returns, later still on a loaded machine. The link's id goes first, then the hook
    /// is released, then the program (which nothing else holds: the tool has exited): its id going is the sign.
    /// </summary>
    private static void RemovePinAndAwaitDetach(string linkPin)
    {
        uint programId;
        using (var link = BpfLink.OpenPinned(linkPin)) programId = link.OpenedInfo.ProgramId;
        File.Delete(linkPin);
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            long fd = Ebpf.Internal.Sys.BpfAttach.GetFdById(Ebpf.Internal.Sys.BpfCommand.ProgGetFdById, programId);
            if (fd < 0)
            {
                Assert.Equal(-Errno.ENOENT, fd);
                return;
            }
            SafeFd.FromSyscall((int)fd).Dispose();
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"program {programId} still loaded 10 s after its link's pin {linkPin} was removed");
            Thread.Sleep(10);
        }
    }

    private static int Drain(Socket socket)
    {
        int received = 0;
        var buffer = new byte[2048];
        while (socket.Poll(TimeSpan.FromMilliseconds(300), SelectMode.SelectRead))
        {
            socket.Receive(buffer);
            received++;
        }
        return received;
    }
}
