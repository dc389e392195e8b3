using Ebpf.Asm;
using System.Collections.Concurrent;

namespace Ebpf.Features;

/// <summary>
/// Probes what the running kernel supports by trying it (the way libbpf and cilium probe): a tiny map of the type is
/// created and closed. Results are cached per process.
/// </summary>
public static class KernelFeatures
{
    private static readonly ConcurrentDictionary<BpfMapType, bool> MapTypes = new();
    private static readonly ConcurrentDictionary<BpfProgramType, bool> ProgramTypes = new();
    private static readonly ConcurrentDictionary<BpfAttachType, bool> AttachTypes = new();

    /// <summary>True when the kernel can create maps of <paramref name="type"/>. Permission failures are not
    /// "unsupported": they propagate as <see cref="BpfPermissionException"/>.</summary>
    public static bool HasMapType(BpfMapType type) => MapTypes.GetOrAdd(type, Probe);

    /// <summary>Throws <see cref="BpfFeatureNotSupportedException"/> naming the map type when the kernel lacks it.</summary>
    public static void RequireMapType(BpfMapType type)
    {
        if (!HasMapType(type))
            throw new BpfFeatureNotSupportedException("BPF_MAP_CREATE", 0, $"BPF_MAP_TYPE_{type}",
                $"This kernel does not support BPF maps of type {type}" +
                (type == BpfMapType.RingBuf ? " (ring buffers need Linux 5.8 or later; use the perf buffer transport instead)." : "."));
    }

    /// <summary>True when the kernel loads programs of <paramref name="type"/> (probed with <c>r0 = 0; exit</c>).
    /// Types that need an attach target (tracing, LSM, struct_ops, extensions) cannot be probed this way and report false.
    /// Permission failures propagate as <see cref="BpfPermissionException"/>.</summary>
    public static bool HasProgramType(BpfProgramType type) => ProgramTypes.GetOrAdd(type, ProbeProgram);

    /// <summary>Throws <see cref="BpfFeatureNotSupportedException"/> naming the program type when the kernel lacks it.</summary>
    public static void RequireProgramType(BpfProgramType type)
    {
        if (!HasProgramType(type))
            throw new BpfFeatureNotSupportedException("BPF_PROG_LOAD", 0, $"BPF_PROG_TYPE_{type}",
                $"This kernel does not support BPF programs of type {type}.");
    }

    private static readonly Lazy<bool> BpfCookie = new(() => ProbeHelperCall(BpfProgramType.Tracepoint, BpfHelper.GetAttachCookie));

    /// <summary>True when programs can call bpf_get_attach_cookie (Linux 5.15+): the value of libbpf's virtual
    /// <c>LINUX_HAS_BPF_COOKIE</c> kconfig extern, probed the same way (a tracepoint program calling the helper).</summary>
    internal static bool HasBpfCookie() => BpfCookie.Value;

    /// <summary>
    /// True when the kernel loads and attaches programs of the BTF-targeted <paramref name="attachType"/>:
    /// <see cref="BpfAttachType.TraceRawTp"/> (tp_btf), <see cref="BpfAttachType.TraceFentry"/>, <see cref="BpfAttachType.TraceFexit"/>,
    /// <see cref="BpfAttachType.ModifyReturn"/> (fmod_ret), <see cref="BpfAttachType.LsmMac"/> (lsm) or
    /// <see cref="BpfAttachType.TraceIter"/> (iter). Probed by loading a do-nothing program against a target every kernel
    /// has (bpf_fentry_test1, the file_open LSM hook, sched_switch, the task iterator) and attaching it for a moment;
    /// false without kernel BTF. Permission failures propagate as <see cref="BpfPermissionException"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="attachType"/> is not one of those.</exception>
    public static bool HasAttachType(BpfAttachType attachType)
    {
        _ = AttachTypeProbe.ProbeTarget(attachType); // validates before caching
        return AttachTypes.GetOrAdd(attachType, AttachTypeProbe.Probe);
    }

    /// <summary>Throws <see cref="BpfFeatureNotSupportedException"/> naming the attach type when <see cref="HasAttachType"/> is false.</summary>
    public static void RequireAttachType(BpfAttachType attachType)
    {
        if (!HasAttachType(attachType))
            throw new BpfFeatureNotSupportedException("BPF_PROG_LOAD", 0, Linking.BtfAttachTarget.KindName(attachType),
                $"{Linking.BtfAttachTarget.CannotMessage(attachType, "run")} A do-nothing program attached to " +
                $"{Linking.BtfAttachTarget.KindName(attachType)}/{AttachTypeProbe.ProbeTarget(attachType).Target} could not be loaded and attached.");
    }

    private static readonly Lazy<bool> Kprobes = new(() => Links.ProbeLink.CanCreate("kprobe"));
    private static readonly Lazy<bool> Uprobes = new(() => Links.ProbeLink.CanCreate("uprobe"));

    /// <summary>True when kprobes can be created (a kprobe PMU, or <c>kprobe_events</c> in tracefs): false on kernels built
    /// without <c>CONFIG_KPROBES</c>, where kprobe programs load but cannot attach. Reads sysfs (and mounts tracefs when it
    /// must, as attaching would); loads nothing, so it is the cheap question to ask before loading a kprobe object.</summary>
    public static bool HasKprobes() => Kprobes.Value;

    /// <summary>True when uprobes can be created (a uprobe PMU, or <c>uprobe_events</c> in tracefs); see <see cref="HasKprobes"/>.</summary>
    public static bool HasUprobes() => Uprobes.Value;

    private static bool ProbeProgram(BpfProgramType type)
    {
        long r = TryLoad(type, new Assembler().Mov(Register.R0, 0).Exit().Build());
        if (r >= 0)
        {
            _ = Internal.Unix.Libc.Close((int)r);
            return true;
        }
        if (-r is Internal.Unix.Errno.EPERM or Internal.Unix.Errno.EACCES)
            throw Internal.Unix.Errno.ToException("BPF_PROG_LOAD", (int)-r, $"the probe of program type {type}");
        return false;
    }

    /// <summary>Loads <c>call helper; exit</c> as <paramref name="type"/>: true when the verifier accepts the call.</summary>
    private static bool ProbeHelperCall(BpfProgramType type, BpfHelper helper)
    {
        long r = TryLoad(type, new Assembler().Call(helper).Exit().Build());
        if (r < 0) return false;
        _ = Internal.Unix.Libc.Close((int)r);
        return true;
    }

    /// <summary>BPF_PROG_LOAD of a probe program, GPL, no log: the fd or -errno.</summary>
    private static unsafe long TryLoad(BpfProgramType type, Instruction[] program)
    {
        byte* license = stackalloc byte[] { (byte)'G', (byte)'P', (byte)'L', 0 };
        fixed (Instruction* insns = program)
        {
            // SAFETY: the instructions are pinned and the license is a stack buffer, both alive for the synchronous syscall.
            var attr = new Internal.Sys.ProgLoadAttr { ProgType = (uint)type, InsnCnt = (uint)program.Length, Insns = (ulong)insns, License = (ulong)license };
            return Internal.Sys.BpfProg.TryLoad(ref attr);
        }
    }

    private static bool Probe(BpfMapType type)
    {
        var spec = type switch
        {
            BpfMapType.RingBuf or BpfMapType.UserRingBuf => new MapSpec { Name = "probe", Type = type, MaxEntries = (uint)Environment.SystemPageSize },
            BpfMapType.PerfEventArray => new MapSpec { Name = "probe", Type = type },
            _ => new MapSpec { Name = "probe", Type = type, KeySize = 4, ValueSize = 4, MaxEntries = 1 },
        };
        try
        {
            using var map = BpfMap.Create(spec);
            return true;
        }
        catch (BpfPermissionException)
        {
            throw;
        }
        catch (BpfException)
        {
            return false;
        }
    }
}
