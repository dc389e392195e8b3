namespace Ebpf.Gen.Model;

/// <summary>What the skeleton class exposes, named.</summary>
internal sealed class Skeleton
{
    internal required string ClassName { get; init; }

    internal required string ObjectName { get; init; }

    internal List<SkeletonMap> Maps { get; } = [];

    internal List<(string Property, string Name, string Section)> Programs { get; } = [];

    internal List<SkeletonSection> Sections { get; } = [];
}

/// <summary>A map: untyped (<see cref="Key"/> null), or with its key and value types.</summary>
internal sealed record SkeletonMap(string Property, string Name, string Description, TypeRef? Key, TypeRef? Value, string? Untyped);

/// <summary>How a data section is reached after load.</summary>
internal enum SectionAccess
{
    /// <summary>Mapped read-write (<c>.data</c>, <c>.bss</c>): a <c>ref</c>.</summary>
    Mapped,

    /// <summary>Mapped read-only (frozen <c>.rodata</c>): a <c>ref readonly</c>.</summary>
    MappedReadOnly,

    /// <summary>Not mmapable (the loader's <c>.kconfig</c>): a copy read with a lookup.</summary>
    Copied,
}

/// <summary>A global-data section: its struct, the accessor's name, and whether it is settable before load.</summary>
internal sealed record SkeletonSection(GenType Type, string Property, SectionAccess Access, bool BeforeLoad);
