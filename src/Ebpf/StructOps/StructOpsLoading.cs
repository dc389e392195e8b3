using Ebpf.Btf;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.StructOps;

/// <summary>
/// What loading an object does for its struct_ops maps, as libbpf does: match each map against the kernel's struct
/// (<see cref="StructOpsPlan"/>), create it as BPF_MAP_TYPE_STRUCT_OPS with the kernel's value type
/// (btf_vmlinux_value_type_id; BPF_F_LINK for <c>.struct_ops.link</c>), load each program it points at with the struct's
/// BTF id as attach_btf_id and the member's index as expected attach type (programs no map points at are not loaded),
/// and keep the value with the program fds for <see cref="StructOpsLink"/>.
/// </summary>
internal sealed class StructOpsLoading
{
    private const uint BPF_F_LINK = 1u << 13;

    private readonly List<StructOpsPlan> _plans;
    private readonly Dictionary<string, (uint BtfId, int Index)> _targets;

    private StructOpsLoading(List<StructOpsPlan> plans, Dictionary<string, (uint, int)> targets)
    {
        _plans = plans;
        _targets = targets;
    }

    /// <summary>The plan for <paramref name="spec"/>'s struct_ops maps, or null when it has none.</summary>
    internal static StructOpsLoading? Prepare(BpfObjectSpec spec, Func<BtfTypes> kernel)
    {
        if (spec.StructOps.Count == 0) return null;
        var plans = spec.StructOps.Select(m => StructOpsPlan.Create(spec.Name, m, spec.BtfTypes!, kernel())).ToList();
        var targets = new Dictionary<string, (uint, int)>(StringComparer.Ordinal);
        foreach (var plan in plans)
            foreach (var m in plan.Members)
            {
                if (m.Program is not { } name) continue;
                if (!spec.Programs.TryGetValue(name, out var program) || program.Type != BpfProgramType.StructOps)
                    throw new BpfObjectException(spec.Name, plan.Map.Section,
                        $"struct_ops map '{plan.Map.Name}': member '{m.Name}' points at '{name}', which is not a struct_ops program (SEC(\"struct_ops/...\")).");
                if (targets.TryGetValue(name, out var other) && other != (plan.KernelTypeId, m.KernelIndex))
                    throw new BpfObjectException(spec.Name, plan.Map.Section,
                        $"program '{name}' is used for two different struct_ops members (its attach target is one member of one struct); write one program per member.");
                targets[name] = (plan.KernelTypeId, m.KernelIndex);
            }
        return new StructOpsLoading(plans, targets);
    }

    /// <summary>False for a struct_ops program no map of the object (<paramref name="loading"/>, null when it has none)
    /// points at: it has no attach target, so it is not loaded (libbpf does the same).</summary>
    internal static bool ShouldLoad(StructOpsLoading? loading, ProgramSpec program) =>
        program.Type != BpfProgramType.StructOps || loading?._targets.ContainsKey(program.Name) == true;

    /// <summary>The attach_btf_id and expected attach type (member index) of a struct_ops program, or null.</summary>
    internal (uint BtfId, BpfAttachType Attach)? TargetOf(ProgramSpec program) =>
        _targets.TryGetValue(program.Name, out var t) ? (t.BtfId, (BpfAttachType)t.Index) : null;

    /// <summary>Creates the maps. The kernel wants the object's BTF with them (btf_fd), though the value type is its own.</summary>
    internal void CreateMaps(string objectName, Dictionary<string, BpfMap> maps, SafeFd? objectBtf, string? btfFailure)
    {
        foreach (var plan in _plans)
        {
            if (objectBtf is null)
                throw new BpfObjectException(objectName, plan.Map.Section,
                    $"struct_ops map '{plan.Map.Name}' needs the object's BTF loaded into the kernel, which refused it: {btfFailure ?? "no BTF"}.");
            if (maps.ContainsKey(plan.Map.Name))
                throw new BpfObjectException(objectName, plan.Map.Section, $"struct_ops map '{plan.Map.Name}' has the name of another map.");
            var attr = new MapCreateAttr
            {
                MapType = (uint)BpfMapType.StructOps,
                KeySize = 4,
                ValueSize = (uint)plan.ValueSize,
                MaxEntries = 1,
                MapFlags = plan.Map.IsLink ? BPF_F_LINK : 0,
                MapName = ObjName.From(plan.Map.Name),
                BtfVmlinuxValueTypeId = plan.ValueTypeId,
                BtfFd = (uint)objectBtf.Fd,
            };
            SafeFd fd;
            try
            {
                fd = Bpf.MapCreate(ref attr, plan.Map.Name);
            }
            catch (BpfException e) when (e is not BpfPermissionException && e.Errno is Errno.EINVAL or Errno.EOPNOTSUPP or Errno.ENOTSUPP)
            {
                throw new BpfFeatureNotSupportedException("BPF_MAP_CREATE", e.Errno, "BPF_MAP_TYPE_STRUCT_OPS",
                    $"{objectName}: struct_ops map '{plan.Map.Name}' (struct {plan.Map.TypeName}) could not be created ({Errno.Name(e.Errno)}): " +
                    $"this kernel does not take struct_ops maps of this type{(plan.Map.IsLink ? " as links (BPF_F_LINK, Linux 6.4+)" : "")}.");
            }
            maps[plan.Map.Name] = BpfMap.FromHandle(fd, plan.Map.Name);
        }
    }

    /// <summary>Gives each struct_ops map its value, now that the programs it points at have fds.</summary>
    internal void Complete(string objectName, Dictionary<string, BpfMap> maps, Dictionary<string, BpfProgram> programs)
    {
        foreach (var plan in _plans)
        {
            byte[] value = plan.Value(name => programs.TryGetValue(name, out var p) ? p.Fd
                : throw new BpfObjectException(objectName, plan.Map.Section, $"struct_ops map '{plan.Map.Name}' points at program '{name}', which was not loaded (AutoLoad = false?)."));
            maps[plan.Map.Name].StructOps = new StructOpsState(plan.Map.TypeName, value, plan.Map.IsLink);
        }
    }
}
