namespace Ebpf.Asm;

/// <summary>The eBPF registers. R0 holds return values (of helpers, and of the program); R1–R5 pass arguments (R1 holds
/// the context on entry) and are clobbered by calls; R6–R9 survive calls; R10 is the read-only frame pointer (the stack
/// grows down from it, 512 bytes).</summary>
public enum Register : byte
{
    /// <summary>Return value.</summary>
    R0 = 0,
    /// <summary>First argument; the context on entry.</summary>
    R1 = 1,
    /// <summary>Second argument.</summary>
    R2 = 2,
    /// <summary>Third argument.</summary>
    R3 = 3,
    /// <summary>Fourth argument.</summary>
    R4 = 4,
    /// <summary>Fifth argument.</summary>
    R5 = 5,
    /// <summary>Callee-saved.</summary>
    R6 = 6,
    /// <summary>Callee-saved.</summary>
    R7 = 7,
    /// <summary>Callee-saved.</summary>
    R8 = 8,
    /// <summary>Callee-saved.</summary>
    R9 = 9,
    /// <summary>The frame pointer (read-only).</summary>
    R10 = 10,
}
