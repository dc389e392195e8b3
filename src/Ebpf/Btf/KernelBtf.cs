namespace Ebpf.Btf;

/// <summary>The running kernel's BTF (/sys/kernel/btf/vmlinux), the target of CO-RE relocations.</summary>
internal static class KernelBtf
{
    internal const string DefaultPath = "/sys/kernel/btf/vmlinux";

    internal static BtfTypes Load(string? path)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new BpfFeatureNotSupportedException("open", 2, "kernel BTF",
                $"CO-RE needs the kernel's BTF, but {path} does not exist (kernel built without CONFIG_DEBUG_INFO_BTF?). Pass BpfLoadOptions.KernelBtfPath to a BTF file for this kernel.");
        return BtfTypes.Parse(File.ReadAllBytes(path), Path.GetFileName(path), path);
    }
}
