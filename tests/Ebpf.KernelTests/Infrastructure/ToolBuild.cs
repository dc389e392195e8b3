namespace Ebpf.KernelTests.Infrastructure;

/// <summary>Which build of the `ebpf` tool a <see cref="ToolProcess"/> runs.</summary>
public enum ToolBuild
{
    /// <summary>Ebpf.Cli.dll from the solution build, under `dotnet` (JIT).</summary>
    Jit,

    /// <summary>The NativeAOT binary that scripts/publish-native.sh produced, named by EBPF_NATIVE_TOOL.</summary>
    Native,
}
