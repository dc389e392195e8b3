namespace Ebpf.Links;

/// <summary>Where an XDP program runs on an interface (the <c>XDP_FLAGS_*_MODE</c> flags).</summary>
public enum XdpMode : uint
{
    /// <summary>Let the kernel choose: the driver mode when the driver supports XDP, else generic.</summary>
    Auto = 0,
    /// <summary>Generic XDP (<c>skb</c> mode, XDP_FLAGS_SKB_MODE): in the network stack, for every driver; slower.</summary>
    Generic = 2,
    /// <summary>Native XDP (<c>drv</c> mode, XDP_FLAGS_DRV_MODE): in the driver, before an skb is allocated.</summary>
    Driver = 4,
    /// <summary>Offloaded to the NIC (<c>hw</c> mode, XDP_FLAGS_HW_MODE); the program must have been loaded for that device.</summary>
    Offload = 8,
}
