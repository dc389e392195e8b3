using System.IO.Compression;
using Ebpf.Externs;

namespace Ebpf.Tests.Externs;

/// <summary>Reading .config files (plain or gzipped) and the kernel version libbpf's LINUX_KERNEL_VERSION holds.</summary>
public sealed class KconfigSourceTests
{
    [Theory]
    [InlineData("CONFIG_HZ=250", "CONFIG_HZ", "250")]
    [InlineData("CONFIG_LOCALVERSION=\"-x=y\"\n", "CONFIG_LOCALVERSION", "\"-x=y\"")]
    [InlineData("CONFIG_A=y\r\n", "CONFIG_A", "y")]
    public void Parses_config_lines(string line, string name, string value)
    {
        Assert.True(KconfigFile.TryParseLine(line, out var n, out var v, out var error));
        Assert.Null(error);
        Assert.Equal(name, n);
        Assert.Equal(value, v);
    }

    [Theory]
    [InlineData("# CONFIG_KALLSYMS_SELFTEST is not set")]
    [InlineData("")]
    [InlineData("#")]
    [InlineData("LINUX_FOO=1")]
    public void Ignores_other_lines(string line)
    {
        Assert.False(KconfigFile.TryParseLine(line, out _, out _, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("CONFIG_A", "no '='")]
    [InlineData("CONFIG_A=", "no value")]
    public void Reports_malformed_config_lines(string line, string reason)
    {
        Assert.False(KconfigFile.TryParseLine(line, out _, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_plain_and_gzipped_files_alike()
    {
        string plain = Path.GetTempFileName(), gz = Path.GetTempFileName();
        try
        {
            string[] lines = ["# comment", "CONFIG_A=y", "CONFIG_B=\"x\""];
            File.WriteAllLines(plain, lines);
            using (var file = File.Create(gz))
            using (var zip = new GZipStream(file, CompressionLevel.Fastest))
            using (var writer = new StreamWriter(zip))
                foreach (var l in lines) writer.WriteLine(l);
            Assert.Equal(lines, KconfigFile.ReadLines(plain));
            Assert.Equal(lines, KconfigFile.ReadLines(gz));
        }
        finally
        {
            File.Delete(plain);
            File.Delete(gz);
        }
    }

    [Theory]
    [InlineData("6.18.44-fc-v782", "#1 SMP PREEMPT_DYNAMIC", null, (6u << 16) + (18u << 8) + 44u)]
    [InlineData("4.19.300", "#1 SMP", null, (4u << 16) + (19u << 8) + 255u)]              // patch level clamped at 255
    [InlineData("4.19.0-21-amd64", "#1 SMP Debian 4.19.249-2 (2022-06-30)", null, (4u << 16) + (19u << 8) + 249u)]
    [InlineData("5.15.0-91-generic", "#101-Ubuntu SMP", "Ubuntu 5.15.0-91.101-generic 5.15.131\n", (5u << 16) + (15u << 8) + 131u)]
    [InlineData("6.1.0", "#1", "garbage", (6u << 16) + (1u << 8))]                         // a useless signature falls through
    public void Kernel_version_follows_libbpf(string release, string version, string? ubuntu, uint expected) =>
        Assert.Equal(expected, KernelVersion.Compute(release, version, ubuntu));

    [Theory]
    [InlineData("6.18-rc1")]
    [InlineData("v6.1.0")]
    [InlineData("")]
    public void Kernel_version_needs_three_numbers(string release) =>
        Assert.Null(KernelVersion.Compute(release, "#1 SMP", null));

    [Theory]
    [InlineData("ffffffff814e61b0 T bpf_prog_put", 0xffffffff814e61b0UL, 'T', "bpf_prog_put")]
    [InlineData("ffffffffc0a01000 t nf_hook\t[nf_tables]", 0xffffffffc0a01000UL, 't', "nf_hook")]
    [InlineData("0000000000000000 d fixed_percpu_data", 0UL, 'd', "fixed_percpu_data")]
    public void Parses_kallsyms_lines(string line, ulong address, char type, string name)
    {
        Assert.True(Kallsyms.TryParse(line, out ulong a, out char t, out var n));
        Assert.Equal(address, a);
        Assert.Equal(type, t);
        Assert.Equal(name, n.ToString());
    }

    [Fact]
    public void Kallsyms_matches_llvm_renamed_data_and_refuses_ambiguity()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(path, [
                "0000000000001000 T alpha",
                "0000000000002000 d beta.llvm.123456",
                "0000000000003000 t gamma.llvm.99",   // only data symbols are matched through .llvm.
                "0000000000001000 T alpha",           // the same address again: not ambiguous
            ]);
            var found = Kallsyms.Find(new HashSet<string>(StringComparer.Ordinal) { "alpha", "beta", "gamma", "delta" }, path);
            Assert.Equal(0x1000UL, found["alpha"]);
            Assert.Equal(0x2000UL, found["beta"]);
            Assert.False(found.ContainsKey("gamma"));
            Assert.False(found.ContainsKey("delta"));

            File.AppendAllLines(path, ["0000000000005000 t alpha"]);
            var ex = Assert.Throws<InvalidOperationException>(() => Kallsyms.Find(new HashSet<string>(StringComparer.Ordinal) { "alpha" }, path));
            Assert.Contains("0x1000", ex.Message, StringComparison.Ordinal);
            Assert.Contains("0x5000", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
