using System.Net.Sockets;
using System.Runtime.InteropServices;
using Ebpf.Links;

namespace Ebpf;

// The attach calls for network and cgroup hooks. Each forwards to its link type in Links/, which checks the program's
// type and the target and throws a BpfAttachException naming both (with nothing left attached) when they do not fit.
public sealed partial class BpfProgram
{
    /// <summary>
    /// Attaches the program where its type and section say, to the target in <paramref name="options"/>: XDP and tc
    /// programs to <see cref="AttachOptions.Interface"/>, cgroup programs to <see cref="AttachOptions.Cgroup"/>,
    /// sk_lookup / flow_dissector / netfilter programs to <see cref="AttachOptions.NetworkNamespace"/>; tracing
    /// programs as <see cref="Attach()"/> does.
    /// </summary>
    /// <exception cref="BpfAttachException">The target is missing or does not exist, or the kernel refused.</exception>
    public BpfLink Attach(AttachOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NetworkAttach.Attach(this, options);
    }

    /// <summary>Attaches an XDP program to interface <paramref name="interfaceName"/> (BPF link; rtnetlink on kernels
    /// before 5.9).</summary>
    /// <exception cref="BpfAttachException">No such interface, not an XDP program, another XDP program is attached, or
    /// the driver does not support <paramref name="mode"/>.</exception>
    public XdpLink AttachXdp(string interfaceName, XdpMode mode = XdpMode.Auto)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return XdpLink.Attach(this, NetworkTarget.Resolve(interfaceName, this, "XDP"), mode);
    }

    /// <summary>Attaches an XDP program to the interface with index <paramref name="interfaceIndex"/>.</summary>
    /// <exception cref="BpfAttachException">As <see cref="AttachXdp(string, XdpMode)"/>.</exception>
    public XdpLink AttachXdp(int interfaceIndex, XdpMode mode = XdpMode.Auto)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return XdpLink.Attach(this, NetworkTarget.Resolve(interfaceIndex, this, "XDP"), mode);
    }

    /// <summary>
    /// Attaches a tc classifier to interface <paramref name="interfaceName"/> through tcx (a BPF link, kernel 6.6+), in
    /// <paramref name="direction"/> (default: the one its section names, <c>tcx/ingress</c> or <c>tcx/egress</c>), at
    /// <paramref name="anchor"/> among the programs there (default: last). <paramref name="expectedRevision"/> (non-zero)
    /// makes the attach fail if the hook's programs changed since that revision.
    /// </summary>
    /// <exception cref="BpfAttachException">No such interface, not a tc program, no direction, or the kernel refused.</exception>
    public TcxLink AttachTcx(string interfaceName, TcDirection? direction = null, LinkAnchor? anchor = null, ulong expectedRevision = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return TcxLink.Attach(this, NetworkTarget.Resolve(interfaceName, this, "tcx"), direction, anchor, expectedRevision);
    }

    /// <summary>As <see cref="AttachTcx(string, TcDirection?, LinkAnchor?, ulong)"/>, by interface index.</summary>
    public TcxLink AttachTcx(int interfaceIndex, TcDirection? direction = null, LinkAnchor? anchor = null, ulong expectedRevision = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return TcxLink.Attach(this, NetworkTarget.Resolve(interfaceIndex, this, "tcx"), direction, anchor, expectedRevision);
    }

    /// <summary>
    /// Attaches a tc classifier to interface <paramref name="interfaceName"/> as a classic bpf filter in direct-action
    /// mode on its clsact qdisc (created when missing), as <c>tc filter add ... bpf da</c> does. A zero
    /// <paramref name="priority"/> or <paramref name="handle"/> lets the kernel choose.
    /// </summary>
    /// <exception cref="BpfAttachException">No such interface, not a tc classifier, or the kernel refused.</exception>
    public TcFilterLink AttachTc(string interfaceName, TcDirection direction, ushort priority = 0, uint handle = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return TcFilterLink.Attach(this, NetworkTarget.Resolve(interfaceName, this, "tc"), direction, priority, handle);
    }

    /// <summary>As <see cref="AttachTc(string, TcDirection, ushort, uint)"/>, by interface index.</summary>
    public TcFilterLink AttachTc(int interfaceIndex, TcDirection direction, ushort priority = 0, uint handle = 0)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return TcFilterLink.Attach(this, NetworkTarget.Resolve(interfaceIndex, this, "tc"), direction, priority, handle);
    }

    /// <summary>
    /// Attaches a cgroup program (<c>cgroup_skb/*</c>, <c>cgroup/*</c>, <c>sockops</c>) to cgroup <paramref name="cgroup"/>:
    /// a cgroup v2 directory, or a path inside the hierarchy (<c>/app</c>; the mount point is found in mountinfo).
    /// <paramref name="attachType"/> names the hook where the section does not (<c>cgroup/skb</c>);
    /// <paramref name="legacyMode"/> applies where BPF_PROG_ATTACH is used (kernels before 5.7).
    /// </summary>
    /// <exception cref="BpfAttachException">No such cgroup (or a v1 one), not a cgroup program, or the hook refused.</exception>
    public CgroupLink AttachCgroup(string cgroup, BpfAttachType? attachType = null, CgroupAttachMode legacyMode = CgroupAttachMode.Multi)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return CgroupLink.Attach(this, cgroup, attachType, legacyMode);
    }

    /// <summary>As <see cref="AttachCgroup(string, BpfAttachType?, CgroupAttachMode)"/>, to an open cgroup v2 directory.</summary>
    public CgroupLink AttachCgroup(SafeHandle cgroup, BpfAttachType? attachType = null, CgroupAttachMode legacyMode = CgroupAttachMode.Multi)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return CgroupLink.Attach(this, cgroup, attachType, legacyMode);
    }

    /// <summary>Attaches a socket filter (<c>SEC("socket")</c>) to <paramref name="socket"/> (SO_ATTACH_BPF); Dispose
    /// detaches it.</summary>
    /// <exception cref="BpfAttachException">Not a socket filter program, or the kernel refused.</exception>
    public SocketFilterLink AttachSocketFilter(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return AttachSocketFilter(socket.SafeHandle);
    }

    /// <summary>Attaches a socket filter to the socket <paramref name="socket"/> holds.</summary>
    public SocketFilterLink AttachSocketFilter(SafeHandle socket)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return SocketFilterLink.Attach(this, socket);
    }

    /// <summary>Attaches an sk_lookup program to network namespace <paramref name="networkNamespace"/> (a namespace
    /// file such as <c>/var/run/netns/NAME</c>; default: this process's).</summary>
    /// <exception cref="BpfAttachException">Not an sk_lookup program, no such namespace, or the kernel refused.</exception>
    public NetNsLink AttachSkLookup(string? networkNamespace = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NetNsLink.Attach(this, BpfAttachType.SkLookup, networkNamespace);
    }

    /// <summary>Attaches an sk_lookup program to the network namespace open in <paramref name="networkNamespace"/>.</summary>
    public NetNsLink AttachSkLookup(SafeHandle networkNamespace)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NetNsLink.Attach(this, BpfAttachType.SkLookup, networkNamespace);
    }

    /// <summary>Attaches a flow_dissector program to network namespace <paramref name="networkNamespace"/> (default:
    /// this process's).</summary>
    /// <exception cref="BpfAttachException">Not a flow_dissector program, no such namespace, or one is attached already.</exception>
    public NetNsLink AttachFlowDissector(string? networkNamespace = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NetNsLink.Attach(this, BpfAttachType.FlowDissector, networkNamespace);
    }

    /// <summary>
    /// Attaches a netfilter program to <paramref name="hook"/> of <paramref name="family"/> at
    /// <paramref name="priority"/>, in network namespace <paramref name="networkNamespace"/> (a namespace file; default:
    /// this process's), with IP defragmentation first when <paramref name="defragment"/> is true.
    /// </summary>
    /// <exception cref="BpfAttachException">Not a netfilter program, or the kernel refused the hook or priority.</exception>
    public NetfilterLink AttachNetfilter(NetfilterProtocolFamily family, NetfilterHook hook, int priority, bool defragment = false, string? networkNamespace = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return NetfilterLink.Attach(this, family, hook, priority, defragment, networkNamespace);
    }

    /// <summary>Attaches an sk_msg or sk_skb program to sockmap or sockhash <paramref name="map"/>;
    /// <paramref name="attachType"/> names the hook where the section does not (plain <c>sk_skb</c>).</summary>
    /// <exception cref="BpfAttachException">Not an sk_msg/sk_skb program, not a sockmap/sockhash, or the hook is taken.</exception>
    public SockMapLink AttachSockMap(BpfMap map, BpfAttachType? attachType = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return SockMapLink.Attach(this, map, attachType);
    }
}
