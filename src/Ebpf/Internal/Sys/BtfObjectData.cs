using System.Runtime.CompilerServices;

namespace Ebpf.Internal.Sys;

/// <summary>Reads a loaded program's or map's BTF back from the kernel (BPF_OBJ_GET_INFO_BY_FD on the program or map for
/// its btf_id, BPF_BTF_GET_FD_BY_ID, then BPF_OBJ_GET_INFO_BY_FD on the BTF object with a buffer for the raw blob).</summary>
internal static unsafe class BtfObjectData
{
    /// <summary>The raw BTF of program <paramref name="program"/>, or null when it was loaded without BTF.</summary>
    internal static byte[]? OfProgram(Unix.SafeFd program, string subject)
    {
        var info = Bpf.GetInfo<BpfProgInfo>(program, subject);
        return info.BtfId == 0 ? null : OfId(info.BtfId, subject);
    }

    /// <summary>The raw blob of BTF object <paramref name="btfId"/>, which <paramref name="subject"/> refers to.</summary>
    internal static byte[] OfId(uint btfId, string subject)
    {
        using var btf = Unix.SafeFd.FromSyscall(Bpf.Check(Bpf.TryBtfGetFdById(btfId), "BPF_BTF_GET_FD_BY_ID", $"the BTF of {subject}"));
        // First call: the size; second: the blob.
        var sizing = default(BpfBtfInfo);
        var attr = new ObjInfoAttr { BpfFd = (uint)btf.Fd, InfoLen = (uint)Unsafe.SizeOf<BpfBtfInfo>(), Info = (ulong)&sizing };
        Bpf.Check(Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr), "BPF_OBJ_GET_INFO_BY_FD", $"the BTF of {subject}");
        var raw = new byte[sizing.BtfSize];
        fixed (byte* p = raw)
        {
            // SAFETY: raw is pinned for the call and holds btf_size bytes, which is all the kernel writes.
            var full = new BpfBtfInfo { Btf = (ulong)p, BtfSize = (uint)raw.Length };
            attr = new ObjInfoAttr { BpfFd = (uint)btf.Fd, InfoLen = (uint)Unsafe.SizeOf<BpfBtfInfo>(), Info = (ulong)&full };
            Bpf.Check(Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr), "BPF_OBJ_GET_INFO_BY_FD", $"the BTF of {subject}");
        }
        return raw;
    }
}
