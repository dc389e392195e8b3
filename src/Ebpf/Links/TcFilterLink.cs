using Ebpf.Internal.Netlink;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A classic tc classifier: a bpf filter in direct-action mode on the interface's clsact qdisc, made through rtnetlink
/// as <c>tc filter add dev X ingress bpf da</c> does (any kernel with clsact, 4.5+). The clsact qdisc is created when
/// missing. Dispose removes exactly this filter (if it still runs this program), and the qdisc when this process
/// created it and no filter is left on it. The program's return value is the verdict (TC_ACT_OK, TC_ACT_SHOT...).
/// </summary>
public sealed class TcFilterLink : BpfLink
{
    private readonly NetlinkSocket _netlink;
    private readonly string _netns;
    private SafeFd _program;
    private uint _programId;
    private bool _removed;

    private TcFilterLink(string programName, NetworkTarget target, TcDirection direction, ushort priority, uint handle, bool createdQdisc,
        NetlinkSocket netlink, string netns, SafeFd program, uint programId) : base(programName)
    {
        InterfaceName = target.Name;
        InterfaceIndex = target.Index;
        Direction = direction;
        Priority = priority;
        Handle = handle;
        CreatedQdisc = createdQdisc;
        _netlink = netlink;
        _netns = netns;
        _program = program;
        _programId = programId;
    }

    /// <summary>The interface's name.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface's index.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Ingress or egress.</summary>
    public TcDirection Direction { get; }

    /// <summary>The filter's priority (<c>pref</c> in <c>tc filter show</c>): lower runs first.</summary>
    public ushort Priority { get; }

    /// <summary>The filter's handle.</summary>
    public uint Handle { get; }

    /// <summary>True when attaching this filter created the interface's clsact qdisc.</summary>
    public bool CreatedQdisc { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _netlink.IsDisposed;

    private protected override string TargetDescription => $"interface '{InterfaceName}' (tc {Direction.ToString().ToLowerInvariant()} filter, pref {Priority} handle 0x{Handle:x})";

    private uint Parent => TcNetlink.HookParent(Direction == TcDirection.Egress);

    internal static TcFilterLink Attach(BpfProgram program, NetworkTarget target, TcDirection direction, ushort priority, uint handle)
    {
        if (!Enum.IsDefined(direction)) throw new ArgumentOutOfRangeException(nameof(direction), direction, "Ingress or Egress.");
        string where = $"{target.Description} (tc {direction.ToString().ToLowerInvariant()})";
        if (program.Type != BpfProgramType.SchedCls)
            throw AttachErrors.WrongType(program, where, program.Type == BpfProgramType.SchedAct
                ? "tc actions (SEC(\"action\")) need the act_bpf action, which Ebpf.Net does not attach; write the program as a classifier (SEC(\"tc\")): in direct-action mode its return value is the action."
                : "only tc classifier programs (SEC(\"tc\"), SEC(\"classifier\"), SEC(\"tcx/...\")) attach as tc filters.");
        var netlink = NetlinkSocket.OpenRoute();
        // Not the namespace's inode: a namespace made after this one is gone may get it, and then a qdisc this process
        // created in the old one would pass for one it created in the new one (and be deleted under its owner).
        string netns = netlink.NamespaceIdentity();
        bool created = false;
        SafeFd? dup = null;
        try
        {
            lock (ClsactQdiscs.SyncRoot)
            {
                created = TcNetlink.AddClsact(netlink, target.Index, where);
                if (created) ClsactQdiscs.MarkCreated(netns, target.Index);
            }
            var (h, p) = TcNetlink.AddFilter(netlink, target.Index, TcNetlink.HookParent(direction == TcDirection.Egress), priority, handle,
                program.Fd, program.Name, replace: false, where);
            dup = program.Handle.Duplicate();
            return new TcFilterLink(program.Name, target, direction, p, h, created, netlink, netns, dup, program.Id);
        }
        catch (BpfException e)
        {
            dup?.Dispose();
            if (created) RemoveQdiscIfUnused(netlink, netns, target.Index);
            netlink.Dispose();
            if (e is BpfAttachException or BpfPermissionException) throw;
            string? detail = e.Errno switch
            {
                Errno.EEXIST => $"A filter with priority {priority} and handle 0x{handle:x} exists already.",
                Errno.ENOENT or Errno.EINVAL => "Is the interface's ingress qdisc a clsact one (tc qdisc show dev IFACE)? An 'ingress' qdisc has no egress hook.",
                _ => null,
            };
            throw AttachErrors.Kernel(e.Operation, e.Errno, program, "tc", where, detail is null ? e.Message : $"{e.Message} {detail}");
        }
        catch
        {
            dup?.Dispose();
            if (created) RemoveQdiscIfUnused(netlink, netns, target.Index);
            netlink.Dispose();
            throw;
        }
    }

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (program.Type != BpfProgramType.SchedCls)
            throw AttachErrors.WrongType(program, TargetDescription, "only tc classifier programs replace a tc filter's program.");
        if (_removed) throw new InvalidOperationException($"The tc filter of '{ProgramName}' on {TargetDescription} was removed.");
        uint? current = TcNetlink.FilterProgramId(_netlink, InterfaceIndex, Parent, Priority, Handle, TargetDescription);
        uint expected = expectedProgram?.Id ?? _programId;
        if (current != expected)
            throw new BpfAttachException("RTM_GETTFILTER", 0, program.Name, TargetDescription,
                current is null
                    ? $"Cannot replace the program of the tc filter on {TargetDescription}: the filter is gone."
                    : $"Cannot replace the program of the tc filter on {TargetDescription}: it runs program id {current}, not '{expectedProgram?.Name ?? ProgramName}' (id {expected}).");
        TcNetlink.AddFilter(_netlink, InterfaceIndex, Parent, Priority, Handle, program.Fd, program.Name, replace: true, TargetDescription);
        var old = _program;
        _program = program.Handle.Duplicate();
        _programId = program.Id;
        old.Dispose();
    }

    private protected override void DetachCore() => Remove();

    /// <summary>Deletes the filter if it still runs this program, then the qdisc if this process created it and it is empty.</summary>
    private void Remove()
    {
        if (_removed) return;
        _removed = true;
        if (TcNetlink.FilterProgramId(_netlink, InterfaceIndex, Parent, Priority, Handle, TargetDescription) == _programId)
            _ = TcNetlink.TryDeleteFilter(_netlink, InterfaceIndex, Parent, Priority, Handle);
        RemoveQdiscIfUnused(_netlink, _netns, InterfaceIndex);
    }

    private static void RemoveQdiscIfUnused(NetlinkSocket netlink, string netns, int ifindex)
    {
        lock (ClsactQdiscs.SyncRoot)
        {
            if (!ClsactQdiscs.WasCreated(netns, ifindex)) return;
            try
            {
                if (TcNetlink.List(netlink, ifindex, TcNetlink.HookParent(false), "clsact ingress").Count > 0
                    || TcNetlink.List(netlink, ifindex, TcNetlink.HookParent(true), "clsact egress").Count > 0)
                    return;
            }
            catch (BpfException e) when (e.Errno is Errno.ENODEV or Errno.EINVAL or Errno.ENOENT)
            {
                // The interface or the qdisc is gone: nothing to remove.
                ClsactQdiscs.Forget(netns, ifindex);
                return;
            }
            _ = TcNetlink.TryDeleteClsact(netlink, ifindex);
            ClsactQdiscs.Forget(netns, ifindex);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing || _netlink.IsDisposed) return;
        try
        {
            Remove();
        }
        finally
        {
            _program.Dispose();
            _netlink.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> tc/{Direction.ToString().ToLowerInvariant()} on {InterfaceName} (pref {Priority} handle 0x{Handle:x})";
}
