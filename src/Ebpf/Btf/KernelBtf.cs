namespace Ebpf.Btf;

/// <summary>The running kernel's BTF (/sys/kernel/btf/vmlinux): the target of CO-RE relocations and the namespace of
/// BTF attach targets (tp_btf, fentry, lsm, iter). Kernel BTF is indexed, not decoded (<see cref="BtfTypes.Index"/>):
/// a load decodes only the types its relocations, attach targets and externs reach.</summary>
internal static class KernelBtf
{
    internal const string DefaultPath = "/sys/kernel/btf/vmlinux";

    private static readonly Lock VmlinuxLock = new();
    private static BtfTypes? s_vmlinux;

    /// <summary>
    /// The running kernel's vmlinux BTF, read and indexed once per process and shared by every load (it cannot change
    /// while the kernel runs; the types decoded by one load serve the next). <paramref name="purpose"/> says in the
    /// error what needed it when the kernel has none; that error is not remembered.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel publishes no BTF.</exception>
    internal static BtfTypes Vmlinux(string purpose)
    {
        var shared = Volatile.Read(ref s_vmlinux);
        if (shared is not null) return shared;
        lock (VmlinuxLock)
        {
            if (s_vmlinux is null) Volatile.Write(ref s_vmlinux, Load(null, purpose));
            return s_vmlinux!;
        }
    }

    /// <summary>Reads and indexes the kernel BTF at <paramref name="path"/> (null: vmlinux); <paramref name="purpose"/>
    /// says in the error what needed it.</summary>
    internal static BtfTypes Load(string? path, string purpose = "CO-RE") => Index(ReadRaw(path, purpose), path ?? DefaultPath);

    internal static BtfTypes Index(byte[] raw, string path) => BtfTypes.Index(raw, Path.GetFileName(path), path);

    internal const string Directory = "/sys/kernel/btf";

    /// <summary>The BTF files of the loaded kernel modules (every file in <paramref name="directory"/> except vmlinux),
    /// enumerated lazily in name order; none when the directory does not exist.</summary>
    internal static IEnumerable<string> ModulePaths(string directory = Directory)
    {
        if (!System.IO.Directory.Exists(directory)) yield break;
        var files = System.IO.Directory.GetFiles(directory);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (string file in files)
            if (Path.GetFileName(file) != "vmlinux") yield return file;
    }

    /// <summary>The split BTF of the module whose BTF file is <paramref name="path"/>, on top of <paramref name="vmlinux"/>.
    /// Errors name the file.</summary>
    internal static BtfTypes LoadModule(string path, BtfTypes vmlinux) => ParseModule(File.ReadAllBytes(path), path, vmlinux);

    internal static BtfTypes ParseModule(byte[] raw, string path, BtfTypes vmlinux) => BtfTypes.Index(raw, Path.GetFileName(path), path, vmlinux);

    /// <summary>Every loaded module's BTF on top of <paramref name="vmlinux"/>, parsed lazily one module at a time (a
    /// module that unloads between listing and reading is skipped).</summary>
    internal static IEnumerable<BtfTypes> Modules(BtfTypes vmlinux, string directory = Directory)
    {
        foreach (string path in ModulePaths(directory))
        {
            byte[] raw;
            try
            {
                raw = File.ReadAllBytes(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                continue;
            }
            yield return ParseModule(raw, path, vmlinux);
        }
    }

    /// <summary>The raw bytes of the kernel BTF at <paramref name="path"/> (null: vmlinux).</summary>
    /// <exception cref="BpfFeatureNotSupportedException">The file does not exist.</exception>
    internal static byte[] ReadRaw(string? path, string purpose)
    {
        path ??= DefaultPath;
        if (!File.Exists(path))
            throw new BpfFeatureNotSupportedException("open", 2, "kernel BTF",
                $"{purpose} needs the kernel's BTF, but {path} does not exist (kernel built without CONFIG_DEBUG_INFO_BTF?)." +
                (path == DefaultPath && purpose == "CO-RE" ? " Pass BpfLoadOptions.KernelBtfPath to a BTF file for this kernel." : ""));
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfException($"{purpose} needs the kernel's BTF, but reading {path} failed: {e.Message}", e);
        }
    }
}
