using System.CommandLine;
using Ebpf.TestRuns;

namespace Ebpf.Cli.Objects;

/// <summary>
/// <c>ebpf run OBJ PROGRAM --data-in FILE [--ctx-in FILE] [--repeat N] [--json]</c>: loads the object with only that
/// program, runs it once or N times on the given packet and context (BPF_PROG_TEST_RUN, bpftool's <c>prog run</c>) and
/// prints its return value, the mean duration and the size of the packet it left.
/// </summary>
internal static class RunCommand
{
    internal static Command Create()
    {
        var path = new Argument<FileInfo>("object") { Description = "A clang-compiled BPF object (.bpf.o)." };
        var program = new Argument<string>("program") { Description = "The program (function) to run; the object's other programs are not loaded." };
        var dataIn = new Option<string?>("--data-in") { Description = "The packet to run it on (a file, or - for standard input)." };
        var ctxIn = new Option<FileInfo?>("--ctx-in") { Description = "The context to run it with (struct __sk_buff, struct xdp_md, or a raw tracepoint's u64 arguments)." };
        var dataOut = new Option<FileInfo?>("--data-out") { Description = "Write the packet as the program left it to this file." };
        var ctxOut = new Option<FileInfo?>("--ctx-out") { Description = "Write the context as the program left it to this file." };
        var repeat = new Option<uint>("--repeat") { Description = "Run it N times; the duration is the mean.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "One JSON object: {\"retval\", \"duration_ns\", \"data_out_size\"}." };
        var command = new Command("run", "Run one program of a BPF object on a packet and/or context in the kernel (BPF_PROG_TEST_RUN), without attaching it.")
        {
            path, program, dataIn, ctxIn, dataOut, ctxOut, repeat, json,
        };
        command.SetAction(parse =>
        {
            var result = Run(parse.GetValue(path)!.FullName, parse.GetValue(program)!, parse.GetValue(dataIn), parse.GetValue(ctxIn)?.FullName,
                parse.GetValue(repeat));
            if (parse.GetValue(dataOut) is { } d) File.WriteAllBytes(d.FullName, result.DataOut);
            if (parse.GetValue(ctxOut) is { } c) File.WriteAllBytes(c.FullName, result.ContextOut);
            if (parse.GetValue(json)) WriteJson(result);
            else Console.WriteLine($"retval {result.ReturnValue} (0x{result.ReturnValue:x}), duration {result.DurationNanoseconds} ns (mean of {Math.Max(parse.GetValue(repeat), 1)}), data out {result.DataOut.Length} bytes, context out {result.ContextOut.Length} bytes");
            return 0;
        });
        return command;
    }

    internal static TestRunResult Run(string objectPath, string programName, string? dataIn, string? contextIn, uint repeat)
    {
        var spec = BpfObjectSpec.FromFile(objectPath);
        if (!spec.Programs.ContainsKey(programName))
            throw new KeyNotFoundException($"Object '{spec.Name}' has no program '{programName}'. Programs: {string.Join(", ", spec.Programs.Keys.Order(StringComparer.Ordinal))}.");
        foreach (var (name, p) in spec.Programs) p.AutoLoad = name == programName;
        byte[] data = dataIn is null ? [] : dataIn == "-" ? ReadStandardInput() : File.ReadAllBytes(dataIn);
        byte[] context = contextIn is null ? [] : File.ReadAllBytes(contextIn);
        using var loaded = spec.Load();
        return loaded.Program(programName).TestRun(new TestRunOptions { Data = data, Context = context, Repeat = repeat });
    }

    private static byte[] ReadStandardInput()
    {
        using var stdin = Console.OpenStandardInput();
        using var buffer = new MemoryStream();
        stdin.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static void WriteJson(TestRunResult result)
    {
        using (var w = JsonOutput.Stdout())
        {
            w.WriteStartObject();
            w.WriteNumber("retval", result.ReturnValue);
            w.WriteNumber("duration_ns", result.DurationNanoseconds);
            w.WriteNumber("data_out_size", result.DataOut.Length);
            w.WriteEndObject();
        }
        Console.Out.WriteLine();
    }
}
