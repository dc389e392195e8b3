using System.Globalization;
using System.IO.Compression;
using System.Text;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Loader;

namespace Ebpf.KernelTests.Externs;

/// <summary>
/// Externs against the running kernel (loader_externs.bpf.c): every value the programs read is compared with what the
/// test works out on its own from /proc (the release, the kernel configuration, kallsyms), not from the loader.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class ExternsKernelTests
{
    private static readonly byte[] RawTpArgs = new byte[8];

    /// <summary>The kernel configuration as CONFIG_NAME → value, read the way a person would (zcat /proc/config.gz).</summary>
    private static Dictionary<string, string> KernelConfig()
    {
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        string? path = new[] { $"/boot/config-{release}", "/proc/config.gz" }.FirstOrDefault(File.Exists);
        if (path is null) KernelGuard.Unavailable("the kernel configuration (/proc/config.gz or /boot/config-$(uname -r)) is not available");
        using var file = File.OpenRead(path!);
        using Stream content = path!.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(content);
        var config = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith("CONFIG_", StringComparison.Ordinal)) continue;
            var parts = line.Split('=', 2);
            config[parts[0]] = parts[1];
        }
        return config;
    }

    private static ulong KallsymsAddress(string name)
    {
        var hits = File.ReadLines("/proc/kallsyms").Select(l => l.Split(' ')).Where(f => f.Length >= 3 && f[2] == name).ToList();
        Assert.Single(hits);
        return ulong.Parse(hits[0][0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    private static uint ExpectedKernelVersion()
    {
        // 6.18.44-fc-v782 -> 6.18.44; KERNEL_VERSION clamps the patch level at 255.
        string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
        var numbers = release.Split('-')[0].Split('.').Select(p => uint.Parse(new string(p.TakeWhile(char.IsAsciiDigit).ToArray()), CultureInfo.InvariantCulture)).ToArray();
        return (numbers[0] << 16) + (numbers[1] << 8) + Math.Min(numbers.Length > 2 ? numbers[2] : 0, 255);
    }

    [Fact]
    public void Kconfig_values_match_the_running_kernel()
    {
        KernelGuard.RequireRoot();
        var config = KernelConfig();
        Assert.Equal("y", config["CONFIG_BPF_SYSCALL"]);
        Assert.False(config.ContainsKey("CONFIG_KALLSYMS_SELFTEST"), "the test expects CONFIG_KALLSYMS_SELFTEST to be unset");
        using var obj = BpfObject.Load(TestObjects.Path("loader_externs.bpf.o"));
        Assert.Equal(0, obj.Program("read_externs").TestRun(RawTpArgs));

        Assert.Equal((ulong)ExpectedKernelVersion(), obj.ReadVariable<ulong>("kernel_version"));
        Assert.Equal(1ul, obj.ReadVariable<ulong>("bpf_syscall"));
        ulong tristate = config.GetValueOrDefault("CONFIG_BPF_JIT") switch { "y" => 1, "m" => 2, _ => 0 };
        Assert.Equal(tristate, obj.ReadVariable<ulong>("bpf_jit"));
        Assert.Equal(ulong.Parse(config["CONFIG_HZ"], CultureInfo.InvariantCulture), obj.ReadVariable<ulong>("hz"));
        string expectedLocal = config["CONFIG_LOCALVERSION"].Trim('"');
        Assert.Equal(expectedLocal, ReadString(obj, "localversion"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("surely_missing"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("kallsyms_selftest"));
        // bpf_get_attach_cookie exists since 5.15.
        Assert.Equal(ExpectedKernelVersion() >= (5u << 16) + (15u << 8) ? 1ul : 0ul, obj.ReadVariable<ulong>("has_bpf_cookie"));

        // The hidden map: read-only for programs, frozen, laid out as libbpf lays it out (alignment desc, size, name).
        var kconfig = obj.Map(".kconfig");
        Assert.Equal(32u, kconfig.ValueSize);
        Assert.Equal(0x80u, kconfig.Flags & 0x80u);
        var value = new byte[kconfig.ValueSize];
        Assert.True(kconfig.TryLookup(stackalloc byte[4], value));
        Assert.Equal((uint)tristate, BitConverter.ToUInt32(value, 0));                    // CONFIG_BPF_JIT
        Assert.Equal(uint.Parse(config["CONFIG_HZ"], CultureInfo.InvariantCulture), BitConverter.ToUInt32(value, 4));
        Assert.Equal(ExpectedKernelVersion(), BitConverter.ToUInt32(value, 8));           // LINUX_KERNEL_VERSION
        Assert.Equal(1, value[12]);                                                       // CONFIG_BPF_SYSCALL
        Assert.Equal(0, value[13]);                                                       // CONFIG_EBPF_NET_SURELY_MISSING
        Assert.Equal(0, value[14]);                                                       // CONFIG_KALLSYMS_SELFTEST
        Assert.Equal(expectedLocal, Encoding.ASCII.GetString(value, 16, 16).TrimEnd('\0')); // CONFIG_LOCALVERSION
        var ex = Assert.ThrowsAny<BpfException>(() => kconfig.Update(stackalloc byte[4], value));
        Assert.Equal(1, ex.Errno); // frozen
    }

    private static string ReadString(BpfObject obj, string name)
    {
        var bytes = obj.ReadVariable<Char16>(name);
        return Encoding.ASCII.GetString(bytes.AsSpan()).TrimEnd('\0');
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct Char16
    {
        private byte _first;

        public ReadOnlySpan<byte> AsSpan() => System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref _first, 16);
    }

    /// <summary>The loader rewrites the object's BTF for externs (allocated VARs, int-typed .ksyms slots, global FUNCs,
    /// a dummy VAR): the kernel must accept the result, or programs would silently load without func/line info.</summary>
    [Fact]
    public void Rewritten_object_btf_is_accepted_by_the_kernel()
    {
        KernelGuard.RequireRoot();
        foreach (var file in (string[])["loader_externs.bpf.o", "loader_externs_typed.bpf.o"])
        {
            var spec = BpfObjectSpec.FromFile(TestObjects.Path(file));
            using var btf = Ebpf.Linking.ObjectBtf.TryLoad(spec.BtfTypes!, Ebpf.Btf.BtfFeatureSet.All, out var failure);
            Assert.True(btf is not null, $"{file}: {failure}");
        }
    }

    [Fact]
    public void Ksyms_resolve_to_kallsyms_addresses_and_weak_missing_ones_to_zero()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_externs.bpf.o"));
        Assert.Equal(0, obj.Program("read_externs").TestRun(RawTpArgs));
        Assert.Equal(KallsymsAddress("bpf_prog_put"), obj.ReadVariable<ulong>("prog_put_addr"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("missing_symbol_addr"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("missing_percpu_addr"));
    }

    [Fact]
    public void Kfuncs_are_called_and_a_weak_missing_one_is_skipped()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_externs.bpf.o"));
        spec.SetVariable("wanted_pid", Environment.ProcessId);
        using var obj = spec.Load();
        Assert.Equal(0, obj.Program("read_externs").TestRun(RawTpArgs));
        Assert.Equal(1ul, obj.ReadVariable<ulong>("rcu_calls"));
        Assert.Equal(1ul, obj.ReadVariable<ulong>("rcu_lock_exists"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("missing_kfunc_exists"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("missing_kfunc_called"));

        // bpf_task_from_pid(our pid) -> a task whose tgid is our pid.
        Assert.Equal(0, obj.Program("task_by_pid").TestRun());
        Assert.Equal((ulong)Environment.ProcessId, obj.ReadVariable<ulong>("task_tgid"));
    }

    [Fact]
    public void Kconfig_can_come_from_the_options_and_from_a_given_file()
    {
        KernelGuard.RequireRoot();
        string path = Path.Combine(Path.GetTempPath(), $"ebpf-kconfig-{Guid.NewGuid():N}");
        File.WriteAllLines(path, [
            "# a hand-written configuration",
            "CONFIG_BPF_SYSCALL=y",
            "CONFIG_BPF_JIT=m",
            "CONFIG_HZ=0x3e8",
            "CONFIG_LOCALVERSION=\"-a-very-long-local-version\"",
            "CONFIG_EBPF_NET_SURELY_MISSING=y",
            "# CONFIG_KALLSYMS_SELFTEST is not set",
        ]);
        try
        {
            var options = new BpfLoadOptions
            {
                KconfigPath = path,
                Kconfig = new Dictionary<string, string> { ["LINUX_KERNEL_VERSION"] = "0x050a11", ["CONFIG_BPF_SYSCALL"] = "n" },
            };
            using var obj = BpfObject.Load(TestObjects.Path("loader_externs.bpf.o"), options);
            Assert.Equal(0, obj.Program("read_externs").TestRun(RawTpArgs));
            Assert.Equal(0x050a11ul, obj.ReadVariable<ulong>("kernel_version"));
            Assert.Equal(0ul, obj.ReadVariable<ulong>("bpf_syscall")); // the option wins over the file
            Assert.Equal(2ul, obj.ReadVariable<ulong>("bpf_jit"));
            Assert.Equal(1000ul, obj.ReadVariable<ulong>("hz"));
            Assert.Equal("-a-very-long-lo", ReadString(obj, "localversion")); // truncated to 15 + NUL
            Assert.Equal(1ul, obj.ReadVariable<ulong>("surely_missing"));
            Assert.Equal(0ul, obj.ReadVariable<ulong>("kallsyms_selftest"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_strong_kconfig_fails_naming_the_extern_and_the_file()
    {
        KernelGuard.RequireRoot();
        string path = Path.Combine(Path.GetTempPath(), $"ebpf-kconfig-{Guid.NewGuid():N}");
        File.WriteAllLines(path, ["CONFIG_BPF_SYSCALL=y", "CONFIG_BPF_JIT=y", "CONFIG_LOCALVERSION=\"\""]);
        try
        {
            var ex = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("loader_externs.bpf.o"), new BpfLoadOptions { KconfigPath = path }));
            Assert.Contains("'CONFIG_HZ'", ex.Message, StringComparison.Ordinal);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("SURELY_MISSING", ex.Message, StringComparison.Ordinal); // weak: 0, no error

            var wrongType = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("loader_externs.bpf.o"),
                new BpfLoadOptions { KconfigPath = path, Kconfig = new Dictionary<string, string> { ["CONFIG_HZ"] = "y" } }));
            Assert.Contains("'CONFIG_HZ'", wrongType.Message, StringComparison.Ordinal);
            Assert.Contains("BpfLoadOptions.Kconfig", wrongType.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Missing_strong_ksym_and_kfunc_fail_naming_them()
    {
        KernelGuard.RequireRoot();
        var ksym = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("loader_externs_missing_ksym.bpf.o")));
        Assert.Contains("'ebpf_net_no_such_symbol'", ksym.Message, StringComparison.Ordinal);
        Assert.Contains("/proc/kallsyms", ksym.Message, StringComparison.Ordinal);
        var kfunc = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("loader_externs_missing_kfunc.bpf.o")));
        Assert.Contains("'bpf_ebpf_net_no_such_kfunc'", kfunc.Message, StringComparison.Ordinal);
        Assert.Contains("kernel BTF", kfunc.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reachable_call_of_a_weak_missing_kfunc_is_refused_naming_it()
    {
        KernelGuard.RequireRoot();
        var ex = Assert.Throws<BpfVerifierException>(() => BpfObject.Load(TestObjects.Path("loader_externs_unguarded.bpf.o")));
        Assert.Contains("kfunc 'bpf_ebpf_net_no_such_kfunc'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("unknown#2002000000", ex.VerifierLog, StringComparison.Ordinal);
    }

    /// <summary>runqueues is a per-CPU VAR in the kernel BTF: the ld_imm64 carries its BTF id. The verifier then needs its
    /// address from kallsyms, which lists data symbols only with CONFIG_KALLSYMS_ALL. Either way the outcome proves the id:
    /// with the address the program reads its CPU's runqueue; without it the verifier names the symbol it looked up by id.</summary>
    [Fact]
    public void Typed_ksym_is_loaded_by_btf_id()
    {
        KernelGuard.RequireRoot();
        string path = TestObjects.Path("loader_externs_typed.bpf.o");
        bool listed = File.ReadLines("/proc/kallsyms").Any(l => l.EndsWith(" runqueues", StringComparison.Ordinal));
        using var libbpf = new LibbpfReference();
        var (theirsLoaded, _, messages) = libbpf.LoadAll(path);
        if (listed)
        {
            Assert.True(theirsLoaded, messages);
            using var obj = BpfObject.Load(path);
            Assert.Equal(0, obj.Program("read_runqueue").TestRun(RawTpArgs, cpu: 0));
            Assert.Equal(0ul, obj.ReadVariable<ulong>("rq_cpu"));
        }
        else
        {
            const string line = "ldimm64 failed to find the address for kernel symbol 'runqueues'";
            Assert.False(theirsLoaded);
            Assert.Contains(line, messages, StringComparison.Ordinal);
            var ex = Assert.Throws<BpfVerifierException>(() => BpfObject.Load(path));
            Assert.Contains(line, ex.VerifierLog, StringComparison.Ordinal);
        }
    }
}
