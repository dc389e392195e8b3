namespace Ebpf.KernelTests.Perf;

/// <summary>
/// The perf kernel tests compare /proc/self/fd before and after: they run alone (after the parallel tests), so that
/// descriptors opened by other tests at the same moment do not read as leaks.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PerfSerialCollection
{
    public const string Name = "Perf (serial: descriptor leak checks)";
}
