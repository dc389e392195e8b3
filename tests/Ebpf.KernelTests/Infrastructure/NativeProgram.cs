using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// Small native programs the probe tests attach to, compiled once per test run from C source with the system C
/// compiler into a temporary directory that is removed when the process exits.
/// </summary>
public static class NativeProgram
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> s_built = new(StringComparer.Ordinal);
    private static readonly Lazy<string> s_directory = new(() =>
    {
        string dir = Directory.CreateTempSubdirectory("ebpf-native-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(dir, recursive: true);
        return dir;
    });

    /// <summary>Builds <paramref name="source"/> as <paramref name="name"/> (once) and returns the binary's path; a
    /// missing compiler is reported through <see cref="KernelGuard.Unavailable"/>.</summary>
    public static string Build(string name, string source, params string[] flags) => Build(name, [(name + ".c", source)], flags);

    /// <summary>Builds several C files (name, text) into one program called <paramref name="name"/>.</summary>
    public static string Build(string name, IReadOnlyList<(string FileName, string Text)> sources, params string[] flags)
    {
        KernelGuard.RequireRoot();
        var lazy = s_built.GetOrAdd(name, n => new Lazy<string>(() => Compile(n, sources, flags)));
        try
        {
            return lazy.Value;
        }
        catch (InvalidOperationException e)
        {
            s_built.TryRemove(name, out _);
            KernelGuard.Unavailable(e.Message);
            throw;
        }
    }

    /// <summary>Runs the program with <paramref name="args"/> to completion; returns its exit code.</summary>
    public static int Run(string path, params string[] args)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>Runs the program with <paramref name="args"/> to completion and returns what it printed.</summary>
    public static string Output(string path, params string[] args)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    /// <summary>Starts the program with its standard input redirected: programs that wait for a line before they act
    /// can then be probed by process id.</summary>
    public static Process Start(string path, params string[] args)
    {
        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardInput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    public static string Arg(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Compile(string name, IReadOnlyList<(string FileName, string Text)> sources, string[] flags)
    {
        string dir = Directory.CreateDirectory(Path.Combine(s_directory.Value, name + ".src")).FullName;
        string binary = Path.Combine(s_directory.Value, name);
        var paths = new List<string>();
        foreach (var (file, text) in sources)
        {
            paths.Add(Path.Combine(dir, Path.GetFileName(file)));
            File.WriteAllText(paths[^1], text);
        }
        string errors = "";
        foreach (var compiler in new[] { "/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang" })
        {
            if (!File.Exists(compiler)) continue;
            var start = new ProcessStartInfo(compiler) { RedirectStandardError = true, UseShellExecute = false };
            // Libraries (-l...) after the sources, as the linker resolves in order.
            var libraries = flags.Where(f => f.StartsWith("-l", StringComparison.Ordinal));
            foreach (var a in flags.Except(libraries).Concat(["-o", binary]).Concat(paths).Concat(libraries)) start.ArgumentList.Add(a);
            using var p = Process.Start(start)!;
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode == 0) return binary;
            errors += $"{compiler} failed: {err}\n";
        }
        throw new InvalidOperationException(errors.Length == 0 ? "no C compiler (cc, gcc or clang) is installed" : $"the test program '{name}' could not be built: {errors}");
    }
}
