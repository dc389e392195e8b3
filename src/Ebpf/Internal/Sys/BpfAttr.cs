using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ebpf.Internal.Sys;

// The members of union bpf_attr that Ebpf.Net fills, one struct per command, offsets checked against
// /usr/include/linux/bpf.h with offsetof. The kernel requires every byte past the fields it knows to be zero,
// so callers start from `default` and pass exactly Unsafe.SizeOf<T>().

[StructLayout(LayoutKind.Sequential)]
internal struct MapCreateAttr
{
    internal uint MapType, KeySize, ValueSize, MaxEntries, MapFlags, InnerMapFd, NumaNode;
    internal ObjName MapName;
    internal uint MapIfindex, BtfFd, BtfKeyTypeId, BtfValueTypeId, BtfVmlinuxValueTypeId;
    internal ulong MapExtra;
}

/// <summary><c>char name[BPF_OBJ_NAME_LEN]</c>.</summary>
[InlineArray(16)]
internal struct ObjName
{
    private byte _first;

    /// <summary>Copies up to 15 ASCII characters the kernel accepts (alphanumerics, '_' and '.').</summary>
    internal static ObjName From(string name)
    {
        var result = default(ObjName);
        Span<byte> span = result;
        int n = 0;
        foreach (char c in name)
        {
            if (n == 15) break;
            if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.') span[n++] = (byte)c;
        }
        return result;
    }

    internal string AsString()
    {
        ReadOnlySpan<byte> span = this;
        int len = span.IndexOf((byte)0);
        return System.Text.Encoding.ASCII.GetString(len < 0 ? span : span[..len]);
    }
}

[StructLayout(LayoutKind.Sequential)]
internal struct MapElemAttr
{
    internal uint MapFd;
    private readonly uint _pad;
    internal ulong Key;
    internal ulong ValueOrNextKey;
    internal ulong Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct ProgLoadAttr
{
    internal uint ProgType, InsnCnt;
    internal ulong Insns, License;
    internal uint LogLevel, LogSize;
    internal ulong LogBuf;
    internal uint KernVersion, ProgFlags;
    internal ObjName ProgName;
    internal uint ProgIfindex, ExpectedAttachType, ProgBtfFd, FuncInfoRecSize;
    internal ulong FuncInfo;
    internal uint FuncInfoCnt, LineInfoRecSize;
    internal ulong LineInfo;
    internal uint LineInfoCnt, AttachBtfId, AttachProgFd, CoreReloCnt;
    internal ulong FdArray, CoreRelos;
    internal uint CoreReloRecSize, LogTrueSize;
}

[StructLayout(LayoutKind.Sequential)]
internal struct ObjPinAttr
{
    internal ulong Pathname;
    internal uint BpfFd, FileFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct ObjInfoAttr
{
    internal uint BpfFd, InfoLen;
    internal ulong Info;
}

/// <summary>The BPF_*_GET_NEXT_ID / BPF_*_GET_FD_BY_ID member: start_id (or the id to open), next_id, open_flags.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GetIdAttr
{
    internal uint StartId, NextId, OpenFlags;
}

/// <summary><c>struct bpf_btf_info</c> (32 bytes): <c>name</c> points at a buffer of <c>name_len</c> bytes that the
/// kernel fills; <c>kernel_btf</c> is set for vmlinux and module BTF.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfBtfInfo
{
    internal ulong Btf;
    internal uint BtfSize, Id;
    internal ulong Name;
    internal uint NameLen, KernelBtf;
}

[StructLayout(LayoutKind.Sequential)]
internal struct RawTracepointOpenAttr
{
    internal ulong Name;
    internal uint ProgFd;
    private readonly uint _pad;
}

[StructLayout(LayoutKind.Sequential)]
internal struct LinkCreateAttr
{
    internal uint ProgFd, TargetFd, AttachType, Flags;
    internal ulong Cookie;
    private readonly ulong _pad1, _pad2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct IterCreateAttr
{
    internal uint LinkFd, Flags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct TestRunAttr
{
    internal uint ProgFd, Retval, DataSizeIn, DataSizeOut;
    internal ulong DataIn, DataOut;
    internal uint Repeat, Duration, CtxSizeIn, CtxSizeOut;
    internal ulong CtxIn, CtxOut;
    internal uint Flags, Cpu, BatchSize;
    private readonly uint _pad;
}

[StructLayout(LayoutKind.Sequential)]
internal struct BtfLoadAttr
{
    internal ulong Btf, BtfLogBuf;
    internal uint BtfSize, BtfLogSize, BtfLogLevel;
    private readonly uint _pad;
}

[StructLayout(LayoutKind.Sequential)]
internal struct EnableStatsAttr
{
    internal uint Type;
}

[StructLayout(LayoutKind.Sequential)]
internal struct MapFdAttr
{
    internal uint MapFd;
}

/// <summary>The head of <c>struct bpf_map_info</c> (88 bytes in 6.1 headers).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfMapInfo
{
    internal uint Type, Id, KeySize, ValueSize, MaxEntries, MapFlags;
    internal ObjName Name;
    internal uint Ifindex, BtfVmlinuxValueTypeId;
    internal ulong NetnsDev, NetnsIno;
    internal uint BtfId, BtfKeyTypeId, BtfValueTypeId, BtfVmlinuxId;
    internal ulong MapExtra;
}

/// <summary><c>struct bpf_prog_info</c> as of 6.1 headers (232 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BpfProgInfo
{
    internal uint Type, Id;
    internal ulong Tag;
    internal uint JitedProgLen, XlatedProgLen;
    internal ulong JitedProgInsns, XlatedProgInsns, LoadTime;
    internal uint CreatedByUid, NrMapIds;
    internal ulong MapIds;
    internal ObjName Name;
    internal uint Ifindex, GplCompatible;
    internal ulong NetnsDev, NetnsIno;
    internal uint NrJitedKsyms, NrJitedFuncLens;
    internal ulong JitedKsyms, JitedFuncLens;
    internal uint BtfId, FuncInfoRecSize;
    internal ulong FuncInfo;
    internal uint NrFuncInfo, NrLineInfo;
    internal ulong LineInfo, JitedLineInfo;
    internal uint NrJitedLineInfo, LineInfoRecSize, JitedLineInfoRecSize, NrProgTags;
    internal ulong ProgTags, RunTimeNs, RunCnt, RecursionMisses;
    internal uint VerifiedInsns, AttachBtfObjId, AttachBtfId;
    private readonly uint _pad;
}
