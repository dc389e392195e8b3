namespace Ebpf.Links;

/// <summary>
/// The clsact qdiscs this process created for its tc filters, by network namespace and interface. A qdisc belongs to
/// the interface, not to one filter: the filter that created it may go while others (of this process or not) still
/// use it. So the qdisc is removed when the last filter on it goes, and only if this process created it. This is
/// process-wide on purpose: the kernel object it tracks is.
/// </summary>
internal static class ClsactQdiscs
{
    private static readonly Lock Gate = new();
    private static readonly HashSet<(string NetNs, int Ifindex)> Created = [];

    internal static Lock SyncRoot => Gate;

    internal static void MarkCreated(string netns, int ifindex)
    {
        lock (Gate) Created.Add((netns, ifindex));
    }

    internal static bool WasCreated(string netns, int ifindex)
    {
        lock (Gate) return Created.Contains((netns, ifindex));
    }

    internal static void Forget(string netns, int ifindex)
    {
        lock (Gate) Created.Remove((netns, ifindex));
    }
}
