using Ebpf.Btf;

namespace Ebpf.Linking;

/// <summary>
/// The kernel BTF type a tracing, LSM or iterator program attaches to. BPF_PROG_LOAD needs its id (attach_btf_id)
/// for these programs: the verifier checks the program against the target's prototype. Names follow libbpf:
/// <c>tp_btf/X</c> is the typedef <c>btf_trace_X</c>, <c>lsm/X</c> the function <c>bpf_lsm_X</c>, <c>iter/X</c> the function
/// <c>bpf_iter_X</c>, and <c>fentry/X</c>, <c>fexit/X</c>, <c>fmod_ret/X</c> the function <c>X</c>.
/// </summary>
internal static class BtfAttachTarget
{
    /// <summary>True when a program of this type and attach type is loaded against a kernel BTF type.</summary>
    internal static bool IsBtfTargeted(BpfProgramType type, BpfAttachType attach) => (type, attach) is
        (BpfProgramType.Tracing, BpfAttachType.TraceRawTp or BpfAttachType.TraceFentry or BpfAttachType.TraceFexit
            or BpfAttachType.ModifyReturn or BpfAttachType.TraceIter)
        or (BpfProgramType.Lsm, BpfAttachType.LsmMac or BpfAttachType.LsmCgroup);

    /// <summary>True for the attach types that run through a BPF trampoline (patched into the target function).</summary>
    internal static bool UsesTrampoline(BpfAttachType attach) => attach is BpfAttachType.TraceFentry or BpfAttachType.TraceFexit
        or BpfAttachType.ModifyReturn or BpfAttachType.LsmMac or BpfAttachType.LsmCgroup;

    /// <summary>The section kind libbpf uses for the attach type, for messages (<c>fentry</c>, <c>lsm</c>...).</summary>
    internal static string KindName(BpfAttachType attach) => attach switch
    {
        BpfAttachType.TraceRawTp => "tp_btf",
        BpfAttachType.TraceFentry => "fentry",
        BpfAttachType.TraceFexit => "fexit",
        BpfAttachType.ModifyReturn => "fmod_ret",
        BpfAttachType.LsmMac => "lsm",
        BpfAttachType.LsmCgroup => "lsm_cgroup",
        BpfAttachType.TraceIter => "iter",
        _ => attach.ToString(),
    };

    /// <summary>The kernel BTF name and kind that <paramref name="target"/> stands for under <paramref name="attach"/>.</summary>
    internal static (string Name, BtfKind Kind) KernelName(BpfAttachType attach, string target) => attach switch
    {
        BpfAttachType.TraceRawTp => ("btf_trace_" + target, BtfKind.Typedef),
        BpfAttachType.LsmMac or BpfAttachType.LsmCgroup => ("bpf_lsm_" + target, BtfKind.Function),
        BpfAttachType.TraceIter => ("bpf_iter_" + target, BtfKind.Function),
        _ => (target, BtfKind.Function),
    };

    /// <summary>The id of <paramref name="program"/>'s attach target in <paramref name="kernelBtf"/> (the vmlinux BTF,
    /// read from <paramref name="kernelBtfPath"/>), found through its name index.</summary>
    /// <exception cref="BpfObjectException">The section names no target, or the kernel has no such type.</exception>
    internal static uint Resolve(BtfTypes kernelBtf, string kernelBtfPath, string objectName, ProgramSpec program) =>
        Resolve(kernelBtf, kernelBtfPath, objectName, program, null).Id;

    /// <summary>As <see cref="Resolve(BtfTypes, string, string, ProgramSpec)"/>, but a target vmlinux lacks is
    /// looked for in <paramref name="modules"/> (their split BTF, enumerated only then), as libbpf does for fentry,
    /// fexit, fmod_ret and tp_btf: the result then names the module, whose BTF object the program is loaded against.</summary>
    internal static (uint Id, string? Module) Resolve(BtfTypes kernelBtf, string kernelBtfPath, string objectName, ProgramSpec program,
        Func<IEnumerable<BtfTypes>>? modules)
    {
        string kind = KindName(program.ExpectedAttachType);
        string target = program.AttachTarget
            ?? throw new BpfObjectException(objectName, program.SectionName,
                $"program '{program.Name}' is a {kind} program but its section names no attach target (expected {kind}/<name>); set ProgramSpec.AttachTarget.");
        var (name, btfKind) = KernelName(program.ExpectedAttachType, target);
        // libbpf takes the first match too: static functions of the same name share one prototype in practice.
        uint id = kernelBtf.FirstOwnIdNamed(name, btfKind);
        if (id != 0) return (id, null);
        if (modules is not null && program.ExpectedAttachType is BpfAttachType.TraceRawTp or BpfAttachType.TraceFentry
            or BpfAttachType.TraceFexit or BpfAttachType.ModifyReturn)
            foreach (var module in modules())
                if (module.FirstOwnIdNamed(name, btfKind) is var candidate and not 0) return (candidate, module.ObjectName);
        string what = btfKind == BtfKind.Typedef ? "typedef" : "function";
        string hint = program.ExpectedAttachType switch
        {
            BpfAttachType.TraceRawTp => $"'{target}' is not a tracepoint of this kernel (see /sys/kernel/tracing/available_events; tp_btf takes the event name without its category)",
            BpfAttachType.LsmMac or BpfAttachType.LsmCgroup => $"'{target}' is not an LSM hook of this kernel (or the kernel lacks CONFIG_BPF_LSM)",
            BpfAttachType.TraceIter => $"this kernel has no '{target}' BPF iterator",
            _ => $"this kernel's BTF has no function '{target}' (inlined, static and renamed, or in a module)",
        };
        throw new BpfObjectException(objectName, program.SectionName,
            $"program '{program.Name}': the {kind} attach target '{target}' needs the kernel BTF {what} '{name}', which the kernel BTF ({kernelBtfPath}" +
            (modules is null ? "" : " and the loaded modules' BTF") + $") does not have: {hint}.");
    }

    private const string TrampolineNeeds = "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS, architecture support, " +
        "and no lockdown or security policy forbidding it";
    private const string Trampoline = "a BPF trampoline (" + TrampolineNeeds + ")";

    /// <summary>"This kernel cannot {verb} {kind} programs: ..." naming what such programs need.</summary>
    internal static string CannotMessage(BpfAttachType attach, string verb)
    {
        string kind = KindName(attach);
        string needs;
        if (attach is BpfAttachType.LsmMac or BpfAttachType.LsmCgroup)
        {
            // securityfs says which LSMs are active, when it is mounted: then the message can say which half is missing.
            string? active = TryReadActiveLsms();
            needs = active is null
                ? $"they need the BPF LSM (CONFIG_BPF_LSM, with 'bpf' among the active LSMs: the lsm= boot parameter) and {Trampoline}"
                : active.Split(',').Contains("bpf")
                    ? $"the BPF LSM is active ({active}), so what is missing is {Trampoline}"
                    : $"'bpf' is not among the active LSMs ({active}); add it with the lsm= boot parameter (CONFIG_BPF_LSM). They also need {Trampoline}";
        }
        else
        {
            needs = UsesTrampoline(attach) ? $"it has no usable BPF trampoline, which they run through (that needs {TrampolineNeeds})" : "the kernel does not support them";
        }
        return $"This kernel cannot {verb} {kind} programs: {needs}.";
    }

    private static string? TryReadActiveLsms()
    {
        try
        {
            return File.ReadAllText("/sys/kernel/security/lsm").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The exception for a kernel that cannot run <paramref name="attach"/> programs at all: <paramref name="observed"/>
    /// says what it answered. Names the missing mechanism, the program, and the way out.
    /// </summary>
    internal static BpfFeatureNotSupportedException NotSupported(string operation, int errno, BpfAttachType attach, string verb,
        string programName, string sectionName, string observed) =>
        new(operation, errno, KindName(attach),
            $"{CannotMessage(attach, verb)} {observed} Program '{programName}' ({sectionName}) cannot run here: " +
            "use a tracepoint, raw_tp or tp_btf program instead, or set ProgramSpec.AutoLoad = false to load the rest.");
}
