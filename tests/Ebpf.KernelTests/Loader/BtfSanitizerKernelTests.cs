using Ebpf.Btf;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// BTF sanitisation for older kernels, checked by this kernel: it has every kind (so the probes must say so), and it
/// still accepts the older kinds, so a sanitised blob it refuses is a sanitiser bug. The kernel's own vmlinux BTF holds
/// every kind (VAR, DATASEC, FLOAT, DECL_TAG, TYPE_TAG, ENUM64, global FUNCs) and is the input.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class BtfSanitizerKernelTests
{
    [Fact]
    public void This_kernel_accepts_every_btf_kind_the_probes_know()
    {
        KernelGuard.RequireRoot();
        Assert.Equal(BtfFeatureSet.All, Ebpf.Features.BtfFeatures.Kernel);
    }

    public static TheoryData<string> Missing() =>
    [
        nameof(BtfFeatureSet.DataSection), nameof(BtfFeatureSet.Float),
        nameof(BtfFeatureSet.DeclTag), nameof(BtfFeatureSet.TypeTag), nameof(BtfFeatureSet.Enum64), "AllButFunc",
    ];

    [Theory]
    [MemberData(nameof(Missing))]
    public void The_kernel_accepts_vmlinux_btf_sanitised_for_a_kernel_without(string missing)
    {
        KernelGuard.RequireRoot();
        var kernel = missing == "AllButFunc" ? BtfFeatureSet.Func : BtfFeatureSet.All & ~Enum.Parse<BtfFeatureSet>(missing);
        var vmlinux = KernelBtf.Load(null);
        byte[] blob = BtfSanitizer.Sanitize(vmlinux, kernel);
        Assert.NotSame(vmlinux.Raw, blob); // vmlinux has every kind, so something was rewritten
        long fd = BpfProg.TryLoadBtf(blob, default, 0);
        string text = "";
        if (fd < 0)
        {
            var log = new byte[256 << 20]; // level 1 logs every type of vmlinux
            fd = BpfProg.TryLoadBtf(blob, log, 1);
            text = System.Text.Encoding.UTF8.GetString(log).TrimEnd('\0').Trim();
        }
        Assert.True(fd >= 0, $"the kernel refused vmlinux BTF sanitised for a kernel without {missing}: {Errno.Name((int)-fd)} {text[Math.Max(0, text.Length - 400)..]}");
        _ = Libc.Close((int)fd);
    }

    public static TheoryData<string, string> Objects()
    {
        var data = new TheoryData<string, string>();
        foreach (var o in new[] { "unlinks.bpf.o", "ringbuf_test.bpf.o", "loader_basic.bpf.o", "loader_maps.bpf.o", "loader_core.bpf.o", "bench.bpf.o" })
            foreach (var kernel in new[] { "All", "Func", "Func, DataSection" })
                data.Add(o, kernel);
        return data;
    }

    /// <summary>An object loaded as on an older kernel: its programs still get func_info (so the sanitised BTF was
    /// accepted, not silently dropped), and where the kernel has DATASEC its global-data maps keep their BTF. Without
    /// DATASEC, a keyless global-data map cannot carry BTF (the kernel wants a DATASEC value type there), so it is
    /// created without, as libbpf's retry does; such kernels predate global data anyway.</summary>
    [Theory]
    [MemberData(nameof(Objects))]
    public void Objects_load_with_their_btf_sanitised_for_an_old_kernel(string objectFile, string kernel)
    {
        KernelGuard.RequireRoot();
        var assumed = Enum.Parse<BtfFeatureSet>(kernel);
        using var obj = BpfObjectSpec.FromFile(TestObjects.Path(objectFile)).Load(new BpfLoadOptions { AssumedBtfFeatures = assumed });
        foreach (var p in obj.Programs.Values)
            Assert.NotEqual(0u, Bpf.GetInfo<BpfProgInfo>(p.Handle, p.Name).BtfId);
        var globalData = obj.Maps.Values.Where(m => m.Name.StartsWith('.')).ToList();
        Assert.NotEmpty(globalData); // every object here has .rodata, .data or .bss
        foreach (var m in globalData)
        {
            uint btfId = Bpf.GetInfo<BpfMapInfo>(m.Handle, m.Name).BtfId;
            if (assumed.HasFlag(BtfFeatureSet.DataSection)) Assert.True(btfId != 0, $"{objectFile}: map {m.Name} lost its BTF");
            else Assert.Equal(0u, btfId);
        }
    }
}
