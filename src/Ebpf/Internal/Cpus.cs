namespace Ebpf.Internal;

/// <summary>CPU sets from sysfs. Perf buffers size by possible CPUs but open only online ones (offline → ENODEV).</summary>
internal static class Cpus
{
    internal static int[] Possible() => Parse(File.ReadAllText("/sys/devices/system/cpu/possible"), "/sys/devices/system/cpu/possible");

    // The possible set is fixed at boot, so it is read once: per-CPU map operations size their buffers by it.
    private static readonly Lazy<int> PossibleCountOnce = new(() => Possible().Length);

    /// <summary>How many CPUs are possible (the kernel's <c>num_possible_cpus()</c>): per-CPU map values hold one slot
    /// for each, in the order of the possible CPUs.</summary>
    internal static int PossibleCount => PossibleCountOnce.Value;

    internal static int[] Online() => Parse(File.ReadAllText("/sys/devices/system/cpu/online"), "/sys/devices/system/cpu/online");

    /// <summary>Parses the kernel's cpulist format ("0-3,5,7-8").</summary>
    internal static int[] Parse(string text, string source = "cpulist")
    {
        var result = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var bounds = part.Split('-');
            if (bounds.Length is < 1 or > 2
                || !int.TryParse(bounds[0], out int lo)
                || !int.TryParse(bounds[^1], out int hi)
                || lo < 0 || hi < lo || hi > 65535)
                throw new FormatException($"Malformed CPU list '{text.Trim()}' in {source}.");
            for (int cpu = lo; cpu <= hi; cpu++) result.Add(cpu);
        }
        if (result.Count == 0) throw new FormatException($"Empty CPU list in {source}.");
        return [.. result];
    }
}
