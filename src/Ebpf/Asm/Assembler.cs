namespace Ebpf.Asm;

/// <summary>
/// Builds a program instruction by instruction, with labels for jumps and BPF-to-BPF calls resolved by
/// <see cref="Build"/>. Each method appends and returns the assembler, so a program reads top to bottom:
/// <code>
/// var program = new Assembler()
///     .Store(MemorySize.Word, Register.R10, -4, 0)          // u32 key = 0 on the stack
///     .Mov(Register.R2, Register.R10).Add(Register.R2, -4)
///     .LoadMapFd(Register.R1, counters)
///     .Call(BpfHelper.MapLookupElem)
///     .JumpIf(JumpOperation.Equal, Register.R0, 0, "out")
///     .Mov(Register.R1, 1)
///     .AtomicAdd(MemorySize.DoubleWord, Register.R0, 0, Register.R1)
///     .Label("out")
///     .Mov(Register.R0, 2)                                    // XDP_PASS
///     .Exit()
///     .Build();
/// </code>
/// </summary>
public sealed class Assembler
{
    private readonly List<Instruction> _instructions = [];
    private readonly Dictionary<string, int> _labels = new(StringComparer.Ordinal);
    private readonly List<(int Index, string Label, Fixup Kind)> _fixups = [];

    private enum Fixup
    {
        Offset,   // jumps: off = target - (index + 1)
        Immediate, // BPF-to-BPF calls and ld_imm64 of a function: imm = target - (index + 1)
    }

    /// <summary>The number of instruction slots so far (ld_imm64 counts two): the index the next instruction gets.</summary>
    public int Count => _instructions.Count;

    /// <summary>Appends a raw instruction.</summary>
    public Assembler Emit(Instruction instruction)
    {
        _instructions.Add(instruction);
        return this;
    }

    /// <summary>Names the next instruction, for <see cref="Jump"/>, <see cref="JumpIf(JumpOperation, Register, int, string)"/>,
    /// <see cref="CallFunction"/> and <see cref="LoadFunction"/>.</summary>
    /// <exception cref="ArgumentException">The label is already defined.</exception>
    public Assembler Label(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!_labels.TryAdd(name, _instructions.Count))
            throw new ArgumentException($"Label '{name}' is defined twice (at instructions {_labels[name]} and {_instructions.Count}).", nameof(name));
        return this;
    }

    /// <summary>dst = imm (64-bit move, the immediate sign-extended).</summary>
    public Assembler Mov(Register destination, int immediate) => Alu(AluOperation.Move, destination, immediate);

    /// <summary>dst = src (64-bit).</summary>
    public Assembler Mov(Register destination, Register source) => Alu(AluOperation.Move, destination, source);

    /// <summary>wdst = imm (32-bit move; the upper half becomes 0).</summary>
    public Assembler Mov32(Register destination, int immediate) => Alu32(AluOperation.Move, destination, immediate);

    /// <summary>wdst = wsrc (32-bit move; the upper half becomes 0).</summary>
    public Assembler Mov32(Register destination, Register source) => Alu32(AluOperation.Move, destination, source);

    /// <summary>dst += imm (64-bit).</summary>
    public Assembler Add(Register destination, int immediate) => Alu(AluOperation.Add, destination, immediate);

    /// <summary>dst += src (64-bit).</summary>
    public Assembler Add(Register destination, Register source) => Alu(AluOperation.Add, destination, source);

    /// <summary>A 64-bit ALU operation with an immediate: dst = dst op imm.</summary>
    public Assembler Alu(AluOperation operation, Register destination, int immediate) =>
        Emit(new Instruction(OpCode.Alu(operation, false), destination, immediate: immediate));

    /// <summary>A 64-bit ALU operation with a register: dst = dst op src.</summary>
    public Assembler Alu(AluOperation operation, Register destination, Register source) =>
        Emit(new Instruction(OpCode.Alu(operation, true), destination, source));

    /// <summary>A 32-bit ALU operation with an immediate.</summary>
    public Assembler Alu32(AluOperation operation, Register destination, int immediate) =>
        Emit(new Instruction(OpCode.Alu(operation, false, wide: false), destination, immediate: immediate));

    /// <summary>A 32-bit ALU operation with a register.</summary>
    public Assembler Alu32(AluOperation operation, Register destination, Register source) =>
        Emit(new Instruction(OpCode.Alu(operation, true, wide: false), destination, source));

    /// <summary>dst = -dst (64-bit).</summary>
    public Assembler Negate(Register destination) => Emit(new Instruction(OpCode.Alu(AluOperation.Negate, false), destination));

    /// <summary>Converts the low <paramref name="bits"/> (16, 32 or 64) of dst to big-endian (network) order (<c>be16</c>...).</summary>
    public Assembler ToBigEndian(Register destination, int bits) => Endian(destination, bits, bigEndian: true);

    /// <summary>Converts the low <paramref name="bits"/> (16, 32 or 64) of dst to little-endian order (<c>le16</c>...).</summary>
    public Assembler ToLittleEndian(Register destination, int bits) => Endian(destination, bits, bigEndian: false);

    private Assembler Endian(Register destination, int bits, bool bigEndian)
    {
        if (bits is not (16 or 32 or 64)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "Byte swaps are 16, 32 or 64 bits wide.");
        return Emit(new Instruction(OpCode.Alu(AluOperation.Endian, bigEndian, wide: false), destination, immediate: bits));
    }

    /// <summary>dst = the 64-bit <paramref name="value"/> (ld_imm64: two slots).</summary>
    public Assembler LoadImm64(Register destination, long value) =>
        Wide(destination, Register.R0, (int)value, (int)(value >> 32));

    /// <summary>dst = the map <paramref name="map"/> (ld_imm64 with BPF_PSEUDO_MAP_FD; the kernel puts the map's address).
    /// The map must stay open until the program is loaded.</summary>
    public Assembler LoadMapFd(Register destination, BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return LoadMapFd(destination, map.Fd);
    }

    /// <summary>dst = the map behind descriptor <paramref name="mapFd"/>.</summary>
    public Assembler LoadMapFd(Register destination, int mapFd) => Wide(destination, PseudoSource.MapFd, mapFd, 0);

    /// <summary>dst = the address of byte <paramref name="offset"/> of the (single) value of array map <paramref name="map"/>
    /// (ld_imm64 with BPF_PSEUDO_MAP_VALUE: how global variables are reached).</summary>
    public Assembler LoadMapValue(Register destination, BpfMap map, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(map);
        return Wide(destination, PseudoSource.MapValue, map.Fd, offset);
    }

    /// <summary>dst = the address of the BPF function at <paramref name="label"/> (ld_imm64 with BPF_PSEUDO_FUNC), for
    /// helpers that take callbacks (bpf_loop, bpf_for_each_map_elem, timers).</summary>
    public Assembler LoadFunction(Register destination, string label)
    {
        AddFixup(label, Fixup.Immediate);
        return Wide(destination, PseudoSource.Function, 0, 0);
    }

    private Assembler Wide(Register destination, Register source, int low, int high)
    {
        _instructions.Add(new Instruction(OpCode.LoadImm64, destination, source, immediate: low));
        _instructions.Add(new Instruction(default, immediate: high));
        return this;
    }

    /// <summary>dst = *(size *)(src + offset).</summary>
    public Assembler Load(MemorySize size, Register destination, Register source, short offset) =>
        Emit(new Instruction(OpCode.LoadMemory(size), destination, source, offset));

    /// <summary>*(size *)(dst + offset) = src.</summary>
    public Assembler Store(MemorySize size, Register destination, short offset, Register source) =>
        Emit(new Instruction(OpCode.StoreMemory(size), destination, source, offset));

    /// <summary>*(size *)(dst + offset) = imm.</summary>
    public Assembler Store(MemorySize size, Register destination, short offset, int immediate) =>
        Emit(new Instruction(OpCode.StoreImmediate(size), destination, offset: offset, immediate: immediate));

    /// <summary>lock *(size *)(dst + offset) += src (Word or DoubleWord).</summary>
    public Assembler AtomicAdd(MemorySize size, Register destination, short offset, Register source)
    {
        if (size is not (MemorySize.Word or MemorySize.DoubleWord))
            throw new ArgumentOutOfRangeException(nameof(size), size, "Atomic operations are 32 or 64 bits wide.");
        return Emit(new Instruction(OpCode.StoreMemory(size, MemoryMode.Atomic), destination, source, offset, (int)AluOperation.Add));
    }

    /// <summary>r0 = the packet bytes at <paramref name="offset"/>, in host order (the legacy BPF_LD | BPF_ABS of socket filters; R6 must hold the skb).</summary>
    public Assembler LoadPacket(MemorySize size, int offset) =>
        Emit(new Instruction(OpCode.LoadPacket(size, MemoryMode.Absolute), immediate: offset));

    /// <summary>goto <paramref name="label"/>.</summary>
    public Assembler Jump(string label)
    {
        AddFixup(label, Fixup.Offset);
        return Emit(new Instruction(OpCode.Goto));
    }

    /// <summary>if (dst op imm) goto <paramref name="label"/> (64-bit comparison).</summary>
    public Assembler JumpIf(JumpOperation operation, Register destination, int immediate, string label) =>
        Branch(OpCode.Jump(operation, false), destination, Register.R0, immediate, label);

    /// <summary>if (dst op src) goto <paramref name="label"/> (64-bit comparison).</summary>
    public Assembler JumpIf(JumpOperation operation, Register destination, Register source, string label) =>
        Branch(OpCode.Jump(operation, true), destination, source, 0, label);

    /// <summary>if (wdst op imm) goto <paramref name="label"/> (32-bit comparison).</summary>
    public Assembler JumpIf32(JumpOperation operation, Register destination, int immediate, string label) =>
        Branch(OpCode.Jump(operation, false, wide: false), destination, Register.R0, immediate, label);

    /// <summary>if (wdst op wsrc) goto <paramref name="label"/> (32-bit comparison).</summary>
    public Assembler JumpIf32(JumpOperation operation, Register destination, Register source, string label) =>
        Branch(OpCode.Jump(operation, true, wide: false), destination, source, 0, label);

    private Assembler Branch(OpCode code, Register destination, Register source, int immediate, string label)
    {
        if (code.JumpOperation is JumpOperation.Always or JumpOperation.Call or JumpOperation.Exit)
            throw new ArgumentOutOfRangeException(nameof(code), code.JumpOperation, "Use Jump, Call or Exit for those; JumpIf takes a comparison.");
        AddFixup(label, Fixup.Offset);
        return Emit(new Instruction(code, destination, source, immediate: immediate));
    }

    /// <summary>Calls helper <paramref name="helper"/> (arguments in R1–R5, result in R0; R1–R5 are clobbered).</summary>
    public Assembler Call(BpfHelper helper) => Call((int)helper);

    /// <summary>Calls the helper with id <paramref name="helperId"/>.</summary>
    public Assembler Call(int helperId) => Emit(new Instruction(OpCode.Call, immediate: helperId));

    /// <summary>Calls the BPF function starting at <paramref name="label"/> (BPF_PSEUDO_CALL): its own frame, arguments in
    /// R1–R5, result in R0.</summary>
    public Assembler CallFunction(string label)
    {
        AddFixup(label, Fixup.Immediate);
        return Emit(new Instruction(OpCode.Call, source: PseudoSource.Call));
    }

    /// <summary>Calls the kernel function (kfunc) with BTF id <paramref name="btfId"/> in vmlinux (BPF_PSEUDO_KFUNC_CALL).</summary>
    public Assembler CallKernelFunction(int btfId) => Emit(new Instruction(OpCode.Call, source: PseudoSource.KernelFunctionCall, immediate: btfId));

    /// <summary>Returns R0.</summary>
    public Assembler Exit() => Emit(new Instruction(OpCode.Exit));

    private void AddFixup(string label, Fixup kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        _fixups.Add((_instructions.Count, label, kind));
    }

    /// <summary>The program, with every label reference resolved to its distance from the next instruction.</summary>
    /// <exception cref="InvalidOperationException">A label is referenced but never defined, defined past the last
    /// instruction, or too far away for a 16-bit jump offset.</exception>
    public Instruction[] Build()
    {
        var program = _instructions.ToArray();
        foreach (var (index, label, kind) in _fixups)
        {
            if (!_labels.TryGetValue(label, out int target))
                throw new InvalidOperationException($"Instruction {index} refers to label '{label}', which is never defined.");
            if (target >= program.Length)
                throw new InvalidOperationException($"Label '{label}' (referred to by instruction {index}) is defined after the last instruction; a label names the instruction after it.");
            int distance = target - (index + 1);
            if (kind == Fixup.Immediate)
            {
                program[index].Immediate = distance;
                continue;
            }
            if (distance is < short.MinValue or > short.MaxValue)
                throw new InvalidOperationException($"Instruction {index} jumps {distance} instructions to '{label}', beyond a 16-bit offset.");
            program[index].Offset = (short)distance;
        }
        return program;
    }
}
