using System.Buffers.Binary;
using Ebpf.Cgroups;
using Ebpf.Links;
using Ebpf.Pinning;

namespace Ebpf.Tests.Networking;

/// <summary>Link info decoding, mountinfo parsing and pin-name checks, against hand-built input.</summary>
public sealed class LinkPlumbingTests
{
    private static byte[] Union(params uint[] words)
    {
        var b = new byte[48];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(i * 4), words[i]);
        return b;
    }

    [Fact]
    public void Link_info_decodes_each_kind_from_its_union_member()
    {
        Assert.Equal(new XdpLinkInfo(1, 2, 5), LinkInfoDecoder.Decode(6, 1, 2, Union(5)));
        Assert.Equal(new TcxLinkInfo(1, 2, 5, BpfAttachType.TcxEgress), LinkInfoDecoder.Decode(11, 1, 2, Union(5, 47)));
        Assert.Equal(new CgroupLinkInfo(1, 2, 0x1_0000_0009, BpfAttachType.CgroupInetEgress), LinkInfoDecoder.Decode(3, 1, 2, Union(9, 1, 1)));
        Assert.Equal(new NetNsLinkInfo(1, 2, 4026531840, BpfAttachType.SkLookup), LinkInfoDecoder.Decode(5, 1, 2, Union(4026531840, 36)));
        Assert.Equal(new NetfilterLinkInfo(1, 2, NetfilterProtocolFamily.IPv6, NetfilterHook.LocalOut, -100, 1),
            LinkInfoDecoder.Decode(10, 1, 2, Union(10, 3, unchecked((uint)-100), 1)));
        Assert.Equal(new SockMapLinkInfo(1, 2, 8, BpfAttachType.SkMsgVerdict), LinkInfoDecoder.Decode(14, 1, 2, Union(8, 7)));
        Assert.Equal(new TracingLinkInfo(1, 2, BpfAttachType.TraceFentry, 1, 300), LinkInfoDecoder.Decode(2, 1, 2, Union(24, 1, 300)));
        var other = LinkInfoDecoder.Decode(7, 1, 2, Union(1, 2, 3));
        Assert.Equal(typeof(BpfLinkInfo), other.GetType());
        Assert.Equal(BpfLinkType.PerfEvent, other.Type);
    }

    [Fact]
    public void Mountinfo_lines_parse_with_optional_fields_and_escapes()
    {
        var m = MountInfo.Parse("40 30 0:37 / /sys/fs/cgroup/unified rw,relatime shared:9 master:1 - cgroup2 cgroup2 rw");
        Assert.Equal(new MountInfo("/", "/sys/fs/cgroup/unified", "cgroup2"), m);
        Assert.Equal("/mnt/with space", MountInfo.Parse(@"50 1 0:40 / /mnt/with\040space rw - tmpfs none rw")!.Value.MountPoint);
        Assert.Equal(@"/a\b", MountInfo.Unescape(@"/a\134b"));
        Assert.Equal(@"/a\9", MountInfo.Unescape(@"/a\9"));
        Assert.Null(MountInfo.Parse("garbage"));
        Assert.Null(MountInfo.Parse("1 2 3 4 5 6 7 8"));
    }

    [Fact]
    public void Cgroup_v2_mount_prefers_the_whole_hierarchy_over_a_bind_mount_of_part_of_it()
    {
        MountInfo[] hybrid =
        [
            new("/", "/sys/fs/cgroup", "tmpfs"),
            new("/", "/sys/fs/cgroup/memory", "cgroup"),
            new("/", "/sys/fs/cgroup/unified", "cgroup2"),
        ];
        Assert.Equal("/sys/fs/cgroup/unified", CgroupV2.FindMountPoint(hybrid));
        Assert.Equal("/sys/fs/cgroup", CgroupV2.FindMountPoint([new("/kubepods/pod1", "/sys/fs/cgroup/x", "cgroup2"), new("/", "/sys/fs/cgroup", "cgroup2")]));
        Assert.Equal("/c", CgroupV2.FindMountPoint([new("/kubepods/pod1", "/c", "cgroup2")]));
        Assert.Null(CgroupV2.FindMountPoint([new("/", "/sys/fs/cgroup/memory", "cgroup")]));
    }

    [Theory]
    [InlineData("prog", null)]
    [InlineData("xdp_drop.v2", "'.'")] // bpffs refuses dots in names (EPERM from bpf_lookup)
    [InlineData("", "empty")]
    [InlineData(".", "directory")]
    [InlineData("..", "directory")]
    [InlineData("a/b", "'/'")]
    [InlineData("../escape", "'/'")]
    [InlineData("nul\0", "NUL")]
    public void Pin_names_are_one_path_component(string name, string? problem)
    {
        string? why = PinName.Problem(name);
        if (problem is null) Assert.Null(why);
        else Assert.Contains(problem, why, StringComparison.Ordinal);
        Assert.NotNull(PinName.Problem(new string('x', 256)));
        if (problem is not null) Assert.Throws<ArgumentException>(() => PinName.Combine("/sys/fs/bpf/app", name, "program 'p'"));
        else Assert.Equal($"/sys/fs/bpf/app/{name}", PinName.Combine("/sys/fs/bpf/app", name, "program 'p'"));
    }
}
