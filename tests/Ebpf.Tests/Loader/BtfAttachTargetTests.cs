using System.Buffers.Binary;
using System.Text;
using Ebpf.Btf;
using Ebpf.Linking;

namespace Ebpf.Tests.Loader;

/// <summary>Attach-target naming (libbpf's conventions), the raw BTF scan that resolves it, and the load-time checks
/// that need no kernel.</summary>
public sealed class BtfAttachTargetTests
{
    /// <summary>A minimal BTF blob: types in order (ids from 1), with their names in the string section.</summary>
    private sealed class BlobBuilder
    {
        private readonly MemoryStream _types = new();
        private readonly MemoryStream _strings = new();

        internal BlobBuilder() => _strings.WriteByte(0); // offset 0: the empty name

        private uint Name(string name)
        {
            if (name.Length == 0) return 0;
            uint off = (uint)_strings.Length;
            _strings.Write(Encoding.UTF8.GetBytes(name + "\0"));
            return off;
        }

        private void U32(uint v)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, v);
            _types.Write(b);
        }

        internal BlobBuilder Type(BtfKind kind, string name, uint sizeOrType, int vlen = 0, int extraBytes = 0)
        {
            U32(Name(name));
            U32(((uint)kind << 24) | (uint)vlen);
            U32(sizeOrType);
            _types.Write(new byte[extraBytes]);
            return this;
        }

        internal byte[] Build()
        {
            var blob = new byte[24 + _types.Length + _strings.Length];
            BinaryPrimitives.WriteUInt16LittleEndian(blob, BtfTypes.Magic);
            blob[2] = 1;
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(4), 24);
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(8), 0);
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(12), (uint)_types.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(16), (uint)_types.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(blob.AsSpan(20), (uint)_strings.Length);
            _types.ToArray().CopyTo(blob, 24);
            _strings.ToArray().CopyTo(blob, 24 + (int)_types.Length);
            return blob;
        }
    }

    /// <summary>[1] int, [2] proto, [3] struct do_unlinkat (a decoy of another kind), [4] enum, [5] func do_unlinkat,
    /// [6] typedef btf_trace_sys_enter, [7] func bpf_lsm_file_open, [8] func bpf_iter_task, [9] func do_unlinkat again.</summary>
    private static byte[] Kernel() => new BlobBuilder()
        .Type(BtfKind.Int, "int", 4, extraBytes: 4)
        .Type(BtfKind.FunctionProto, "", 1, vlen: 2, extraBytes: 16)
        .Type(BtfKind.Struct, "do_unlinkat", 4, vlen: 1, extraBytes: 12)
        .Type(BtfKind.Enum, "e", 4, vlen: 3, extraBytes: 24)
        .Type(BtfKind.Function, "do_unlinkat", 2)
        .Type(BtfKind.Typedef, "btf_trace_sys_enter", 2)
        .Type(BtfKind.Function, "bpf_lsm_file_open", 2)
        .Type(BtfKind.Function, "bpf_iter_task", 2)
        .Type(BtfKind.Function, "do_unlinkat", 2)
        .Build();

    private static ProgramSpec Program(string section, string name = "prog")
    {
        Assert.True(SectionTypes.TryClassify(section, out var type, out var attach, out var target, out bool sleepable));
        return new ProgramSpec(name, section, type, attach, target, sleepable, "GPL", [], [], []);
    }

    [Theory]
    [InlineData("tp_btf/sys_enter", 6u)]
    [InlineData("fentry/do_unlinkat", 5u)]     // the FUNC, not the struct of the same name; the first FUNC
    [InlineData("fexit/do_unlinkat", 5u)]
    [InlineData("fmod_ret/do_unlinkat", 5u)]
    [InlineData("fentry.s/do_unlinkat", 5u)]
    [InlineData("lsm/file_open", 7u)]
    [InlineData("lsm.s/file_open", 7u)]
    [InlineData("lsm_cgroup/file_open", 7u)]
    [InlineData("iter/task", 8u)]
    public void Resolves_section_targets_the_way_libbpf_names_them(string section, uint expectedId)
    {
        var program = Program(section);
        Assert.True(BtfAttachTarget.IsBtfTargeted(program.Type, program.ExpectedAttachType));
        Assert.Equal(expectedId, BtfAttachTarget.Resolve(Kernel(), "/kernel/btf", "obj.o", program));
    }

    [Theory]
    [InlineData(BpfAttachType.TraceRawTp, "sched_switch", "btf_trace_sched_switch", true)]
    [InlineData(BpfAttachType.TraceFentry, "vfs_read", "vfs_read", false)]
    [InlineData(BpfAttachType.ModifyReturn, "vfs_read", "vfs_read", false)]
    [InlineData(BpfAttachType.LsmMac, "bprm_check_security", "bpf_lsm_bprm_check_security", false)]
    [InlineData(BpfAttachType.TraceIter, "bpf_map", "bpf_iter_bpf_map", false)]
    public void Kernel_names(BpfAttachType attach, string target, string name, bool typedef) =>
        Assert.Equal((name, typedef ? BtfKind.Typedef : BtfKind.Function), BtfAttachTarget.KernelName(attach, target));

    [Fact]
    public void A_missing_target_names_program_section_target_and_btf_name()
    {
        var e = Assert.Throws<BpfObjectException>(() => BtfAttachTarget.Resolve(Kernel(), "/kernel/btf", "obj.o", Program("tp_btf/no_such_tracepoint", "on_missing")));
        Assert.Equal("tp_btf/no_such_tracepoint", e.Section);
        Assert.Equal("obj.o", e.ObjectName);
        foreach (var part in (string[])["'on_missing'", "'no_such_tracepoint'", "typedef 'btf_trace_no_such_tracepoint'", "/kernel/btf"])
            Assert.Contains(part, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_of_the_wrong_kind_is_missing()
    {
        // sys_enter exists as a typedef only as btf_trace_sys_enter; fentry/btf_trace_sys_enter wants a FUNC.
        var e = Assert.Throws<BpfObjectException>(() => BtfAttachTarget.Resolve(Kernel(), "k", "obj.o", Program("fentry/btf_trace_sys_enter")));
        Assert.Contains("function 'btf_trace_sys_enter'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_without_target_asks_for_one()
    {
        var e = Assert.Throws<BpfObjectException>(() => BtfAttachTarget.Resolve(Kernel(), "k", "obj.o", Program("fentry")));
        Assert.Contains("ProgramSpec.AttachTarget", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolving_an_edited_target_uses_the_edit()
    {
        var program = Program("fentry/nothing_here");
        program.AttachTarget = "do_unlinkat";
        Assert.Equal(5u, BtfAttachTarget.Resolve(Kernel(), "k", "obj.o", program));
    }

    [Fact]
    public void Scan_agrees_with_the_full_parser_on_every_named_type_of_real_objects()
    {
        foreach (var file in (string[])["loader_basic.bpf.o", "loader_core_kernel.bpf.o", "loader_btf_attach.bpf.o"])
        {
            var elf = TestObjectFiles.Bytes(file);
            int off = TestObjectFiles.SectionDataOffset(elf, ".BTF");
            int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(TestObjectFiles.SectionHeaderOffset(elf, ".BTF") + 32));
            var blob = elf.AsSpan(off, size);
            var parsed = BtfTypes.Parse(blob, file, ".BTF");
            int checkedTypes = 0;
            foreach (var t in parsed.All.Where(t => t.Name.Length > 0))
            {
                uint first = parsed.IdsNamed(t.Name).First(id => parsed[id].Kind == t.Kind);
                Assert.Equal(first, BtfScan.FindFirst(blob, t.Name, t.Kind, file));
                checkedTypes++;
            }
            Assert.True(checkedTypes > 10, $"{file}: only {checkedTypes} named types");
            Assert.Equal(0u, BtfScan.FindFirst(blob, "no_such_type_anywhere", BtfKind.Function, file));
        }
    }

    [Fact]
    public void Scan_rejects_a_truncated_or_unknown_type_naming_the_source()
    {
        var blob = Kernel();
        var truncated = blob.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(truncated.AsSpan(24 + 16 + 4), ((uint)BtfKind.FunctionProto << 24) | 0xffff); // proto vlen 65535
        Assert.Equal("bad.btf", Assert.Throws<BpfObjectException>(() => BtfScan.FindFirst(truncated, "bpf_iter_task", BtfKind.Function, "bad.btf")).ObjectName);
        var unknown = blob.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(unknown.AsSpan(24 + 4), 31u << 24);
        Assert.Contains("unknown kind 31", Assert.Throws<BpfObjectException>(() => BtfScan.FindFirst(unknown, "x", BtfKind.Function, "bad.btf")).Message, StringComparison.Ordinal);
        Assert.Throws<BpfObjectException>(() => BtfScan.FindFirst(blob.AsSpan(0, 10), "x", BtfKind.Function, "bad.btf"));
    }

    [Fact]
    public void Extension_programs_without_a_target_program_are_refused_before_the_kernel()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_btf_attach.bpf.o"));
        var program = spec.Programs["count_syscall"];
        Assert.True(SectionTypes.TryClassify("freplace/handler", out var type, out var attach, out _, out _));
        program.Type = type;
        program.ExpectedAttachType = attach;
        var e = Assert.Throws<BpfObjectException>(() => spec.Load());
        Assert.Contains("'count_syscall'", e.Message, StringComparison.Ordinal);
        Assert.Contains("ProgramSpec.AttachProgram", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tracing_program_with_an_unsupported_attach_type_is_refused_before_the_kernel()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_btf_attach.bpf.o"));
        spec.Programs["count_syscall"].ExpectedAttachType = BpfAttachType.Xdp;
        var e = Assert.Throws<BpfObjectException>(() => spec.Load());
        Assert.Contains("expected attach type Xdp", e.Message, StringComparison.Ordinal);
    }
}
