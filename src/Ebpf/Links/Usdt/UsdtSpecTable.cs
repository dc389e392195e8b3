using Ebpf.Internal.Unix;

namespace Ebpf.Links.Usdt;

/// <summary>
/// The USDT bookkeeping one loaded object shares between its usdt programs, as libbpf's USDT manager keeps it: spec ids
/// (indexes of the <c>__bpf_usdt_specs</c> array, handed to the kernel as attach cookies) allocated and freed as links
/// come and go, and the <c>__bpf_usdt_ip_to_spec_id</c> entries a kernel without BPF cookies looks the spec up by.
/// </summary>
internal sealed class UsdtSpecTable
{
    internal const string SpecsMapName = "__bpf_usdt_specs", IpMapName = "__bpf_usdt_ip_to_spec_id";
    private const ulong BPF_NOEXIST = 1;

    private readonly Lock _lock = new();
    private readonly BpfMap _specs;
    private readonly BpfMap? _ips;
    private readonly bool[] _used;

    private UsdtSpecTable(BpfMap specs, BpfMap? ips)
    {
        _specs = specs;
        _ips = ips;
        _used = new bool[specs.MaxEntries];
    }

    /// <summary>The value size of the object's spec map (the encoding's size).</summary>
    internal int SpecSize => (int)_specs.ValueSize;

    /// <summary>True when the object has the ip map (a program compiled with usdt.bpf.h always does).</summary>
    internal bool HasIpMap => _ips is not null;

    /// <summary>The table over an object's maps, or null when it has no <c>__bpf_usdt_specs</c> map.</summary>
    /// <exception cref="BpfObjectException">The maps do not have the shapes usdt.bpf.h declares.</exception>
    internal static UsdtSpecTable? For(string objectName, IReadOnlyDictionary<string, BpfMap> maps)
    {
        if (!maps.TryGetValue(SpecsMapName, out var specs)) return null;
        if (specs.Type != BpfMapType.Array || specs.KeySize != 4 || specs.ValueSize < UsdtSpec.MinimumSize)
            throw new BpfObjectException(objectName, ".maps",
                $"map '{SpecsMapName}' is a {specs.Type} map with key {specs.KeySize} and value {specs.ValueSize} bytes; usdt.bpf.h declares an ARRAY of int to struct __bpf_usdt_spec ({UsdtSpec.Size} bytes).");
        maps.TryGetValue(IpMapName, out var ips);
        if (ips is not null && (ips.KeySize != 8 || ips.ValueSize != 4))
            throw new BpfObjectException(objectName, ".maps",
                $"map '{IpMapName}' has key {ips.KeySize} and value {ips.ValueSize} bytes; usdt.bpf.h declares long to __u32.");
        return new UsdtSpecTable(specs, ips);
    }

    /// <summary>Writes each distinct spec once and returns the spec id of each entry of <paramref name="specs"/>.</summary>
    /// <exception cref="BpfException">The spec map is full.</exception>
    internal int[] Add(IReadOnlyList<byte[]> specs, string subject)
    {
        var ids = new int[specs.Count];
        var taken = new List<int>();
        lock (_lock)
        {
            try
            {
                var byContent = new Dictionary<string, int>(StringComparer.Ordinal);
                for (int i = 0; i < specs.Count; i++)
                {
                    string key = Convert.ToHexString(specs[i]);
                    if (byContent.TryGetValue(key, out int same))
                    {
                        ids[i] = same;
                        continue;
                    }
                    int id = Array.IndexOf(_used, false);
                    if (id < 0)
                        throw new BpfException("BPF_MAP_UPDATE_ELEM", Errno.E2BIG,
                            $"{subject}: map '{SpecsMapName}' is full ({_used.Length} specs in use); define BPF_USDT_MAX_SPEC_CNT larger before including usdt.bpf.h, or detach other USDT links.");
                    _used[id] = true;
                    taken.Add(id);
                    _specs.Update(BitConverter.GetBytes(id), specs[i]);
                    byContent[key] = ids[i] = id;
                }
                return ids;
            }
            catch
            {
                foreach (int id in taken) _used[id] = false;
                throw;
            }
        }
    }

    /// <summary>Maps absolute instruction address <paramref name="ip"/> to <paramref name="specId"/>.</summary>
    /// <exception cref="BpfException">Another attachment already claimed the address (libbpf refuses the same).</exception>
    internal void AddIp(ulong ip, int specId, string subject)
    {
        if (_ips is null) return;
        try
        {
            _ips.Update(BitConverter.GetBytes(ip), BitConverter.GetBytes(specId), BPF_NOEXIST);
        }
        catch (BpfException e) when (e.Errno == Errno.EEXIST)
        {
            throw new BpfException("BPF_MAP_UPDATE_ELEM", Errno.EEXIST,
                $"{subject}: address 0x{ip:x} is already attached by another USDT link of this object; without BPF cookies one address can have only one spec.");
        }
    }

    /// <summary>Frees spec ids and removes ip entries; quietly does nothing for maps already closed.</summary>
    internal void Remove(IEnumerable<int> specIds, IEnumerable<ulong> ips)
    {
        lock (_lock)
        {
            if (_ips is { IsDisposed: false })
                foreach (ulong ip in ips) _ips.Delete(BitConverter.GetBytes(ip));
            foreach (int id in specIds.Distinct())
                if (id >= 0 && id < _used.Length) _used[id] = false;
        }
    }
}
