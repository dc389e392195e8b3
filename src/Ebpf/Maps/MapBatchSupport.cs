namespace Ebpf.Maps;

/// <summary>What a map's kernel has refused outright (ENOTSUPP, or EINVAL on a kernel without the command), so the
/// per-element path is taken at once from then on.</summary>
[Flags]
internal enum MapBatchSupport
{
    All = 0,
    NoLookupBatch = 1,
    NoLookupAndDeleteBatch = 2,
    NoUpdateBatch = 4,
    NoDeleteBatch = 8,
    NoLookupAndDeleteElement = 16,
}
