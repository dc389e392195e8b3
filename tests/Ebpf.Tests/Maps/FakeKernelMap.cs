using Ebpf.Internal.Sys;
using Ebpf.Maps;

namespace Ebpf.Tests.Maps;

/// <summary>
/// A map in memory with the kernel's semantics, for the iteration and batch logic: a hash map walks its keys in
/// bucket (here: insertion) order and GET_NEXT_KEY of an absent key restarts from the first key; the batch commands are
/// either refused (ENOTSUPP from a map type without them, EINVAL from a kernel without the command, count untouched)
/// or done as kernel/bpf/syscall.c's generic_map_* functions do them.
/// </summary>
internal sealed class FakeKernelMap : IMapCommands
{
    internal enum BatchMode
    {
        Generic,
        NoBatchForType,   // ENOTSUPP: BPF_DO_BATCH finds no operation
        UnknownCommand,   // EINVAL: a kernel before 5.6
    }

    private readonly List<byte[]> _keys = [];
    private readonly Dictionary<string, byte[]> _values = [];

    internal FakeKernelMap(uint keySize, int valueSize, uint maxEntries, BatchMode batch = BatchMode.Generic, BpfMapType type = BpfMapType.Hash)
    {
        KeySize = keySize;
        ValueBufferSize = valueSize;
        MaxEntries = maxEntries;
        Batches = batch;
        Type = type;
    }

    internal BatchMode Batches { get; set; }

    internal int BatchCalls { get; private set; }

    internal int ElementCalls { get; private set; }

    /// <summary>Runs between GET_NEXT_KEY and the lookup that follows it: a concurrent writer (a BPF program).</summary>
    internal Action<byte[]>? AfterNextKey { get; set; }

    /// <summary>When set, the element this many updates from now fails with the given errno.</summary>
    internal (int After, int Errno)? FailUpdate { get; set; }

    public string Name => "fake";

    public BpfMapType Type { get; }

    public uint KeySize { get; }

    public int ValueBufferSize { get; }

    public uint MaxEntries { get; }

    public MapBatchSupport BatchSupport { get; set; }

    internal int Count => _keys.Count;

    internal void Put(uint key, ulong value)
    {
        var k = Key(key);
        var v = new byte[ValueBufferSize];
        BitConverter.TryWriteBytes(v, value);
        if (!_values.ContainsKey(Hex(k))) _keys.Add(k);
        _values[Hex(k)] = v;
    }

    internal bool Contains(uint key) => _values.ContainsKey(Hex(Key(key)));

    internal byte[] Key(uint key)
    {
        var k = new byte[KeySize];
        BitConverter.TryWriteBytes(k, key);
        return k;
    }

    public int Lookup(ReadOnlySpan<byte> key, Span<byte> value, ulong flags)
    {
        ElementCalls++;
        if (!_values.TryGetValue(Hex(key), out var v)) return 2; // ENOENT
        v.CopyTo(value);
        return 0;
    }

    public int LookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value, ulong flags)
    {
        int errno = Lookup(key, value, flags);
        return errno != 0 ? errno : Delete(key);
    }

    public int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags)
    {
        ElementCalls++;
        if (FailUpdate is { } fail)
        {
            if (fail.After == 0) return fail.Errno;
            FailUpdate = (fail.After - 1, fail.Errno);
        }
        string h = Hex(key);
        bool exists = _values.ContainsKey(h);
        if ((flags & 3) == 1 && exists) return 17; // EEXIST
        if ((flags & 3) == 2 && !exists) return 2;
        if (!exists)
        {
            if (_keys.Count >= MaxEntries) return 7; // E2BIG
            _keys.Add(key.ToArray());
        }
        _values[h] = value.ToArray();
        return 0;
    }

    public int Delete(ReadOnlySpan<byte> key)
    {
        ElementCalls++;
        string h = Hex(key);
        if (!_values.Remove(h)) return 2;
        _keys.RemoveAt(_keys.FindIndex(k => Hex(k) == h));
        return 0;
    }

    public int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        ElementCalls++;
        string wanted = Hex(key);
        int at = key.IsEmpty ? -1 : _keys.FindIndex(k => Hex(k) == wanted);
        // The kernel's hash map: an absent key restarts the walk from the first key.
        int next = at + 1;
        if (next >= _keys.Count) return 2;
        _keys[next].CopyTo(nextKey);
        AfterNextKey?.Invoke(_keys[next]);
        return 0;
    }

    public int Batch(BpfCommand command, Span<byte> position, bool resume, Span<byte> keys, Span<byte> values, ref uint count, ulong elemFlags)
    {
        BatchCalls++;
        switch (Batches)
        {
            case BatchMode.NoBatchForType: return 524; // ENOTSUPP, count untouched
            case BatchMode.UnknownCommand: return 22;  // EINVAL, count untouched
        }
        uint max = count;
        count = 0;
        int keySize = (int)KeySize;
        switch (command)
        {
            case BpfCommand.MapUpdateBatch:
                for (; count < max; count++)
                {
                    int e = Update(keys.Slice((int)count * keySize, keySize), values.Slice((int)count * ValueBufferSize, ValueBufferSize), elemFlags);
                    if (e != 0) return e;
                }
                return 0;
            case BpfCommand.MapDeleteBatch:
                for (; count < max; count++)
                {
                    int e = Delete(keys.Slice((int)count * keySize, keySize));
                    if (e != 0) return e;
                }
                return 0;
            case BpfCommand.MapLookupBatch:
                return GenericLookup(position, resume, keys, values, ref count, max);
            default:
                return 524; // the generic code has no lookup-and-delete batch; hash maps bring their own
        }
    }

    /// <summary>generic_map_lookup_batch: walk with GET_NEXT_KEY from in_batch, skip keys gone before their lookup,
    /// stop at max or at the end (ENOENT, with the count of this call), out_batch = the last key when any was copied.</summary>
    private int GenericLookup(Span<byte> position, bool resume, Span<byte> keys, Span<byte> values, ref uint count, uint max)
    {
        int keySize = (int)KeySize;
        byte[]? prev = resume ? position[..keySize].ToArray() : null;
        var key = new byte[keySize];
        var value = new byte[ValueBufferSize];
        int err = 0;
        uint cp = 0;
        while (cp < max)
        {
            err = GetNextKey(prev, key);
            if (err != 0) break;
            err = Lookup(key, value, 0);
            if (err == 0)
            {
                key.CopyTo(keys.Slice((int)cp * keySize, keySize));
                value.CopyTo(values.Slice((int)cp * ValueBufferSize, ValueBufferSize));
                cp++;
            }
            else if (err != 2) return err;
            prev = key.ToArray();
        }
        count = cp;
        if (cp > 0) prev!.CopyTo(position);
        return err;
    }

    private static string Hex(ReadOnlySpan<byte> key) => Convert.ToHexString(key);
}
