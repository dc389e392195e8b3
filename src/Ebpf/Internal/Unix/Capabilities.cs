using System.Globalization;

namespace Ebpf.Internal.Unix;

/// <summary>
/// The calling thread's effective capabilities, read only to word permission errors: capabilities are per thread
/// (capset), so /proc/thread-self/status is read rather than the process-wide view.
/// </summary>
internal static class Capabilities
{
    internal const int CAP_SYS_ADMIN = 21, CAP_PERFMON = 38, CAP_BPF = 39;

    /// <summary>The effective set as a bit mask, or null when /proc is unavailable or unreadable.</summary>
    internal static ulong? Effective()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/thread-self/status"))
                if (line.StartsWith("CapEff:", StringComparison.Ordinal)
                    && ulong.TryParse(line.AsSpan(7).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong mask))
                    return mask;
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    internal static bool Has(ulong mask, int capability) => (mask & (1UL << capability)) != 0;

    /// <summary>Which of CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN <paramref name="mask"/> holds, for messages.</summary>
    internal static string Held(ulong mask)
    {
        var held = new List<string>(3);
        if (Has(mask, CAP_BPF)) held.Add("CAP_BPF");
        if (Has(mask, CAP_PERFMON)) held.Add("CAP_PERFMON");
        if (Has(mask, CAP_SYS_ADMIN)) held.Add("CAP_SYS_ADMIN");
        return held.Count == 0 ? "none of CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN" : string.Join(", ", held);
    }
}
