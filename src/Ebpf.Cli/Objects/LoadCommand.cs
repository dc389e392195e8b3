using System.CommandLine;
using System.Text.Json;

namespace Ebpf.Cli.Objects;

/// <summary>
/// <c>ebpf load OBJ</c>: loads every program of an object on its own (one failure does not stop the others) and
/// reports each outcome, with the verifier log's last lines for the ones the kernel refused.
/// </summary>
internal static class LoadCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var json = new Option<bool>("--json") { Description = "One JSON object: {\"object\", \"programs\": [{name, section, type, loaded, error}]}." };
        var command = new Command("load", "Load each program of a BPF object into the kernel, independently, and report the outcome.") { path, json };
        command.SetAction(parse =>
        {
            var results = LoadEach(parse.GetValue(path)!.FullName, out string objectName);
            if (parse.GetValue(json)) WriteJson(objectName, results);
            else WriteText(objectName, results);
            return results.All(r => r.Loaded) ? 0 : 1;
        });
        return command;
    }

    internal sealed record ProgramOutcome(string Name, string Section, string Type, bool Loaded, string? Error);

    internal static List<ProgramOutcome> LoadEach(string path, out string objectName)
    {
        var spec = BpfObjectSpec.FromFile(path);
        objectName = spec.Name;
        var outcomes = new List<ProgramOutcome>();
        foreach (var program in spec.Programs.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            foreach (var other in spec.Programs.Values) other.AutoLoad = ReferenceEquals(other, program);
            string? error = null;
            try
            {
                using var loaded = spec.Load();
            }
            catch (BpfVerifierException e)
            {
                error = $"{e.Message.Split('\n')[0]}\n{e.Tail(6)}";
            }
            catch (BpfException e)
            {
                error = e.Message;
            }
            outcomes.Add(new ProgramOutcome(program.Name, program.SectionName, program.Type.ToString(), error is null, error));
        }
        return outcomes;
    }

    private static void WriteJson(string objectName, List<ProgramOutcome> results)
    {
        using var w = JsonOutput.Stdout(indented: true);
        w.WriteStartObject();
        w.WriteString("object", objectName);
        w.WriteStartArray("programs");
        foreach (var r in results)
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
        w.WriteEndObject();
        w.Flush();
        Console.Out.WriteLine();
    }

    private static void WriteText(string objectName, List<ProgramOutcome> results)
    {
        Console.WriteLine($"{objectName}: {results.Count(r => r.Loaded)} of {results.Count} programs loaded");
        foreach (var r in results)
        {
            Console.WriteLine($"  {(r.Loaded ? "ok  " : "FAIL")} {r.Name,-24} {r.Type,-16} {r.Section}");
            if (r.Error is not null)
                foreach (var line in r.Error.Split('\n')) Console.WriteLine($"       {line}");
        }
    }
}
