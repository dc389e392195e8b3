using System.Diagnostics;
using Ebpf.Asm;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.TestRuns;

namespace Ebpf.KernelTests.Asm;

/// <summary>Programs built with the assembler, loaded and run; the disassembly of loaded programs against
/// <c>bpftool prog dump xlated</c>, line for line.</summary>
[Trait("Category", "Kernel")]
public sealed class AsmKernelTests
{
    [Fact]
    public void An_assembled_program_with_a_map_labels_a_call_and_atomics_runs()
    {
        KernelGuard.RequireRoot();
        using var counters = BpfMap.Create(new MapSpec { Name = "asm_counters", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 1 });
        var program = new Assembler()
            .Store(MemorySize.Word, Register.R10, -4, 0)              // u32 key = 0
            .Mov(Register.R2, Register.R10).Add(Register.R2, -4)
            .LoadMapFd(Register.R1, counters)
            .Call(BpfHelper.MapLookupElem)
            .JumpIf(JumpOperation.Equal, Register.R0, 0, "out")
            .Mov(Register.R6, Register.R0)
            .Mov(Register.R1, 20)
            .CallFunction("double")                                  // r0 = 40
            .AtomicAdd(MemorySize.DoubleWord, Register.R6, 0, Register.R0)
            .Label("out")
            .Mov(Register.R0, 2)                                     // XDP_PASS
            .Exit()
            .Label("double")
            .Mov(Register.R0, Register.R1)
            .Alu(AluOperation.LeftShift, Register.R0, 1)
            .Exit()
            .Build();
        using var loaded = BpfProgram.Load(new ProgramSpec("asm_count", BpfProgramType.Xdp, program));
        var frame = new byte[64];
        for (int i = 0; i < 3; i++) Assert.Equal(2u, loaded.TestRun(new TestRunOptions { Data = frame }).ReturnValue);
        Assert.Equal(120ul, counters.Lookup<uint, ulong>(0u));
    }

    [Fact]
    public void The_verifier_log_comes_with_a_refused_assembled_program()
    {
        KernelGuard.RequireRoot();
        var unsafeRead = new Assembler().Load(MemorySize.DoubleWord, Register.R0, Register.R2, 0).Exit().Build(); // r2 is uninitialised
        var e = Assert.Throws<BpfVerifierException>(() => BpfProgram.Load(new ProgramSpec("asm_bad", BpfProgramType.SocketFilter, unsafeRead)));
        Assert.Equal("asm_bad", e.ProgramName);
        Assert.Contains("R2 !read_ok", e.VerifierLog, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> LoadedPrograms() => new()
    {
        { "testrun_net.bpf.o", "xdp_udp_filter" },
        { "testrun_net.bpf.o", "tc_ttl_mark" },
        { "maps_features.bpf.o", "read_inner" },
        { "maps_features.bpf.o", "tail_entry" },
        { "maps_features.bpf.o", "push_both" },
        { "loader_calls.bpf.o", "calls" },
        { "loader_maps.bpf.o", "emit" },
    };

    [Theory]
    [MemberData(nameof(LoadedPrograms))]
    public void Disassembly_of_a_loaded_program_is_bpftools(string objectFile, string programName)
    {
        RequireBpftool();
        using var obj = BpfObject.Load(TestObjects.Path(objectFile));
        var program = obj.Program(programName);
        Assert.Equal(Bpftool(program.Id), AsOlderBpftool(Lines(program.Disassemble())));
    }

    /// <summary>The verifier inlines per-CPU map lookups with an internal move (off = -1) that the kernel's disasm.c,
    /// and so Ebpf.Net, print as <c>rX = &amp;(void __percpu *)(rY)</c>; bpftool builds older than that form (Debian 12's
    /// 7.1) print it as a plain move. Compared in the older form when bpftool is older.</summary>
    private static List<string> AsOlderBpftool(List<string> lines) => BpftoolPrintsPerCpuMoves
        ? lines
        : [.. lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, @"&\(void __percpu \*\)\((r\d+)\)", "$1"))];

    private static readonly Lazy<bool> PerCpuForm = new(() =>
    {
        // bpftool's disassembler is compiled in: find out from a program that has such a move.
        using var map = BpfMap.Create(new MapSpec { Name = "pcpu_probe", Type = BpfMapType.PerCpuArray, KeySize = 4, ValueSize = 8, MaxEntries = 1 });
        var probe = new Assembler()
            .Store(MemorySize.Word, Register.R10, -4, 0).Mov(Register.R2, Register.R10).Add(Register.R2, -4)
            .LoadMapFd(Register.R1, map).Call(BpfHelper.MapLookupElem).Mov(Register.R0, 0).Exit().Build();
        using var program = BpfProgram.Load(new ProgramSpec("pcpu_probe", BpfProgramType.SocketFilter, probe));
        return Bpftool(program.Id).Any(l => l.Contains("__percpu", StringComparison.Ordinal));
    });

    private static bool BpftoolPrintsPerCpuMoves => PerCpuForm.Value;

    [Fact]
    public void Disassembly_of_an_assembled_program_is_bpftools()
    {
        RequireBpftool();
        using var map = BpfMap.Create(new MapSpec { Name = "asm_dis", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 4 });
        var built = new Assembler()
            .Mov32(Register.R1, 7).Store(MemorySize.Word, Register.R10, -4, Register.R1)
            .Mov(Register.R2, Register.R10).Add(Register.R2, -4)
            .LoadMapFd(Register.R1, map)
            .Call(BpfHelper.MapLookupElem)
            .JumpIf32(JumpOperation.NotEqual, Register.R0, 0, "found")
            .Call(BpfHelper.KtimeGetNs)
            .ToBigEndian(Register.R0, 16)
            .Label("found")
            .Mov(Register.R0, 0)
            .Exit()
            .Build();
        using var program = BpfProgram.Load(new ProgramSpec("asm_dis", BpfProgramType.SocketFilter, built));
        Assert.Equal(Bpftool(program.Id), AsOlderBpftool(Lines(program.Disassemble())));
        Assert.True(program.GetXlatedInstructions().Length >= built.Length);
    }

    private static List<string> Lines(string listing) => [.. listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>bpftool's instruction lines (its source-line comments and function headers left out).</summary>
    private static List<string> Bpftool(uint id)
    {
        var start = new ProcessStartInfo("bpftool", ["prog", "dump", "xlated", "id", id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(start)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"bpftool failed: {error}");
        return [.. output.Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s*\d+: "))];
    }

    private static void RequireBpftool()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed to compare disassemblies");
    }
}
