using System.CommandLine;
using System.Text.Json;

namespace Ebpf.Cli.Objects;

/// <summary>
/// <c>ebpf load OBJ</c>: loads the object once (maps created once, each program loaded on its own: one failure does not
/// stop the others, a map the kernel refuses fails the programs that use it) and reports each outcome, with the
/// verifier log's last lines for the ones the kernel refused.
/// </summary>
internal static class LoadCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var json = new Option<bool>("--json")
        {
            Description = "One JSON object: {\"object\", \"programs\": [{name, section, type, loaded, error}], \"maps\": [{name, created, error}]}.",
        };
        var command = new Command("load", "Load each program of a BPF object into the kernel, independently, and report the outcome.") { path, json };
        command.SetAction(parse =>
        {
            var report = LoadEach(parse.GetValue(path)!.FullName);
            if (parse.GetValue(json)) WriteJson(report);
            else WriteText(report);
            return report.Programs.All(r => r.Loaded) && report.Maps.All(m => m.Created) ? 0 : 1;
        });
        return command;
    }

    internal sealed record ProgramOutcome(string Name, string Section, string Type, bool Loaded, string? Error);

    internal sealed record MapOutcome(string Name, string Type, bool Created, string? Error);

    internal sealed record Report(string Object, List<ProgramOutcome> Programs, List<MapOutcome> Maps);

    /// <summary>Loads the object at <paramref name="path"/> with <see cref="BpfObjectSpec.LoadEach"/>, closes it, and
    /// returns every program's and map's outcome in name order.</summary>
    internal static Report LoadEach(string path)
    {
        var spec = BpfObjectSpec.FromFile(path);
        using var result = spec.LoadEach();
        var loaded = result.Object.Programs;
        var programs = spec.Programs.Values.OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => new ProgramOutcome(p.Name, p.SectionName, p.Type.ToString(), loaded.ContainsKey(p.Name),
                result.ProgramErrors.TryGetValue(p.Name, out var e) ? Describe(e) : null))
            .ToList();
        var maps = spec.Maps.Values.OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => new MapOutcome(m.Name, m.Type.ToString(), !result.MapErrors.ContainsKey(m.Name),
                result.MapErrors.TryGetValue(m.Name, out var e) ? Describe(e) : null))
            .ToList();
        return new Report(spec.Name, programs, maps);
    }

    private static string Describe(BpfException e) => e is BpfVerifierException v ? $"{v.Message.Split('\n')[0]}\n{v.Tail(6)}" : e.Message;

    private static void WriteJson(Report report)
    {
        using var w = JsonOutput.Stdout(indented: true);
        w.WriteStartObject();
        w.WriteString("object", report.Object);
        w.WriteStartArray("programs");
        foreach (var r in report.Programs)
        {
            w.WriteStartObject();
            w.WriteString("name", r.Name);
            w.WriteString("section", r.Section);
            w.WriteString("type", r.Type);
            w.WriteBoolean("loaded", r.Loaded);
            if (r.Error is null) w.WriteNull("error");
            else w.WriteString("error", r.Error);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("maps");
        foreach (var m in report.Maps)
        {
            w.WriteStartObject();
            w.WriteString("name", m.Name);
            w.WriteString("type", m.Type);
            w.WriteBoolean("created", m.Created);
            if (m.Error is null) w.WriteNull("error");
            else w.WriteString("error", m.Error);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.Out.WriteLine();
    }

    private static void WriteText(Report report)
    {
        Console.WriteLine($"{report.Object}: {report.Programs.Count(r => r.Loaded)} of {report.Programs.Count} programs loaded");
        foreach (var r in report.Programs)
        {
            Console.WriteLine($"  {(r.Loaded ? "ok  " : "FAIL")} {r.Name,-24} {r.Type,-16} {r.Section}");
            if (r.Error is not null)
                foreach (var line in r.Error.Split('\n')) Console.WriteLine($"       {line}");
        }
        foreach (var m in report.Maps.Where(m => !m.Created))
        {
            Console.WriteLine($"  FAIL map {m.Name,-20} {m.Type,-16} not created");
            foreach (var line in m.Error!.Split('\n')) Console.WriteLine($"       {line}");
        }
    }
}
