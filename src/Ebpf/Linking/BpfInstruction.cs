using System.Runtime.InteropServices;

namespace Ebpf.Linking;

/// <summary><c>struct bpf_insn</c>: 8 bytes, little-endian (the only byte order the loader accepts).</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct BpfInstruction
{
    internal byte Opcode;
    internal byte Registers;
    internal short Offset;
    internal int Immediate;

    internal const byte LoadImm64 = 0x18, Call = 0x85, Exit = 0x95;
    internal const byte PseudoMapFd = 1, PseudoMapValue = 2, PseudoBtfId = 3, PseudoFunc = 4;
    internal const byte PseudoCall = 1, PseudoKfuncCall = 2;

    internal byte SourceRegister
    {
        readonly get => (byte)(Registers >> 4);
        set => Registers = (byte)((Registers & 0x0f) | (value << 4));
    }

    internal readonly bool IsLoadImm64 => Opcode == LoadImm64;

    internal readonly bool IsCall => Opcode == Call;

    internal static BpfInstruction[] FromBytes(ReadOnlySpan<byte> bytes) => MemoryMarshal.Cast<byte, BpfInstruction>(bytes).ToArray();
}
