using System.Text;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links.MultiProbe;

/// <summary>
/// A kprobe-type program attached to many kernel functions through one BPF link (BPF_LINK_CREATE,
/// BPF_TRACE_KPROBE_MULTI; Linux 5.18+ built with CONFIG_FPROBE): <c>kprobe.multi/PATTERN</c>,
/// <c>kretprobe.multi/PATTERN</c> and <c>kprobe.session/PATTERN</c> sections, or <see cref="BpfProgram.AttachKprobeMulti(string, bool)"/>.
/// Each function may carry a cookie the program reads with <c>bpf_get_attach_cookie</c>.
/// </summary>
public sealed class KprobeMultiLink : BpfLink
{
    private const uint BPF_F_KPROBE_MULTI_RETURN = 1;
    private static readonly System.Buffers.SearchValues<char> NotInNames = System.Buffers.SearchValues.Create(" \t\n:/*?");

    private readonly SafeFd _fd;

    private KprobeMultiLink(string programName, bool ret, string[] functions, ulong[]? cookies, SafeFd fd) : base(programName)
    {
        IsReturnProbe = ret;
        Functions = functions;
        Cookies = cookies ?? new ulong[functions.Length];
        _fd = fd;
    }

    /// <summary>True for kretprobe.multi (the program runs when the functions return).</summary>
    public bool IsReturnProbe { get; }

    /// <summary>The kernel functions probed.</summary>
    public IReadOnlyList<string> Functions { get; }

    /// <summary>The cookie of each function in <see cref="Functions"/> (zeros when none were given).</summary>
    public IReadOnlyList<ulong> Cookies { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    internal static KprobeMultiLink AttachPattern(BpfProgram program, string pattern, bool ret)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        RequireMultiType(program);
        var (names, source) = KernelFunctions.Matching(pattern);
        if (names.Count == 0)
            throw new BpfException("kprobe.multi", Errno.ENOENT,
                $"Cannot attach {Kind(program, ret)} program '{program.Name}' ({program.SectionName}): the pattern '{pattern}' matches no kernel function in {source}.");
        return Attach(program, [.. names], null, ret);
    }

    internal static KprobeMultiLink Attach(BpfProgram program, string[] functions, ulong[]? cookies, bool ret)
    {
        RequireMultiType(program);
        if (functions.Length == 0) throw new ArgumentException("Give at least one kernel function.", nameof(functions));
        if (cookies is not null && cookies.Length != functions.Length)
            throw new ArgumentException($"{cookies.Length} cookies for {functions.Length} functions: give one cookie per function, or none.", nameof(cookies));
        foreach (var f in functions)
            if (string.IsNullOrEmpty(f) || f.AsSpan().IndexOfAny(NotInNames) >= 0)
                throw new ArgumentException($"'{f}' is not a kernel function name.", nameof(functions));
        string subject = $"{Kind(program, ret)} program '{program.Name}' ({program.SectionName}) on {Describe(functions)}";
        long r = Create(program, functions, cookies, ret);
        if (r < 0)
        {
            int errno = (int)-r;
            if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP or Errno.ENOSYS)
                throw new BpfFeatureNotSupportedException("BPF_LINK_CREATE", errno, "kprobe.multi", NotSupportedMessage(subject, errno));
            throw Errno.ToException("BPF_LINK_CREATE", errno, subject,
                errno is Errno.ENOENT or Errno.EINVAL or Errno.ESRCH ? "Do the functions exist in /proc/kallsyms, and may they be probed (ftrace-able, not on the kprobe blacklist)?" : null);
        }
        return new KprobeMultiLink(program.Name, ret, functions, cookies, SafeFd.FromSyscall((int)r));
    }

    private static unsafe long Create(BpfProgram program, string[] functions, ulong[]? cookies, bool ret)
    {
        // One buffer holding every NUL-terminated name, and the array of pointers into it the kernel reads.
        var offsets = new int[functions.Length];
        int total = 0;
        for (int i = 0; i < functions.Length; i++)
        {
            offsets[i] = total;
            total += Encoding.UTF8.GetByteCount(functions[i]) + 1;
        }
        var names = new byte[total];
        for (int i = 0; i < functions.Length; i++) Encoding.UTF8.GetBytes(functions[i], names.AsSpan(offsets[i]));
        var pointers = new ulong[functions.Length];
        fixed (byte* pn = names)
        fixed (ulong* pp = pointers)
        fixed (ulong* pc = cookies)
        {
            // SAFETY: names, pointers and cookies are pinned for the synchronous syscall; the kernel copies them all.
            for (int i = 0; i < functions.Length; i++) pointers[i] = (ulong)(pn + offsets[i]);
            bool session = program.ExpectedAttachType == BpfAttachType.TraceKprobeSession;
            var attr = new KprobeMultiLinkCreateAttr
            {
                ProgFd = (uint)program.Fd,
                AttachType = (uint)(session ? BpfAttachType.TraceKprobeSession : BpfAttachType.TraceKprobeMulti),
                MultiFlags = ret ? BPF_F_KPROBE_MULTI_RETURN : 0,
                Count = (uint)functions.Length,
                Symbols = (ulong)pp,
                Cookies = (ulong)pc,
            };
            return Bpf.Raw(BpfCommand.LinkCreate, ref attr);
        }
    }

    private static string NotSupportedMessage(string subject, int errno)
    {
        bool kprobes = ProbePmu.TryFind("kprobe") is not null;
        string why = kprobes
            ? "this kernel has no kprobe.multi links: they need Linux 5.18+ built with CONFIG_FPROBE (fprobe, over ftrace)"
            : "this kernel was built without kprobes (CONFIG_KPROBES is off: no kprobe PMU at /sys/bus/event_source/devices/kprobe) and without fprobe (CONFIG_FPROBE), which kprobe.multi links need";
        return $"Cannot attach {subject}: {why}; BPF_LINK_CREATE answered {Errno.Name(errno)}. Use tracepoints or raw tracepoints (raw_tp/, tp_btf/) instead.";
    }

    private static void RequireMultiType(BpfProgram program)
    {
        if (program.Type != BpfProgramType.Kprobe || program.ExpectedAttachType is not (BpfAttachType.TraceKprobeMulti or BpfAttachType.TraceKprobeSession))
            throw new InvalidOperationException(
                $"Program '{program.Name}' ({program.SectionName}) is a {program.Type} program with expected attach type {program.ExpectedAttachType}; " +
                "only programs loaded from kprobe.multi/, kretprobe.multi/ or kprobe.session/ sections (expected attach type TraceKprobeMulti) attach to many kernel functions.");
    }

    private static string Kind(BpfProgram program, bool ret) =>
        program.ExpectedAttachType == BpfAttachType.TraceKprobeSession ? "kprobe.session" : ret ? "kretprobe.multi" : "kprobe.multi";

    internal static string Describe(IReadOnlyList<string> names) =>
        names.Count <= 3 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))} and {names.Count - 3} more";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {(IsReturnProbe ? "kretprobe" : "kprobe")}.multi/{Describe(Functions)}";
}
