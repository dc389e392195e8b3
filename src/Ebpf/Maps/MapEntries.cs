using System.Runtime.InteropServices;

namespace Ebpf.Maps;

/// <summary>
/// The entries of a map as unmanaged keys and values, for <c>foreach</c> (from <see cref="BpfMap.Entries{TKey, TValue}"/>).
/// The enumerator is a struct holding the walk's state: nothing is allocated, per element or per walk. Deleting the
/// current entry inside the loop is safe (see <see cref="BpfMapIterator"/>).
/// </summary>
public readonly struct MapEntries<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    private readonly BpfMap _map;

    internal MapEntries(BpfMap map) => _map = map;

    /// <summary>Starts a walk from the map's first key.</summary>
    public Enumerator GetEnumerator() => new(_map);

    /// <summary>The walk: <see cref="Current"/> is valid after <see cref="MoveNext"/> returns true.</summary>
    public struct Enumerator
    {
        private readonly BpfMap _map;
        private MapWalk.State _state;
        private TKey _current, _ahead, _key;
        private TValue _value;

        internal Enumerator(BpfMap map) => _map = map;

        /// <summary>The entry the walk stands on.</summary>
        public readonly KeyValuePair<TKey, TValue> Current => new(_key, _value);

        /// <summary>Moves to the next entry; false at the end.</summary>
        public bool MoveNext() => MapWalk.Next(_map, ref _state, Bytes(ref _current), Bytes(ref _ahead), Bytes(ref _key),
            MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref _value, 1)));

        private static Span<byte> Bytes(ref TKey key) => MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref key, 1));
    }
}
