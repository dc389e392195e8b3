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
        byte[] input = CraftedInputs.CoreOffsetOverflow();
        int btfLength = BitConverter.ToInt32(input);
        var btf = BtfTypes.Parse(input.AsSpan(4, btfLength), "overflow.o", ".BTF");
        var ext = BtfExt.Parse(input.AsSpan(4 + btfLength), btf, "overflow.o");
        var (section, records) = Assert.Single(ext.CoreRelocations);
        var program = new ProgramSpec("prog", section, BpfProgramType.RawTracepoint, default, null, false, "GPL",
            [new BpfInstruction { Opcode = 0x61 }], [], [new FunctionPlacement(section, 0, 1, 0)]);
        program.CoreRelocations.Add((0, Assert.Single(records)));

        var e = Assert.Throws<BpfObjectException>(() => new CoreRelocator(btf, btf, "overflow.o").Apply(program, [.. program.Instructions]));

        Assert.Equal("overflow.o", e.ObjectName);
        Assert.Contains("overflows 64 bits", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_overflow_input_is_in_the_corpus_and_the_harness_handles_it()
    {
        string file = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", "btfext", "crash-core-offset-overflow.btfext");
        Assert.Equal(CraftedInputs.CoreOffsetOverflow(), File.ReadAllBytes(file));
        Assert.Equal(FuzzOutcome.Accepted, FuzzTargets.Run("btfext", File.ReadAllBytes(file))); // the record is refused, the input parsed
    }
}
