namespace Ebpf.Links;

/// <summary>Which traffic a tc program sees on its interface.</summary>
public enum TcDirection
{
    /// <summary>Packets the interface receives.</summary>
    Ingress,
    /// <summary>Packets the interface sends.</summary>
    Egress,
}
