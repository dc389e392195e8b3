using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Btf;

/// <summary>The kernel's loaded BTF objects (BPF_BTF_GET_NEXT_ID): a program attaching to a type in a module's BTF
/// passes an fd of that module's BTF object as attach_btf_obj_fd.</summary>
internal static class KernelBtfObjects
{
    /// <summary>An fd of the kernel BTF object named <paramref name="module"/>, or null when no loaded BTF object has
    /// that name (the module was unloaded).</summary>
    internal static SafeFd? OpenModule(string module)
    {
        uint id = 0;
        while (true)
        {
            long r = Bpf.BtfGetNextId(id, out uint next);
            if (r == -Errno.ENOENT) return null;
            Bpf.Check(r, "BPF_BTF_GET_NEXT_ID", $"kernel BTF of module '{module}'");
            id = next;
            long fd = Bpf.TryBtfGetFdById(id);
            if (fd == -Errno.ENOENT) continue; // freed between listing and opening
            var btf = SafeFd.FromSyscall(Bpf.Check(fd, "BPF_BTF_GET_FD_BY_ID", $"BTF object {id}"));
            try
            {
                var (name, kernel) = Bpf.BtfObjectName(btf, $"BTF object {id}");
                if (kernel && name == module) return btf;
            }
            catch
            {
                btf.Dispose();
                throw;
            }
            btf.Dispose();
        }
    }

    /// <summary>The names of the loaded kernel BTF objects (vmlinux and each module with BTF), in id order.</summary>
    internal static List<string> KernelNames()
    {
        var names = new List<string>();
        uint id = 0;
        while (true)
        {
            long r = Bpf.BtfGetNextId(id, out uint next);
            if (r == -Errno.ENOENT) return names;
            Bpf.Check(r, "BPF_BTF_GET_NEXT_ID", "kernel BTF objects");
            id = next;
            long fd = Bpf.TryBtfGetFdById(id);
            if (fd == -Errno.ENOENT) continue;
            using var btf = SafeFd.FromSyscall(Bpf.Check(fd, "BPF_BTF_GET_FD_BY_ID", $"BTF object {id}"));
            var (name, kernel) = Bpf.BtfObjectName(btf, $"BTF object {id}");
            if (kernel) names.Add(name);
        }
    }
}
