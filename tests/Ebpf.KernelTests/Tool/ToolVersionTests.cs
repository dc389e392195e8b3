using System.Reflection;
using System.Text.RegularExpressions;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Tool;

/// <summary>`ebpf --version` from both builds of the tool: the package version and the commit that was built (the
/// library these tests load was built from the same commit with the same version), and which runtime answers.</summary>
[Trait("Category", "Kernel")]
public partial class ToolVersionTests
{
    [Theory]
    [InlineData(ToolBuild.Jit)]
    [InlineData(ToolBuild.Native)]
    public void Version_names_the_package_version_the_commit_and_the_runtime(ToolBuild build)
    {
        if (build == ToolBuild.Native) ToolProcess.NativeToolPath(); // skips or fails first, with the reason
        using var tool = new ToolProcess(build, "--version");
        Assert.Equal(0, tool.ExitCode);

        string line = Assert.Single(tool.StdoutLines);
        var match = VersionLine().Match(line);
        Assert.True(match.Success, $"unexpected --version output: {line}");
        string expected = typeof(BpfObject).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expected, $"{match.Groups["version"].Value}+{match.Groups["commit"].Value}");
        if (build == ToolBuild.Native) Assert.Equal("NativeAOT", match.Groups["runtime"].Value);
        else Assert.StartsWith(".NET ", match.Groups["runtime"].Value, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^ebpf (?<version>\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?) \(commit (?<commit>[0-9a-f]{40}), (?<runtime>[^)]+)\)$")]
    private static partial Regex VersionLine();
}
