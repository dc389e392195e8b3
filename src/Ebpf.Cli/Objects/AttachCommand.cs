using System.CommandLine;
using Ebpf.Links;
using Ebpf.Pinning;

namespace Ebpf.Cli.Objects;

/// <summary>
/// <c>ebpf attach OBJ --program NAME [--program NAME2 ...] [--iface DEV] [--xdp-mode skb|drv] [--cgroup PATH] [--pin DIR]</c>:
/// loads the named programs of the object and attaches each where its section says (XDP and tc on the interface, cgroup
/// programs on the cgroup, tracing programs where their section names), printing an <c>attached</c> line per program.
/// Without <c>--pin</c> it holds them until SIGINT or SIGTERM, then detaches; with <c>--pin DIR</c> it pins each link at
/// <c>DIR/&lt;program&gt;</c> and each map at <c>DIR/&lt;map&gt;</c> and exits (removing a link's pin detaches it).
/// All or nothing: on any error nothing stays attached or pinned.
/// </summary>
internal static class AttachCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var programs = new Option<string[]>("--program")
        {
            HelpName = "NAME",
            Description = "A program (function) to attach; repeat for several. Only these programs are loaded.",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var iface = new Option<string?>("--iface") { HelpName = "DEV", Description = "The network interface for XDP and tc programs." };
        var xdpMode = new Option<string?>("--xdp-mode") { Description = "skb (generic XDP) or drv (native, in the driver); default: the kernel chooses." };
        xdpMode.AcceptOnlyFromAmong("skb", "drv");
        var cgroup = new Option<string?>("--cgroup") { HelpName = "PATH", Description = "The cgroup v2 directory (or a path inside the hierarchy) for cgroup programs." };
        var pin = new Option<string?>("--pin")
        {
            HelpName = "DIR",
            Description = "Pin each link at DIR/<program> and each map at DIR/<map> ('.' in map names becomes '_') on a bpffs, then exit; remove a link's pin to detach it. tc/classifier sections attach through tcx links then, so that they can be pinned.",
        };
        var command = new Command("attach", "Attach programs of a BPF object to their hooks, and hold them until Ctrl-C or pin them in bpffs.")
        {
            path, programs, iface, xdpMode, cgroup, pin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            string? pinDirectory = parse.GetValue(pin);
            var options = new AttachOptions
            {
                Interface = parse.GetValue(iface),
                XdpMode = parse.GetValue(xdpMode) switch { "skb" => XdpMode.Generic, "drv" => XdpMode.Driver, _ => XdpMode.Auto },
                Cgroup = parse.GetValue(cgroup),
                PreferTcx = pinDirectory is not null,
            };
            return await Run(parse.GetValue(path)!.FullName, parse.GetValue(programs)!, options, pinDirectory, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> Run(string objectPath, string[] programNames, AttachOptions options, string? pinDirectory, CancellationToken stop)
    {
        var spec = BpfObjectSpec.FromFile(objectPath);
        foreach (string name in programNames)
            if (!spec.Programs.ContainsKey(name))
                throw new BpfNameNotFoundException(spec.Name, "program", name, [.. spec.Programs.Keys.Order(StringComparer.Ordinal)]);
        foreach (var (name, p) in spec.Programs) p.AutoLoad = programNames.Contains(name, StringComparer.Ordinal);
        // Names and the pin directory are checked before the load: a bad one must leave nothing behind.
        if (pinDirectory is not null) PinDirectory.Check(pinDirectory, programNames, spec.Maps.Keys);

        using var loaded = spec.Load();
        using var links = BpfLinkSet.Attach(loaded, programNames, options);
        if (pinDirectory is not null)
        {
            var pinned = PinDirectory.PinAll(pinDirectory, links, [.. loaded.Maps.Values]);
            foreach (var link in links) Console.WriteLine($"attached {link}, pinned at {link.PinnedPath}");
            foreach (var map in loaded.Maps.Values) Console.WriteLine($"pinned map {map.Name} at {map.PinnedPath}");
            Console.Error.WriteLine($"{links.Count} program{(links.Count == 1 ? " stays" : "s stay")} attached through {pinned.Count} pins in {pinDirectory}; remove a program's pin (rm) to detach it.");
            return 0; // the pins keep the links: disposing ours closes this process's descriptors only
        }
        foreach (var link in links) Console.WriteLine($"attached {link}");
        Console.Error.WriteLine($"Holding {links.Count} program{(links.Count == 1 ? "" : "s")} attached. Ctrl-C (or SIGTERM) detaches and exits.");
        try
        {
            await Task.Delay(Timeout.Infinite, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        links.Dispose();
        Console.Error.WriteLine($"detached {links.Count} program{(links.Count == 1 ? "" : "s")}");
        return 0;
    }
}
