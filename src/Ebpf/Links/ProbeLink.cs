using System.Globalization;
using System.Text;
using Ebpf.Diagnostics;
using Ebpf.Elf;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A kprobe, kretprobe, uprobe or uretprobe attachment. The probe is created through the kernel's perf PMU
/// (<c>/sys/bus/event_source/devices/kprobe</c> or <c>uprobe</c>: perf_event_open with the function name or binary
/// path in config1 and the offset in config2) or, on kernels without the PMU, as a tracefs dynamic event
/// (<c>kprobe_events</c> / <c>uprobe_events</c>) that is removed again on Dispose.
/// </summary>
public sealed class ProbeLink : BpfLink
{
    private const string TracefsGroup = "ebpfnet";
    private static int s_eventCounter;

    private readonly SafeFd _perfEvent;
    private readonly SafeFd? _link;
    private readonly string? _tracefsEventsFile;
    private readonly string? _tracefsEventName;

    private ProbeLink(string programName, bool user, bool ret, string? function, string? binaryPath, ulong offset, int processId,
        SafeFd perfEvent, SafeFd? link, string? tracefsEventsFile, string? tracefsEventName) : base(programName)
    {
        IsUserSpace = user;
        IsReturnProbe = ret;
        Function = function;
        BinaryPath = binaryPath;
        Offset = offset;
        ProcessId = processId;
        _perfEvent = perfEvent;
        _link = link;
        _tracefsEventsFile = tracefsEventsFile;
        _tracefsEventName = tracefsEventName;
    }

    /// <summary>True for uprobes and uretprobes, false for kprobes and kretprobes.</summary>
    public bool IsUserSpace { get; }

    /// <summary>True for return probes (kretprobe, uretprobe).</summary>
    public bool IsReturnProbe { get; }

    /// <summary>The kernel function (kprobes) or the symbol in <see cref="BinaryPath"/> (uprobes); null for a uprobe attached by offset.</summary>
    public string? Function { get; }

    /// <summary>The probed executable or library (uprobes), or null.</summary>
    public string? BinaryPath { get; }

    /// <summary>For kprobes the offset into <see cref="Function"/>; for uprobes the resolved file offset in <see cref="BinaryPath"/>.</summary>
    public ulong Offset { get; }

    /// <summary>The process a uprobe is limited to, or -1 for every process.</summary>
    public int ProcessId { get; }

    /// <summary>True when the probe was created as a tracefs dynamic event rather than through the perf PMU.</summary>
    public bool UsesTracefs => _tracefsEventName is not null;

    private protected override SafeFd? LinkFd => _link;

    /// <inheritdoc/>
    public override bool IsDisposed => _perfEvent.IsClosed;

    internal static ProbeLink AttachKprobe(BpfProgram program, string function, ulong offset, bool ret, bool preferTracefs = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        RequireKprobeType(program);
        if (function.AsSpan().IndexOfAny(" \t\n:/") >= 0) throw new ArgumentException($"'{function}' is not a kernel function name.", nameof(function));
        if (ret && offset != 0) throw new ArgumentException("A kretprobe fires on the function's return; it takes no offset.", nameof(offset));
        string kind = ret ? "kretprobe" : "kprobe";
        string subject = $"{kind} {function}{(offset != 0 ? $"+0x{offset:x}" : "")} (program '{program.Name}')";
        var pmu = preferTracefs ? null : ProbePmu.TryFind("kprobe");
        string? events = pmu is null ? TracefsEventsFile("kprobe_events") : null;
        if (pmu is null && events is null)
            throw new BpfFeatureNotSupportedException("perf_event_open", Errno.ENOENT, "kprobe",
                $"Cannot attach {subject}: this kernel has no kprobe support, it was built without kprobes (no kprobe PMU at /sys/bus/event_source/devices/kprobe, no kprobe_events in tracefs; CONFIG_KPROBES / CONFIG_KPROBE_EVENTS are off). " +
                "Use a tracepoint or raw tracepoint program instead.");
        if (pmu is null && !preferTracefs) LogMessages.ProbeTracefsFallback(program.Logger, subject, "kprobe", events!);
        const string hint = "Does the kernel function exist (/proc/kallsyms) and may it be probed (not in /sys/kernel/debug/kprobes/blacklist)?";
        if (pmu is { } p)
        {
            var perf = OpenPmu(p, ret, function, offset, -1, subject, hint);
            return Complete(program, perf, subject, l => new ProbeLink(program.Name, false, ret, function, null, offset, -1, perf, l, null, null));
        }
        string definition = $"{(ret ? 'r' : 'p')}:{TracefsGroup}/{{0}} {function}{(offset != 0 ? $"+{offset}" : "")}";
        return AttachTracefs(program, events!, definition, false, ret, function, null, offset, -1, subject, hint);
    }

    internal static ProbeLink AttachUprobe(BpfProgram program, string binaryPath, string? symbol, ulong offset, bool ret, int processId, bool preferTracefs = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        RequireKprobeType(program);
        if (processId < -1 || processId == 0) throw new ArgumentOutOfRangeException(nameof(processId), "A process id, or -1 for every process.");
        string path = ResolveBinary(binaryPath);
        ulong fileOffset = offset;
        if (symbol is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(symbol);
            fileOffset = checked(ExecutableSymbols.FileOffsetOf(path, symbol) + offset);
        }
        string kind = ret ? "uretprobe" : "uprobe";
        string subject = $"{kind} {path}:{symbol ?? ""}{(symbol is null ? $"0x{fileOffset:x}" : offset != 0 ? $"+0x{offset:x}" : "")} (program '{program.Name}')";
        var pmu = preferTracefs ? null : ProbePmu.TryFind("uprobe");
        string? events = pmu is null ? TracefsEventsFile("uprobe_events") : null;
        if (pmu is null && events is null)
            throw new BpfFeatureNotSupportedException("perf_event_open", Errno.ENOENT, "uprobe",
                $"Cannot attach {subject}: this kernel has no uprobe support, it was built without uprobes (no uprobe PMU at /sys/bus/event_source/devices/uprobe, no uprobe_events in tracefs; CONFIG_UPROBE_EVENTS is off).");
        if (pmu is null && !preferTracefs) LogMessages.ProbeTracefsFallback(program.Logger, subject, "uprobe", events!);
        const string hint = "Is the offset inside the file's executable code?";
        if (pmu is { } p)
        {
            var perf = OpenPmu(p, ret, path, fileOffset, processId, subject, hint);
            return Complete(program, perf, subject, l => new ProbeLink(program.Name, true, ret, symbol, path, fileOffset, processId, perf, l, null, null));
        }
        if (path.AsSpan().IndexOfAny(" \t\n") >= 0)
            throw new ArgumentException($"tracefs uprobe_events cannot name a path with white space ('{path}').", nameof(binaryPath));
        string definition = $"{(ret ? 'r' : 'p')}:{TracefsGroup}/{{0}} {path}:0x{fileOffset:x}";
        return AttachTracefs(program, events!, definition, true, ret, symbol, path, fileOffset, processId, subject, hint);
    }

    private static void RequireKprobeType(BpfProgram program)
    {
        if (program.Type != BpfProgramType.Kprobe)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; only kprobe-type programs (kprobe/, kretprobe/, uprobe/, uretprobe/ sections) attach to probes.");
    }

    /// <summary>An absolute path as given; a bare library or program name ("libc.so.6", "bash") is looked up in the
    /// usual library directories and PATH.</summary>
    internal static string ResolveBinary(string binaryPath)
    {
        if (binaryPath.Contains('/', StringComparison.Ordinal)) return Path.GetFullPath(binaryPath);
        var dirs = new List<string>();
        if (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } ld) dirs.AddRange(ld.Split(':', StringSplitOptions.RemoveEmptyEntries));
        string multiarch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64-linux-gnu" : "x86_64-linux-gnu";
        dirs.AddRange([$"/lib/{multiarch}", $"/usr/lib/{multiarch}", "/lib64", "/usr/lib64", "/lib", "/usr/lib"]);
        if (Environment.GetEnvironmentVariable("PATH") is { Length: > 0 } path) dirs.AddRange(path.Split(':', StringSplitOptions.RemoveEmptyEntries));
        foreach (var dir in dirs)
        {
            string candidate = Path.Combine(dir, binaryPath);
            if (File.Exists(candidate)) return candidate;
        }
        throw new BpfException($"uprobe target '{binaryPath}' was not found in the library directories or PATH; pass an absolute path.");
    }

    /// <summary>True when kprobes (<paramref name="kind"/> "kprobe") or uprobes ("uprobe") can be created here: the
    /// kernel's PMU or tracefs' <c>{kind}_events</c>, the two ways <see cref="AttachKprobe"/> and <see cref="AttachUprobe"/> try.</summary>
    internal static bool CanCreate(string kind) => ProbePmu.TryFind(kind) is not null || TracefsEventsFile($"{kind}_events") is not null;

    private static string? TracefsEventsFile(string file)
    {
        string? root = Tracefs.TryFindRoot();
        if (root is null)
        {
            try
            {
                root = Tracefs.FindRoot();
            }
            catch (BpfFeatureNotSupportedException)
            {
                return null;
            }
        }
        string path = Path.Combine(root, file);
        return File.Exists(path) ? path : null;
    }

    private static unsafe SafeFd OpenPmu(ProbePmu pmu, bool ret, string nameOrPath, ulong offset, int processId, string subject, string hint)
    {
        byte[] name = Encoding.UTF8.GetBytes(nameOrPath + "\0");
        int r;
        fixed (byte* p = name)
        {
            var attr = new PerfEventAttr
            {
                Type = pmu.Type,
                Config = ret ? 1UL << pmu.RetprobeBit : 0,
                // SAFETY: config1 points at the pinned NUL-terminated name for the duration of the syscall; the kernel copies it.
                Config1 = (ulong)p,
                Config2 = offset,
                SamplePeriodOrFreq = 1,
                WakeupEventsOrWatermark = 1,
            };
            // Every process (pid -1) needs one CPU (0): the probe itself fires on all CPUs. One process: any CPU.
            r = PerfEvent.TryOpen(ref attr, processId, processId == -1 ? 0 : -1);
        }
        if (r < 0) throw Errno.ToException("perf_event_open", -r, subject, -r is Errno.ENOENT or Errno.EINVAL ? hint : null);
        return SafeFd.FromSyscall(r);
    }

    private static ProbeLink AttachTracefs(BpfProgram program, string eventsFile, string definitionFormat, bool user, bool ret,
        string? function, string? binaryPath, ulong offset, int processId, string subject, string hint)
    {
        string name = string.Create(CultureInfo.InvariantCulture, $"{(user ? 'u' : 'k')}{(ret ? "ret" : "")}probe_{Environment.ProcessId}_{Interlocked.Increment(ref s_eventCounter)}");
        string definition = string.Format(CultureInfo.InvariantCulture, definitionFormat, name);
        try
        {
            WriteEvents(eventsFile, definition);
        }
        catch (IOException e)
        {
            throw new BpfException("write", Errno.EINVAL, $"Creating {subject} through {eventsFile} ('{definition}') failed: {e.Message}. {hint}");
        }
        SafeFd? perf = null;
        try
        {
            string root = Path.GetDirectoryName(eventsFile)!;
            string idText = File.ReadAllText(Path.Combine(root, "events", TracefsGroup, name, "id")).Trim();
            if (!uint.TryParse(idText, NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
                throw new BpfException($"{subject}: tracefs event id '{idText}' is not a number.");
            var attr = new PerfEventAttr { Type = PerfEventAttr.PERF_TYPE_TRACEPOINT, Config = id, SamplePeriodOrFreq = 1, WakeupEventsOrWatermark = 1 };
            perf = PerfEvent.Open(ref attr, processId, processId == -1 ? 0 : -1, subject);
            var opened = perf;
            return Complete(program, perf, subject, l => new ProbeLink(program.Name, user, ret, function, binaryPath, offset, processId, opened, l, eventsFile, name));
        }
        catch
        {
            perf?.Dispose();
            RemoveEvent(eventsFile, name);
            throw;
        }
    }

    private static ProbeLink Complete(BpfProgram program, SafeFd perf, string subject, Func<SafeFd?, ProbeLink> create)
    {
        SafeFd? link = null;
        try
        {
            link = PerfEventAttachment.Attach(program, perf, subject);
            return create(link);
        }
        catch
        {
            link?.Dispose();
            perf.Dispose();
            throw;
        }
    }

    private static void WriteEvents(string eventsFile, string line)
    {
        // One write per definition, appended (O_APPEND): truncating would delete every other tool's probes.
        using var stream = new FileStream(eventsFile, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 1);
        var bytes = Encoding.ASCII.GetBytes(line + "\n");
        stream.Write(bytes);
    }

    private static void RemoveEvent(string eventsFile, string name)
    {
        try
        {
            WriteEvents(eventsFile, $"-:{TracefsGroup}/{name}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover probe is visible in tracefs and harmless once no program is attached to it.
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        bool wasOpen = !_perfEvent.IsClosed;
        _link?.Dispose();
        _perfEvent.Dispose();
        if (wasOpen && _tracefsEventsFile is not null && _tracefsEventName is not null) RemoveEvent(_tracefsEventsFile, _tracefsEventName);
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        string kind = (IsUserSpace ? "u" : "k") + (IsReturnProbe ? "retprobe" : "probe");
        string where = IsUserSpace ? $"{BinaryPath}:{(Function is null ? "" : Function + " at ")}0x{Offset:x}" : $"{Function}{(Offset != 0 ? $"+0x{Offset:x}" : "")}";
        return $"{ProgramName} -> {kind}/{where}";
    }
}
