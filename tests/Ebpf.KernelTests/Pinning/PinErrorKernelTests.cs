using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Pinning;

/// <summary>
/// Pinning errors name their real cause. The kernel answers EPERM both for a directory that is not on a bpffs and for a
/// name with a dot, and EACCES for a file that is not a BPF object; none of these is a missing capability, which is
/// what a bare errno translation used to say.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class PinErrorKernelTests
{
    private static BpfMap NewMap(string name = "pinerr") =>
        BpfMap.Create(new MapSpec { Name = name, Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 });

    [Fact]
    public void Pinning_outside_a_bpffs_says_so_and_not_that_a_capability_is_missing()
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-not-bpffs-");
        try
        {
            using var map = NewMap();
            var ex = Assert.Throws<BpfFeatureNotSupportedException>(() => map.Pin(Path.Combine(dir.FullName, "m")));
            Assert.Contains("not on a BPF file system", ex.Message, StringComparison.Ordinal);
            Assert.Contains(dir.FullName, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("CAP_", ex.Message, StringComparison.Ordinal);
            Assert.Empty(dir.GetFileSystemInfos());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("with.dot")]
    [InlineData("..")]
    [InlineData("trailing/")]
    public void A_pin_name_bpffs_cannot_hold_is_refused_before_the_syscall(string name)
    {
        using var fs = new PrivateBpfFs();
        using var map = NewMap();
        var ex = Assert.Throws<ArgumentException>(() => map.Pin(fs.Path + "/" + name));
        Assert.Contains("cannot be a bpffs entry", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fs.Entries());
    }

    [Fact]
    public void A_missing_directory_and_a_taken_path_are_named_as_such()
    {
        using var fs = new PrivateBpfFs();
        using var map = NewMap();
        var missing = Assert.ThrowsAny<BpfException>(() => map.Pin(fs.Pin("no-such-dir", "m")));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);

        map.Pin(fs.Pin("m"));
        using var other = NewMap();
        var taken = Assert.ThrowsAny<BpfException>(() => other.Pin(fs.Pin("m")));
        Assert.Equal(17, taken.Errno); // EEXIST
        Assert.Contains("taken", taken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Opening_a_pinned_program_as_a_map_names_what_is_pinned_there()
    {
        using var fs = new PrivateBpfFs();
        using var obj = BpfObject.Load(TestObjects.Path("loader_pinning.bpf.o"), new BpfLoadOptions { PinPath = fs.Pin("maps") });
        obj.Program("count").Pin(fs.Pin("prog"));
        var ex = Assert.ThrowsAny<BpfException>(() => BpfMap.OpenPinned(fs.Pin("prog")));
        Assert.Contains("holds a pinned program, not a map", ex.Message, StringComparison.Ordinal);
        var reverse = Assert.ThrowsAny<BpfException>(() => BpfProgram.OpenPinned(fs.Pin("maps", "pinned_counts")));
        Assert.Contains("holds a pinned map, not a program", reverse.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_program_pinned_where_a_map_is_pinned_by_name_is_not_taken_for_the_map()
    {
        using var fs = new PrivateBpfFs();
        using var holder = BpfObject.Load(TestObjects.Path("loader_pinning.bpf.o"), new BpfLoadOptions { PinPath = fs.Pin("a") });
        Directory.CreateDirectory(fs.Pin("b"));
        holder.Program("count").Pin(fs.Pin("b", "pinned_counts"));
        var ex = Assert.ThrowsAny<BpfException>(() => BpfObject.Load(TestObjects.Path("loader_pinning.bpf.o"), new BpfLoadOptions { PinPath = fs.Pin("b") }));
        Assert.Contains("'pinned_counts'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("holds a pinned program, not a map", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_incompatible_pinned_map_lists_every_attribute_that_differs()
    {
        using var fs = new PrivateBpfFs();
        using var other = BpfMap.Create(new MapSpec { Name = "other", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 16 });
        Directory.CreateDirectory(fs.Pin("pins"));
        other.Pin(fs.Pin("pins", "pinned_counts"));
        var ex = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("loader_pinning.bpf.o"), new BpfLoadOptions { PinPath = fs.Pin("pins") }));
        Assert.Contains("type Hash (declared Array)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("value size 4 (declared 8)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("max_entries 16 (declared 4)", ex.Message, StringComparison.Ordinal);
    }
}
