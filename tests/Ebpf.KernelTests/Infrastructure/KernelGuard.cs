namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// The one guard every kernel test calls first. Outside CI a missing privilege or kernel feature skips the test
/// and says why; with CI=true it fails the run, because a skip there would hide a broken kernel path.
/// </summary>
public static class KernelGuard
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Requires root (CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN in practice for these tests).</summary>
    public static void RequireRoot()
    {
        if (Environment.UserName != "root" && !IsEffectiveRoot())
            Unavailable("kernel tests need root (CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN); run them with sudo");
    }

    /// <summary>Requires a file the test depends on, for example /sys/kernel/btf/vmlinux.</summary>
    public static void RequirePath(string path, string feature)
    {
        RequireRoot();
        if (!File.Exists(path) && !Directory.Exists(path))
            Unavailable($"{feature} is not available here: {path} does not exist");
    }

    /// <summary>Skips (outside CI) or fails (in CI) with <paramref name="reason"/>.</summary>
    public static void Unavailable(string reason)
    {
        if (InCi) Assert.Fail($"CI=true and {reason}. In CI a missing privilege or kernel feature is a failure.");
        Assert.Skip(reason);
    }

    private static bool IsEffectiveRoot()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
                return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2] == "0";
        return false;
    }
}
