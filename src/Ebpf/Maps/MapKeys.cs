using System.Runtime.InteropServices;

namespace Ebpf.Maps;

/// <summary>
/// The keys of a map as unmanaged values, for <c>foreach</c> (from <see cref="BpfMap.Keys{TKey}"/>). The enumerator is a
/// struct: nothing is allocated. Deleting the current key inside the loop is safe (see <see cref="BpfMapIterator"/>).
/// </summary>
public readonly struct MapKeys<TKey> where TKey : unmanaged
{
    private readonly BpfMap _map;

    internal MapKeys(BpfMap map) => _map = map;

    /// <summary>Starts a walk from the map's first key.</summary>
    public Enumerator GetEnumerator() => new(_map);

    /// <summary>The walk: <see cref="Current"/> is valid after <see cref="MoveNext"/> returns true.</summary>
    public struct Enumerator
    {
        private readonly BpfMap _map;
        private MapWalk.State _state;
        private TKey _current, _ahead, _key;

        internal Enumerator(BpfMap map) => _map = map;

        /// <summary>The key the walk stands on.</summary>
        public readonly TKey Current => _key;

        /// <summary>Moves to the next key; false at the end.</summary>
        public bool MoveNext() => MapWalk.Next(_map, ref _state, Bytes(ref _current), Bytes(ref _ahead), Bytes(ref _key), default);

        private static Span<byte> Bytes(ref TKey key) => MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref key, 1));
    }
}
