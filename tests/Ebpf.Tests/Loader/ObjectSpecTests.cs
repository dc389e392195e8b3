using Ebpf.Asm;
using Ebpf.Linking;

namespace Ebpf.Tests.Loader;

public sealed class ObjectSpecTests
{
    private static BpfObjectSpec Basic() => BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_basic.bpf.o"));

    [Fact]
    public void Reads_name_and_license()
    {
        var spec = Basic();
        Assert.Equal("loader_basic.bpf.o", spec.Name);
        Assert.Equal("GPL", spec.License);
    }

    [Theory]
    [InlineData("count_test_run", "raw_tp/sys_enter", BpfProgramType.RawTracepoint, "sys_enter")]
    [InlineData("count_raw_tp", "raw_tracepoint/sys_enter", BpfProgramType.RawTracepoint, "sys_enter")]
    [InlineData("count_tp", "tracepoint/syscalls/sys_enter_getppid", BpfProgramType.Tracepoint, "syscalls/sys_enter_getppid")]
    public void Finds_programs_with_types_from_section_names(string name, string section, BpfProgramType type, string target)
    {
        var p = Basic().Programs[name];
        Assert.Equal(name, p.Name);
        Assert.Equal(section, p.SectionName);
        Assert.Equal(type, p.Type);
        Assert.Equal(target, p.AttachTarget);
        Assert.True(p.AutoLoad);
        Assert.Equal("GPL", p.License);
    }

    [Fact]
    public void Static_subprogram_is_not_a_program()
    {
        var spec = Basic();
        Assert.Equal(["count_raw_tp", "count_test_run", "count_tp"], spec.Programs.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Appends_called_subprogram_and_fixes_the_call()
    {
        var p = Basic().Programs["count_test_run"];
        // 18 instructions of its own, then bump() (13 instructions) from .text.
        Assert.Equal(18 + 13, p.InstructionCount);
        var call = p.Instructions[16];
        Assert.True(call.IsCall);
        Assert.Equal(PseudoSource.Call, call.Source);
        Assert.Equal(18 - (16 + 1), call.Immediate);
        Assert.Equal([new FunctionPlacement("raw_tp/sys_enter", 0, 18, 0), new FunctionPlacement(".text", 0, 13, 18)], p.Functions);
    }

    [Fact]
    public void Records_map_and_global_data_references()
    {
        var p = Basic().Programs["count_test_run"];
        Assert.Equal(
            [
                new MapReference(1, ".data", true, 0),
                new MapReference(6, ".bss", true, 0),
                new MapReference(9, ".rodata", true, 0),
                new MapReference(18 + 4, "counters", false, 0),
            ],
            p.MapReferences.OrderBy(r => r.InstructionIndex));
        Assert.Equal(PseudoSource.MapValue, p.Instructions[1].Source);
        Assert.Equal(PseudoSource.MapFd, p.Instructions[22].Source);
        // target_pid lives at .rodata+8 and tp_hits at .bss+8: the offset lands in the second half of ld_imm64.
        var tp = Basic().Programs["count_tp"];
        Assert.Contains(new MapReference(0, ".rodata", true, 8), tp.MapReferences);
        Assert.Contains(new MapReference(8, ".bss", true, 8), tp.MapReferences);
        Assert.Equal(8, tp.Instructions[1].Immediate);
    }

    [Fact]
    public void Reads_btf_defined_maps()
    {
        var maps = Basic().Maps;
        var counters = maps["counters"];
        Assert.Equal(BpfMapType.Array, counters.Type);
        Assert.Equal(4u, counters.KeySize);
        Assert.Equal(8u, counters.ValueSize);
        Assert.Equal(4u, counters.MaxEntries);
        Assert.NotEqual(0u, counters.BtfValueTypeId);

        var pairs = maps["pairs"];
        Assert.Equal(BpfMapType.Hash, pairs.Type);
        Assert.Equal(8u, pairs.KeySize);
        Assert.Equal(16u, pairs.ValueSize); // struct { u32 a; u32 b; u64 c; }
        Assert.Equal(128u, pairs.MaxEntries);
        Assert.Equal(1u, pairs.Flags);
    }

    [Fact]
    public void Global_data_sections_become_single_entry_arrays()
    {
        var maps = Basic().Maps;
        var rodata = maps[".rodata"];
        Assert.Equal(BpfMapType.Array, rodata.Type);
        Assert.Equal((4u, 12u, 1u), (rodata.KeySize, rodata.ValueSize, rodata.MaxEntries));
        Assert.True(rodata.Freeze);
        Assert.Equal(0x80u | 0x400u, rodata.Flags); // BPF_F_RDONLY_PROG | BPF_F_MMAPABLE, as libbpf
        Assert.Equal(1ul, BitConverter.ToUInt64(rodata.InitialValue!, 0)); // increment = 1

        var bss = maps[".bss"];
        Assert.Equal(24u, bss.ValueSize);
        Assert.False(bss.Freeze);
        Assert.Equal(0x400u, bss.Flags); // BPF_F_MMAPABLE: skeletons map the variables
        Assert.Equal(new byte[24], bss.InitialValue);

        var data = maps[".data"];
        Assert.Equal(0x1122334455667788ul, BitConverter.ToUInt64(data.InitialValue!, 0));
    }

    [Fact]
    public void Lists_variables_from_btf_datasec()
    {
        Assert.Equal(["bss_counter", "data_marker", "increment", "raw_tp_hits", "target_pid", "tp_hits"], Basic().VariableNames);
    }

    [Fact]
    public void SetVariable_writes_the_initial_value_at_the_variable_offset()
    {
        var spec = Basic();
        spec.SetVariable("target_pid", 0xdeadbeefu);
        spec.SetVariable("raw_tp_hits", 42ul);
        Assert.Equal(0xdeadbeefu, BitConverter.ToUInt32(spec.Maps[".rodata"].InitialValue!, 8));
        Assert.Equal(42ul, BitConverter.ToUInt64(spec.Maps[".bss"].InitialValue!, 16));
        Assert.Equal(0xdeadbeefu, spec.GetVariable<uint>("target_pid"));
        Assert.Equal(1ul, spec.GetVariable<ulong>("increment"));
    }

    [Fact]
    public void SetVariable_rejects_wrong_size_and_unknown_names()
    {
        var spec = Basic();
        var size = Assert.Throws<ArgumentException>(() => spec.SetVariable("target_pid", 1ul));
        Assert.Contains("4 bytes", size.Message, StringComparison.Ordinal);
        var unknown = Assert.Throws<BpfNameNotFoundException>(() => spec.SetVariable("no_such", 1));
        Assert.Contains("target_pid", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("increment", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Specs_are_independent_per_parse()
    {
        var a = Basic();
        var b = Basic();
        a.SetVariable("increment", 9ul);
        Assert.Equal(1ul, b.GetVariable<ulong>("increment"));
    }
}
