using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Externs;
using Ebpf.Linking;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Externs;

/// <summary>Parsing loader_externs.bpf.o: the externs found, libbpf's order and .kconfig layout, the BTF rewrite and the
/// instructions that refer to externs.</summary>
public sealed class ExternSpecTests
{
    private static BpfObjectSpec Spec() => BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_externs.bpf.o"));

    [Fact]
    public void Finds_every_extern_with_its_kind_and_weakness()
    {
        var externs = Spec().Externs.ToDictionary(e => e.Name);
        Assert.Equal(ExternKind.Kconfig, externs["LINUX_KERNEL_VERSION"].Kind);
        Assert.False(externs["LINUX_KERNEL_VERSION"].IsWeak);
        Assert.True(externs["CONFIG_EBPF_NET_SURELY_MISSING"].IsWeak);
        Assert.Equal(ExternKind.Ksym, externs["bpf_prog_put"].Kind);
        Assert.False(externs["bpf_prog_put"].IsTyped);
        Assert.True(externs["ebpf_net_missing_percpu"].IsTyped); // const int: typed
        Assert.Equal(ExternKind.Kfunc, externs["bpf_task_from_pid"].Kind);
        Assert.True(externs["bpf_ebpf_net_missing_kfunc"].IsWeak);
        Assert.Equal(KconfigType.CharArray, externs["CONFIG_LOCALVERSION"].Kconfig.Type);
        Assert.Equal(KconfigType.Tristate, externs["CONFIG_BPF_JIT"].Kconfig.Type);
        Assert.Equal(KconfigType.Bool, externs["CONFIG_BPF_SYSCALL"].Kconfig.Type);
        Assert.Equal(KconfigType.Int, externs["CONFIG_HZ"].Kconfig.Type);
        Assert.True(externs["CONFIG_HZ"].Kconfig.IsSigned);
    }

    [Fact]
    public void Orders_and_lays_out_kconfig_externs_as_libbpf()
    {
        var spec = Spec();
        var order = spec.Externs.Select(e => e.Name).ToList();
        Assert.Equal([
            "CONFIG_BPF_JIT", "CONFIG_HZ", "LINUX_KERNEL_VERSION",                     // align 4, size 4, by name
            "CONFIG_BPF_SYSCALL", "CONFIG_EBPF_NET_SURELY_MISSING", "CONFIG_KALLSYMS_SELFTEST", "LINUX_HAS_BPF_COOKIE", // align 1, size 1
            "CONFIG_LOCALVERSION",                                                      // align 1, size 16
            "bpf_ebpf_net_missing_kfunc", "bpf_prog_put", "bpf_rcu_read_lock", "bpf_rcu_read_unlock",
            "bpf_task_from_pid", "bpf_task_release", "ebpf_net_missing_percpu", "ebpf_net_missing_symbol",
        ], order);
        Assert.Equal(Enumerable.Range(0, order.Count), spec.Externs.Select(e => e.Index));
        Assert.Equal([0, 4, 8, 12, 13, 14, 15, 16], spec.Externs.Where(e => e.Kind == ExternKind.Kconfig).Select(e => e.Kconfig.Offset));

        var map = spec.Maps[".kconfig"];
        Assert.Equal(BpfMapType.Array, map.Type);
        Assert.Equal(32u, map.ValueSize);
        Assert.Equal(1u, map.MaxEntries);
        Assert.True(map.Freeze);
        Assert.Equal(MapFlags.ReadOnlyProgram, map.Flags);
        Assert.Equal(spec.BtfTypes!.FindDataSection(".kconfig")!.Id, map.BtfValueTypeId);
    }

    [Fact]
    public void Rewrites_the_btf_for_the_kernel()
    {
        var btf = Spec().BtfTypes!;
        var kconfig = btf.FindDataSection(".kconfig")!;
        Assert.Equal(32u, kconfig.SizeOrType);
        Assert.Equal(kconfig.Members.Select(m => m.Offset).Order(), kconfig.Members.Select(m => m.Offset)); // sorted
        foreach (var m in kconfig.Members) Assert.Equal(1u, btf[m.Type].Extra); // BTF_VAR_GLOBAL_ALLOCATED

        var ksyms = btf.FindDataSection(".ksyms")!;
        Assert.Equal((uint)ksyms.Members.Count * 4, ksyms.SizeOrType);
        Assert.All(ksyms.Members, m => Assert.Equal(4u, m.Size));
        Assert.All(ksyms.Members, m => Assert.Equal(BtfKind.Variable, btf[m.Type].Kind));
        var dummy = btf[(uint)btf.Count - 1];
        Assert.Equal("dummy_ksym", dummy.Name);
        Assert.Equal(BtfKind.Variable, dummy.Kind);
        foreach (uint id in btf.IdsNamed("bpf_task_from_pid"))
        {
            var f = btf[id];
            Assert.Equal(BtfKind.Function, f.Kind);
            Assert.Equal(1, f.VLen); // BTF_FUNC_GLOBAL
            Assert.All(btf[f.SizeOrType].Members, p => Assert.NotEqual("", p.Name));
        }
    }

    [Fact]
    public void Links_extern_references()
    {
        var spec = Spec();
        var read = spec.Programs["read_externs"];
        // kconfig values are .kconfig map value loads at their offsets
        Assert.Contains(read.MapReferences, r => r.MapName == ".kconfig" && r.IsValue && r.ValueOffset == 16);
        var byName = read.ExternReferences.Select(r => (spec.Externs[r.ExternIndex].Name, r.IsCall)).ToList();
        Assert.Contains(("bpf_rcu_read_lock", true), byName);
        Assert.Contains(("bpf_rcu_read_lock", false), byName); // the existence check loads its BTF id
        Assert.Contains(("bpf_ebpf_net_missing_kfunc", true), byName);
        Assert.Contains(("bpf_prog_put", false), byName);
        foreach (var r in read.ExternReferences.Where(r => r.IsCall))
            Assert.Equal(PseudoSource.KernelFunctionCall, read.Instructions[r.InstructionIndex].Source);
    }

    [Fact]
    public void Patches_resolutions_as_libbpf()
    {
        var spec = Spec();
        var read = spec.Programs["read_externs"];
        var symbols = new ResolvedExterns.Symbol[spec.Externs.Count];
        int Index(string name) => spec.Externs.Single(e => e.Name == name).Index;
        symbols[Index("bpf_rcu_read_lock")] = new(true, 65499, 0);
        symbols[Index("bpf_prog_put")] = new(true, 0, 0xffffffff814e61b0);
        var instructions = read.Instructions.ToArray();
        ExternResolver.Patch(spec, read, instructions, new ResolvedExterns(null, symbols));
        foreach (var r in read.ExternReferences)
        {
            var insn = instructions[r.InstructionIndex];
            string name = spec.Externs[r.ExternIndex].Name;
            switch (name, r.IsCall)
            {
                case ("bpf_rcu_read_lock", true):
                    Assert.Equal((PseudoSource.KernelFunctionCall, 65499), (insn.Source, insn.Immediate));
                    break;
                case ("bpf_rcu_read_lock", false):
                    Assert.Equal((PseudoSource.BtfId, 65499, 0), (insn.Source, insn.Immediate, instructions[r.InstructionIndex + 1].Immediate));
                    break;
                case ("bpf_prog_put", false):
                    Assert.Equal((Register.R0, unchecked((int)0x814e61b0), unchecked((int)0xffffffff)), (insn.Source, insn.Immediate, instructions[r.InstructionIndex + 1].Immediate));
                    break;
                case ("bpf_ebpf_net_missing_kfunc", true):
                    // Unresolved weak kfunc: poisoned into a helper call carrying the extern's index.
                    Assert.Equal((OpCode.Call, Register.R0, ExternResolver.PoisonedKfuncBase + r.ExternIndex), (insn.OpCode, insn.Source, insn.Immediate));
                    break;
                case ("bpf_ebpf_net_missing_kfunc", false) or ("ebpf_net_missing_percpu", false) or ("ebpf_net_missing_symbol", false):
                    Assert.Equal((Register.R0, 0, 0), (insn.Source, insn.Immediate, instructions[r.InstructionIndex + 1].Immediate));
                    break;
            }
        }
    }

    [Theory]
    [InlineData("bpf_foo", "bpf_foo")]
    [InlineData("bpf_foo___v2", "bpf_foo")]
    [InlineData("bpf_foo___a___b", "bpf_foo___a")]
    [InlineData("a____b", "a____b")]
    public void Essential_name_strips_the_last_flavour(string name, string essential) =>
        Assert.Equal(essential, new ExternSpec { Name = name, Kind = ExternKind.Kfunc, IsWeak = false, BtfId = 1 }.EssentialName);
}
