using System.Runtime.InteropServices;

namespace Ebpf.Asm;

/// <summary>
/// One eBPF instruction slot, <c>struct bpf_insn</c>: 8 bytes, little-endian, laid out exactly as the kernel reads it
/// (an array of them is a program). ld_imm64 takes two slots: the second holds the upper 32 bits in its immediate.
/// Build programs with <see cref="Assembler"/>; print them with <see cref="Disassembler"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
public struct Instruction : IEquatable<Instruction>
{
    private byte _opCode;
    private byte _registers;
    private short _offset;
    private int _immediate;

    /// <summary>An instruction from its fields.</summary>
    public Instruction(OpCode opCode, Register destination = Register.R0, Register source = Register.R0, short offset = 0, int immediate = 0)
    {
        _opCode = opCode.Value;
        _registers = (byte)(((byte)source << 4) | ((byte)destination & 0x0f));
        _offset = offset;
        _immediate = immediate;
    }

    /// <summary>The opcode.</summary>
    public OpCode OpCode
    {
        readonly get => new(_opCode);
        set => _opCode = value.Value;
    }

    /// <summary>The destination register (low four bits of the register byte).</summary>
    public Register Destination
    {
        readonly get => (Register)(_registers & 0x0f);
        set => _registers = (byte)((_registers & 0xf0) | ((byte)value & 0x0f));
    }

    /// <summary>The source register (high four bits), or on ld_imm64 and calls a <see cref="PseudoSource"/> value.</summary>
    public Register Source
    {
        readonly get => (Register)(_registers >> 4);
        set => _registers = (byte)((_registers & 0x0f) | ((byte)value << 4));
    }

    /// <summary>The signed 16-bit offset: memory displacement, or jump distance in instructions from the next one.</summary>
    public short Offset
    {
        readonly get => _offset;
        set => _offset = value;
    }

    /// <summary>The signed 32-bit immediate.</summary>
    public int Immediate
    {
        readonly get => _immediate;
        set => _immediate = value;
    }

    /// <summary>True for the first slot of an ld_imm64 (the next slot belongs to it).</summary>
    public readonly bool IsLoadImm64 => _opCode == 0x18;

    /// <summary>True for a call (helper, BPF function or kfunc).</summary>
    public readonly bool IsCall => _opCode == 0x85;

    /// <summary>True for exit.</summary>
    public readonly bool IsExit => _opCode == 0x95;

    /// <summary>True for a call to a BPF function of the same program (BPF_PSEUDO_CALL).</summary>
    public readonly bool IsFunctionCall => IsCall && Source == PseudoSource.Call;

    /// <summary>True for a jump with an offset to follow (goto, conditional jumps, may_goto; not call, exit or gotol, whose target is in the immediate).</summary>
    public readonly bool IsBranch =>
        OpCode.IsJump && OpCode.JumpOperation is not (JumpOperation.Call or JumpOperation.Exit) && _opCode != 0x06;

    /// <summary>Reads a program (a whole number of 8-byte slots) from its bytes.</summary>
    /// <exception cref="ArgumentException">The length is not a multiple of 8.</exception>
    public static Instruction[] FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 8 != 0)
            throw new ArgumentException($"A program is a whole number of 8-byte instructions; got {bytes.Length} bytes.", nameof(bytes));
        return MemoryMarshal.Cast<byte, Instruction>(bytes).ToArray();
    }

    /// <summary>The bytes of a program, as the kernel reads them.</summary>
    public static ReadOnlySpan<byte> AsBytes(ReadOnlySpan<Instruction> program) => MemoryMarshal.AsBytes(program);

    /// <inheritdoc/>
    public readonly bool Equals(Instruction other) =>
        _opCode == other._opCode && _registers == other._registers && _offset == other._offset && _immediate == other._immediate;

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is Instruction other && Equals(other);

    /// <inheritdoc/>
    public override readonly int GetHashCode() => HashCode.Combine(_opCode, _registers, _offset, _immediate);

    /// <summary>Equality.</summary>
    public static bool operator ==(Instruction left, Instruction right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Instruction left, Instruction right) => !left.Equals(right);

    /// <summary>The instruction as the kernel's verifier log prints it (an ld_imm64 shows only its lower half here;
    /// <see cref="Disassembler.Format(ReadOnlySpan{Instruction}, DisassemblyOptions?)"/> joins both).</summary>
    public override readonly string ToString() => Disassembler.Format(this);
}
