namespace Ebpf.Btf;

/// <summary>The running kernel's BTF (/sys/kernel/btf/vmlinux): the target of CO-RE relocations and the namespace of
/// BTF attach targets (tp_btf, fentry, lsm, iter).</summary>
internal static class KernelBtf
{
    internal const string DefaultPath = "/sys/kernel/btf/vmlinux";

    /// <summary>Parses the kernel BTF at <paramref name="path"/> (null: vmlinux); <paramref name="purpose"/> says in the
    /// error what needed it.</summary>
    internal static BtfTypes Load(string? path, string purpose = "CO-RE")
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new BpfFeatureNotSupportedException("open", 2, "kernel BTF",
                $"{purpose} needs the kernel's BTF, but {path} does not exist (kernel built without CONFIG_DEBUG_INFO_BTF?)." +
                (path == DefaultPath && purpose == "CO-RE" ? " Pass BpfLoadOptions.KernelBtfPath to a BTF file for this kernel." : ""));
        return BtfTypes.Parse(File.ReadAllBytes(path), Path.GetFileName(path), path);
    }
}
