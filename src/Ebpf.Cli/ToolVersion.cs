using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ebpf.Cli;

/// <summary>
/// <c>ebpf --version</c>: <c>ebpf 0.1.0-alpha.0.79 (commit 08e2d68…, .NET 10.0.12)</c>. The version is the package's
/// (MinVer, from git tags) and the commit the one built (SourceLink appends it to the informational version); the
/// runtime says whether this is the NativeAOT binary or the JIT tool.
/// </summary>
internal static class ToolVersion
{
    /// <summary>Replaces System.CommandLine's default version output with <see cref="Describe"/>.</summary>
    internal static void Use(RootCommand root) => root.Options.OfType<VersionOption>().Single().Action = new PrintVersion();

    internal static string Describe()
    {
        string informational = typeof(ToolVersion).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        int plus = informational.IndexOf('+', StringComparison.Ordinal);
        string version = plus < 0 ? informational : informational[..plus];
        string commit = plus < 0 ? "unknown" : informational[(plus + 1)..];
        string runtime = RuntimeFeature.IsDynamicCodeSupported ? RuntimeInformation.FrameworkDescription : "NativeAOT";
        return $"ebpf {version} (commit {commit}, {runtime})";
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            Console.Out.WriteLine(Describe());
            return 0;
        }
    }
}
