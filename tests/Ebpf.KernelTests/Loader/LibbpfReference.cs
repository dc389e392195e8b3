using System.Runtime.CompilerServices;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// libbpf as the reference loader: <c>bpftool prog loadall</c> pinning the programs into a private bpffs, and the
/// kernel's translated instructions (BPF_OBJ_GET_INFO_BY_FD, xlated) of any program fd with map references masked.
/// </summary>
/// <remarks>
/// libbpf pins LIBBPF_PIN_BY_NAME maps under /sys/fs/bpf, and bpftool cannot move that root; it also refuses such an
/// object when /sys/fs/bpf is not a bpffs (a fresh machine). So bpftool runs in a mount namespace of its own whose
/// /sys/fs/bpf is a fresh bpffs, gone with the process: nothing reaches the machine's /sys/fs/bpf, and no object meets
/// the maps an earlier one pinned. The programs it pins land in this reference's private mount, which the namespace
/// shares, so the test can open them.
/// </remarks>
internal sealed class LibbpfReference : IDisposable
{
    private readonly PrivateBpfFs _mount;

    internal LibbpfReference()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed for the libbpf side");
        _mount = new PrivateBpfFs("ebpf-diff-");
    }

    /// <summary>Loads every program of <paramref name="objectPath"/> with libbpf (all or nothing, as libbpf does);
    /// returns whether it succeeded, the pinned programs by name, and libbpf's messages.</summary>
    internal (bool Loaded, Dictionary<string, string> Programs, string Messages) LoadAll(string objectPath)
    {
        string dir = NewPinDirectory();
        Directory.Delete(dir); // bpftool creates it
        var (code, err) = PrivateBpfFs.Run("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            "mount -t bpf bpf /sys/fs/bpf && exec bpftool prog loadall \"$1\" \"$2\"", "sh", objectPath, dir);
        var programs = Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir).ToDictionary(f => Path.GetFileName(f), f => f, StringComparer.Ordinal)
            : [];
        return (code == 0, programs, err);
    }

    /// <summary>A fresh, empty directory in the private bpffs: where Ebpf.Net's side of a comparison pins its maps
    /// (BpfLoadOptions.PinPath), so that it, too, starts from no pins and leaves none on the machine.</summary>
    internal string NewPinDirectory()
    {
        string dir = _mount.Pin(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal static unsafe byte[] Xlated(SafeFd fd)
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

    /// <summary>Asserts that the kernel translated <paramref name="ours"/> and libbpf's pinned program identically.</summary>
    internal static void AssertSameXlated(string what, SafeFd ours, string pinnedLibbpfProgram)
    {
        using var theirs = Bpf.ObjGet(pinnedLibbpfProgram);
        // Same program type, attach type and attach target (attach_btf_id of BTF-targeted programs, 0 otherwise).
        var myInfo = Bpf.GetInfo<BpfProgInfo>(ours, what);
        var theirInfo = Bpf.GetInfo<BpfProgInfo>(theirs, what);
        Assert.Equal((myInfo.Type, myInfo.AttachBtfId, myInfo.AttachBtfObjId), (theirInfo.Type, theirInfo.AttachBtfId, theirInfo.AttachBtfObjId));
        var mine = Xlated(ours);
        var libbpf = Xlated(theirs);
        Assert.True(mine.Length == libbpf.Length, $"{what}: {mine.Length / 8} instructions against libbpf's {libbpf.Length / 8}");
        for (int i = 0; i < mine.Length; i += 8)
            if (!mine.AsSpan(i, 8).SequenceEqual(libbpf.AsSpan(i, 8)))
                Assert.Fail($"{what}: instruction {i / 8} differs: ours {Convert.ToHexString(mine, i, 8)}, libbpf {Convert.ToHexString(libbpf, i, 8)}");
    }

    public void Dispose() => _mount.Dispose();
}
