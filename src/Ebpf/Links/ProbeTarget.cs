using System.Globalization;

namespace Ebpf.Links;

/// <summary>
/// What a kprobe-type section name asks to attach to, in libbpf's forms: <c>kprobe/FUNC[+OFFSET]</c>,
/// <c>kretprobe/FUNC</c>, <c>ksyscall/NAME</c>, <c>uprobe/PATH:SYMBOL[+OFFSET]</c>, <c>uretprobe/PATH:SYMBOL</c>
/// (and the sleepable <c>uprobe.s/</c>, <c>uretprobe.s/</c>). A uprobe's SYMBOL may also be a file offset (0x...).
/// </summary>
internal readonly record struct ProbeTarget(bool User, bool Return, string? BinaryPath, string? Function, ulong Offset)
{
    /// <summary>Parses the section kind (the part before the first '/') and the attach target; null target → null.</summary>
    /// <exception cref="NotSupportedException">The form is not an auto-attachable probe, or is malformed.</exception>
    internal static ProbeTarget? Parse(string sectionName, string? target, string programName)
    {
        int slash = sectionName.IndexOf('/', StringComparison.Ordinal);
        string kind = slash < 0 ? sectionName : sectionName[..slash];
        NotSupportedException Bad(string m) => new($"Program '{programName}': section '{sectionName}': {m}");
        switch (kind)
        {
            case "kprobe" or "kretprobe":
            {
                if (target is null) return null;
                var (function, offset) = SplitOffset(target, Bad);
                if (kind == "kretprobe" && offset != 0) throw Bad("a kretprobe takes no offset.");
                return new ProbeTarget(false, kind == "kretprobe", null, function, offset);
            }
            case "ksyscall" or "kretsyscall":
            {
                if (target is null) return null;
                string prefix = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
                    ? "__arm64_sys_" : "__x64_sys_";
                return new ProbeTarget(false, kind == "kretsyscall", null, prefix + target, 0);
            }
            case "uprobe" or "uretprobe" or "uprobe.s" or "uretprobe.s":
            {
                if (target is null) return null;
                int colon = target.LastIndexOf(':');
                if (colon <= 0 || colon == target.Length - 1)
                    throw Bad($"'{target}' is not PATH:SYMBOL[+OFFSET]; call AttachUprobe(path, symbol) instead.");
                string path = target[..colon];
                var (function, offset) = SplitOffset(target[(colon + 1)..], Bad);
                bool ret = kind.StartsWith("uret", StringComparison.Ordinal);
                if (TryParseNumber(function, out ulong fileOffset)) return new ProbeTarget(true, ret, path, null, fileOffset + offset);
                return new ProbeTarget(true, ret, path, function, offset);
            }
            default:
                throw Bad($"{kind} programs cannot be attached automatically yet; attach kprobe/kretprobe/uprobe/uretprobe sections, or call AttachKprobe/AttachUprobe.");
        }
    }

    private static (string Name, ulong Offset) SplitOffset(string text, Func<string, NotSupportedException> bad)
    {
        int plus = text.IndexOf('+', StringComparison.Ordinal);
        if (plus < 0) return (text, 0);
        if (plus == 0 || !TryParseNumber(text[(plus + 1)..], out ulong offset))
            throw bad($"'{text}' is not NAME+OFFSET (offset in decimal or 0x hex).");
        return (text[..plus], offset);
    }

    private static bool TryParseNumber(string text, out ulong value) =>
        text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
