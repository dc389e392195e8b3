using System.Diagnostics;
using System.Globalization;
using Ebpf.Cgroups;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Networking;

/// <summary>
/// A child cgroup in the cgroup v2 hierarchy (found in mountinfo), unique per test; Dispose kills what still runs in it
/// and removes it. <see cref="SendUdp"/> runs a sender process inside it.
/// </summary>
internal sealed class TestCgroup : IDisposable
{
    internal TestCgroup()
    {
        KernelGuard.RequireRoot();
        string? mount = CgroupV2.FindMountPoint();
        if (mount is null) KernelGuard.Unavailable("cgroup v2 is not mounted");
        Mount = mount!;
        Name = $"ebpfnet-{Guid.NewGuid():N}"[..20];
        Path = System.IO.Path.Join(Mount, Name);
        Directory.CreateDirectory(Path);
    }

    internal string Mount { get; }

    internal string Name { get; }

    internal string Path { get; }

    /// <summary>The cgroup's id: the inode number of its directory.</summary>
    internal ulong Id => ulong.Parse(Command.Run("stat", "-c", "%i", Path).Trim(), CultureInfo.InvariantCulture);

    /// <summary>
    /// Starts bash inside the cgroup (moved there before it does anything), which sends <paramref name="count"/> UDP
    /// datagrams to 127.0.0.1:<paramref name="port"/> through /dev/udp, each from a new socket, and waits for it.
    /// </summary>
    internal void SendUdp(int port, int count)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"read go; for i in $(seq 1 {count}); do printf ebpf-net > /dev/udp/127.0.0.1/{port}; done; exit 0");
        using var p = Process.Start(start)!;
        try
        {
            File.WriteAllText(System.IO.Path.Join(Path, "cgroup.procs"), p.Id.ToString(CultureInfo.InvariantCulture));
            p.StandardInput.WriteLine("go");
            p.StandardInput.Close();
            _ = p.StandardError.ReadToEnd(); // "Operation not permitted" for each dropped datagram
            if (!p.WaitForExit(30_000)) throw new TimeoutException("the sender did not finish");
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>BPF_PROG_QUERY on the cgroup: the ids attached to <paramref name="hook"/> and the hook's flags.</summary>
    internal (uint[] Ids, uint Flags) Query(BpfAttachType hook)
    {
        long r = PathFd.TryOpen(Path);
        Assert.True(r >= 0, $"open {Path}: {-r}");
        using var fd = SafeFd.FromSyscall((int)r);
        long q = BpfAttach.Query(fd.Fd, (uint)hook, 0, out uint[] ids, out uint flags);
        Assert.True(q >= 0, $"BPF_PROG_QUERY: {-q}");
        return (ids, flags);
    }

    public void Dispose()
    {
        string procs = System.IO.Path.Join(Path, "cgroup.procs");
        for (int attempt = 0; attempt < 50 && Directory.Exists(Path); attempt++)
        {
            try
            {
                foreach (var line in File.ReadAllLines(procs))
                    if (int.TryParse(line, out _)) Command.TryRun("kill", "-9", line);
                Directory.Delete(Path);
            }
            catch (IOException)
            {
                Thread.Sleep(100); // processes are still exiting
            }
        }
    }
}
