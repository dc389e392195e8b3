namespace Ebpf.Cli.Bench;

/// <summary>What a benchmark ran on, printed with every result.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Kernel, string Runtime)
{
    internal static MachineInfo Current()
    {
        string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        string kernel = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        return new MachineInfo(cpu, Environment.ProcessorCount, kernel, System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    public override string ToString() => $"{Cpu}, {Cores} cores, Linux {Kernel}, {Runtime}";
}
