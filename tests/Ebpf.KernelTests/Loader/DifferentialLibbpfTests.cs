using System.Diagnostics;
using System.Runtime.CompilerServices;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// Differential test against libbpf: every program of every object is loaded by Ebpf.Net and by libbpf (bpftool prog
/// loadall), and the instructions the kernel translated (BPF_OBJ_GET_INFO_BY_FD, xlated) must be identical, map
/// references aside (ld_imm64 of a map holds a per-load id). Covers map and global-data relocations, bpf-to-bpf calls,
/// callbacks and CO-RE (loader_core, the lesson's kprobe programs).
/// </summary>
public sealed class DifferentialLibbpfTests
{
    public static TheoryData<string> Objects() =>
    [
        "unlinks.bpf.o", "unlinks_perf.bpf.o", "lesson_unlinks.bpf.o", "lesson_unlinks_perf.bpf.o", "bench.bpf.o",
        "loader_basic.bpf.o", "loader_calls.bpf.o", "loader_maps.bpf.o", "loader_core.bpf.o", "loader_core_kernel.bpf.o", "loader_probes.bpf.o",
        "ringbuf_test.bpf.o", "perf_test.bpf.o",
    ];

    [Theory]
    [MemberData(nameof(Objects))]
    public void Kernel_translated_instructions_match_libbpf(string objectFile)
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed for the libbpf side");
        string path = TestObjects.Path(objectFile);
        string pins = Directory.CreateTempSubdirectory("ebpf-diff-").FullName;
        try
        {
            Run("mount", "-t", "bpf", "bpf", pins);
            try
            {
                Run("bpftool", "prog", "loadall", path, Path.Combine(pins, "progs"));
                using var ours = BpfObject.Load(path);
                Assert.NotEmpty(ours.Programs);
                foreach (var (name, program) in ours.Programs)
                {
                    string pinned = Path.Combine(pins, "progs", name);
                    Assert.True(File.Exists(pinned), $"libbpf did not load program '{name}' of {objectFile} (pins: {string.Join(", ", Directory.EnumerateFileSystemEntries(Path.Combine(pins, "progs")).Select(Path.GetFileName))})");
                    using var theirs = Bpf.ObjGet(pinned);
                    var mine = Xlated(program.Handle);
                    var libbpf = Xlated(theirs);
                    Assert.True(mine.Length == libbpf.Length, $"{objectFile}/{name}: {mine.Length / 8} instructions against libbpf's {libbpf.Length / 8}");
                    int first = FirstDifference(mine, libbpf);
                    if (first >= 0)
                        Assert.Fail($"{objectFile}/{name}: instruction {first} differs: ours {Hex(mine, first)}, libbpf {Hex(libbpf, first)}");
                }
            }
            finally
            {
                Run("umount", pins);
            }
        }
        finally
        {
            Directory.Delete(pins, recursive: true);
        }
    }

    private static unsafe byte[] Xlated(SafeFd fd)
    {
        var info = default(BpfProgInfo);
        var attr = new ObjInfoAttr { BpfFd = (uint)fd.Fd, InfoLen = (uint)Unsafe.SizeOf<BpfProgInfo>(), Info = (ulong)&info };
        Assert.True(Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr) >= 0);
        var insns = new byte[info.XlatedProgLen];
        fixed (byte* p = insns)
        {
            info = new BpfProgInfo { XlatedProgLen = (uint)insns.Length, XlatedProgInsns = (ulong)p };
            attr = new ObjInfoAttr { BpfFd = (uint)fd.Fd, InfoLen = (uint)Unsafe.SizeOf<BpfProgInfo>(), Info = (ulong)&info };
            Assert.True(Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr) >= 0);
        }
        // ld_imm64 (opcode 0x18) referring to a map carries a per-load map id/address: mask both halves' immediates.
        for (int i = 0; i + 16 <= insns.Length; i += 8)
        {
            if (insns[i] == 0x18 && (insns[i + 1] >> 4) != 0)
            {
                Array.Clear(insns, i + 4, 4);
                Array.Clear(insns, i + 12, 4);
                i += 8;
            }
        }
        return insns;
    }

    private static int FirstDifference(byte[] a, byte[] b)
    {
        for (int i = 0; i < a.Length; i += 8)
            if (!a.AsSpan(i, 8).SequenceEqual(b.AsSpan(i, 8))) return i / 8;
        return -1;
    }

    private static string Hex(byte[] insns, int index) => Convert.ToHexString(insns, index * 8, 8);

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({p.ExitCode}): {err}");
    }
}
