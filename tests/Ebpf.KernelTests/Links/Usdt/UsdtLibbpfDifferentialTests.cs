using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links.Usdt;

namespace Ebpf.KernelTests.Links.Usdt;

/// <summary>
/// libbpf as the reference: a small C program links against libbpf (libbpf-dev), attaches usdt_probes.bpf.o's
/// <c>on_any</c> to each probe of <see cref="UsdtTargetProgram"/> with <c>bpf_program__attach_usdt</c>, and prints the
/// <c>__bpf_usdt_specs</c> entry libbpf wrote; Ebpf.Net must write the same bytes for the same probe and cookie.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UsdtLibbpfDifferentialTests
{
    private const string Source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <bpf/libbpf.h>
        #include <bpf/bpf.h>

        /* usage: usdt_reference OBJECT TARGET PROVIDER NAME COOKIE -> hex of __bpf_usdt_specs[0] */
        int main(int argc, char **argv)
        {
            if (argc != 6) return 2;
            struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
            if (!obj || libbpf_get_error(obj)) return 3;
            struct bpf_program *p;
            bpf_object__for_each_program(p, obj) bpf_program__set_autoload(p, 0);
            struct bpf_program *prog = bpf_object__find_program_by_name(obj, "on_any");
            bpf_program__set_autoload(prog, 1);
            if (bpf_object__load(obj)) return 4;
            LIBBPF_OPTS(bpf_usdt_opts, opts, .usdt_cookie = strtoull(argv[5], NULL, 0));
            struct bpf_link *link = bpf_program__attach_usdt(prog, -1, argv[2], argv[3], argv[4], &opts);
            if (!link || libbpf_get_error(link)) return 5;
            struct bpf_map *specs = bpf_object__find_map_by_name(obj, "__bpf_usdt_specs");
            unsigned char value[4096];
            int key = 0;
            if (bpf_map__value_size(specs) > sizeof value || bpf_map_lookup_elem(bpf_map__fd(specs), &key, value)) return 6;
            for (unsigned i = 0; i < bpf_map__value_size(specs); i++) printf("%02x", value[i]);
            printf("\n");
            bpf_link__destroy(link);
            bpf_object__close(obj);
            return 0;
        }
        """;

    [Theory]
    [InlineData("mixed", 0x1234ul)]
    [InlineData("memory", 0ul)]
    [InlineData("empty", 7ul)]
    [InlineData("guarded", 0xfffffffffffffffful)]
    public void Spec_bytes_match_libbpfs_for_the_same_probe(string probe, ulong cookie)
    {
        string target = UsdtTargetProgram.Path();
        if (!File.Exists("/usr/include/bpf/libbpf.h")) KernelGuard.Unavailable("libbpf-dev is needed for the libbpf reference");
        string reference = NativeProgram.Build("usdt_reference", Source, "-O1", "-lbpf");
        string obj = TestObjects.Path("usdt_probes.bpf.o");
        string expected = NativeProgram.Output(reference, obj, target, UsdtTargetProgram.Provider, probe, $"0x{cookie:x}").Trim();
        Assert.True(expected.Length > 0, "the libbpf reference printed nothing (it failed; run it by hand to see libbpf's messages)");

        var spec = BpfObjectSpec.FromFile(obj);
        foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == "on_any";
        using var loaded = spec.Load();
        using var link = loaded.Program("on_any").AttachUsdt(target, UsdtTargetProgram.Provider, probe, cookie);
        var map = loaded.Map(UsdtSpecTable.SpecsMapName);
        var value = new byte[map.ValueSize];
        Assert.True(map.TryLookup(BitConverter.GetBytes(0), value));
        Assert.Equal(expected, Convert.ToHexStringLower(value));
    }
}
