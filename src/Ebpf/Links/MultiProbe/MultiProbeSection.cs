namespace Ebpf.Links.MultiProbe;

/// <summary>
/// What a multi-probe section asks for, in libbpf's spelling: <c>kprobe.multi/PATTERN</c>, <c>kretprobe.multi/PATTERN</c>,
/// <c>kprobe.session/PATTERN</c>, <c>uprobe.multi/PATH:PATTERN</c>, <c>uretprobe.multi/PATH:PATTERN</c> (and the sleepable
/// <c>uprobe.multi.s/</c>, <c>uretprobe.multi.s/</c>), and <c>uprobe.session/PATH:PATTERN</c> (<c>uprobe.session.s/</c>). PATTERN is a glob (<see cref="GlobPattern"/>); PATH ends at the
/// first ':'. A bare section name (no target) is for manual attachment.
/// </summary>
internal readonly record struct MultiProbeSection(bool User, bool Return, bool Session, string? BinaryPath, string Pattern)
{
    /// <summary>The section kind (text before the first '/') when it is a multi-probe kind, else null.</summary>
    internal static string? KindOf(string sectionName)
    {
        int slash = sectionName.IndexOf('/', StringComparison.Ordinal);
        string kind = slash < 0 ? sectionName : sectionName[..slash];
        return kind is "kprobe.multi" or "kretprobe.multi" or "kprobe.session" or "uprobe.multi" or "uretprobe.multi"
            or "uprobe.multi.s" or "uretprobe.multi.s" or "uprobe.session" or "uprobe.session.s" ? kind : null;
    }

    /// <summary>Parses <paramref name="target"/> (the section name after the kind's '/'); null when there is none.</summary>
    /// <exception cref="NotSupportedException">The section is not a multi-probe kind, or the target is malformed.</exception>
    internal static MultiProbeSection? Parse(string sectionName, string? target, string programName)
    {
        string kind = KindOf(sectionName) ?? throw new NotSupportedException($"Program '{programName}': section '{sectionName}' is not a kprobe.multi or uprobe.multi section.");
        if (target is null) return null;
        bool user = kind.StartsWith('u');
        bool ret = kind.Contains("ret", StringComparison.Ordinal);
        if (!user) return new MultiProbeSection(false, ret, kind == "kprobe.session", null, target);
        int colon = target.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == target.Length - 1)
            throw new NotSupportedException($"Program '{programName}': section '{sectionName}': '{target}' is not PATH:PATTERN (for example " +
                $"{kind}//usr/lib/x86_64-linux-gnu/libc.so.6:malloc*); call AttachUprobeMulti(path, pattern) instead.");
        return new MultiProbeSection(true, ret, kind.StartsWith("uprobe.session", StringComparison.Ordinal), target[..colon], target[(colon + 1)..]);
    }
}

