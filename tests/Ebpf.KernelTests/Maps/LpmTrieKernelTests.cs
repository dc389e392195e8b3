using System.Net;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.TestRuns;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>LPM trie keys from user space, matched by the kernel: from user space and by an XDP program classifying the
/// source address of crafted packets.</summary>
[Trait("Category", "Kernel")]
public sealed class LpmTrieKernelTests
{
    private const uint XdpDrop = 1, XdpPass = 2, XdpTx = 3;

    [Fact]
    public void The_longest_prefix_wins_for_programs_and_lookups()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var routes = obj.Map("routes");
        routes.Update(new LpmKeyIPv4(IPAddress.Parse("10.0.0.0"), 8), XdpDrop);
        routes.Update(new LpmKeyIPv4(IPAddress.Parse("10.1.0.0"), 16), XdpTx);
        var classify = obj.Program("lpm_classify");
        uint Verdict(string source) => classify.TestRun(new Ebpf.TestRuns.TestRunOptions { Data = Packets.Udp(53, source: source) }).ReturnValue;

        Assert.Equal(XdpTx, Verdict("10.1.2.3"));
        Assert.Equal(XdpDrop, Verdict("10.2.0.1"));
        Assert.Equal(XdpPass, Verdict("192.168.0.1"));

        Assert.True(routes.TryLookup(new LpmKeyIPv4(IPAddress.Parse("10.1.200.7"), 32), out uint value));
        Assert.Equal(XdpTx, value);
        Assert.True(routes.Delete(new LpmKeyIPv4(IPAddress.Parse("10.1.0.0"), 16)));
        Assert.Equal(XdpDrop, Verdict("10.1.2.3"));
    }

    [Fact]
    public void Ipv6_prefixes_match_in_a_trie_made_in_code()
    {
        KernelGuard.RequireRoot();
        using var trie = BpfMap.Create(new MapSpec
        {
            Name = "routes6", Type = BpfMapType.LpmTrie, KeySize = 20, ValueSize = 4, MaxEntries = 8, Flags = (uint)BpfMapFlags.NoPrealloc,
        });
        trie.Update(new LpmKeyIPv6(IPAddress.Parse("2001:db8::"), 32), 1u);
        trie.Update(new LpmKeyIPv6(IPAddress.Parse("2001:db8:1::"), 48), 2u);
        Assert.Equal(2u, trie.Lookup<LpmKeyIPv6, uint>(new LpmKeyIPv6(IPAddress.Parse("2001:db8:1::5"), 128)));
        Assert.Equal(1u, trie.Lookup<LpmKeyIPv6, uint>(new LpmKeyIPv6(IPAddress.Parse("2001:db8:2::5"), 128)));
        var missing = Assert.Throws<BpfMapException>(() => trie.Lookup<LpmKeyIPv6, uint>(new LpmKeyIPv6(IPAddress.Parse("2001:db9::"), 128)));
        Assert.Equal(2, missing.Errno);
        var keys = new List<string>();
        foreach (var key in trie.Keys<LpmKeyIPv6>()) keys.Add(key.ToString());
        Assert.Equal(new[] { "2001:db8::/32", "2001:db8:1::/48" }.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
    }
}
