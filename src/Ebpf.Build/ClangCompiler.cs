using System.Diagnostics;

namespace Ebpf.Build;

/// <summary><c>compile</c>: one .bpf.c to a .bpf.o with clang (<c>-g -O2 -target bpf</c>, BTF kept, DWARF stripped when
/// llvm-strip is there, the project's path mapped to "." so the object does not depend on where the project lives).</summary>
internal static class ClangCompiler
{
    internal static int Run(ToolArguments args)
    {
        string clang = args.Optional("--clang") ?? "clang";
        string source = Path.GetFullPath(args.Required("--source"));
        string output = Path.GetFullPath(args.Required("--output"));
        string arch = args.Optional("--arch") ?? (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x86");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        string temp = output + ".tmp";
        var clangArgs = new List<string> { "-g", "-O2", "-target", "bpf", $"-D__TARGET_ARCH_{arch}", "-I", Path.GetDirectoryName(source)! };
        foreach (string dir in args.All("--include")) clangArgs.AddRange(["-I", Path.GetFullPath(dir)]);
        foreach (string define in args.All("--define")) clangArgs.Add("-D" + define);
        if (args.Optional("--prefix-map") is { } root) clangArgs.Add($"-fdebug-prefix-map={Path.GetFullPath(root).TrimEnd('/')}=.");
        clangArgs.AddRange(args.All("--flag"));
        clangArgs.AddRange(["-c", source, "-o", temp]);
        int code = RunProcess(clang, clangArgs, out string stderr);
        if (code == -1)
        {
            Console.Error.WriteLine($"error EBPF001: BpfObject {Path.GetFileName(source)}: '{clang}' was not found. Install clang and libbpf's headers (Debian: apt-get install clang llvm libbpf-dev), or set BpfClang to clang's path.");
            return 1;
        }
        Console.Error.Write(stderr);
        if (code != 0) return code;
        string strip = args.Optional("--strip") ?? "llvm-strip";
        // DWARF only: BTF (what the loader and the bindings need) stays. Without llvm-strip the object keeps its DWARF.
        if (RunProcess(strip, ["-g", temp], out string stripError) is > 0) Console.Error.Write(stripError);
        File.Move(temp, output, overwrite: true);
        return 0;
    }

    /// <summary>Runs a program; -1 when it cannot be started (not installed).</summary>
    private static int RunProcess(string file, IEnumerable<string> arguments, out string stderr)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in arguments) start.ArgumentList.Add(a);
        Process? process;
        try
        {
            process = Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            stderr = "";
            return -1;
        }
        using (process)
        {
            var output = process!.StandardOutput.ReadToEndAsync();
            stderr = process.StandardError.ReadToEnd();
            Console.Out.Write(output.Result);
            process.WaitForExit();
            return process.ExitCode;
        }
    }
}
