using System.CommandLine;
using Ebpf.Maps;

namespace Ebpf.Cli.Maps;

/// <summary>
/// <c>ebpf map dump PINNED_PATH [--json]</c>: every entry of a pinned map, formatted from the map's BTF as bpftool formats
/// it (<see cref="MapDump"/>). <c>--json</c> prints exactly the list <c>bpftool -j map dump pinned PATH</c> prints under
/// "formatted"; a map without BTF is printed as bpftool prints it then, its bytes as "0x.." strings.
/// </summary>
internal static class MapCommand
{
    internal static Command Create()
    {
        var path = new Argument<string>("pinned-path") { Description = "Where the map is pinned on a bpffs (for example /sys/fs/bpf/app/counts)." };
        var json = new Option<bool>("--json")
        {
            Description = "One JSON array: [{\"key\", \"value\"}] (per-CPU maps: \"values\": [{\"cpu\", \"value\"}]), formatted from BTF as bpftool -j map dump prints under \"formatted\"; without BTF the bytes as \"0x..\" strings.",
        };
        var dump = new Command("dump", "Print every entry of a pinned map, formatted from its BTF (hex bytes without BTF).") { path, json };
        dump.SetAction(parse =>
        {
            using var map = BpfMap.OpenPinned(parse.GetValue(path)!);
            if (parse.GetValue(json))
            {
                using (var w = JsonOutput.Stdout()) MapDump.WriteJson(map, w);
                Console.Out.WriteLine();
            }
            else
            {
                MapDump.WriteText(map, Console.Out);
            }
            return 0;
        });
        return new Command("map", "Inspect maps pinned in bpffs.") { dump };
    }
}
