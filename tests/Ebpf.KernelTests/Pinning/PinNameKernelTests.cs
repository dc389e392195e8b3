using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Pinning;

/// <summary>
/// A crafted object whose LIBBPF_PIN_BY_NAME map is named like a path must not pin, or reuse a pin, outside the pin
/// root: loader_pinning.bpf.o with its map renamed in the ELF and BTF bytes, against a private bpffs where a foreign
/// map waits at the place the name points to.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class PinNameKernelTests
{
    private static readonly byte[] RawTpArgs = new byte[8];

    private static byte[] Renamed(string name) =>
        ObjectNamePatcher.Rename(File.ReadAllBytes(TestObjects.Path("loader_pinning.bpf.o")), "pinned_counts", name);

    [Fact]
    public void A_relative_name_climbing_out_of_the_pin_root_is_refused_and_the_foreign_pin_is_untouched()
    {
        using var fs = new PrivateBpfFs();
        string root = fs.Pin("a", "b", "c");
        // A foreign map, shaped as the object's, pinned where root/../../../x/y leads.
        Directory.CreateDirectory(fs.Pin("x"));
        using var foreign = BpfMap.Create(new MapSpec { Name = "foreign", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 });
        foreign.Update(0u, 1234ul);
        foreign.Pin(fs.Pin("x", "y"));

        var spec = BpfObjectSpec.FromBytes(Renamed("../../../x/y"), "crafted.bpf.o");
        Assert.Contains("../../../x/y", spec.Maps.Keys);
        var ex = Assert.Throws<BpfObjectException>(() =>
        {
            using var obj = spec.Load(new BpfLoadOptions { PinPath = root });
            obj.Program("count").TestRun(RawTpArgs); // what a reused foreign map would suffer
        });
        Assert.Contains("crafted.bpf.o", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'../../../x/y'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'/'", ex.Message, StringComparison.Ordinal);

        // Refused before any side effect: the root was not even created, and the foreign map kept its value.
        Assert.False(Directory.Exists(fs.Pin("a")), "the load created the pin root before refusing the name");
        Assert.Equal(["y"], fs.Entries(fs.Pin("x")));
        Assert.True(foreign.TryLookup(0u, out ulong value));
        Assert.Equal(1234ul, value);
    }

    [Fact]
    public void An_absolute_name_is_refused_and_nothing_is_pinned_there()
    {
        // The name must fit in place of "pinned_counts" (13 bytes): a bpffs mounted at /tmp/eXXXX, and the name
        // /tmp/eXXXX/y, which Path.Combine would have taken as the whole path.
        string mountPoint;
        do mountPoint = "/tmp/e" + Guid.NewGuid().ToString("N")[..4];
        while (Directory.Exists(mountPoint) || File.Exists(mountPoint));
        Directory.CreateDirectory(mountPoint);
        try
        {
            var (code, err) = PrivateBpfFs.Run("mount", "-t", "bpf", "bpf", mountPoint);
            Assert.True(code == 0, $"mount -t bpf at {mountPoint} failed: {err}");
            try
            {
                using var fs = new PrivateBpfFs();
                string name = mountPoint + "/y";
                var spec = BpfObjectSpec.FromBytes(Renamed(name), "crafted.bpf.o");
                var ex = Assert.Throws<BpfObjectException>(() => spec.Load(new BpfLoadOptions { PinPath = fs.Pin("root") }));
                Assert.Contains($"'{name}'", ex.Message, StringComparison.Ordinal);
                Assert.Empty(PrivateBpfFs.UserEntries(mountPoint));
                Assert.Empty(fs.Entries());
            }
            finally
            {
                PrivateBpfFs.Run("umount", "-l", mountPoint);
            }
        }
        finally
        {
            Directory.Delete(mountPoint, recursive: true);
        }
    }

    [Fact]
    public void A_name_with_a_dot_is_refused_by_name_rather_than_as_a_permission_problem()
    {
        using var fs = new PrivateBpfFs();
        var spec = BpfObjectSpec.FromBytes(Renamed("pinned.counts"), "crafted.bpf.o");
        var ex = Assert.Throws<BpfObjectException>(() => spec.Load(new BpfLoadOptions { PinPath = fs.Pin("root") }));
        Assert.Contains("'pinned.counts'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'.'", ex.Message, StringComparison.Ordinal);
        Assert.Empty(fs.Entries());
    }
}
