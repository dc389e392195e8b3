using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Links;
using Ebpf.Links.MultiProbe;
using Ebpf.Links.Usdt;
using Ebpf.TestRuns;

namespace Ebpf;

/// <summary>A program loaded into the kernel. Disposing closes this process's descriptor; links keep the program alive while attached.</summary>
public sealed partial class BpfProgram : IDisposable
{
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

    internal static BpfProgram FromLoaded(SafeFd fd, ProgramSpec spec, BpfAttachType? loadedAttachType = null)
    {
        try
        {
            var info = Bpf.GetInfo<BpfProgInfo>(fd, $"program '{spec.Name}'");
            return new BpfProgram(fd, spec.Name, spec.SectionName, spec.Type, loadedAttachType ?? spec.ExpectedAttachType, spec.AttachTarget, info.Id)
            {
                _freplaceTarget = spec.Type == BpfProgramType.Ext ? spec.AttachProgram?.Name : null,
            };
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens a program pinned in bpffs. What the kernel does not keep (the section name, the expected attach type) is
    /// unknown: <see cref="SectionName"/> is empty and <see cref="Attach()"/> needs the explicit attach methods.
    /// </summary>
    /// <exception cref="BpfException">Nothing is pinned at <paramref name="path"/> (ENOENT), or it is not a program.</exception>
    public static BpfProgram OpenPinned(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fd = Pinning.PinFile.Open(path, Pinning.PinFile.ObjectKind.Program, "program");
        try
        {
            var info = Bpf.GetInfo<BpfProgInfo>(fd, $"pinned program '{path}'");
            return new BpfProgram(fd, info.Name.AsString(), "", (BpfProgramType)info.Type, default, null, info.Id) { PinnedPath = path };
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    internal SafeFd Handle { get; }

    /// <summary>For a freplace program, the name of the program it was loaded against (for messages).</summary>
    private string? _freplaceTarget;

    /// <summary>The loader's logger (<see cref="BpfLoadOptions.Logger"/>), for decisions taken when attaching.</summary>
    internal Microsoft.Extensions.Logging.ILogger Logger { get; set; } = Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;

    /// <summary>Where this program was pinned by <see cref="Pin"/> or found by <see cref="OpenPinned"/>; null otherwise.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>Pins the program at <paramref name="path"/> on a bpffs mount: it stays loaded until the pin is removed.</summary>
    /// <exception cref="ArgumentException">The last component of <paramref name="path"/> cannot be a bpffs entry (empty,
    /// '.' in it, longer than 255 bytes).</exception>
    /// <exception cref="BpfException">The path is taken (EEXIST), its directory is missing or not on a bpffs, or the process
    /// may not write there; the message says which.</exception>
    public void Pin(string path)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        Pinning.PinFile.Pin(Handle, path, $"program '{Name}'");
        PinnedPath = path;
    }

    /// <summary>Removes the pin at <see cref="PinnedPath"/>; harmless when it is already gone.</summary>
    /// <exception cref="InvalidOperationException">The program is not known to be pinned.</exception>
    public void Unpin()
    {
        string path = PinnedPath ?? throw new InvalidOperationException($"Program '{Name}' is not pinned (PinnedPath is null).");
        File.Delete(path);
        PinnedPath = null;
    }

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
    /// <c>raw_tracepoint/&lt;name&gt;</c> (or <c>raw_tp/</c>), <c>kprobe/&lt;function&gt;[+offset]</c>, <c>kretprobe/&lt;function&gt;</c>,
    /// <c>ksyscall/&lt;name&gt;</c>, <c>uprobe/&lt;path&gt;:&lt;symbol&gt;[+offset]</c> and <c>uretprobe/&lt;path&gt;:&lt;symbol&gt;</c>;
    /// and the BTF-targeted <c>tp_btf/&lt;tracepoint&gt;</c>, <c>fentry/</c>, <c>fexit/</c>, <c>fmod_ret/&lt;function&gt;</c> and
    /// <c>lsm/&lt;hook&gt;</c> (a <see cref="TracingLink"/> to the target the program was loaded against), <c>iter/&lt;name&gt;</c>
    /// (an <see cref="IterLink"/> to read), <c>uprobe.multi/&lt;path&gt;:&lt;pattern&gt;</c> and <c>kprobe.multi/&lt;pattern&gt;</c>
    /// (and their return variants), <c>usdt/&lt;path&gt;:&lt;provider&gt;:&lt;name&gt;</c>, and <c>freplace/&lt;function&gt;</c>
    /// (loaded against <see cref="ProgramSpec.AttachProgram"/>).
    /// Dispose the link to detach.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel lacks the attach mechanism (for example kprobes, or the
    /// BPF trampoline fentry/fexit/fmod_ret/lsm programs need).</exception>
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
            case BpfProgramType.Kprobe when MultiProbeSection.KindOf(SectionName) is not null:
                return MultiProbeAttach.FromSection(this);
            case BpfProgramType.Kprobe when UsdtLoading.IsUsdtSection(SectionName):
                return UsdtLink.FromSection(this);
            case BpfProgramType.Kprobe:
            {
                var probe = ProbeTarget.Parse(SectionName, AttachTarget, Name)
                    ?? throw NoTarget("kprobe/<function> or uprobe/<path>:<symbol>", "AttachKprobe(function) or AttachUprobe(path, symbol)");
                return probe.User
                    ? ProbeLink.AttachUprobe(this, probe.BinaryPath!, probe.Function, probe.Offset, probe.Return, -1)
                    : ProbeLink.AttachKprobe(this, probe.Function!, probe.Offset, probe.Return);
            }
            case BpfProgramType.Tracing or BpfProgramType.Lsm when ExpectedAttachType is BpfAttachType.TraceRawTp or BpfAttachType.TraceFentry
                or BpfAttachType.TraceFexit or BpfAttachType.ModifyReturn or BpfAttachType.LsmMac:
                return TracingLink.Attach(this);
            case BpfProgramType.Tracing when ExpectedAttachType == BpfAttachType.TraceIter:
                return IterLink.Attach(this);
            case BpfProgramType.Ext:
                return FreplaceLink.Attach(this, _freplaceTarget);
            case BpfProgramType.PerfEvent:
                throw new NotSupportedException($"Program '{Name}' ({SectionName}) is a perf_event program: its section names no event; call AttachCpuClock(frequency).");
            case var network when NetworkAttach.Handles(network):
                throw NetworkAttach.NeedsTarget(this);
            default:
                throw new NotSupportedException($"Program '{Name}' ({SectionName}) is a {Type} program; Attach() supports tracepoint, raw tracepoint, kprobe, uprobe, tp_btf, fentry, fexit, fmod_ret, lsm and iter programs so far.");
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
    /// Attaches a kprobe program to kernel function <paramref name="function"/> (at <paramref name="offset"/> bytes into it),
    /// or as a kretprobe on its return when <paramref name="returnProbe"/> is true. Uses the kprobe perf PMU, else tracefs
    /// <c>kprobe_events</c>.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel was built without kprobe support.</exception>
    /// <exception cref="BpfException">The function does not exist or cannot be probed.</exception>
    public ProbeLink AttachKprobe(string function, ulong offset = 0, bool returnProbe = false)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ProbeLink.AttachKprobe(this, function, offset, returnProbe);
    }

    /// <summary>
    /// Attaches a kprobe-type program to function <paramref name="symbol"/> of executable or library
    /// <paramref name="binaryPath"/> (found in its .symtab or .dynsym; <paramref name="offset"/> bytes into it), as a
    /// uretprobe when <paramref name="returnProbe"/> is true, for process <paramref name="processId"/> or every process (-1).
    /// A bare library name (<c>libc.so.6</c>) is looked up in the library directories.
    /// </summary>
    /// <exception cref="BpfException">The file or symbol cannot be found or read.</exception>
    public ProbeLink AttachUprobe(string binaryPath, string symbol, ulong offset = 0, bool returnProbe = false, int processId = -1)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        return ProbeLink.AttachUprobe(this, binaryPath, symbol, offset, returnProbe, processId);
    }

    /// <summary>Attaches a uprobe (or uretprobe) at file offset <paramref name="fileOffset"/> of <paramref name="binaryPath"/>.</summary>
    public ProbeLink AttachUprobeAt(string binaryPath, ulong fileOffset, bool returnProbe = false, int processId = -1)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ProbeLink.AttachUprobe(this, binaryPath, null, fileOffset, returnProbe, processId);
    }

    /// <summary>
    /// Attaches a kprobe.multi (or kretprobe.multi, kprobe.session) program to every kernel function matching glob
    /// <paramref name="pattern"/> (<c>*</c>, <c>?</c>), through one link.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no kprobe.multi links (CONFIG_FPROBE, CONFIG_KPROBES).</exception>
    /// <exception cref="BpfException">The pattern matches no kernel function.</exception>
    public KprobeMultiLink AttachKprobeMulti(string pattern, bool returnProbe = false)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return KprobeMultiLink.AttachPattern(this, pattern, returnProbe);
    }

    /// <summary>Attaches a kprobe.multi program to the kernel functions <paramref name="functions"/>, each with the
    /// cookie at the same index of <paramref name="cookies"/> (or none).</summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no kprobe.multi links.</exception>
    public KprobeMultiLink AttachKprobeMulti(IReadOnlyList<string> functions, IReadOnlyList<ulong>? cookies = null, bool returnProbe = false)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ArgumentNullException.ThrowIfNull(functions);
        return KprobeMultiLink.Attach(this, [.. functions], cookies is null ? null : [.. cookies], returnProbe);
    }

    /// <summary>
    /// Attaches a uprobe.multi (or uretprobe.multi) program to every function of <paramref name="binaryPath"/> whose
    /// name matches glob <paramref name="pattern"/>, through one link, for process <paramref name="processId"/> or all (-1).
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no uprobe.multi links (Linux 6.6+).</exception>
    /// <exception cref="BpfException">The binary is missing or unreadable, or the pattern matches no function.</exception>
    public UprobeMultiLink AttachUprobeMulti(string binaryPath, string pattern, bool returnProbe = false, int processId = -1)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return UprobeMultiLink.AttachPattern(this, binaryPath, pattern, returnProbe, processId);
    }

    /// <summary>Attaches a uprobe.multi program to the given places of <paramref name="binaryPath"/> (functions or file
    /// offsets, each with a cookie and an optional reference counter), through one link.</summary>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel has no uprobe.multi links (Linux 6.6+).</exception>
    /// <exception cref="BpfException">The binary is missing or unreadable, or a function is not in it.</exception>
    public UprobeMultiLink AttachUprobeMulti(string binaryPath, IReadOnlyList<UprobeMultiTarget> targets, bool returnProbe = false, int processId = -1)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return UprobeMultiLink.Attach(this, binaryPath, targets, returnProbe, processId);
    }

    /// <summary>
    /// Attaches a program written with libbpf's <c>usdt.bpf.h</c> to every site of USDT probe
    /// <paramref name="provider"/>:<paramref name="name"/> in <paramref name="binaryPath"/>, for process
    /// <paramref name="processId"/> or every process (-1). <paramref name="cookie"/> is what <c>bpf_usdt_cookie</c> returns.
    /// </summary>
    /// <exception cref="BpfException">The binary is missing, has no such probe, or its arguments cannot be read by usdt.bpf.h.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The kernel cannot attach it (no uprobes, or a semaphore without
    /// uprobe reference counters).</exception>
    public UsdtLink AttachUsdt(string binaryPath, string provider, string name, ulong cookie = 0, int processId = -1)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return UsdtLink.Attach(this, binaryPath, provider, name, cookie, processId);
    }

    /// <summary>The USDT spec bookkeeping of the object this program was loaded with, when it has usdt.bpf.h's maps.</summary>
    internal UsdtSpecTable? UsdtSpecs { get; set; }

    /// <summary>Attaches a perf_event program to the cpu-clock software event sampled <paramref name="frequency"/> times a
    /// second on every online CPU.</summary>
    public PerfEventLink AttachCpuClock(int frequency = 99)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return PerfEventLink.AttachCpuClock(this, frequency);
    }

    /// <summary>
    /// Runs the program once in the kernel (BPF_PROG_TEST_RUN) and returns its return value. For raw tracepoint
    /// programs <paramref name="context"/> is the array of u64 arguments. <paramref name="cpu"/> runs it on that CPU
    /// (BPF_F_TEST_RUN_ON_CPU; raw tracepoint programs only). For packets, repeats and outputs, see
    /// <see cref="TestRun(TestRunOptions)"/>.
    /// </summary>
    public int TestRun(ReadOnlySpan<byte> context = default, int? cpu = null) =>
        (int)ProgramTestRunner.Run(this, default, default, context, default, 1, cpu, TestRunFlags.None, 0).ReturnValue;

    /// <summary>
    /// Runs the program in the kernel without attaching it (BPF_PROG_TEST_RUN) on a packet and/or context, once or
    /// <see cref="TestRunOptions.Repeat"/> times, and returns its return value, the mean duration and the packet and
    /// context as it left them.
    /// </summary>
    /// <exception cref="BpfException">The input does not suit the program type (EINVAL), or an output buffer is too small
    /// (ENOSPC; the message gives the size needed).</exception>
    public TestRunResult TestRun(TestRunOptions options) => ProgramTestRunner.Run(this, options);

    /// <summary>
    /// <see cref="TestRun(TestRunOptions)"/> into caller buffers, allocating nothing: <paramref name="dataOut"/> and
    /// <paramref name="contextOut"/> receive the packet and context after the run (empty: not asked for); the outcome
    /// says how many bytes of each were written.
    /// </summary>
    public TestRunOutcome TestRun(ReadOnlySpan<byte> data, Span<byte> dataOut, ReadOnlySpan<byte> context, Span<byte> contextOut,
        uint repeat = 1, int? cpu = null, TestRunFlags flags = TestRunFlags.None) =>
        ProgramTestRunner.Run(this, data, dataOut, context, contextOut, repeat, cpu, flags, 0);

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
