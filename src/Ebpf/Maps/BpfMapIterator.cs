namespace Ebpf.Maps;

/// <summary>
/// Walks a map's keys and values with BPF_MAP_GET_NEXT_KEY into the caller's buffers, one element per call, without
/// allocating per element. Deleting the element just returned (or any other) is safe: the walk reads one key ahead,
/// skips keys deleted before their value could be read, and stops with a <see cref="BpfMapException"/> instead of
/// looping when the map changes faster than it can be walked. Get one from <see cref="BpfMap.Iterate"/>.
/// </summary>
public sealed class BpfMapIterator
{
    private readonly BpfMap _map;
    private readonly byte[] _current;
    private readonly byte[] _ahead;
    private MapWalk.State _state;

    internal BpfMapIterator(BpfMap map)
    {
        _map = map;
        _current = new byte[map.KeySize];
        _ahead = new byte[map.KeySize];
    }

    /// <summary>Copies the next key into <paramref name="key"/> (<see cref="BpfMap.KeySize"/> bytes); false at the end.</summary>
    public bool TryNextKey(Span<byte> key)
    {
        MapChecks.Key(_map, key.Length, "BPF_MAP_GET_NEXT_KEY");
        return MapWalk.Next(_map, ref _state, _current, _ahead, key, default);
    }

    /// <summary>Copies the next key and its value into <paramref name="key"/> and <paramref name="value"/>
    /// (<see cref="BpfMap.ValueBufferSize"/> bytes: per-CPU maps take one 8-byte-aligned slot per possible CPU); false at the end.</summary>
    public bool TryNext(Span<byte> key, Span<byte> value)
    {
        MapChecks.Key(_map, key.Length, "BPF_MAP_GET_NEXT_KEY");
        MapChecks.Value(_map, value.Length, "BPF_MAP_LOOKUP_ELEM");
        return MapWalk.Next(_map, ref _state, _current, _ahead, key, value);
    }
}
