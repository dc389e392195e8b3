namespace Ebpf.Links.Usdt;

/// <summary>Where a USDT argument lives, in the terms of libbpf's <c>enum __bpf_usdt_arg_type</c>.</summary>
internal enum UsdtArgumentKind
{
    /// <summary>A constant (<c>4@$42</c>): the value is <see cref="UsdtArgument.Value"/>.</summary>
    Constant = 0,

    /// <summary>A register (<c>-4@%edi</c>): the value is in the <c>pt_regs</c> slot at <see cref="UsdtArgument.RegisterOffset"/>.</summary>
    Register = 1,

    /// <summary>Memory at register + offset (<c>8@-16(%rbp)</c>): read <see cref="UsdtArgument.Value"/> bytes past the register's value.</summary>
    RegisterDeref = 2,
}

/// <summary>
/// One parsed USDT argument: its kind, the constant or memory offset, the <c>pt_regs</c> offset of its register, and its
/// size (1, 2, 4 or 8 bytes) and signedness, from which the shift that narrows and sign-extends it follows.
/// </summary>
internal readonly record struct UsdtArgument(UsdtArgumentKind Kind, long Value, short RegisterOffset, int Size, bool Signed)
{
    /// <summary>The bits to clear (and sign-extend from) to narrow the 8 bytes read to <see cref="Size"/>: 64 - 8 × size.</summary>
    internal byte BitShift => (byte)(64 - Size * 8);
}
