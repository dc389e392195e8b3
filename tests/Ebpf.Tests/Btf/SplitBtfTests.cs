using System.Buffers.Binary;
using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Fuzz;
using Ebpf.Linking;

namespace Ebpf.Tests.Btf;

/// <summary>
/// Split BTF, as kernel modules publish it in /sys/kernel/btf/&lt;module&gt;: ids continue after the base's (vmlinux's)
/// type count and string offsets after the base's string section. Built synthetically: this machine has no modules.
/// </summary>
public sealed class SplitBtfTests
{
    private const string ModulePath = "/sys/kernel/btf/mod_test";

    /// <summary>Base: [1] int, [2] struct task { int pid; }, [3] task *.</summary>
    private static BtfTypes Base()
    {
        var b = new BtfBlob();
        uint i = b.Int("int", 4, signed: true);
        uint task = b.Struct("task", 4, false, ("pid", i, 0));
        b.Pointer(task);
        return BtfTypes.Parse(b.ToArray(), "vmlinux", "/sys/kernel/btf/vmlinux");
    }

    /// <summary>Split on top of <see cref="Base"/>: [4] u64, [5] struct mod_state { u64 a; int x; task *owner; int pid; }
    /// ("pid" is the base's string), [6] typedef mod_state_t.</summary>
    private static byte[] Split(BtfTypes baseTypes, out BtfBlob blob)
    {
        blob = new BtfBlob((uint)baseTypes.Count, (uint)baseTypes.StringLength);
        blob.BaseName("pid", PidOffset(baseTypes));
        uint u64 = blob.Int("u64", 8);
        uint state = blob.Struct("mod_state", 32, false, ("a", u64, 0), ("x", 1, 64), ("owner", 3, 128), ("pid", 1, 192));
        blob.Typedef("mod_state_t", state);
        return blob.ToArray();
    }

    private static uint PidOffset(BtfTypes baseTypes)
    {
        for (uint off = 1; off < baseTypes.StringLength; off++)
            if (baseTypes.StringAt(off) == "pid" && (off == 0 || baseTypes.StringAt(off - 1) == "")) return off;
        throw new InvalidOperationException("base has no 'pid' string");
    }

    private static BtfTypes ParseSplit(BtfTypes baseTypes, byte[] split) => KernelBtf.ParseModule(split, ModulePath, baseTypes);

    [Fact]
    public void Ids_names_and_strings_resolve_across_the_base_and_split_boundary()
    {
        var vmlinux = Base();
        var module = ParseSplit(vmlinux, Split(vmlinux, out _));

        Assert.Same(vmlinux, module.Base);
        Assert.Equal(4, vmlinux.Count);
        Assert.Equal(7, module.Count);
        Assert.Equal(3, module.Own.Count);
        Assert.Equal(4u, module.Own[0].Id);                      // the first split id is the base's type count
        Assert.Equal("int", module[1].Name);                     // base ids through the split view
        Assert.Equal(BtfKind.Struct, module[2].Kind);
        var state = module[5];
        Assert.Equal("mod_state", state.Name);
        Assert.Equal(["a", "x", "owner", "pid"], state.Members.Select(m => m.Name)); // "pid" is a base string offset
        Assert.Equal("task", module.SkipQualifiers(module[3].SizeOrType).Name);       // split member -> base pointer -> base struct
        Assert.Equal(state, module.SkipQualifiers(6));
        Assert.Equal(32ul, module.SizeOf(6));
        Assert.Equal([1u], module.IdsNamed("int"));
        Assert.Empty(module.OwnIdsNamed("int"));
        Assert.Equal([5u], module.OwnIdsNamed("mod_state"));
        Assert.Equal([5u], module.IdsNamed("mod_state"));
        Assert.Empty(vmlinux.IdsNamed("mod_state"));             // the base is untouched
        Assert.Equal(7, module.All.Count());
        Assert.Equal("pid", module.StringAt(PidOffset(vmlinux)));
        Assert.Equal("u64", module.StringAt((uint)vmlinux.StringLength));
        Assert.Null(module.StringAt((uint)(vmlinux.StringLength + module.StringLength)));
        var e = Assert.Throws<BpfObjectException>(() => module[7]);
        Assert.Equal("mod_test", e.ObjectName);
    }

    [Fact]
    public void A_struct_only_in_a_module_is_a_core_candidate_resolved_in_that_modules_btf()
    {
        var vmlinux = Base();
        var module = ParseSplit(vmlinux, Split(vmlinux, out _));
        var (local, program) = LocalProgram("mod_state", "x");

        Instruction[] withModule = [.. program.Instructions];
        new CoreRelocator(local, vmlinux, "obj.o", [module]).Apply(program, withModule);
        Assert.Equal(OpCode.LoadMemory(MemorySize.Word), withModule[0].OpCode);
        Assert.Equal(8, withModule[0].Offset);                   // mod_state.x is at byte 8 in the module

        Instruction[] vmlinuxOnly = [.. program.Instructions];
        new CoreRelocator(local, vmlinux, "obj.o").Apply(program, vmlinuxOnly);
        Assert.Equal(OpCode.Call, vmlinuxOnly[0].OpCode); // no candidate without modules: poisoned, as libbpf does
    }

    [Fact]
    public void Modules_are_not_searched_when_vmlinux_has_a_candidate()
    {
        var vmlinux = Base();
        var (local, program) = LocalProgram("task", "pid");
        Instruction[] instructions = [.. program.Instructions];

        new CoreRelocator(local, vmlinux, "obj.o", ThrowingModules()).Apply(program, instructions);

        Assert.Equal(0, instructions[0].Offset); // task.pid: local offset 4, vmlinux's offset 0
    }

    private static IEnumerable<BtfTypes> ThrowingModules()
    {
        throw new InvalidOperationException("modules enumerated although vmlinux had a candidate");
#pragma warning disable CS0162 // makes this an iterator, which throws only when enumerated
        yield break;
#pragma warning restore CS0162
    }

    /// <summary>Local BTF: struct <paramref name="type"/> { int pad; int <paramref name="field"/>; }, and a one-LDX program
    /// with a FIELD_BYTE_OFFSET relocation of access "0:1" (local offset 4).</summary>
    private static (BtfTypes Local, ProgramSpec Program) LocalProgram(string type, string field)
    {
        var b = new BtfBlob();
        uint i = b.Int("int", 4, signed: true);
        uint s = b.Struct(type, 8, false, ("pad", i, 0), (field, i, 32));
        uint access = b.Name("0:1");
        var local = BtfTypes.Parse(b.ToArray(), "obj.o", ".BTF");
        var program = new ProgramSpec("prog", "raw_tp/x", BpfProgramType.RawTracepoint, default, null, false, "GPL",
            new Assembler().Load(MemorySize.Word, Register.R0, Register.R1, 4).Build(), [], [new FunctionPlacement("raw_tp/x", 0, 1, 0)]);
        program.CoreRelocations.Add((0, new BtfCoreRelocation(0, s, access, CoreRelocator.FieldByteOffset)));
        return (local, program);
    }

    [Fact]
    public void A_split_name_offset_beyond_both_string_sections_is_a_bpf_object_exception_naming_the_file()
    {
        var vmlinux = Base();
        var split = Split(vmlinux, out _);
        // The first split type's name_off (the u64 INT at the start of the type section).
        BinaryPrimitives.WriteUInt32LittleEndian(split.AsSpan(24), (uint)(vmlinux.StringLength + 1000));

        // Module BTF is indexed, not decoded: the bad name is found when the type is reached.
        var module = ParseSplit(vmlinux, split);
        var e = Assert.Throws<BpfObjectException>(() => module[4]);

        Assert.Equal("mod_test", e.ObjectName);
        Assert.Equal(ModulePath, e.Section);
        Assert.Contains("string sections", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_type_id_beyond_base_and_split_is_a_bpf_object_exception_naming_the_file()
    {
        var vmlinux = Base();
        var b = new BtfBlob((uint)vmlinux.Count, (uint)vmlinux.StringLength);
        b.Typedef("dangling", 5); // ids 0..3 are the base's, 4 is this typedef: 5 does not exist
        var module = ParseSplit(vmlinux, b.ToArray());
        var e = Assert.Throws<BpfObjectException>(() => module.SkipQualifiers(4));

        Assert.Equal(ModulePath, e.Section);
        Assert.Contains("type 5, which does not exist (5 types)", e.Message, StringComparison.Ordinal);
        var ok = new BtfBlob((uint)vmlinux.Count, (uint)vmlinux.StringLength);
        ok.Typedef("task_ptr", 3); // the last base id is valid
        Assert.Equal(BtfKind.Pointer, ParseSplit(vmlinux, ok.ToArray()).SkipQualifiers(4).Kind);
    }

    [Theory]
    [InlineData(BpfAttachType.TraceFentry, "mod_func", "mod_func", true)]
    [InlineData(BpfAttachType.TraceRawTp, "mod_event", "btf_trace_mod_event", false)]
    public void An_attach_target_missing_from_vmlinux_is_found_in_a_module(BpfAttachType attach, string target, string btfName, bool isFunction)
    {
        var b = new BtfBlob();
        uint i = b.Int("int", 4, signed: true);
        b.Function("vmlinux_func", b.FunctionProto(i));
        byte[] vmlinuxRaw = b.ToArray();
        var vmlinux = BtfTypes.Parse(vmlinuxRaw, "vmlinux", "/sys/kernel/btf/vmlinux");
        var m = new BtfBlob((uint)vmlinux.Count, (uint)vmlinux.StringLength);
        uint proto = m.FunctionProto(1);
        uint expected = isFunction ? m.Function(btfName, proto) : m.Typedef(btfName, m.Pointer(proto));
        var module = ParseSplit(vmlinux, m.ToArray());
        var program = new ProgramSpec("prog", $"x/{target}", BpfProgramType.Tracing, attach, target, false, "GPL",
            [new Instruction(OpCode.Exit)], [], [new FunctionPlacement($"x/{target}", 0, 1, 0)]);

        Assert.Equal((expected, "mod_test"), BtfAttachTarget.Resolve(BtfTypes.Index(vmlinuxRaw, "vmlinux", "/sys/kernel/btf/vmlinux"), "/sys/kernel/btf/vmlinux", "obj.o", program, () => [module]));
        var e = Assert.Throws<BpfObjectException>(() => BtfAttachTarget.Resolve(BtfTypes.Index(vmlinuxRaw, "vmlinux", "/sys/kernel/btf/vmlinux"), "/sys/kernel/btf/vmlinux", "obj.o", program, () => []));
        Assert.Contains("and the loaded modules' BTF", e.Message, StringComparison.Ordinal);
        Assert.Throws<BpfObjectException>(() => BtfAttachTarget.Resolve(BtfTypes.Index(vmlinuxRaw, "vmlinux", "/sys/kernel/btf/vmlinux"), "/sys/kernel/btf/vmlinux", "obj.o", program));
    }

    [Fact]
    public void An_attach_target_in_vmlinux_does_not_enumerate_modules()
    {
        var b = new BtfBlob();
        b.Function("vmlinux_func", b.FunctionProto(0));
        byte[] vmlinuxRaw = b.ToArray();
        var program = new ProgramSpec("prog", "fentry/vmlinux_func", BpfProgramType.Tracing, BpfAttachType.TraceFentry, "vmlinux_func", false, "GPL",
            [new Instruction(OpCode.Exit)], [], [new FunctionPlacement("fentry/vmlinux_func", 0, 1, 0)]);

        Assert.Equal((2u, (string?)null), BtfAttachTarget.Resolve(BtfTypes.Index(vmlinuxRaw, "vmlinux", "/sys/kernel/btf/vmlinux"), "vmlinux", "obj.o", program, ThrowingModules));
    }

    [Fact]
    public void Split_btf_on_top_of_split_btf_is_refused()
    {
        var vmlinux = Base();
        var module = ParseSplit(vmlinux, Split(vmlinux, out _));
        var e = Assert.Throws<BpfObjectException>(() => BtfTypes.Parse(new BtfBlob((uint)module.Count, 0).ToArray(), "x", "/x", module));
        Assert.Contains("split BTF on top of split BTF", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Module_paths_are_every_file_but_vmlinux_in_name_order_and_a_hostile_one_fails_naming_it()
    {
        string dir = Directory.CreateTempSubdirectory("ebpf-modbtf-").FullName;
        try
        {
            var vmlinux = Base();
            File.WriteAllBytes(Path.Combine(dir, "vmlinux"), [1, 2, 3]);
            File.WriteAllBytes(Path.Combine(dir, "zmod"), Split(vmlinux, out _));
            File.WriteAllBytes(Path.Combine(dir, "amod"), Split(vmlinux, out _));
            Assert.Equal([Path.Combine(dir, "amod"), Path.Combine(dir, "zmod")], KernelBtf.ModulePaths(dir));
            Assert.Equal(["amod", "zmod"], KernelBtf.Modules(vmlinux, dir).Select(m => m.ObjectName));

            File.WriteAllBytes(Path.Combine(dir, "bad"), [0x9f, 0xeb, 1, 0]);
            var e = Assert.Throws<BpfObjectException>(() => KernelBtf.Modules(vmlinux, dir).ToList());
            Assert.Equal(Path.Combine(dir, "bad"), e.Section);
            Assert.Empty(KernelBtf.ModulePaths(Path.Combine(dir, "missing")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
