namespace Ebpf.Links;

/// <summary>
/// Chooses the hook for <see cref="BpfProgram.Attach(AttachOptions)"/> from the program's type and section, and the
/// target from the options: one place that knows which attach call fits which program.
/// </summary>
internal static class NetworkAttach
{
    /// <summary>True for the program types this dispatch attaches (the rest attach where their section says).</summary>
    internal static bool Handles(BpfProgramType type) => type is BpfProgramType.Xdp or BpfProgramType.SchedCls or BpfProgramType.SchedAct
        or BpfProgramType.SkLookup or BpfProgramType.FlowDissector or BpfProgramType.Netfilter or BpfProgramType.SocketFilter
        or BpfProgramType.SkMsg or BpfProgramType.SkSkb || CgroupHooks.IsCgroupProgram(type);

    internal static BpfLink Attach(BpfProgram program, AttachOptions options)
    {
        switch (program.Type)
        {
            case BpfProgramType.Xdp:
                return XdpLink.Attach(program, Interface(program, options, "XDP"), options.XdpMode);
            case BpfProgramType.SchedCls:
            {
                var target = Interface(program, options, "tc");
                var sectionDirection = TcxLink.SectionDirection(program);
                if (sectionDirection is not null || options.PreferTcx)
                    return TcxLink.Attach(program, target, options.TcDirection ?? sectionDirection ?? TcDirection.Ingress, null, 0);
                return TcFilterLink.Attach(program, target, options.TcDirection ?? TcDirection.Ingress, 0, 0);
            }
            case BpfProgramType.SchedAct:
                throw AttachErrors.WrongType(program, "a tc hook",
                    "tc actions (SEC(\"action\")) need the act_bpf action, which Ebpf.Net does not attach; write the program as a classifier (SEC(\"tc\")): in direct-action mode its return value is the action.");
            case BpfProgramType.SkLookup:
                return NetNsLink.Attach(program, BpfAttachType.SkLookup, options.NetworkNamespace);
            case BpfProgramType.FlowDissector:
                return NetNsLink.Attach(program, BpfAttachType.FlowDissector, options.NetworkNamespace);
            case BpfProgramType.Netfilter:
            {
                var hook = options.NetfilterHook ?? throw Missing(program, "netfilter hook", "set AttachOptions.NetfilterHook (and NetfilterFamily, NetfilterPriority)");
                return NetfilterLink.Attach(program, options.NetfilterFamily, hook, options.NetfilterPriority, false, options.NetworkNamespace);
            }
            case BpfProgramType.SocketFilter:
                throw Missing(program, "socket", "socket filters attach to one socket: call AttachSocketFilter(socket)");
            case BpfProgramType.SkMsg or BpfProgramType.SkSkb:
                throw Missing(program, "sockmap", "sk_msg and sk_skb programs attach to a sockmap or sockhash: call AttachSockMap(map)");
            default:
                if (CgroupHooks.IsCgroupProgram(program.Type))
                {
                    string cgroup = options.Cgroup ?? throw Missing(program, "cgroup", "set AttachOptions.Cgroup (ebpf attach --cgroup PATH)");
                    return CgroupLink.Attach(program, cgroup, options.AttachType, options.CgroupMode);
                }
                return program.Attach();
        }
    }

    /// <summary>True for the program types that attach to a network interface (XDP, tcx, tc).</summary>
    internal static bool UsesInterface(BpfProgramType type) => type is BpfProgramType.Xdp or BpfProgramType.SchedCls;

    /// <summary>
    /// The error for a target in <paramref name="options"/> that none of <paramref name="programs"/> attaches to (an
    /// interface, a cgroup, an XDP mode), naming the programs and the target; null when every target given is used.
    /// </summary>
    internal static BpfAttachException? UnusedTarget(IReadOnlyList<(string Name, string Section, BpfProgramType Type)> programs, AttachOptions options)
    {
        if (programs.Count == 0) return null;
        if (options.Interface is { } iface && !programs.Any(p => UsesInterface(p.Type)))
            return Unused(programs, $"interface '{iface}'", "only XDP and tc programs attach to an interface");
        if (options.XdpMode != XdpMode.Auto && !programs.Any(p => p.Type == BpfProgramType.Xdp))
            return Unused(programs, $"XDP mode {options.XdpMode}", "only XDP programs take an XDP mode");
        if (options.Cgroup is { } cgroup && !programs.Any(p => CgroupHooks.IsCgroupProgram(p.Type)))
            return Unused(programs, $"cgroup '{cgroup}'", "only cgroup programs (cgroup_skb/*, cgroup/*, sockops) attach to a cgroup");
        return null;
    }

    private static BpfAttachException Unused(IReadOnlyList<(string Name, string Section, BpfProgramType Type)> programs, string target, string rule)
    {
        string which = string.Join(", ", programs.Select(p => $"'{p.Name}' ({(p.Section.Length == 0 ? "" : p.Section + ", ")}{p.Type})"));
        return new BpfAttachException("attach", 0, programs[0].Name, target,
            $"Cannot attach program{(programs.Count == 1 ? "" : "s")} {which} to {target}: {rule}. Nothing was attached.");
    }

    private static NetworkTarget Interface(BpfProgram program, AttachOptions options, string kind) =>
        NetworkTarget.Resolve(options.Interface ?? throw Missing(program, "network interface", $"{kind} programs attach to an interface: set AttachOptions.Interface (ebpf attach --iface DEV)"), program, kind);

    private static BpfAttachException Missing(BpfProgram program, string what, string hint) =>
        new("attach", 0, program.Name, $"no {what}", $"Program '{program.Name}' ({program.SectionName}, {program.Type}) needs a {what} to attach to: {hint}.");

    /// <summary>The message for <see cref="BpfProgram.Attach()"/> on a program that needs a target it cannot name.</summary>
    internal static NotSupportedException NeedsTarget(BpfProgram program)
    {
        string call = program.Type switch
        {
            BpfProgramType.Xdp => "AttachXdp(interface)",
            BpfProgramType.SchedCls => "AttachTcx(interface) or AttachTc(interface, direction)",
            BpfProgramType.SkLookup => "AttachSkLookup()",
            BpfProgramType.FlowDissector => "AttachFlowDissector()",
            BpfProgramType.Netfilter => "AttachNetfilter(family, hook, priority)",
            BpfProgramType.SocketFilter => "AttachSocketFilter(socket)",
            BpfProgramType.SkMsg or BpfProgramType.SkSkb => "AttachSockMap(map)",
            _ when CgroupHooks.IsCgroupProgram(program.Type) => "AttachCgroup(path)",
            _ => "Attach(AttachOptions)",
        };
        return new NotSupportedException(
            $"Program '{program.Name}' ({program.SectionName}) is a {program.Type} program: its section names no target; call {call}, or Attach(new AttachOptions {{ ... }}).");
    }
}
