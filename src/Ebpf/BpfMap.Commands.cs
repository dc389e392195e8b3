using Ebpf.Internal.Sys;
using Ebpf.Maps;

namespace Ebpf;

// The element commands as Maps/ uses them: each returns 0 or the errno and never throws, so that iteration and the
// batch fallback can tell ENOENT and ENOTSUPP apart from failures. Empty spans reach the kernel as NULL.
public sealed unsafe partial class BpfMap
{
    /// <summary>A raw bpf(2) result as the errno <see cref="IMapCommands"/> speaks: 0 for success.</summary>
    private static int ErrnoOf(long result) => result < 0 ? (int)-result : 0;

    MapBatchSupport IMapCommands.BatchSupport { get; set; }

    int IMapCommands.Lookup(ReadOnlySpan<byte> key, Span<byte> value, ulong flags)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
            return ErrnoOf(Bpf.Lookup(Handle, k, v, flags));
    }

    int IMapCommands.LookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value, ulong flags)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
            return ErrnoOf(BpfMapCommands.LookupAndDelete(Handle, k, v, flags));
    }

    int IMapCommands.Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags)
    {
        fixed (byte* k = key)
        fixed (byte* v = value)
            return ErrnoOf(Bpf.Update(Handle, k, v, flags));
    }

    int IMapCommands.Delete(ReadOnlySpan<byte> key)
    {
        fixed (byte* k = key)
            return ErrnoOf(Bpf.Delete(Handle, k));
    }

    int IMapCommands.GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        fixed (byte* k = key)
        fixed (byte* n = nextKey)
            return ErrnoOf(Bpf.GetNextKey(Handle, k, n));
    }

    int IMapCommands.Batch(BpfCommand command, Span<byte> position, bool resume, Span<byte> keys, Span<byte> values, ref uint count, ulong elemFlags)
    {
        fixed (byte* p = position)
        fixed (byte* k = keys)
        fixed (byte* v = values)
            return ErrnoOf(BpfMapCommands.Batch(command, Handle, resume ? p : null, p, k, v, ref count, elemFlags));
    }
}
