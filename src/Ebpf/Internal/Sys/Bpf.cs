using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Sys;

/// <summary>Typed bpf(2) calls. Each returns a result or throws the typed exception for the errno.</summary>
internal static unsafe class Bpf
{
    /// <summary>Issues one bpf(2) command; returns the result or -errno. EINTR/EAGAIN retries are the caller's business.</summary>
    internal static long Raw<T>(BpfCommand cmd, ref T attr) where T : unmanaged
    {
        fixed (T* p = &attr)
        {
            long r = Libc.Syscall(SyscallNumbers.Bpf, (long)cmd, (long)p, Unsafe.SizeOf<T>(), 0, 0);
            return r < 0 ? -Marshal.GetLastPInvokeError() : r;
        }
    }

    internal static int Check(long result, string operation, string? subject, string? detail = null)
    {
        if (result < 0) throw Errno.ToException(operation, (int)-result, subject, detail);
        return (int)result;
    }

    internal static SafeFd MapCreate(ref MapCreateAttr attr, string name)
    {
        long r;
        do r = Raw(BpfCommand.MapCreate, ref attr); while (r == -Errno.EAGAIN || r == -Errno.EINTR);
        return SafeFd.FromSyscall(Check(r, "BPF_MAP_CREATE", $"map '{name}'", MapCreateHint(r, attr)));
    }

    private static string? MapCreateHint(long r, in MapCreateAttr attr) => -r switch
    {
        Errno.EINVAL when attr.MaxEntries == 0 =>
            "Its max_entries is 0: the object leaves the map's size to user space; set MapSpec.MaxEntries before loading.",
        Errno.EINVAL => $"Check the map's type ({attr.MapType}), key/value sizes ({attr.KeySize}/{attr.ValueSize}), max_entries ({attr.MaxEntries}) and flags (0x{attr.MapFlags:x}): the kernel rejects combinations it does not support.",
        Errno.ENOMEM => "The kernel could not allocate the map: lower max_entries, or raise RLIMIT_MEMLOCK / the memory cgroup limit.",
        _ => null,
    };

    internal static long Lookup(SafeFd map, void* key, void* value, ulong flags = 0)
    {
        var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)key, ValueOrNextKey = (ulong)value, Flags = flags };
        return Raw(BpfCommand.MapLookupElem, ref attr);
    }

    internal static long Update(SafeFd map, void* key, void* value, ulong flags)
    {
        var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)key, ValueOrNextKey = (ulong)value, Flags = flags };
        return Raw(BpfCommand.MapUpdateElem, ref attr);
    }

    internal static long Delete(SafeFd map, void* key)
    {
        var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)key };
        return Raw(BpfCommand.MapDeleteElem, ref attr);
    }

    internal static long GetNextKey(SafeFd map, void* key, void* nextKey)
    {
        var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)key, ValueOrNextKey = (ulong)nextKey };
        return Raw(BpfCommand.MapGetNextKey, ref attr);
    }

    internal static void MapFreeze(SafeFd map, string name)
    {
        var attr = new MapFdAttr { MapFd = (uint)map.Fd };
        Check(Raw(BpfCommand.MapFreeze, ref attr), "BPF_MAP_FREEZE", $"map '{name}'");
    }

    /// <summary>BPF_OBJ_PIN returning 0 or -errno: Pinning/PinFile says what a failure means.</summary>
    internal static long TryObjPin(SafeFd fd, string path)
    {
        byte[] p = NulTerminated(path);
        fixed (byte* pp = p)
        {
            var attr = new ObjPinAttr { Pathname = (ulong)pp, BpfFd = (uint)fd.Fd };
            return Raw(BpfCommand.ObjPin, ref attr);
        }
    }

    /// <summary>BPF_OBJ_GET returning the fd or -errno, for callers that treat a missing pin as an answer.</summary>
    internal static long TryObjGet(string path)
    {
        byte[] p = NulTerminated(path);
        fixed (byte* pp = p)
        {
            var attr = new ObjPinAttr { Pathname = (ulong)pp };
            return Raw(BpfCommand.ObjGet, ref attr);
        }
    }

    internal static SafeFd ObjGet(string path)
    {
        byte[] p = NulTerminated(path);
        fixed (byte* pp = p)
        {
            var attr = new ObjPinAttr { Pathname = (ulong)pp };
            return SafeFd.FromSyscall(Check(Raw(BpfCommand.ObjGet, ref attr), "BPF_OBJ_GET", $"'{path}'"));
        }
    }

    internal static T GetInfo<T>(SafeFd fd, string subject) where T : unmanaged
    {
        T info = default;
        var attr = new ObjInfoAttr { BpfFd = (uint)fd.Fd, InfoLen = (uint)Unsafe.SizeOf<T>(), Info = (ulong)&info };
        Check(Raw(BpfCommand.ObjGetInfoByFd, ref attr), "BPF_OBJ_GET_INFO_BY_FD", subject);
        return info;
    }

    /// <summary>BPF_BTF_GET_NEXT_ID: the id of the next loaded BTF object after <paramref name="start"/>; a negative
    /// errno (-ENOENT after the last).</summary>
    internal static long BtfGetNextId(uint start, out uint next)
    {
        var attr = new GetIdAttr { StartId = start };
        long r = Raw(BpfCommand.BtfGetNextId, ref attr);
        next = attr.NextId;
        return r;
    }

    /// <summary>BPF_BTF_GET_FD_BY_ID: an fd of BTF object <paramref name="id"/>, or a negative errno (-ENOENT when it
    /// went away meanwhile).</summary>
    internal static long TryBtfGetFdById(uint id)
    {
        var attr = new GetIdAttr { StartId = id };
        return Raw(BpfCommand.BtfGetFdById, ref attr);
    }

    /// <summary>The name of BTF object <paramref name="btf"/> (a module's name; "vmlinux"; empty for a program's BTF)
    /// and whether it is kernel BTF.</summary>
    internal static (string Name, bool Kernel) BtfObjectName(SafeFd btf, string subject)
    {
        byte* name = stackalloc byte[64];
        var info = new BpfBtfInfo { Name = (ulong)name, NameLen = 64 };
        var attr = new ObjInfoAttr { BpfFd = (uint)btf.Fd, InfoLen = (uint)sizeof(BpfBtfInfo), Info = (ulong)&info };
        // SAFETY: info and the 64-byte name buffer live on this frame for the whole call; the kernel writes at most
        // name_len bytes (NUL included) into the buffer and at most info_len bytes into info.
        Check(Raw(BpfCommand.ObjGetInfoByFd, ref attr), "BPF_OBJ_GET_INFO_BY_FD", subject);
        var span = new ReadOnlySpan<byte>(name, 64);
        int end = span.IndexOf((byte)0);
        return (Encoding.UTF8.GetString(end < 0 ? span : span[..end]), info.KernelBtf != 0);
    }

    internal static SafeFd RawTracepointOpen(SafeFd prog, string tracepoint)
    {
        byte[] name = NulTerminated(tracepoint);
        fixed (byte* pn = name)
        {
            var attr = new RawTracepointOpenAttr { Name = (ulong)pn, ProgFd = (uint)prog.Fd };
            long r = Raw(BpfCommand.RawTracepointOpen, ref attr);
            if (r == -Errno.ENOENT)
                throw new BpfException("BPF_RAW_TRACEPOINT_OPEN", Errno.ENOENT,
                    $"Raw tracepoint '{tracepoint}' does not exist in this kernel. List the available ones in /sys/kernel/tracing/available_events.");
            return SafeFd.FromSyscall(Check(r, "BPF_RAW_TRACEPOINT_OPEN", $"raw tracepoint '{tracepoint}'"));
        }
    }

    /// <summary>BPF_RAW_TRACEPOINT_OPEN with no name: attaches a BTF-targeted program (tp_btf, fentry, fexit, fmod_ret,
    /// lsm) to the target it was loaded with. Returns the link fd or -errno; the pre-5.7 way to attach them.</summary>
    internal static long TryRawTracepointOpenLoadedTarget(SafeFd prog)
    {
        var attr = new RawTracepointOpenAttr { Name = 0, ProgFd = (uint)prog.Fd };
        return Raw(BpfCommand.RawTracepointOpen, ref attr);
    }

    /// <summary>BPF_LINK_CREATE returning the fd or -errno, for callers with a fallback.</summary>
    internal static long TryLinkCreate(ref LinkCreateAttr attr) => Raw(BpfCommand.LinkCreate, ref attr);

    internal static SafeFd LinkCreate(ref LinkCreateAttr attr, string subject) =>
        SafeFd.FromSyscall(Check(Raw(BpfCommand.LinkCreate, ref attr), "BPF_LINK_CREATE", subject));

    /// <summary>BPF_ITER_CREATE: a new, readable instance of the iterator behind <paramref name="link"/>.</summary>
    internal static SafeFd IterCreate(SafeFd link, string subject)
    {
        var attr = new IterCreateAttr { LinkFd = (uint)link.Fd };
        return SafeFd.FromSyscall(Check(Raw(BpfCommand.IterCreate, ref attr), "BPF_ITER_CREATE", subject));
    }

    internal static SafeFd EnableStats(uint type)
    {
        var attr = new EnableStatsAttr { Type = type };
        return SafeFd.FromSyscall(Check(Raw(BpfCommand.EnableStats, ref attr), "BPF_ENABLE_STATS", "BPF_STATS_RUN_TIME"));
    }

    internal static byte[] NulTerminated(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
