namespace Ebpf.Linking;

/// <summary>A slot a map declaration fills statically (libbpf's <c>.values = { [i] = &amp;target }</c>): the index, and the
/// program (program arrays) or map (map-in-map) named by the relocation in <c>.rel.maps</c>.</summary>
internal readonly record struct MapSlot(uint Index, string Target);
