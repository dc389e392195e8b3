using Ebpf.Internal;

namespace Ebpf.Tests;

public class CpusTests
{
    [Theory]
    [InlineData("0", new[] { 0 })]
    [InlineData("0-3\n", new[] { 0, 1, 2, 3 })]
    [InlineData("0-1,4,6-7", new[] { 0, 1, 4, 6, 7 })]
    public void Parses_kernel_cpu_lists(string text, int[] expected) => Assert.Equal(expected, Cpus.Parse(text));

    [Theory]
    [InlineData("")]
    [InlineData("3-1")]
    [InlineData("a-b")]
    [InlineData("1-2-3")]
    public void Rejects_malformed_lists(string text) => Assert.Throws<FormatException>(() => Cpus.Parse(text));
}
