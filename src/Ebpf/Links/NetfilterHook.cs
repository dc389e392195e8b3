namespace Ebpf.Links;

/// <summary>The netfilter hooks (<c>enum nf_inet_hooks</c>).</summary>
public enum NetfilterHook : uint
{
    /// <summary>NF_INET_PRE_ROUTING: every incoming packet, before routing.</summary>
    PreRouting = 0,
    /// <summary>NF_INET_LOCAL_IN: incoming packets for this host.</summary>
    LocalIn = 1,
    /// <summary>NF_INET_FORWARD: packets routed through this host.</summary>
    Forward = 2,
    /// <summary>NF_INET_LOCAL_OUT: packets this host sends.</summary>
    LocalOut = 3,
    /// <summary>NF_INET_POST_ROUTING: every outgoing packet, after routing.</summary>
    PostRouting = 4,
}
