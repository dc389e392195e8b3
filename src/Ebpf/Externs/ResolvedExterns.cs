namespace Ebpf.Externs;

/// <summary>What the running kernel says about an object's externs: the <c>.kconfig</c> map's contents and, per extern
/// index, whether a ksym or kfunc was found and its BTF id (typed) or address (typeless).</summary>
internal sealed class ResolvedExterns(byte[]? kconfig, ResolvedExterns.Symbol[] symbols)
{
    internal readonly record struct Symbol(bool IsSet, uint BtfId, ulong Address);

    internal static ResolvedExterns None { get; } = new(null, []);

    /// <summary>The initial value of the <c>.kconfig</c> map, or null when the object has no kconfig externs.</summary>
    internal byte[]? Kconfig { get; } = kconfig;

    /// <summary>Resolution of each extern by <see cref="ExternSpec.Index"/> (unused for kconfig externs).</summary>
    internal Symbol[] Symbols { get; } = symbols;
}
