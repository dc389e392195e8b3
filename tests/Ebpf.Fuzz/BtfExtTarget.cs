using System.Buffers.Binary;
using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Linking;

namespace Ebpf.Fuzz;

/// <summary>
/// A .BTF.ext section with the .BTF whose strings and types it refers to. Input layout: a little-endian u32 length
/// N, then N bytes of .BTF, then the .BTF.ext bytes (scripts/fuzz.sh seeds writes it from the committed objects).
/// After <see cref="BtfExt.Parse"/>, every CO-RE record is applied on its own to a synthetic program (an ALU
/// immediate, a load and an ld_imm64 in turn) against the BTF itself and against <see cref="CoreTarget"/>.
/// </summary>
internal static class BtfExtTarget
{
    /// <summary>Upper bound on the synthetic program's length, whatever instruction offsets the records claim.</summary>
    private const int MaxInstructions = 4096;

    internal static FuzzOutcome Run(byte[] input)
    {
        if (input.Length < 4) return FuzzOutcome.Rejected;
        uint btfLength = BinaryPrimitives.ReadUInt32LittleEndian(input);
        if (btfLength > (uint)input.Length - 4) return FuzzOutcome.Rejected;
        var btf = BtfTypes.Parse(input.AsSpan(4, (int)btfLength), FuzzTargets.InputName, ".BTF");
        var ext = BtfExt.Parse(input.AsSpan(4 + (int)btfLength), btf, FuzzTargets.InputName);
        foreach (var (section, records) in ext.CoreRelocations)
        {
            var program = SyntheticProgram(section, records);
            foreach (var record in records)
            {
                program.CoreRelocations.Clear();
                program.CoreRelocations.Add(((int)Math.Min(record.InstructionOffset / 8, int.MaxValue), record));
                Relocate(btf, btf, program);
                Relocate(btf, CoreTarget.Btf, program);
            }
        }
        return FuzzOutcome.Accepted;
    }

    private static ProgramSpec SyntheticProgram(string section, List<BtfCoreRelocation> records)
    {
        long last = 0;
        foreach (var r in records) last = Math.Max(last, r.InstructionOffset / 8);
        int count = (int)Math.Min(last + 2, MaxInstructions);
        var instructions = new Instruction[count];
        for (int i = 0; i < count; i++)
        {
            instructions[i].OpCode = (i % 3) switch
            {
                0 => OpCode.Alu(AluOperation.Move, sourceRegister: false), // r0 = imm
                1 => OpCode.LoadMemory(MemorySize.Word),                    // r0 = *(u32 *)(r1 + off)
                _ => OpCode.LoadImm64,                                      // ld_imm64; its second half follows
            };
        }
        return new ProgramSpec("fuzz_prog", section, BpfProgramType.RawTracepoint, default, null, false, "GPL", instructions, [],
            [new FunctionPlacement(section, 0, count, 0)]);
    }

    private static void Relocate(BtfTypes local, BtfTypes target, ProgramSpec program)
    {
        try
        {
            new CoreRelocator(local, target, FuzzTargets.InputName).Apply(program, program.Instructions.ToArray());
        }
        catch (BpfObjectException e)
        {
            FuzzTargets.Expect(e);
        }
    }
}
