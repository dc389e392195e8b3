using Ebpf.Elf;

namespace Ebpf.Fuzz;

/// <summary>
/// <c>Ebpf.Fuzz seeds CORPUS-DIR OBJECT...</c>: rewrites the seed corpus. Per object of at most
/// <see cref="MaxSeedBytes"/> (AFL works best on small inputs): the object itself (elf), its .BTF (btf) and its
/// .BTF/.BTF.ext pair (btfext); then <see cref="CraftedInputs"/>. Files named crash-* from other sources are kept.
/// </summary>
internal static class Seeds
{
    internal const int MaxSeedBytes = 10 * 1024;

    internal static int Write(string corpus, IEnumerable<string> objects)
    {
        foreach (string target in FuzzTargets.Names)
        {
            string dir = Path.Combine(corpus, target);
            Directory.CreateDirectory(dir);
            foreach (string old in Directory.EnumerateFiles(dir).Where(f => !Path.GetFileName(f).StartsWith("crash-", StringComparison.Ordinal)))
                File.Delete(old);
        }
        foreach (string path in objects.Order(StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.Length > MaxSeedBytes) continue;
            string name = Path.GetFileName(path).Replace(".bpf.o", "", StringComparison.Ordinal);
            File.WriteAllBytes(Path.Combine(corpus, "elf", name + ".bpf.o"), bytes);
            var elf = ElfFile.Parse(bytes, name);
            if (elf.FindSection(".BTF") is not { } btf) continue;
            File.WriteAllBytes(Path.Combine(corpus, "btf", name + ".btf"), btf.Data.ToArray());
            if (elf.FindSection(".BTF.ext") is { } ext)
                File.WriteAllBytes(Path.Combine(corpus, "btfext", name + ".btfext"), BtfExtInput.Pair(btf.Data.ToArray(), ext.Data.Span));
        }
        foreach (var (target, name, bytes) in CraftedInputs.All())
            File.WriteAllBytes(Path.Combine(corpus, target, name), bytes);
        foreach (string target in FuzzTargets.Names)
        {
            var files = Directory.GetFiles(Path.Combine(corpus, target));
            Console.WriteLine($"{Path.Combine(corpus, target)}: {files.Length} files, {files.Sum(f => new FileInfo(f).Length) / 1024} KB");
        }
        return 0;
    }
}
