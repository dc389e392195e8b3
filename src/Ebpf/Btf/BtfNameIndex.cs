using System.Text;

namespace Ebpf.Btf;

/// <summary>
/// Finds a BTF blob's own types by name without decoding them: an open-addressing hash table of type indices, keyed by
/// the hash of each name's bytes in the blob's string section and compared against those bytes. It holds one int per
/// slot (at least twice as many slots as named types) and no strings; a lookup allocates only its result.
/// </summary>
internal sealed class BtfNameIndex
{
    private readonly BtfTypes _btf;

    /// <summary>Own type index + 1 per slot; 0 is an empty slot.</summary>
    private readonly int[] _slots;
    private readonly int _mask;

    internal BtfNameIndex(BtfTypes btf)
    {
        _btf = btf;
        int named = 0;
        for (int i = 0; i < btf.OwnCount; i++)
            if (btf.Header(i).NameOffset != 0) named++;
        int size = 16;
        while (size < named * 2) size <<= 1;
        _slots = new int[size];
        _mask = size - 1;
        // In index order, so that equal names sit along their probe sequence in id order: lookups return ids ascending.
        for (int i = 0; i < btf.OwnCount; i++)
        {
            var name = btf.NameBytes(btf.Header(i).NameOffset);
            if (name.IsEmpty) continue;
            int slot = Hash(name) & _mask;
            while (_slots[slot] != 0) slot = (slot + 1) & _mask;
            _slots[slot] = i + 1;
        }
    }

    private static int Hash(ReadOnlySpan<byte> name)
    {
        var hash = new HashCode();
        hash.AddBytes(name);
        return hash.ToHashCode();
    }

    /// <summary>The ids of the own types named <paramref name="name"/>, ascending.</summary>
    internal IReadOnlyList<uint> Find(string name)
    {
        List<uint>? found = null;
        foreach (int index in new Matches(this, name))
            (found ??= []).Add(_btf.OwnId(index));
        return found is null ? [] : found;
    }

    /// <summary>The id of the first own type named <paramref name="name"/> of kind <paramref name="kind"/>, or 0.</summary>
    internal uint FindFirst(string name, BtfKind kind)
    {
        foreach (int index in new Matches(this, name))
            if (_btf.Header(index).Kind == kind) return _btf.OwnId(index);
        return 0;
    }

    /// <summary>The own type indices whose name is <c>name</c>, walking its probe sequence.</summary>
    private struct Matches
    {
        private readonly BtfNameIndex _index;
        private readonly byte[] _name;
        private int _slot;

        internal Matches(BtfNameIndex index, string name)
        {
            _index = index;
            _name = Encoding.UTF8.GetBytes(name);
            // An empty name matches nothing: anonymous types are not indexed.
            _slot = _name.Length == 0 ? -1 : Hash(_name) & index._mask;
            Current = -1;
        }

        public int Current { get; private set; }

        public readonly Matches GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_slot < 0) return false;
            var slots = _index._slots;
            while (slots[_slot] != 0)
            {
                int index = slots[_slot] - 1;
                _slot = (_slot + 1) & _index._mask;
                if (_index._btf.NameBytes(_index._btf.Header(index).NameOffset).SequenceEqual(_name))
                {
                    Current = index;
                    return true;
                }
            }
            _slot = -1;
            return false;
        }
    }
}
