using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Fuzz;
using Ebpf.Linking;

namespace Ebpf.Tests.Fuzz;

/// <summary>
/// Inputs that once escaped the library's documented exceptions (found while fuzzing), parsed directly through the
/// library: each must now end in a <see cref="BpfObjectException"/> naming the object. The same inputs are in the fuzz
/// corpus as crash-* files (built by <see cref="CraftedInputs"/>).
/// </summary>
public sealed class FuzzRegressionTests
{
    [Fact]
    public void A_core_field_offset_that_overflows_64_bits_is_a_bpf_object_exception()
    {
        // .BTF: huge = struct of 2^32-1 bytes; many = huge[2^32-1]; one FIELD_BYTE_OFFSET record on 'many' with access "0".
        var (btf, program) = SingleRecordProgram(CraftedInputs.CoreOffsetOverflow(), "overflow.o");

        var e = Assert.Throws<BpfObjectException>(() => new CoreRelocator(btf, btf, "overflow.o").Apply(program, [.. program.Instructions]));

        Assert.Equal("overflow.o", e.ObjectName);
        Assert.Contains("overflows 64 bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_struct_with_anonymous_members_of_its_own_type_does_not_hang_the_member_lookup()
    {
        // .BTF: node { node; node; } (both anonymous), node___v2 { int x; }; a FIELD_BYTE_OFFSET of node___v2.x relocated
        // against the same BTF. Before the fix the lookup through anonymous members took 2^32 steps.
        var (btf, program) = SingleRecordProgram(CraftedInputs.CoreAnonymousMemberBlowup(), "blowup.o");
        Instruction[] instructions = [.. program.Instructions];

        var cancel = TestContext.Current.CancellationToken;
        var relocation = Task.Run(() => new CoreRelocator(btf, btf, "blowup.o").Apply(program, instructions), cancel);

        Assert.Same(relocation, await Task.WhenAny(relocation, Task.Delay(TimeSpan.FromMinutes(1), cancel))); // else: the lookup hangs
        await relocation;
        Assert.Equal(OpCode.Call, instructions[0].OpCode); // node has no x: the instruction is poisoned, as libbpf does
    }

    [Theory]
    [InlineData("crash-core-offset-overflow.btfext")]
    [InlineData("crash-core-anonymous-member-blowup.btfext")]
    public void Each_regression_input_is_in_the_corpus_as_built_and_the_harness_handles_it(string name)
    {
        var built = CraftedInputs.All().Single(i => i.Name == name);
        byte[] file = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", built.Target, name));
        Assert.Equal(built.Bytes, file);
        Assert.Equal(FuzzOutcome.Accepted, FuzzTargets.Run(built.Target, file)); // the CO-RE record is refused; the input parsed
    }

    /// <summary>Parses a btfext fuzz input and puts its one CO-RE record on a one-instruction program (an LDX).</summary>
    private static (BtfTypes Btf, ProgramSpec Program) SingleRecordProgram(byte[] input, string name)
    {
        int btfLength = BitConverter.ToInt32(input);
        var btf = BtfTypes.Parse(input.AsSpan(4, btfLength), name, ".BTF");
        var ext = BtfExt.Parse(input.AsSpan(4 + btfLength), btf, name);
        var (section, records) = Assert.Single(ext.CoreRelocations);
        var program = new ProgramSpec("prog", section, BpfProgramType.RawTracepoint, default, null, false, "GPL",
            new Assembler().Load(MemorySize.Word, Register.R0, Register.R1, 0).Build(), [], [new FunctionPlacement(section, 0, 1, 0)]);
        program.CoreRelocations.Add((0, Assert.Single(records)));
        return (btf, program);
    }
}
