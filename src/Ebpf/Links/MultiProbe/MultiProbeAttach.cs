namespace Ebpf.Links.MultiProbe;

/// <summary>Attaches a program the way its multi-probe section name says.</summary>
internal static class MultiProbeAttach
{
    internal static BpfLink FromSection(BpfProgram program)
    {
        var section = MultiProbeSection.Parse(program.SectionName, program.AttachTarget, program.Name)
            ?? throw new NotSupportedException($"Program '{program.Name}': section '{program.SectionName}' names no attach target " +
                (MultiProbeSection.KindOf(program.SectionName)!.StartsWith('u')
                    ? "(expected uprobe.multi/<path>:<pattern>); call AttachUprobeMulti(path, pattern)."
                    : "(expected kprobe.multi/<pattern>); call AttachKprobeMulti(pattern)."));
        return section.User
            ? UprobeMultiLink.AttachPattern(program, section.BinaryPath!, section.Pattern, section.Return, -1)
            : KprobeMultiLink.AttachPattern(program, section.Pattern, section.Return);
    }
}
