using Ebpf.Internal.Netlink;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// An XDP program attached to a network interface: a BPF link (BPF_LINK_CREATE, BPF_XDP; kernel 5.9+), or on older
/// kernels through rtnetlink (IFLA_XDP, what <c>ip link set dev X xdp</c> does). A netlink attachment is removed on
/// Dispose only if the program attached is still this one.
/// </summary>
public sealed class XdpLink : BpfLink
{
    private readonly SafeFd? _link;
    private readonly NetlinkSocket? _netlink;
    private SafeFd? _program;
    private bool _removed;

    private XdpLink(string programName, NetworkTarget target, XdpMode mode, SafeFd? link, NetlinkSocket? netlink, SafeFd? program) : base(programName)
    {
        InterfaceName = target.Name;
        InterfaceIndex = target.Index;
        Mode = mode;
        _link = link;
        _netlink = netlink;
        _program = program;
    }

    /// <summary>The interface's name.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface's index (in the network namespace it was attached in).</summary>
    public int InterfaceIndex { get; }

    /// <summary>The mode asked for.</summary>
    public XdpMode Mode { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _link?.IsClosed ?? _netlink!.IsDisposed;

    private protected override SafeFd? LinkFd => _link;

    private protected override string TargetDescription => $"interface '{InterfaceName}' (XDP, {Mode})";

    internal static XdpLink Attach(BpfProgram program, NetworkTarget target, XdpMode mode, bool forceNetlink = false)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Auto, Generic, Driver or Offload.");
        string description = target.Description;
        if (program.Type != BpfProgramType.Xdp || program.ExpectedAttachType is BpfAttachType.XdpDevmap or BpfAttachType.XdpCpumap)
            throw AttachErrors.WrongType(program, description,
                program.Type == BpfProgramType.Xdp
                    ? "it was loaded for a devmap or cpumap entry (xdp/devmap, xdp/cpumap), not for an interface; use SEC(\"xdp\")."
                    : "only XDP programs (SEC(\"xdp\"), SEC(\"xdp.frags\")) attach to an interface's XDP hook.");
        if (!forceNetlink)
        {
            var attr = new Internal.Sys.LinkCreateAttr
            {
                ProgFd = (uint)program.Fd,
                TargetFd = (uint)target.Index,
                AttachType = (uint)BpfAttachType.Xdp,
                Flags = (uint)mode,
            };
            long r = Internal.Sys.Bpf.TryLinkCreate(ref attr);
            if (r >= 0) return new XdpLink(program.Name, target, mode, SafeFd.FromSyscall((int)r), null, null);
            if (!AttachErrors.KernelPredates((int)-r, 5, 9))
                throw Error("BPF_LINK_CREATE", (int)-r, program, description, mode, null);
        }
        return AttachNetlink(program, target, mode);
    }

    private static XdpLink AttachNetlink(BpfProgram program, NetworkTarget target, XdpMode mode)
    {
        var netlink = NetlinkSocket.OpenRoute();
        SafeFd? dup = null;
        try
        {
            // UPDATE_IF_NOEXIST: never replace a program someone else attached.
            int errno = XdpNetlink.TrySet(netlink, target.Index, program.Fd, (uint)mode | Rtnl.XDP_FLAGS_UPDATE_IF_NOEXIST, -1, out string? kernelMessage);
            if (errno != 0) throw Error("RTM_SETLINK", errno, program, target.Description, mode, kernelMessage);
            dup = program.Handle.Duplicate();
            return new XdpLink(program.Name, target, mode, null, netlink, dup);
        }
        catch
        {
            dup?.Dispose();
            netlink.Dispose();
            throw;
        }
    }

    private static BpfException Error(string operation, int errno, BpfProgram program, string target, XdpMode mode, string? kernelMessage)
    {
        string? detail = errno switch
        {
            Errno.EBUSY or Errno.EEXIST => "The interface already has an XDP program (see ip link show); remove it first (ip link set dev IFACE xdp off) or update the link that holds it.",
            Errno.EOPNOTSUPP or Errno.ENOTSUPP => $"The interface's driver does not support XDP in {mode} mode; use XdpMode.Generic.",
            Errno.EINVAL => "The kernel refused the mode or the program: an XDP program attached in another mode conflicts, or the program was loaded for another device.",
            Errno.ENODEV => "The interface went away.",
            Errno.ENOSPC or Errno.ERANGE => "The driver lacks the queues or the MTU for XDP in this mode (a veth needs as many rx queues as its peer has tx queues, and an MTU that fits a page unless the program is xdp.frags).",
            _ => null,
        };
        if (kernelMessage is not null) detail = $"The kernel says: {kernelMessage}. {detail}";
        return AttachErrors.Kernel(operation, errno, program, "XDP", target, detail);
    }

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (_netlink is null)
        {
            base.UpdateCore(program, expectedProgram);
            return;
        }
        if (program.Type != BpfProgramType.Xdp)
            throw AttachErrors.WrongType(program, TargetDescription, "only XDP programs replace an XDP program.");
        RequireAttached();
        // XDP_FLAGS_REPLACE with the expected fd: the kernel swaps only if that program is attached now.
        int expectedFd = expectedProgram?.Fd ?? _program!.Fd;
        int errno = XdpNetlink.TrySet(_netlink, InterfaceIndex, program.Fd, (uint)Mode, expectedFd, out string? kernelMessage);
        if (errno == Errno.EEXIST)
            throw new BpfAttachException("RTM_SETLINK", errno, program.Name, TargetDescription,
                $"Cannot replace the XDP program on {TargetDescription} with '{program.Name}': '{expectedProgram?.Name ?? ProgramName}' is not the one attached any more.");
        if (errno != 0) throw Error("RTM_SETLINK", errno, program, TargetDescription, Mode, kernelMessage);
        var old = _program;
        _program = program.Handle.Duplicate();
        old?.Dispose();
    }

    private protected override void DetachCore()
    {
        if (_netlink is null)
        {
            base.DetachCore();
            return;
        }
        RemoveNetlink();
    }

    private void RequireAttached()
    {
        if (_removed) throw new InvalidOperationException($"The XDP program '{ProgramName}' was detached from {TargetDescription}.");
    }

    /// <summary>Removes the netlink attachment if this program is still the one attached (XDP_FLAGS_REPLACE), and
    /// leaves a program someone else attached since alone.</summary>
    private void RemoveNetlink()
    {
        if (_removed || _netlink is null || _program is null) return;
        _removed = true;
        int errno = XdpNetlink.TrySet(_netlink, InterfaceIndex, -1, (uint)Mode, _program.Fd, out _);
        if (errno == Errno.EINVAL)
        {
            // Kernels before 5.7 have no XDP_FLAGS_REPLACE: look, then remove only our own program.
            uint ours = Internal.Sys.Bpf.GetInfo<Internal.Sys.BpfProgInfo>(_program, $"program '{ProgramName}'").Id;
            if (XdpNetlink.Query(_netlink, InterfaceIndex, TargetDescription).Has(ours))
                _ = XdpNetlink.TrySet(_netlink, InterfaceIndex, -1, (uint)Mode, -1, out _);
        }
        // EEXIST: another program replaced ours; ENODEV: the interface is gone. Either way nothing of ours is left.
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _link?.Dispose();
        if (_netlink is not null && !_netlink.IsDisposed)
        {
            try
            {
                RemoveNetlink();
            }
            finally
            {
                _program?.Dispose();
                _netlink.Dispose();
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> xdp/{InterfaceName} ({Mode}{(_netlink is null ? "" : ", netlink")})";
}
