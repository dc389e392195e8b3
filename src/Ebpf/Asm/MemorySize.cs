namespace Ebpf.Asm;

/// <summary>The access size of a load or store (<c>BPF_SIZE</c>).</summary>
public enum MemorySize : byte
{
    /// <summary>BPF_W: 4 bytes (u32).</summary>
    Word = 0x00,
    /// <summary>BPF_H: 2 bytes (u16).</summary>
    Half = 0x08,
    /// <summary>BPF_B: 1 byte (u8).</summary>
    Byte = 0x10,
    /// <summary>BPF_DW: 8 bytes (u64).</summary>
    DoubleWord = 0x18,
}
