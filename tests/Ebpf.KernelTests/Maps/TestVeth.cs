using System.Diagnostics;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Maps;

/// <summary>A veth pair with unique names in this network namespace, up, deleted (both ends) on dispose even when the
/// test failed.</summary>
internal sealed class TestVeth : IDisposable
{
    internal TestVeth()
    {
        KernelGuard.RequireRoot();
        string id = Guid.NewGuid().ToString("N")[..8];
        Name = "ebm" + id;   // at most 15 characters
        Peer = "ebp" + id;
        Ip("link", "add", Name, "type", "veth", "peer", "name", Peer);
        try
        {
            Ip("link", "set", Name, "up");
            Ip("link", "set", Peer, "up");
            Index = int.Parse(File.ReadAllText($"/sys/class/net/{Name}/ifindex").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal string Name { get; }

    internal string Peer { get; }

    internal int Index { get; }

    public void Dispose()
    {
        if (Directory.Exists($"/sys/class/net/{Name}")) Ip("link", "del", Name); // removes the peer too
    }

    private static void Ip(params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException("ip could not start");
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) KernelGuard.Unavailable($"ip {string.Join(' ', args)} failed: {err.Trim()}");
    }
}
