namespace Ebpf.Links;

/// <summary>The protocol family of a netfilter hook (<c>NFPROTO_*</c>).</summary>
public enum NetfilterProtocolFamily : uint
{
    /// <summary>NFPROTO_IPV4.</summary>
    IPv4 = 2,
    /// <summary>NFPROTO_IPV6.</summary>
    IPv6 = 10,
}
