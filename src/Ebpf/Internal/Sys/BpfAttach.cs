using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Sys;

/// <summary>The attach-side bpf(2) commands: BPF_PROG_ATTACH/DETACH/QUERY and the link commands (update, detach,
/// info, open by id). Each returns the result or -errno; the callers turn an errno into the error that names their
/// program and hook.</summary>
internal static unsafe class BpfAttach
{
    internal const uint BPF_F_ALLOW_OVERRIDE = 1, BPF_F_ALLOW_MULTI = 2, BPF_F_REPLACE = 4, BPF_F_BEFORE = 1 << 3,
        BPF_F_AFTER = 1 << 4, BPF_F_ID = 1 << 5, BPF_F_LINK = 1 << 13;

    internal static long ProgAttach(ref ProgAttachAttr attr) => Bpf.Raw(BpfCommand.ProgAttach, ref attr);

    internal static long ProgDetach(ref ProgAttachAttr attr) => Bpf.Raw(BpfCommand.ProgDetach, ref attr);

    internal static long LinkCreate<T>(ref T attr) where T : unmanaged => Bpf.Raw(BpfCommand.LinkCreate, ref attr);

    internal static long LinkUpdate(SafeFd link, SafeFd newProgram, SafeFd? expectedOld)
    {
        var attr = new LinkUpdateAttr
        {
            LinkFd = (uint)link.Fd,
            NewProgFd = (uint)newProgram.Fd,
            Flags = expectedOld is null ? 0 : BPF_F_REPLACE,
            OldProgFd = expectedOld is null ? 0 : (uint)expectedOld.Fd,
        };
        return Bpf.Raw(BpfCommand.LinkUpdate, ref attr);
    }

    internal static long LinkDetach(SafeFd link)
    {
        var attr = new LinkDetachAttr { LinkFd = (uint)link.Fd };
        return Bpf.Raw(BpfCommand.LinkDetach, ref attr);
    }

    /// <summary>BPF_OBJ_GET_INFO_BY_FD on a link: the raw <c>bpf_link_info</c>, or -errno.</summary>
    internal static long LinkInfo(SafeFd link, out BpfLinkInfoRaw info)
    {
        info = default;
        fixed (BpfLinkInfoRaw* p = &info)
        {
            // SAFETY: p points at a 64-byte local the kernel fills up to info_len; it outlives the call.
            var attr = new ObjInfoAttr { BpfFd = (uint)link.Fd, InfoLen = BpfLinkInfoRaw.Size, Info = (ulong)p };
            return Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr);
        }
    }

    /// <summary>BPF_PROG_GET_FD_BY_ID / BPF_LINK_GET_FD_BY_ID: an fd for object <paramref name="id"/>, or -errno.</summary>
    internal static long GetFdById(BpfCommand command, uint id)
    {
        var attr = new GetIdAttr { StartId = id };
        return Bpf.Raw(command, ref attr);
    }

    /// <summary>BPF_PROG_QUERY: the ids of the programs attached to <paramref name="targetFd"/> (a cgroup or netns fd,
    /// or an ifindex for tcx) for <paramref name="attachType"/>, and the hook's attach flags. Grows the array until it
    /// holds the kernel's count.</summary>
    internal static long Query(int targetFd, uint attachType, uint queryFlags, out uint[] programIds, out uint attachFlags)
    {
        int capacity = 16;
        while (true)
        {
            var progs = new uint[capacity];
            fixed (uint* pp = progs)
            {
                // SAFETY: the array is pinned for the call and holds ProgCount entries; the kernel writes at most that many.
                var attr = new ProgQueryAttr
                {
                    TargetFd = (uint)targetFd,
                    AttachType = attachType,
                    QueryFlags = queryFlags,
                    ProgIds = (ulong)pp,
                    ProgCount = (uint)capacity,
                };
                long r = Bpf.Raw(BpfCommand.ProgQuery, ref attr);
                if (r == -Errno.ENOSPC && attr.ProgCount > capacity)
                {
                    capacity = (int)Math.Min(attr.ProgCount, 1 << 16);
                    continue;
                }
                attachFlags = attr.AttachFlags;
                if (r < 0)
                {
                    programIds = [];
                    return r;
                }
                int n = (int)Math.Min(attr.ProgCount, (uint)capacity);
                programIds = progs[..n];
                return r;
            }
        }
    }
}
