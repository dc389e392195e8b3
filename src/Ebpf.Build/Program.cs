using Ebpf.Build;

// Run by build/Ebpf.Net.Build.targets (dotnet exec Ebpf.Build.dll compile|gen ...); prints MSBuild-style errors.
try
{
    return args.Length > 0 && args[0] == "compile" ? ClangCompiler.Run(ToolArguments.Parse(args[1..]))
        : args.Length > 0 && args[0] == "gen" ? BindingsWriter.Run(ToolArguments.Parse(args[1..]))
        : Fail("usage: Ebpf.Build compile|gen --option value ...");
}
catch (Exception e) when (e is Ebpf.BpfException or ArgumentException or IOException or KeyNotFoundException or InvalidDataException)
{
    return Fail(e.Message);
}

static int Fail(string message)
{
    // "error CODE: text" is the form MSBuild's Exec task reports as a build error.
    Console.Error.WriteLine($"error EBPF000: {message.Replace('\n', ' ')}");
    return 1;
}
