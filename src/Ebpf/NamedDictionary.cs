using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Ebpf;

/// <summary>
/// An object's maps, programs or global variables by name: a read-only dictionary whose indexer, when the name is
/// missing, throws <see cref="BpfNameNotFoundException"/> naming the object and listing the names that exist.
/// <see cref="TryGetValue"/> and <see cref="ContainsKey"/> behave as a dictionary's do.
/// </summary>
public sealed class NamedDictionary<TValue> : IReadOnlyDictionary<string, TValue>
{
    private readonly IReadOnlyDictionary<string, TValue> _items;
    private readonly string _objectName;
    private readonly string _kind;

    internal NamedDictionary(string objectName, string kind, IReadOnlyDictionary<string, TValue> items)
    {
        _objectName = objectName;
        _kind = kind;
        _items = items;
    }

    /// <summary>The entry called <paramref name="name"/>.</summary>
    /// <exception cref="BpfNameNotFoundException">No such name; the message lists the names that exist.</exception>
    public TValue this[string name] => TryGetValue(name, out var value) ? value : throw NotFound(name);

    /// <inheritdoc/>
    public IEnumerable<string> Keys => _items.Keys;

    /// <inheritdoc/>
    public IEnumerable<TValue> Values => _items.Values;

    /// <inheritdoc/>
    public int Count => _items.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => _items.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value) => _items.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, TValue>> GetEnumerator() => _items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal BpfNameNotFoundException NotFound(string name) =>
        new(_objectName, _kind, name, [.. _items.Keys.Order(StringComparer.Ordinal)]);
}
