namespace Ebpf.Gen;

/// <summary>What <see cref="BindingGenerator"/> generates and how it names it.</summary>
public sealed class GenOptions
{
    /// <summary>The namespace of the generated file (default <c>Bpf</c>).</summary>
    public string Namespace { get; init; } = "Bpf";

    /// <summary>The skeleton class's name; null means the PascalCase of the object's file name with its extension
    /// <c>.o</c> dropped, as bpftool names skeletons (<c>unlinks.bpf.o</c> → <c>UnlinksBpf</c>).</summary>
    public string? ClassName { get; init; }

    /// <summary>More types to generate, by C name (a struct, union, enum or typedef of one): event records sent through
    /// a ring or perf buffer appear in BTF only by name, not as a map's key or value.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary>Whether the file embeds the object's bytes (the skeleton's <c>Open()</c> then needs no file); default true.</summary>
    public bool EmbedObject { get; init; } = true;
}
