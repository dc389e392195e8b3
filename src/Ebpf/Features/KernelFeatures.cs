using System.Collections.Concurrent;

namespace Ebpf.Features;

/// <summary>
/// Probes what the running kernel supports by trying it (the way libbpf and cilium probe): a tiny map of the type is
/// created and closed. Results are cached per process.
/// </summary>
public static class KernelFeatures
{
    private static readonly ConcurrentDictionary<BpfMapType, bool> MapTypes = new();

    /// <summary>True when the kernel can create maps of <paramref name="type"/>. Permission failures are not
    /// "unsupported": they propagate as <see cref="BpfPermissionException"/>.</summary>
    public static bool HasMapType(BpfMapType type) => MapTypes.GetOrAdd(type, Probe);

    /// <summary>Throws <see cref="BpfFeatureNotSupportedException"/> naming the map type when the kernel lacks it.</summary>
    public static void RequireMapType(BpfMapType type)
    {
        if (!HasMapType(type))
            throw new BpfFeatureNotSupportedException("BPF_MAP_CREATE", 0, $"BPF_MAP_TYPE_{type}",
                $"This kernel does not support BPF maps of type {type}" +
                (type == BpfMapType.RingBuf ? " (ring buffers need Linux 5.8 or later; use the perf buffer transport instead)." : "."));
    }

    private static bool Probe(BpfMapType type)
    {
        var spec = type switch
        {
            BpfMapType.RingBuf or BpfMapType.UserRingBuf => new MapSpec { Name = "probe", Type = type, MaxEntries = (uint)Environment.SystemPageSize },
            BpfMapType.PerfEventArray => new MapSpec { Name = "probe", Type = type },
            _ => new MapSpec { Name = "probe", Type = type, KeySize = 4, ValueSize = 4, MaxEntries = 1 },
        };
        try
        {
            using var map = BpfMap.Create(spec);
            return true;
        }
        catch (BpfPermissionException)
        {
            throw;
        }
        catch (BpfException)
        {
            return false;
        }
    }
}
