namespace Ebpf.Externs;

/// <summary>
/// One extern of a BPF object (an undefined global symbol described by a VAR or FUNC in the object's BTF, inside the
/// <c>.kconfig</c> or <c>.ksyms</c> DATASEC), as the loader must resolve it.
/// </summary>
internal sealed class ExternSpec
{
    internal required string Name { get; init; }

    internal required ExternKind Kind { get; init; }

    /// <summary>Declared <c>__weak</c>: unresolved, it is zero (or a poisoned kfunc call) instead of an error.</summary>
    internal required bool IsWeak { get; init; }

    /// <summary>The VAR or FUNC describing it in the object's BTF.</summary>
    internal required uint BtfId { get; init; }

    /// <summary>For ksyms, the variable's type after modifiers (0 for a typeless <c>const void</c> ksym); for kfuncs the
    /// FUNC_PROTO. Taken from the BTF as clang wrote it, before the loader rewrote the VAR for the kernel.</summary>
    internal uint LocalTypeId { get; init; }

    /// <summary>For kconfig externs: where and how the value is stored.</summary>
    internal KconfigField Kconfig { get; set; }

    /// <summary>The position in libbpf's extern order (kconfig first, by alignment, size, name; then ksyms by name); a
    /// poisoned kfunc call carries it, so a verifier error can be traced back to the extern.</summary>
    internal int Index { get; set; }

    /// <summary>True for typed ksyms, resolved by BTF id rather than through /proc/kallsyms.</summary>
    internal bool IsTyped => Kind == ExternKind.Kfunc || (Kind == ExternKind.Ksym && LocalTypeId != 0);

    /// <summary>The name without a <c>___flavour</c> suffix (libbpf matches kfuncs by it): cut before the last
    /// <c>X___Y</c> where neither X nor Y is an underscore.</summary>
    internal string EssentialName
    {
        get
        {
            for (int i = Name.Length - 5; i >= 0; i--)
                if (Name[i] != '_' && Name[i + 1] == '_' && Name[i + 2] == '_' && Name[i + 3] == '_' && Name[i + 4] != '_')
                    return Name[..(i + 1)];
            return Name;
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Kind}{(IsWeak ? ", weak" : "")})";
}
