namespace Ebpf.Externs;

/// <summary>
/// The running kernel's version as <c>LINUX_KERNEL_VERSION</c> holds it: <c>KERNEL_VERSION(a, b, c)</c> =
/// <c>(a &lt;&lt; 16) + (b &lt;&lt; 8) + min(c, 255)</c>. Like libbpf it prefers Ubuntu's
/// <c>/proc/version_signature</c>, then the "Debian a.b.c" a Debian kernel's version string carries (its release says
/// a.b.0), then the release (uname -r).
/// </summary>
internal static class KernelVersion
{
    internal static uint Encode(uint major, uint minor, uint patch) => (major << 16) + (minor << 8) + Math.Min(patch, 255u);

    /// <summary>The version from the pieces a caller read; null when none of them holds an a.b.c version.</summary>
    internal static uint? Compute(string release, string version, string? ubuntuSignature)
    {
        if (ubuntuSignature is not null)
        {
            // "Ubuntu 5.15.0-91.101-generic 5.15.131": the third field.
            var fields = ubuntuSignature.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && TryParseTriple(fields[2], out uint u)) return u;
        }
        int debian = version.IndexOf("Debian ", StringComparison.Ordinal);
        if (debian >= 0 && TryParseTriple(version[(debian + "Debian ".Length)..], out uint d)) return d;
        return TryParseTriple(release, out uint r) ? r : null;
    }

    /// <summary>The running kernel's version, from /proc (the same strings uname returns).</summary>
    internal static uint? Current()
    {
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string version = File.ReadAllText("/proc/sys/kernel/version").Trim();
        string? ubuntu = File.Exists("/proc/version_signature") ? File.ReadAllText("/proc/version_signature") : null;
        return Compute(release, version, ubuntu);
    }

    /// <summary>The running kernel's release string (uname -r).</summary>
    internal static string Release() => File.ReadAllText("/proc/sys/kernel/osrelease").Trim();

    /// <summary>sscanf("%u.%u.%u"): three dot-separated decimal numbers at the start of <paramref name="text"/>.</summary>
    internal static bool TryParseTriple(string text, out uint encoded)
    {
        encoded = 0;
        var s = text.AsSpan();
        Span<uint> parts = stackalloc uint[3];
        for (int i = 0; i < 3; i++)
        {
            if (i > 0)
            {
                if (s.IsEmpty || s[0] != '.') return false;
                s = s[1..];
            }
            int digits = 0;
            ulong value = 0;
            while (digits < s.Length && char.IsAsciiDigit(s[digits]))
            {
                value = Math.Min(value * 10 + (ulong)(s[digits] - '0'), uint.MaxValue);
                digits++;
            }
            if (digits == 0) return false;
            parts[i] = (uint)value;
            s = s[digits..];
        }
        encoded = Encode(parts[0], parts[1], parts[2]);
        return true;
    }
}
