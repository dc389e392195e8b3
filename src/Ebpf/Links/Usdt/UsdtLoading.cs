using Ebpf.Links.MultiProbe;

namespace Ebpf.Links.Usdt;

/// <summary>What loading an object does for its usdt programs, as libbpf does: load them for uprobe.multi links where
/// the kernel has them (one link for all sites), and give every program the object's USDT spec bookkeeping.</summary>
internal static class UsdtLoading
{
    internal static bool IsUsdtSection(string section) =>
        section is "usdt" or "usdt.s" || section.StartsWith("usdt/", StringComparison.Ordinal) || section.StartsWith("usdt.s/", StringComparison.Ordinal);

    /// <summary>The expected attach type to load <paramref name="program"/> with: TraceUprobeMulti for a usdt program
    /// left at its section's default when the kernel has uprobe.multi links; otherwise what the spec says.</summary>
    internal static BpfAttachType AttachType(ProgramSpec program, BpfLoadOptions options) =>
        program.Type == BpfProgramType.Kprobe && program.ExpectedAttachType == 0 && IsUsdtSection(program.SectionName)
        && !options.UsdtPerfEventLinks && UprobeMultiFeature.IsSupported
            ? BpfAttachType.TraceUprobeMulti
            : program.ExpectedAttachType;

    internal static void ShareSpecTable(string objectName, IReadOnlyDictionary<string, BpfMap> maps, IEnumerable<BpfProgram> programs)
    {
        if (UsdtSpecTable.For(objectName, maps) is not { } table) return;
        foreach (var p in programs)
            if (p.Type == BpfProgramType.Kprobe) p.UsdtSpecs = table;
    }
}
