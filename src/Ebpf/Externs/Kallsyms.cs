using System.Globalization;

namespace Ebpf.Externs;

/// <summary>
/// Kernel symbol addresses from <c>/proc/kallsyms</c> (<c>address type name [module]</c>), for typeless
/// <c>__ksym</c> externs. As libbpf: a data symbol (<c>d</c>) renamed by LTO (<c>name.llvm.NNN</c>) matches its
/// plain name, and a name listed at two different addresses is ambiguous.
/// </summary>
internal static class Kallsyms
{
    internal const string DefaultPath = "/proc/kallsyms";

    /// <summary>Addresses of those of <paramref name="names"/> that <paramref name="path"/> lists.</summary>
    /// <exception cref="InvalidOperationException">A name is listed at two different addresses (the message names both).</exception>
    internal static Dictionary<string, ulong> Find(IReadOnlySet<string> names, string path = DefaultPath)
    {
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (!TryParse(line, out ulong address, out char type, out var symbol)) continue;
            string name = symbol.ToString();
            if (!names.Contains(name))
            {
                int llvm = symbol.IndexOf(".llvm.", StringComparison.Ordinal);
                if (type != 'd' || llvm <= 0) continue;
                name = symbol[..llvm].ToString();
                if (!names.Contains(name)) continue;
            }
            if (found.TryGetValue(name, out ulong previous))
            {
                if (previous != address)
                    throw new InvalidOperationException($"'{name}' is ambiguous in {path}: it is listed at 0x{previous:x} and at 0x{address:x}.");
                continue;
            }
            found[name] = address;
        }
        return found;
    }

    /// <summary>One line: hex address, one-letter type, name (a trailing [module] is ignored).</summary>
    internal static bool TryParse(string line, out ulong address, out char type, out ReadOnlySpan<char> name)
    {
        address = 0;
        type = ' ';
        name = default;
        var s = line.AsSpan();
        int sp = s.IndexOf(' ');
        if (sp <= 0 || !ulong.TryParse(s[..sp], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out address)) return false;
        s = s[(sp + 1)..];
        if (s.Length < 3 || s[1] != ' ') return false;
        type = s[0];
        s = s[2..];
        int end = s.IndexOfAny(' ', '\t');
        name = end < 0 ? s : s[..end];
        return !name.IsEmpty;
    }
}
