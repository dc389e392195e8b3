namespace Ebpf.UserRingBuf;

/// <summary>
/// The producers alive in this process, by kernel map id: a user ring buffer takes one producer (two would write their
/// headers at the same producer position), so a second <see cref="UserRingBuffer"/> on the same map is refused. Weak
/// references, so a producer the caller forgot to dispose does not block the map once it is collected.
/// </summary>
internal static class ProducerRegistry
{
    private static readonly Dictionary<uint, WeakReference<UserRingBuffer>> Producers = [];
    private static readonly Lock Sync = new();

    internal static void Register(uint mapId, string mapName, UserRingBuffer producer)
    {
        lock (Sync)
        {
            if (Producers.TryGetValue(mapId, out var existing) && existing.TryGetTarget(out var other) && !other.IsDisposed)
                throw new InvalidOperationException(
                    $"User ring buffer map '{mapName}' (id {mapId}) already has a producer in this process. A user ring buffer " +
                    "takes one producer at a time: two would reserve at the same producer position and overwrite each other's " +
                    "records. Dispose the other UserRingBuffer first, or share that one (Submit and Discard may be called from " +
                    "any thread; reservations must come from one thread at a time).");
            Producers[mapId] = new WeakReference<UserRingBuffer>(producer);
        }
    }

    internal static void Unregister(uint mapId, UserRingBuffer producer)
    {
        lock (Sync)
        {
            if (Producers.TryGetValue(mapId, out var existing) && existing.TryGetTarget(out var current) && ReferenceEquals(current, producer))
                Producers.Remove(mapId);
        }
    }
}
