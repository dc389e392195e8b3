using System.Diagnostics;

namespace Ebpf.KernelTests.Links;

/// <summary>
/// A small native program built once per test run with the system C compiler: <c>ebpf_probe_target(x)</c> returns
/// <c>3x + 1</c> and is called N times (N from argv[1]) with 1000, 1001, ... — a deterministic uprobe target.
/// </summary>
public static class ProbeTargetBinary
{
    public const string Function = "ebpf_probe_target";

    private const string Source = """
        #include <stdlib.h>
        __attribute__((noinline)) unsigned long ebpf_probe_target(unsigned long x)
        {
            __asm__ volatile("" ::: "memory");
            return x * 3 + 1;
        }
        int main(int argc, char **argv)
        {
            int n = argc > 1 ? atoi(argv[1]) : 1;
            unsigned long sum = 0;
            for (int i = 0; i < n; i++) sum += ebpf_probe_target(1000 + i);
            return (int)(sum & 1);
        }
        """;

    private static readonly Lazy<string?> s_path = new(Build);

    /// <summary>The built program's path, or null when no C compiler is installed (the reason is in <see cref="BuildError"/>).</summary>
    public static string? Path => s_path.Value;

    public static string BuildError { get; private set; } = "";

    /// <summary>Runs the program, which calls the target <paramref name="calls"/> times.</summary>
    public static void Run(int calls)
    {
        using var p = Process.Start(new ProcessStartInfo(Path!, calls.ToString(System.Globalization.CultureInfo.InvariantCulture)) { UseShellExecute = false })!;
        p.WaitForExit();
    }

    private static string? Build()
    {
        string dir = Directory.CreateTempSubdirectory("ebpf-uprobe-").FullName;
        string source = System.IO.Path.Combine(dir, "target.c"), binary = System.IO.Path.Combine(dir, "probe_target");
        File.WriteAllText(source, Source);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        foreach (var compiler in new[] { "/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang" })
        {
            if (!File.Exists(compiler)) continue;
            var start = new ProcessStartInfo(compiler) { RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-O1", "-o", binary, source }) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return binary;
            BuildError = $"{compiler} failed: {err}";
        }
        if (BuildError.Length == 0) BuildError = "no C compiler (cc, gcc or clang) is installed";
        return null;
    }
}
