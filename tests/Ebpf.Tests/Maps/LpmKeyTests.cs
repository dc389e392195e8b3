using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Maps;

namespace Ebpf.Tests.Maps;

/// <summary>struct bpf_lpm_trie_key: the prefix length as a host-order u32, then the data in network order.</summary>
public class LpmKeyTests
{
    [Fact]
    public void An_ipv4_key_is_the_prefix_length_then_the_address_bytes_as_sent()
    {
        var key = new LpmKeyIPv4(IPAddress.Parse("10.1.2.0"), 24);
        Assert.Equal(8, Unsafe.SizeOf<LpmKeyIPv4>());
        Assert.Equal(new byte[] { 24, 0, 0, 0, 10, 1, 2, 0 }, MemoryMarshal.AsBytes(new ReadOnlySpan<LpmKeyIPv4>(ref key)).ToArray());
        Assert.Equal(IPAddress.Parse("10.1.2.0"), key.Address);
        Assert.Equal("10.1.2.0/24", key.ToString());
    }

    [Fact]
    public void An_ipv6_key_is_20_bytes()
    {
        var key = new LpmKeyIPv6(IPAddress.Parse("2001:db8::1"), 64);
        Assert.Equal(20, Unsafe.SizeOf<LpmKeyIPv6>());
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<LpmKeyIPv6>(ref key)).ToArray();
        Assert.Equal(new byte[] { 64, 0, 0, 0, 0x20, 0x01, 0x0d, 0xb8 }, bytes[..8]);
        Assert.Equal(1, bytes[19]);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), key.Address);
        Assert.Equal(key, new LpmKeyIPv6(IPAddress.Parse("2001:db8::1"), 64));
        Assert.NotEqual(key, new LpmKeyIPv6(IPAddress.Parse("2001:db8::1"), 48));
    }

    [Fact]
    public void Any_data_can_be_keyed_and_bad_lengths_are_refused()
    {
        Assert.Equal(new byte[] { 12, 0, 0, 0, 0xab, 0xc0 }, LpmKey.Create(12, [0xab, 0xc0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => LpmKey.Create(17, [1, 2]));
        Assert.Throws<ArgumentException>(() => LpmKey.Write(new byte[5], 8, [1, 2]));
        Assert.Throws<ArgumentException>(() => new LpmKeyIPv4(IPAddress.IPv6Loopback, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LpmKeyIPv4(IPAddress.Loopback, 33));
        Assert.Throws<ArgumentException>(() => new LpmKeyIPv6(IPAddress.Loopback, 8));
    }
}
