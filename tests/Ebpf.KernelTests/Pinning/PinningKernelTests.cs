using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Loader;
using Ebpf.Pinning;

namespace Ebpf.KernelTests.Pinning;

/// <summary>A pin directory for one test, inside a bpffs mounted for it alone and unmounted (with every pin) afterwards.
/// The directory itself does not exist until a load creates it.</summary>
internal sealed class PinDirectory : IDisposable
{
    private readonly PrivateBpfFs _mount = new("ebpf-pins-");

    internal string Path => _mount.Pin("pins");

    internal string Pin(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => _mount.Dispose();
}

/// <summary>Pinning by name (loader_pinning.bpf.o: pinned_counts is LIBBPF_PIN_BY_NAME, private_counts is not) and the
/// explicit Pin/OpenPinned/Unpin API, against the kernel.</summary>
[Collection(nameof(FdLeakCollection))] // descriptor snapshots must not see other tests' descriptors
[Trait("Category", "Kernel")]
public sealed class PinningKernelTests
{
    private static readonly byte[] RawTpArgs = new byte[8];
    private static string Object => TestObjects.Path("loader_pinning.bpf.o");

    [Fact]
    public void Two_loads_share_the_pinned_map_and_keep_their_own_unpinned_maps()
    {
        using var dir = new PinDirectory();
        var options = new BpfLoadOptions { PinPath = dir.Path };
        var before = FdSnapshot.TakeBpf();
        using (var first = BpfObject.Load(Object, options))
        using (var second = BpfObject.Load(Object, options))
        {
            Assert.True(File.Exists(dir.Pin("pinned_counts")));
            Assert.False(File.Exists(dir.Pin("private_counts")));
            var shared1 = first.Map("pinned_counts");
            var shared2 = second.Map("pinned_counts");
            Assert.Equal(shared1.Id, shared2.Id);
            Assert.Equal(dir.Pin("pinned_counts"), shared1.PinnedPath);
            Assert.Equal(dir.Pin("pinned_counts"), shared2.PinnedPath);
            Assert.NotEqual(first.Map("private_counts").Id, second.Map("private_counts").Id);
            Assert.Null(first.Map("private_counts").PinnedPath);

            shared1.Update(1u, 42ul);
            Assert.True(shared2.TryLookup(1u, out ulong seen));
            Assert.Equal(42ul, seen);

            first.Program("count").TestRun(RawTpArgs);
            second.Program("count").TestRun(RawTpArgs);
            Assert.True(shared1.TryLookup(0u, out ulong shared));
            Assert.Equal(2ul, shared);
            Assert.True(first.Map("private_counts").TryLookup(0u, out ulong own));
            Assert.Equal(1ul, own);
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());

        // The pin keeps the map (and its contents) alive after every descriptor is closed.
        using (var pinned = BpfMap.OpenPinned(dir.Pin("pinned_counts")))
        {
            Assert.True(pinned.TryLookup(1u, out ulong kept));
            Assert.Equal(42ul, kept);
            using var third = BpfObject.Load(Object, new BpfLoadOptions { PinPath = dir.Path });
            Assert.Equal(pinned.Id, third.Map("pinned_counts").Id);

            // Once unpinned, the next load creates (and pins) a fresh map.
            pinned.Unpin();
            Assert.Null(pinned.PinnedPath);
            Assert.False(File.Exists(dir.Pin("pinned_counts")));
            using var fourth = BpfObject.Load(Object, new BpfLoadOptions { PinPath = dir.Path });
            Assert.NotEqual(pinned.Id, fourth.Map("pinned_counts").Id);
            Assert.True(fourth.Map("pinned_counts").TryLookup(1u, out ulong fresh));
            Assert.Equal(0ul, fresh);
            Assert.True(File.Exists(dir.Pin("pinned_counts")));
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }

    [Theory]
    [InlineData("max_entries")]
    [InlineData("flags")]
    [InlineData("value size")]
    [InlineData("type")]
    public void An_incompatible_pinned_map_is_refused_naming_the_property(string property)
    {
        using var dir = new PinDirectory();
        var options = new BpfLoadOptions { PinPath = dir.Path };
        using var original = BpfObject.Load(Object, options);
        uint id = original.Map("pinned_counts").Id;

        var spec = BpfObjectSpec.FromFile(Object);
        var map = spec.Maps["pinned_counts"];
        switch (property)
        {
            case "max_entries": map.MaxEntries = 8; break;
            case "flags": map.Flags = 0x400; break; // BPF_F_MMAPABLE
            case "value size": map.ValueSize = 4; map.BtfValueTypeId = 0; break;
            case "type": map.Type = BpfMapType.Hash; break;
        }
        var before = FdSnapshot.TakeBpf();
        var ex = Assert.Throws<BpfObjectException>(() => spec.Load(options));
        Assert.Contains("'pinned_counts'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(dir.Pin("pinned_counts"), ex.Message, StringComparison.Ordinal);
        Assert.Contains(property, ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf());
        // The pinned map is untouched.
        using var still = BpfMap.OpenPinned(dir.Pin("pinned_counts"));
        Assert.Equal(id, still.Id);
    }

    [Fact]
    public void A_failed_load_removes_the_pins_it_created_but_not_the_ones_it_reused()
    {
        using var dir = new PinDirectory();
        var options = new BpfLoadOptions { PinPath = dir.Path };
        var broken = BpfObjectSpec.FromFile(Object);
        broken.Programs["count"].Type = (BpfProgramType)999; // the kernel refuses the program after the maps exist
        var before = FdSnapshot.TakeBpf();
        Assert.ThrowsAny<BpfException>(() => broken.Load(options));
        Assert.False(File.Exists(dir.Pin("pinned_counts")));
        Assert.Equal(before, FdSnapshot.TakeBpf());

        using var good = BpfObject.Load(Object, options);
        Assert.ThrowsAny<BpfException>(() => broken.Load(options));
        using var reopened = BpfMap.OpenPinned(dir.Pin("pinned_counts"));
        Assert.Equal(good.Map("pinned_counts").Id, reopened.Id);
    }

    [Fact]
    public void Maps_and_programs_pin_open_and_unpin_explicitly()
    {
        using var dir = new PinDirectory();
        using var obj = BpfObject.Load(Object, new BpfLoadOptions { PinPath = dir.Path });
        var map = obj.Map("private_counts");
        map.Pin(dir.Pin("by_hand_map"));
        Assert.Equal(dir.Pin("by_hand_map"), map.PinnedPath);
        var program = obj.Program("count");
        program.Pin(dir.Pin("by_hand_prog"));
        Assert.Equal(dir.Pin("by_hand_prog"), program.PinnedPath);

        using (var openedMap = BpfMap.OpenPinned(dir.Pin("by_hand_map")))
        using (var openedProgram = BpfProgram.OpenPinned(dir.Pin("by_hand_prog")))
        {
            Assert.Equal(map.Id, openedMap.Id);
            Assert.Equal(program.Id, openedProgram.Id);
            Assert.Equal(BpfProgramType.RawTracepoint, openedProgram.Type);
            Assert.Equal("count", openedProgram.Name);
            Assert.Equal(0, openedProgram.TestRun(RawTpArgs));
            Assert.True(map.TryLookup(0u, out ulong runs));
            Assert.Equal(1ul, runs);
        }
        var taken = Assert.ThrowsAny<BpfException>(() => map.Pin(dir.Pin("by_hand_prog")));
        Assert.Equal(17, taken.Errno); // EEXIST

        map.Unpin();
        program.Unpin();
        Assert.False(File.Exists(dir.Pin("by_hand_map")));
        Assert.False(File.Exists(dir.Pin("by_hand_prog")));
        Assert.Equal(2, Assert.ThrowsAny<BpfException>(() => BpfMap.OpenPinned(dir.Pin("by_hand_map"))).Errno); // ENOENT
        Assert.Throws<InvalidOperationException>(() => map.Unpin());
    }

    [Fact]
    public void A_pin_path_outside_bpffs_is_refused()
    {
        KernelGuard.RequireRoot();
        string notBpf = Directory.CreateTempSubdirectory("ebpf-not-bpffs-").FullName;
        try
        {
            var ex = Assert.Throws<BpfFeatureNotSupportedException>(() => BpfObject.Load(Object, new BpfLoadOptions { PinPath = notBpf }));
            Assert.Contains(notBpf, ex.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFileSystemEntries(notBpf));
        }
        finally
        {
            Directory.Delete(notBpf, recursive: true);
        }
    }

    [Fact]
    public void A_private_bpffs_mount_works_as_pin_path()
    {
        KernelGuard.RequireRoot();
        using var mount = new PrivateBpfFs();
        Assert.True(BpfFs.IsOnBpfFs(mount.Path));
        string nested = mount.Pin("nested");
        using var obj = BpfObject.Load(Object, new BpfLoadOptions { PinPath = nested });
        Assert.True(File.Exists(Path.Combine(nested, "pinned_counts")));
    }
}
