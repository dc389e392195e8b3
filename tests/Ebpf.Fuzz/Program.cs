using SharpFuzz;

namespace Ebpf.Fuzz;

/// <summary>
/// <c>Ebpf.Fuzz TARGET</c>: the AFL target (run by scripts/fuzz.sh under afl-fuzz, with Ebpf.dll instrumented by
/// SharpFuzz); each input arrives on standard input. <c>Ebpf.Fuzz TARGET PATH...</c>: replays files or directories of
/// inputs (AFL's findings, the corpus) without AFL and prints each outcome; exits 1 if any input crashed.
/// <c>Ebpf.Fuzz seeds CORPUS-DIR OBJECT...</c>: rewrites the seed corpus (<see cref="Seeds"/>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 2 && args[0] == "seeds") return Seeds.Write(args[1], args.Skip(2));
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: Ebpf.Fuzz {{{string.Join('|', FuzzTargets.Names)}}} [INPUT-FILE-OR-DIR...]");
            Console.Error.WriteLine("       Ebpf.Fuzz seeds CORPUS-DIR OBJECT...");
            return 2;
        }
        string target = args[0];
        if (args.Length == 1)
        {
            // Out of process: a stack overflow or a timeout kills only the child, which SharpFuzz restarts, and AFL
            // records the input as a crash or a hang instead of losing its fork server.
            Fuzzer.OutOfProcess.Run(stream => FuzzTargets.Run(target, ReadAll(stream)));
            return 0;
        }
        return Replay(target, args.Skip(1));
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int Replay(string target, IEnumerable<string> paths)
    {
        int accepted = 0, rejected = 0, crashed = 0;
        foreach (string file in paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]))
        {
            if (Path.GetFileName(file) == "README.txt") continue; // AFL's note in crashes/ and hangs/
            try
            {
                var outcome = FuzzTargets.Run(target, File.ReadAllBytes(file));
                if (outcome == FuzzOutcome.Accepted) accepted++;
                else rejected++;
                Console.WriteLine($"{outcome.ToString().ToLowerInvariant(),-8} {file}");
            }
#pragma warning disable CA1031 // replay reports every exception that escapes the target: that is the point
            catch (Exception e)
#pragma warning restore CA1031
            {
                crashed++;
                string frame = e.StackTrace?.Split('\n').FirstOrDefault(l => l.Contains(" Ebpf.", StringComparison.Ordinal))?.Trim() ?? "";
                Console.WriteLine($"CRASH    {file}: {e.GetType().Name}: {e.Message} {frame}");
            }
        }
        Console.WriteLine($"{target}: {accepted} accepted, {rejected} rejected, {crashed} crashed");
        return crashed == 0 ? 0 : 1;
    }
}
