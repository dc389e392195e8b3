using Ebpf.Linking;

namespace Ebpf.Tests.Loader;

public sealed class SectionTypesTests
{
    [Theory]
    [InlineData("tracepoint/syscalls/sys_enter_openat", BpfProgramType.Tracepoint, (BpfAttachType)0, "syscalls/sys_enter_openat")]
    [InlineData("tp/sched/sched_switch", BpfProgramType.Tracepoint, (BpfAttachType)0, "sched/sched_switch")]
    [InlineData("raw_tracepoint/sys_enter", BpfProgramType.RawTracepoint, (BpfAttachType)0, "sys_enter")]
    [InlineData("raw_tp/sched_switch", BpfProgramType.RawTracepoint, (BpfAttachType)0, "sched_switch")]
    [InlineData("raw_tp", BpfProgramType.RawTracepoint, (BpfAttachType)0, null)]
    [InlineData("raw_tracepoint", BpfProgramType.RawTracepoint, (BpfAttachType)0, null)]
    [InlineData("raw_tp.w/sys_exit", BpfProgramType.RawTracepointWritable, (BpfAttachType)0, "sys_exit")]
    [InlineData("tp_btf/sched_switch", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, "sched_switch")]
    [InlineData("kprobe/do_unlinkat", BpfProgramType.Kprobe, (BpfAttachType)0, "do_unlinkat")]
    [InlineData("kretprobe/do_unlinkat", BpfProgramType.Kprobe, (BpfAttachType)0, "do_unlinkat")]
    [InlineData("uprobe//bin/bash:readline", BpfProgramType.Kprobe, (BpfAttachType)0, "/bin/bash:readline")]
    [InlineData("fentry/do_unlinkat", BpfProgramType.Tracing, BpfAttachType.TraceFentry, "do_unlinkat")]
    [InlineData("fexit/do_unlinkat", BpfProgramType.Tracing, BpfAttachType.TraceFexit, "do_unlinkat")]
    [InlineData("lsm/file_open", BpfProgramType.Lsm, BpfAttachType.LsmMac, "file_open")]
    [InlineData("iter/task", BpfProgramType.Tracing, BpfAttachType.TraceIter, "task")]
    [InlineData("iter.s/task_file", BpfProgramType.Tracing, BpfAttachType.TraceIter, "task_file")]
    [InlineData("fmod_ret/bpf_modify_return_test", BpfProgramType.Tracing, BpfAttachType.ModifyReturn, "bpf_modify_return_test")]
    [InlineData("fexit.s/do_unlinkat", BpfProgramType.Tracing, BpfAttachType.TraceFexit, "do_unlinkat")]
    [InlineData("lsm.s/bprm_committed_creds", BpfProgramType.Lsm, BpfAttachType.LsmMac, "bprm_committed_creds")]
    [InlineData("lsm_cgroup/socket_bind", BpfProgramType.Lsm, BpfAttachType.LsmCgroup, "socket_bind")]
    [InlineData("tp_btf", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, null)]
    [InlineData("perf_event", BpfProgramType.PerfEvent, (BpfAttachType)0, null)]
    [InlineData("socket", BpfProgramType.SocketFilter, (BpfAttachType)0, null)]
    [InlineData("xdp", BpfProgramType.Xdp, BpfAttachType.Xdp, null)]
    [InlineData("xdp.frags", BpfProgramType.Xdp, BpfAttachType.Xdp, null)]
    [InlineData("xdp/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, null)]
    [InlineData("tc", BpfProgramType.SchedCls, (BpfAttachType)0, null)]
    [InlineData("tc/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress, null)]
    [InlineData("classifier", BpfProgramType.SchedCls, (BpfAttachType)0, null)]
    [InlineData("syscall", BpfProgramType.Syscall, (BpfAttachType)0, null)]
    [InlineData("cgroup/connect4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect, null)]
    [InlineData("cgroup_skb/egress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetEgress, null)]
    [InlineData("tracepoint.s/syscalls/sys_enter_openat", BpfProgramType.Tracepoint, (BpfAttachType)0, "syscalls/sys_enter_openat")]
    [InlineData("tp.s/syscalls/sys_enter_getppid", BpfProgramType.Tracepoint, (BpfAttachType)0, "syscalls/sys_enter_getppid")]
    [InlineData("raw_tracepoint.s/sys_enter", BpfProgramType.RawTracepoint, (BpfAttachType)0, "sys_enter")]
    [InlineData("raw_tp.s/sys_exit", BpfProgramType.RawTracepoint, (BpfAttachType)0, "sys_exit")]
    [InlineData("tp_btf.s/sched_switch", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, "sched_switch")]
    [InlineData("uprobe.session//bin/bash:readline", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeSession, "/bin/bash:readline")]
    [InlineData("sk_lookup", BpfProgramType.SkLookup, BpfAttachType.SkLookup, null)]
    [InlineData("netfilter", BpfProgramType.Netfilter, BpfAttachType.Netfilter, null)]
    [InlineData("tc/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress, null)]
    public void Classifies_libbpf_section_names(string section, BpfProgramType type, BpfAttachType attach, string? target)
    {
        Assert.True(SectionTypes.TryClassify(section, out var t, out var a, out var tgt, out _));
        Assert.Equal((type, attach, target), (t, a, tgt));
    }

    [Theory]
    [InlineData("foo")]
    [InlineData("tracepointx/a/b")]
    [InlineData("tcx")]
    [InlineData("")]
    public void Rejects_unknown_sections(string section) =>
        Assert.False(SectionTypes.TryClassify(section, out _, out _, out _, out _));

    [Theory]
    [InlineData("fentry.s/do_unlinkat")]
    [InlineData("tracepoint.s/syscalls/sys_enter_openat")]
    [InlineData("tp.s/syscalls/sys_enter_openat")]
    [InlineData("raw_tracepoint.s/sys_enter")]
    [InlineData("raw_tp.s/sys_enter")]
    [InlineData("tp_btf.s/sched_switch")]
    [InlineData("uprobe.session.s//bin/bash:readline")]
    [InlineData("lsm.s/file_open")]
    [InlineData("syscall")]
    public void Marks_sleepable_sections(string section)
    {
        Assert.True(SectionTypes.TryClassify(section, out _, out _, out _, out bool sleepable));
        Assert.True(sleepable);
    }

    [Theory]
    [InlineData("tracepoint/syscalls/sys_enter_openat")]
    [InlineData("tp/syscalls/sys_enter_openat")]
    [InlineData("raw_tp/sys_enter")]
    [InlineData("tp_btf/sched_switch")]
    [InlineData("uprobe.session//bin/bash:readline")]
    public void The_plain_forms_of_the_new_sleepable_sections_stay_not_sleepable(string section)
    {
        Assert.True(SectionTypes.TryClassify(section, out _, out _, out _, out bool sleepable));
        Assert.False(sleepable);
    }
}
