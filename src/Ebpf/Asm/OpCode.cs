namespace Ebpf.Asm;

/// <summary>
/// The opcode byte of an instruction: class in the low three bits, then (ALU and jumps) the source bit (BPF_K / BPF_X)
/// and the operation, or (loads and stores) the size and mode. Decompose any opcode with the properties; build one with
/// the factories.
/// </summary>
public readonly struct OpCode : IEquatable<OpCode>
{
    private const byte SourceRegisterBit = 0x08;

    /// <summary>Wraps a raw opcode byte.</summary>
    public OpCode(byte value) => Value = value;

    /// <summary>The raw byte.</summary>
    public byte Value { get; }

    /// <summary>BPF_LD | BPF_IMM | BPF_DW (0x18): the first half of a 16-byte ld_imm64.</summary>
    public static OpCode LoadImm64 => new(0x18);

    /// <summary>BPF_JMP | BPF_CALL (0x85).</summary>
    public static OpCode Call => new(0x85);

    /// <summary>BPF_JMP | BPF_EXIT (0x95).</summary>
    public static OpCode Exit => new(0x95);

    /// <summary>BPF_JMP | BPF_JA (0x05): goto.</summary>
    public static OpCode Goto => new(0x05);

    /// <summary>The class.</summary>
    public InstructionClass Class => (InstructionClass)(Value & 0x07);

    /// <summary>True for ALU and ALU64.</summary>
    public bool IsAlu => Class is InstructionClass.Alu or InstructionClass.Alu64;

    /// <summary>True for JMP and JMP32 (calls and exit included).</summary>
    public bool IsJump => Class is InstructionClass.Jump or InstructionClass.Jump32;

    /// <summary>ALU and jumps: true when the second operand is the source register (BPF_X), false for the immediate (BPF_K).
    /// For BPF_END: true for big endian (BPF_TO_BE).</summary>
    public bool UsesSourceRegister => (Value & SourceRegisterBit) != 0;

    /// <summary>ALU and ALU64: the operation.</summary>
    public AluOperation AluOperation => (AluOperation)(Value & 0xf0);

    /// <summary>JMP and JMP32: the operation.</summary>
    public JumpOperation JumpOperation => (JumpOperation)(Value & 0xf0);

    /// <summary>Loads and stores: the access size.</summary>
    public MemorySize Size => (MemorySize)(Value & 0x18);

    /// <summary>Loads and stores: the addressing mode.</summary>
    public MemoryMode Mode => (MemoryMode)(Value & 0xe0);

    /// <summary>An ALU64 (<paramref name="wide"/>) or ALU instruction: dst = dst op (src register, or the immediate).</summary>
    public static OpCode Alu(AluOperation operation, bool sourceRegister, bool wide = true) =>
        new((byte)((byte)operation | (sourceRegister ? SourceRegisterBit : 0) | (byte)(wide ? InstructionClass.Alu64 : InstructionClass.Alu)));

    /// <summary>A JMP (<paramref name="wide"/>) or JMP32 comparison against the source register or the immediate.</summary>
    public static OpCode Jump(JumpOperation operation, bool sourceRegister, bool wide = true) =>
        new((byte)((byte)operation | (sourceRegister ? SourceRegisterBit : 0) | (byte)(wide ? InstructionClass.Jump : InstructionClass.Jump32)));

    /// <summary>An LDX: dst = *(size *)(src + offset); sign-extending with <paramref name="signExtend"/>.</summary>
    public static OpCode LoadMemory(MemorySize size, bool signExtend = false) =>
        new((byte)((byte)(signExtend ? MemoryMode.MemorySignExtend : MemoryMode.Memory) | (byte)size | (byte)InstructionClass.LoadRegister));

    /// <summary>An ST: *(size *)(dst + offset) = immediate.</summary>
    public static OpCode StoreImmediate(MemorySize size) =>
        new((byte)((byte)MemoryMode.Memory | (byte)size | (byte)InstructionClass.Store));

    /// <summary>An STX: *(size *)(dst + offset) = src, or with <see cref="MemoryMode.Atomic"/> an atomic operation.</summary>
    public static OpCode StoreMemory(MemorySize size, MemoryMode mode = MemoryMode.Memory) =>
        new((byte)((byte)mode | (byte)size | (byte)InstructionClass.StoreRegister));

    /// <summary>A legacy packet load (BPF_LD with <see cref="MemoryMode.Absolute"/> or <see cref="MemoryMode.Indirect"/>).</summary>
    public static OpCode LoadPacket(MemorySize size, MemoryMode mode) => new((byte)((byte)mode | (byte)size | (byte)InstructionClass.Load));

    /// <inheritdoc/>
    public bool Equals(OpCode other) => Value == other.Value;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is OpCode other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Value;

    /// <summary>Equality.</summary>
    public static bool operator ==(OpCode left, OpCode right) => left.Value == right.Value;

    /// <summary>Inequality.</summary>
    public static bool operator !=(OpCode left, OpCode right) => left.Value != right.Value;

    /// <summary>The opcode as the kernel prints it: two hex digits.</summary>
    public override string ToString() => Value.ToString("x2", System.Globalization.CultureInfo.InvariantCulture);
}
