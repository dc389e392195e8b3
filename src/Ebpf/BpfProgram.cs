using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Links;

namespace Ebpf;

/// <summary>A program loaded into the kernel. Disposing closes this process's descriptor; links keep the program alive while attached.</summary>
public sealed class BpfProgram : IDisposable
{
    private const uint BPF_F_TEST_RUN_ON_CPU = 1;
    private const uint BPF_STATS_RUN_TIME = 0;

    private BpfProgram(SafeFd fd, string name, string sectionName, BpfProgramType type, BpfAttachType expectedAttachType, string? attachTarget, uint id)
    {
        Handle = fd;
        Name = name;
        SectionName = sectionName;
        Type = type;
        ExpectedAttachType = expectedAttachType;
        AttachTarget = attachTarget;
        Id = id;
    }

    internal static BpfProgram FromLoaded(SafeFd fd, ProgramSpec spec)
    {
        try
        {
            var info = Bpf.GetInfo<BpfProgInfo>(fd, $"program '{spec.Name}'");
            return new BpfProgram(fd, spec.Name, spec.SectionName, spec.Type, spec.ExpectedAttachType, spec.AttachTarget, info.Id);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    internal SafeFd Handle { get; }

    /// <summary>The program's function name.</summary>
    public string Name { get; }

    /// <summary>The ELF section it came from.</summary>
    public string SectionName { get; }

    /// <summary>The program type.</summary>
    public BpfProgramType Type { get; }

    /// <summary>The expected attach type it was loaded with.</summary>
    public BpfAttachType ExpectedAttachType { get; }

    /// <summary>The attach target named by the section (see <see cref="ProgramSpec.AttachTarget"/>), or null.</summary>
    public string? AttachTarget { get; }

    /// <summary>The kernel's id for this program (see <c>bpftool prog show id N</c>).</summary>
    public uint Id { get; }

    /// <summary>The raw descriptor, valid until this program is disposed.</summary>
    public int Fd => Handle.Fd;

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Handle.IsClosed;

    /// <summary>
    /// Attaches the program where its section name says: <c>tracepoint/&lt;category&gt;/&lt;name&gt;</c> (or <c>tp/</c>) and
    /// <c>raw_tracepoint/&lt;name&gt;</c> (or <c>raw_tp/</c>). Dispose the link to detach.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel lacks the attach mechanism (for example kprobes).</exception>
    /// <exception cref="NotSupportedException">Attaching this program type is not implemented, or the section names no target.</exception>
    public BpfLink Attach()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        switch (Type)
        {
            case BpfProgramType.Tracepoint:
            {
                string target = AttachTarget ?? throw NoTarget("tracepoint/<category>/<name>", "AttachTracepoint(category, name)");
                int slash = target.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0 || slash == target.Length - 1)
                    throw new NotSupportedException($"Program '{Name}': section '{SectionName}' does not name a tracepoint as <category>/<name>; call AttachTracepoint(category, name).");
                return AttachTracepoint(target[..slash], target[(slash + 1)..]);
            }
            case BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable:
                return AttachRawTracepoint(AttachTarget ?? throw NoTarget("raw_tp/<name>", "AttachRawTracepoint(name)"));
            case BpfProgramType.Kprobe:
            {
                bool uprobe = SectionName.StartsWith("uprobe", StringComparison.Ordinal) || SectionName.StartsWith("uretprobe", StringComparison.Ordinal) || SectionName.StartsWith("usdt", StringComparison.Ordinal);
                string pmu = uprobe ? "uprobe" : "kprobe";
                if (!Directory.Exists($"/sys/bus/event_source/devices/{pmu}") && !File.Exists(Path.Combine(Tracefs.TryFindRoot() ?? "/sys/kernel/tracing", $"{pmu}_events")))
                    throw new BpfFeatureNotSupportedException("perf_event_open", Errno.ENOENT, pmu,
                        $"Program '{Name}' ({SectionName}) needs {pmu}s, but this kernel has no {pmu} support (no /sys/bus/event_source/devices/{pmu} and no tracefs {pmu}_events; CONFIG_{pmu.ToUpperInvariant()}_EVENTS is off). Use a tracepoint or raw tracepoint instead.");
                throw new NotSupportedException($"Program '{Name}' ({SectionName}): attaching {pmu}s is not implemented yet.");
            }
            default:
                throw new NotSupportedException($"Program '{Name}' ({SectionName}) is a {Type} program; Attach() supports tracepoint and raw tracepoint programs so far.");
        }
    }

    private NotSupportedException NoTarget(string form, string call) =>
        new($"Program '{Name}': section '{SectionName}' names no attach target (expected {form}); call {call}.");

    /// <summary>Attaches a tracepoint program to <c>&lt;category&gt;:&lt;name&gt;</c> (tracefs <c>events/&lt;category&gt;/&lt;name&gt;</c>).</summary>
    public BpfLink AttachTracepoint(string category, string name)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return TracepointLink.Attach(this, category, name);
    }

    /// <summary>Attaches a raw tracepoint program to <paramref name="name"/> (for example <c>sys_enter</c>).</summary>
    public BpfLink AttachRawTracepoint(string name)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return RawTracepointLink.Attach(this, name);
    }

    /// <summary>
    /// Runs the program once in the kernel (BPF_PROG_TEST_RUN) and returns its return value. For raw tracepoint
    /// programs <paramref name="context"/> is the array of u64 arguments. <paramref name="cpu"/> runs it on that CPU
    /// (BPF_F_TEST_RUN_ON_CPU; raw tracepoint programs only).
    /// </summary>
    public int TestRun(ReadOnlySpan<byte> context = default, int? cpu = null)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (cpu is < 0) throw new ArgumentOutOfRangeException(nameof(cpu), "CPU numbers are non-negative.");
        return (int)BpfProg.TestRun(Handle, context, default, cpu is null ? 0 : BPF_F_TEST_RUN_ON_CPU, (uint)(cpu ?? 0), Name);
    }

    /// <summary>Reads the run count and total run time. They grow only while run statistics are enabled (<see cref="EnableRunStats"/>).</summary>
    public ProgramRunStats GetRunStats()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var info = Bpf.GetInfo<BpfProgInfo>(Handle, $"program '{Name}'");
        return new ProgramRunStats(info.RunCnt, info.RunTimeNs, info.RecursionMisses);
    }

    /// <summary>Turns on the kernel's BPF run statistics (BPF_ENABLE_STATS, BPF_STATS_RUN_TIME) until the result is
    /// disposed. They cost a little on every program run, so keep them on only while measuring.</summary>
    public static IDisposable EnableRunStats() => Bpf.EnableStats(BPF_STATS_RUN_TIME);

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Type}, id {Id})";
}
