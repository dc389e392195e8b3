using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>
/// A walk over a map's keys with BPF_MAP_GET_NEXT_KEY that survives deletion, as cilium's MapIterator does and a step
/// further. The kernel restarts a hash map's walk from its first key when the key passed in no longer exists, so a
/// naive walk that deletes the key it stands on sees keys twice. This walk reads one key ahead: the caller may delete
/// the current key (or the whole entry) and the walk continues from the key read ahead. A key deleted by someone else
/// between GET_NEXT_KEY and its lookup is skipped; if the key read ahead vanished, the walk continues from the current
/// key when that one still exists. More than max_entries keys visited means restarts: the walk stops with a
/// <see cref="BpfMapException"/> rather than loop.
/// State lives in caller-provided spans, so a typed walk over unmanaged keys allocates nothing.
/// </summary>
internal static class MapWalk
{
    internal struct State
    {
        internal bool Started, HasAhead, Done;
        internal ulong Visits;
    }

    /// <summary>Moves to the next key (and reads its value when <paramref name="value"/> is not empty). <paramref name="current"/>
    /// and <paramref name="ahead"/> are the walk's key-sized scratch buffers, kept between calls.</summary>
    internal static bool Next(IMapCommands map, ref State state, Span<byte> current, Span<byte> ahead, Span<byte> key, Span<byte> value)
    {
        if (state.Done) return false;
        while (true)
        {
            if (!state.HasAhead)
            {
                int errno = map.GetNextKey(state.Started ? current : default, ahead);
                if (errno == Errno.ENOENT) return Finish(ref state);
                if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_GET_NEXT_KEY", errno);
            }
            state.HasAhead = false;
            if (++state.Visits > Math.Max(map.MaxEntries, 1u))
                throw new BpfMapException("BPF_MAP_GET_NEXT_KEY", 0, map.Name,
                    $"Iterating map '{map.Name}' visited more than its max_entries ({map.MaxEntries}) keys: it changed under the walk faster " +
                    "than the walk could follow (a hash map restarts from its first key when the walk's key is deleted by someone else). Iterate again, or use LookupBatch.");
            if (!value.IsEmpty)
            {
                int errno = map.Lookup(ahead, value, 0);
                if (errno == Errno.ENOENT)
                {
                    // Deleted since GET_NEXT_KEY returned it. Continue from the current key while it exists (the right
                    // successor); otherwise from the vanished key, which restarts the walk: the visit bound stops a loop.
                    if (!state.Started || map.Lookup(current, value, 0) != 0) ahead.CopyTo(current);
                    state.Started = true;
                    continue;
                }
                if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_LOOKUP_ELEM", errno);
            }
            ahead.CopyTo(current);
            state.Started = true;
            ahead.CopyTo(key);
            // Read the next key now, while the current one surely exists: the caller may delete it before coming back.
            int next = map.GetNextKey(current, ahead);
            if (next == 0) state.HasAhead = true;
            else if (next == Errno.ENOENT) state.Done = true;
            else throw MapChecks.Failed(map, "BPF_MAP_GET_NEXT_KEY", next);
            return true;
        }
    }

    private static bool Finish(ref State state)
    {
        state.Done = true;
        return false;
    }
}
