using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Networking;

/// <summary>
/// A private network namespace (ip netns add, unique random name), deleted on Dispose with everything in it (veths,
/// qdiscs, filters, XDP programs, netfilter links' hooks). Work that must happen inside it runs on a fresh thread that
/// enters it: sockets made there stay in it.
/// </summary>
internal sealed class NetNamespace : IDisposable
{
    private readonly SafeFd _fd;

    internal NetNamespace()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
            KernelGuard.Unavailable("the networking tests need iproute2's ip command");
        Name = $"ebpfnet-{Guid.NewGuid():N}"[..20];
        Command.Run("ip", "netns", "add", Name);
        try
        {
            _fd = NetNs.Open(Path, "test namespace");
            Ip("link", "set", "lo", "up");
        }
        catch
        {
            Command.TryRun("ip", "netns", "del", Name);
            throw;
        }
    }

    internal string Name { get; }

    /// <summary>The namespace file (/var/run/netns/NAME).</summary>
    internal string Path => $"/var/run/netns/{Name}";

    /// <summary>Runs `ip ARGS` inside the namespace.</summary>
    internal string Ip(params string[] args) => Command.Run("ip", ["-n", Name, .. args]);

    /// <summary>Runs `tc ARGS` inside the namespace.</summary>
    internal string Tc(params string[] args) => Command.Run("ip", ["netns", "exec", Name, "tc", .. args]);

    internal T Run<T>(Func<T> work) => NetNs.RunIn(_fd, work, $"test namespace {Name}");

    internal void Run(Action work) => NetNs.RunIn(_fd, () => { work(); return 0; }, $"test namespace {Name}");

    public void Dispose()
    {
        _fd.Dispose();
        Command.TryRun("ip", "netns", "del", Name);
    }
}
