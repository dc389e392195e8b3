using System.Globalization;

namespace Ebpf.Links;

/// <summary>The kernel's dynamic kprobe/uprobe PMU (<c>/sys/bus/event_source/devices/{kprobe,uprobe}</c>): its perf
/// type number and the config bit that turns a probe into a return probe (<c>format/retprobe</c>, "config:N").</summary>
internal readonly record struct ProbePmu(uint Type, int RetprobeBit)
{
    private const string Devices = "/sys/bus/event_source/devices";

    /// <summary>The PMU named <paramref name="name"/> ("kprobe" or "uprobe"), or null when the kernel has none.</summary>
    internal static ProbePmu? TryFind(string name)
    {
        string dir = Path.Combine(Devices, name);
        if (!TryRead(Path.Combine(dir, "type"), out string type)
            || !uint.TryParse(type, NumberStyles.None, CultureInfo.InvariantCulture, out uint typeNumber))
            return null;
        int bit = 0;
        // "config:0" on every kernel so far; read it rather than assume it.
        if (TryRead(Path.Combine(dir, "format", "retprobe"), out string format) && format.StartsWith("config:", StringComparison.Ordinal)
            && int.TryParse(format.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) && parsed is >= 0 and < 64)
            bit = parsed;
        return new ProbePmu(typeNumber, bit);
    }

    private static bool TryRead(string path, out string text)
    {
        try
        {
            text = File.ReadAllText(path).Trim();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            text = "";
            return false;
        }
    }
}
