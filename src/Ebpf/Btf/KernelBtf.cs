namespace Ebpf.Btf;

/// <summary>The running kernel's BTF (/sys/kernel/btf/vmlinux): the target of CO-RE relocations and the namespace of
/// BTF attach targets (tp_btf, fentry, lsm, iter).</summary>
internal static class KernelBtf
{
    internal const string DefaultPath = "/sys/kernel/btf/vmlinux";

    /// <summary>Parses the kernel BTF at <paramref name="path"/> (null: vmlinux); <paramref name="purpose"/> says in the
    /// error what needed it.</summary>
    internal static BtfTypes Load(string? path, string purpose = "CO-RE") => Parse(ReadRaw(path, purpose), path ?? DefaultPath);

    internal static BtfTypes Parse(byte[] raw, string path) => BtfTypes.Parse(raw, Path.GetFileName(path), path);

    /// <summary>The raw bytes of the kernel BTF at <paramref name="path"/> (null: vmlinux).</summary>
    /// <exception cref="BpfFeatureNotSupportedException">The file does not exist.</exception>
    internal static byte[] ReadRaw(string? path, string purpose)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new BpfFeatureNotSupportedException("open", 2, "kernel BTF",
                $"{purpose} needs the kernel's BTF, but {path} does not exist (kernel built without CONFIG_DEBUG_INFO_BTF?)." +
                (path == DefaultPath && purpose == "CO-RE" ? " Pass BpfLoadOptions.KernelBtfPath to a BTF file for this kernel." : ""));
        return File.ReadAllBytes(path);
    }
}
