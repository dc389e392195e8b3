using System.Text.RegularExpressions;
using CsCheck;
using Ebpf.Asm;

namespace Ebpf.Tests.Asm;

/// <summary>The assembler's encodings (against the UAPI's opcode arithmetic: class | size | mode, op | source | class),
/// its labels and its refusals; the instruction struct's layout; the helper ids against include/uapi/linux/bpf.h.</summary>
public class AssemblerTests
{
    [Fact]
    public void An_instruction_is_the_kernels_8_byte_struct()
    {
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<Instruction>());
        var insn = new Instruction(OpCode.Alu(AluOperation.Add, false), Register.R3, Register.R9, -2, -8);
        Assert.Equal(Convert.FromHexString("0793FEFFF8FFFFFF"), Instruction.AsBytes([insn]).ToArray());
        Assert.Equal(insn, Instruction.FromBytes(Instruction.AsBytes([insn]))[0]);
    }

    [Fact]
    public void Fields_round_trip_through_the_bytes()
    {
        Gen.Select(Gen.Byte, Gen.Byte[0, 15], Gen.Byte[0, 15], Gen.Short, Gen.Int).Sample((op, dst, src, off, imm) =>
        {
            var insn = new Instruction(new OpCode(op), (Register)dst, (Register)src, off, imm);
            var back = Instruction.FromBytes(Instruction.AsBytes([insn]))[0];
            Assert.Equal((op, (Register)dst, (Register)src, off, imm), (back.OpCode.Value, back.Destination, back.Source, back.Offset, back.Immediate));
            insn.Source = (Register)(15 - src);
            Assert.Equal((Register)dst, insn.Destination); // setting one register leaves the other
        });
    }

    [Fact]
    public void Opcodes_compose_from_class_size_mode_operation_and_source()
    {
        Assert.Equal(0xb7, OpCode.Alu(AluOperation.Move, false).Value);       // mov64 imm
        Assert.Equal(0xbc, OpCode.Alu(AluOperation.Move, true, wide: false).Value); // mov32 reg
        Assert.Equal(0x97, OpCode.Alu(AluOperation.Mod, false).Value);
        Assert.Equal(0x1d, OpCode.Jump(JumpOperation.Equal, true).Value);
        Assert.Equal(0x46, OpCode.Jump(JumpOperation.BitsSet, false, wide: false).Value);
        Assert.Equal(0x79, OpCode.LoadMemory(MemorySize.DoubleWord).Value);
        Assert.Equal(0x91, OpCode.LoadMemory(MemorySize.Byte, signExtend: true).Value);
        Assert.Equal(0x62, OpCode.StoreImmediate(MemorySize.Word).Value);
        Assert.Equal(0xdb, OpCode.StoreMemory(MemorySize.DoubleWord, MemoryMode.Atomic).Value);
        Assert.Equal(0x30, OpCode.LoadPacket(MemorySize.Byte, MemoryMode.Absolute).Value);
        var code = new OpCode(0x6d); // jsgt reg
        Assert.Equal((InstructionClass.Jump, JumpOperation.SignedGreater, true), (code.Class, code.JumpOperation, code.UsesSourceRegister));
    }

    [Fact]
    public void Labels_resolve_to_distances_from_the_next_instruction_forward_and_back()
    {
        var program = new Assembler()
            .Label("top")
            .Mov(Register.R0, 0)
            .JumpIf(JumpOperation.Equal, Register.R1, 0, "out")   // 1 -> 4: +2
            .Add(Register.R0, 1)
            .Jump("top")                                           // 3 -> 0: -4
            .Label("out")
            .Exit()
            .Build();
        Assert.Equal(2, program[1].Offset);
        Assert.Equal(-4, program[3].Offset);
        Assert.True(program[1].IsBranch && program[3].IsBranch && !program[4].IsBranch);
    }

    [Fact]
    public void Calls_and_wide_loads_carry_their_pseudo_sources()
    {
        var program = new Assembler()
            .LoadMapFd(Register.R1, 7)
            .Call(BpfHelper.MapLookupElem)
            .CallFunction("sub")
            .LoadFunction(Register.R2, "sub")
            .CallKernelFunction(12345)
            .LoadImm64(Register.R3, unchecked((long)0xfedcba9876543210))
            .Exit()
            .Label("sub")
            .Mov(Register.R0, 1)
            .Exit()
            .Build();
        Assert.Equal((OpCode.LoadImm64, PseudoSource.MapFd, 7, 0), (program[0].OpCode, program[0].Source, program[0].Immediate, program[1].Immediate));
        Assert.Equal((OpCode.Call, Register.R0, 1), (program[2].OpCode, program[2].Source, program[2].Immediate));
        Assert.Equal((PseudoSource.Call, 6), (program[3].Source, program[3].Immediate));      // 3 -> 10
        Assert.Equal((PseudoSource.Function, 5), (program[4].Source, program[4].Immediate)); // 4 -> 10
        Assert.Equal((PseudoSource.KernelFunctionCall, 12345), (program[6].Source, program[6].Immediate));
        Assert.Equal((0x76543210, unchecked((int)0xfedcba98)), (program[7].Immediate, program[8].Immediate));
        Assert.Equal(12, program.Length);
    }

    [Fact]
    public void Misuse_is_refused_with_the_label_named()
    {
        Assert.Contains("'nowhere'", Assert.Throws<InvalidOperationException>(() => new Assembler().Jump("nowhere").Exit().Build()).Message, StringComparison.Ordinal);
        Assert.Contains("after the last instruction", Assert.Throws<InvalidOperationException>(() => new Assembler().Jump("end").Label("end").Build()).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new Assembler().Label("x").Exit().Label("x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Assembler().JumpIf(JumpOperation.Exit, Register.R0, 0, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Assembler().ToBigEndian(Register.R0, 8));
        var far = new Assembler().Jump("far");
        for (int i = 0; i < 40000; i++) far.Mov(Register.R0, 0);
        Assert.Throws<InvalidOperationException>(() => far.Label("far").Exit().Build());
    }

    [Fact]
    public void Helper_ids_and_names_follow_the_uapi_list()
    {
        var header = File.ReadAllText("/usr/include/linux/bpf.h");
        var listed = Regex.Matches(header, @"^\s*FN\((\w+)[,)]", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(listed);
        for (int id = 0; id < listed.Count; id++)
            Assert.Equal("bpf_" + listed[id], HelperNames.Of(id));
        Assert.Equal(listed.Count + 2, Enum.GetValues<BpfHelper>().Length); // + cgrp_storage_get/delete (Linux 6.2)
        Assert.Equal(1, (int)BpfHelper.MapLookupElem);
        Assert.Equal(131, (int)BpfHelper.RingbufReserve);
    }
}
