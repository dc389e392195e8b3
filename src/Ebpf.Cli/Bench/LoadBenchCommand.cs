using System.CommandLine;
using System.Globalization;

namespace Ebpf.Cli.Bench;

/// <summary>
/// <c>ebpf bench load [OBJ...]</c>: loading objects, Ebpf.Net against libbpf (bpf_object__open_file + bpf_object__load)
/// in one process, rounds interleaved C then C#; medians, the per-round ratio, and the bytes Ebpf.Net allocates per
/// load (GC.GetTotalAllocatedBytes). Without objects: the tool's own lesson_unlinks.bpf.o (CO-RE).
/// </summary>
internal static class LoadBenchCommand
{
    internal static Command Create()
    {
        var objects = new Argument<FileInfo[]>("objects") { Description = "BPF objects libbpf loads whole (default: the tool's lesson_unlinks.bpf.o).", Arity = ArgumentArity.ZeroOrMore };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds per loader, C and C# alternating (the median is reported).", DefaultValueFactory = _ => 9 };
        var cref = new Option<string?>("--cref") { Description = "Path of libebpf_cref.so." };
        var command = new Command("load", "Time loading objects: Ebpf.Net's Load against libbpf's bpf_object__load, side by side.") { objects, json, rounds, cref };
        command.SetAction(parse =>
        {
            if (parse.GetValue(rounds) < 1) throw new ArgumentException("--rounds must be at least 1.");
            CRef.Use(parse.GetValue(cref) ?? CRef.DefaultPath());
            var files = parse.GetValue(objects) ?? [];
            string? embedded = null;
            try
            {
                var paths = files.Select(f => f.FullName).ToList();
                if (paths.Count == 0)
                {
                    embedded = Directory.CreateTempSubdirectory("ebpf-bench-load-").FullName;
                    string file = Path.Combine(embedded, "lesson_unlinks.bpf.o");
                    File.WriteAllBytes(file, EmbeddedObjects.Read("lesson_unlinks.bpf.o"));
                    paths.Add(file);
                }
                var results = paths.Select(p => LoadBenchmark.Run(p, parse.GetValue(rounds))).ToList();
                if (parse.GetValue(json)) WriteJson(results);
                else WriteTable(results);
                return 0;
            }
            finally
            {
                if (embedded is not null) Directory.Delete(embedded, recursive: true);
            }
        });
        return command;
    }

    private static void WriteTable(List<LoadBenchmark.Result> results)
    {
        Console.WriteLine($"load: machine {MachineInfo.Current()}");
        Console.WriteLine("medians of the timed rounds (C then C# each round, after 2 warm-up laps); ms; 'first': this process's first Ebpf.Net load");
        Console.WriteLine($"{"object",-28} {"progs",5} {"C open",7} {"C load",7} {"C# parse",8} {"C# load",8} {"load C#/C",9} {"all C#/C",8} {"alloc parse",11} {"alloc load",10} {"first ms",8} {"first alloc",11}");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Object,-28} {r.Programs,5} {r.COpenMs,7:F2} {r.CLoadMs,7:F2} {r.CSharpParseMs,8:F2} {r.CSharpLoadMs,8:F2} {r.LoadRatioMedian,9:F2} {r.TotalRatio,8:F2} {Mib(r.CSharpParseAllocatedBytes),11} {Mib(r.CSharpLoadAllocatedBytes),10} {r.FirstLoadMs,8:F1} {Mib(r.FirstLoadAllocatedBytes),11}"));
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F2} MiB");

    private static void WriteJson(List<LoadBenchmark.Result> results)
    {
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "load");
        w.WriteString("machine", MachineInfo.Current().ToString());
        w.WriteNumber("warmup_laps", 2);
        w.WriteStartArray("results");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("object", r.Object);
            w.WriteNumber("programs", r.Programs);
            w.WriteNumber("rounds", r.Rounds);
            w.WriteNumber("c_open_ms", Math.Round(r.COpenMs, 3));
            w.WriteNumber("c_load_ms", Math.Round(r.CLoadMs, 3));
            w.WriteNumber("csharp_parse_ms", Math.Round(r.CSharpParseMs, 3));
            w.WriteNumber("csharp_load_ms", Math.Round(r.CSharpLoadMs, 3));
            w.WriteNumber("load_ratio", Math.Round(r.LoadRatioMedian, 3));
            w.WriteNumber("total_ratio", Math.Round(r.TotalRatio, 3));
            w.WriteNumber("csharp_parse_allocated_bytes", r.CSharpParseAllocatedBytes);
            w.WriteNumber("csharp_load_allocated_bytes", r.CSharpLoadAllocatedBytes);
            w.WriteNumber("first_load_ms", Math.Round(r.FirstLoadMs, 3));
            w.WriteNumber("first_load_allocated_bytes", r.FirstLoadAllocatedBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }
}
