using System.Text;
using Ebpf.Elf;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links.MultiProbe;

/// <summary>
/// A kprobe-type program attached to many places of one binary through one BPF link (BPF_LINK_CREATE,
/// BPF_TRACE_UPROBE_MULTI; Linux 6.6+): <c>uprobe.multi/PATH:PATTERN</c> and <c>uretprobe.multi/PATH:PATTERN</c> sections,
/// or <see cref="BpfProgram.AttachUprobeMulti(string, string, bool, int)"/>. Each place may carry a cookie
/// (<c>bpf_get_attach_cookie</c>) and a reference counter (a USDT semaphore); the link may be limited to one process.
/// </summary>
public sealed class UprobeMultiLink : BpfLink
{
    private const uint BPF_F_UPROBE_MULTI_RETURN = 1;

    private readonly SafeFd _fd;

    private UprobeMultiLink(string programName, string binaryPath, bool ret, int processId, string?[] symbols, ulong[] offsets, ulong[] cookies, SafeFd fd)
        : base(programName)
    {
        BinaryPath = binaryPath;
        IsReturnProbe = ret;
        ProcessId = processId;
        Symbols = symbols;
        Offsets = offsets;
        Cookies = cookies;
        _fd = fd;
    }

    /// <summary>The probed executable or library.</summary>
    public string BinaryPath { get; }

    /// <summary>True for uretprobe.multi (the program runs when the functions return).</summary>
    public bool IsReturnProbe { get; }

    /// <summary>The process the link is limited to, or -1 for every process.</summary>
    public int ProcessId { get; }

    /// <summary>The function of each probe (null for one given by file offset).</summary>
    public IReadOnlyList<string?> Symbols { get; }

    /// <summary>The file offset of each probe in <see cref="BinaryPath"/>.</summary>
    public IReadOnlyList<ulong> Offsets { get; }

    /// <summary>The cookie of each probe.</summary>
    public IReadOnlyList<ulong> Cookies { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    internal static UprobeMultiLink AttachPattern(BpfProgram program, string binaryPath, string pattern, bool ret, int processId)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        RequireMultiType(program);
        string path = ProbeLink.ResolveBinary(binaryPath);
        var elf = NativeElf.Read(path, $"uprobe.multi target of program '{program.Name}'");
        var targets = new List<UprobeMultiTarget>();
        foreach (var (name, _) in elf.Functions())
            if (GlobPattern.IsMatch(name, pattern)) targets.Add(new UprobeMultiTarget(name));
        if (targets.Count == 0)
            throw new BpfException("uprobe.multi", Errno.ENOENT,
                $"Cannot attach {Kind(ret)} program '{program.Name}' ({program.SectionName}): the pattern '{pattern}' matches no function in the .symtab or .dynsym of '{path}'.");
        return Attach(program, path, elf, targets, ret, processId);
    }

    internal static UprobeMultiLink Attach(BpfProgram program, string binaryPath, IReadOnlyList<UprobeMultiTarget> targets, bool ret, int processId)
    {
        RequireMultiType(program);
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Count == 0) throw new ArgumentException("Give at least one place to probe.", nameof(targets));
        string path = ProbeLink.ResolveBinary(binaryPath);
        var elf = targets.Any(t => t.Symbol is not null) ? NativeElf.Read(path, $"uprobe.multi target of program '{program.Name}'") : null;
        return Attach(program, path, elf, targets, ret, processId);
    }

    private static UprobeMultiLink Attach(BpfProgram program, string path, NativeElf? elf, IReadOnlyList<UprobeMultiTarget> targets, bool ret, int processId)
    {
        if (processId < -1 || processId == 0) throw new ArgumentOutOfRangeException(nameof(processId), "A process id, or -1 for every process.");
        Dictionary<string, ulong>? functions = elf?.Functions().ToDictionary(f => f.Name, f => f.Address, StringComparer.Ordinal);
        int n = targets.Count;
        var symbols = new string?[n];
        var offsets = new ulong[n];
        var cookies = new ulong[n];
        var refCounters = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            var t = targets[i] ?? throw new ArgumentException($"Target {i} is null.", nameof(targets));
            symbols[i] = t.Symbol;
            offsets[i] = t.Offset;
            if (t.Symbol is { } symbol)
            {
                if (!functions!.TryGetValue(symbol, out ulong address))
                    throw new BpfException("uprobe.multi", Errno.ENOENT,
                        $"Cannot attach {Kind(ret)} program '{program.Name}': '{path}' has no function '{symbol}' in .symtab or .dynsym.");
                ulong fileOffset = elf!.FileOffsetOf(address)
                    ?? throw new BpfException($"Cannot attach {Kind(ret)} program '{program.Name}': function '{symbol}' of '{path}' (address 0x{address:x}) lies in no loadable segment.");
                offsets[i] = checked(fileOffset + t.Offset);
            }
            cookies[i] = t.Cookie;
            refCounters[i] = t.ReferenceCounterOffset;
        }
        bool anyRefCounter = refCounters.Any(r => r != 0);
        string subject = $"{Kind(ret)} program '{program.Name}' ({program.SectionName}) on {n} place{(n == 1 ? "" : "s")} of '{path}'";
        long r = Create(program, path, offsets, cookies, anyRefCounter ? refCounters : null, ret, processId);
        if (r < 0)
        {
            int errno = (int)-r;
            if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP or Errno.ENOSYS || (errno == Errno.EINVAL && !UprobeMultiFeature.IsSupported))
                throw new BpfFeatureNotSupportedException("BPF_LINK_CREATE", errno, "uprobe.multi",
                    $"Cannot attach {subject}: this kernel has no uprobe.multi links (they need Linux 6.6+ with CONFIG_UPROBES); BPF_LINK_CREATE answered {Errno.Name(errno)}. " +
                    "Attach each function with AttachUprobe instead.");
            throw Errno.ToException("BPF_LINK_CREATE", errno, subject, errno switch
            {
                Errno.ESRCH => $"Process {processId} does not exist.",
                Errno.EINVAL => "Are the offsets inside the file's code, and does each reference counter offset point at a 2-byte counter in a writable segment?",
                Errno.EBADF or Errno.ENOENT => "Is the path a regular, readable file?",
                _ => null,
            });
        }
        return new UprobeMultiLink(program.Name, path, ret, processId, symbols, offsets, cookies, SafeFd.FromSyscall((int)r));
    }

    private static unsafe long Create(BpfProgram program, string path, ulong[] offsets, ulong[] cookies, ulong[]? refCounters, bool ret, int processId)
    {
        byte[] pathBytes = Encoding.UTF8.GetBytes(path + "\0");
        fixed (byte* pp = pathBytes)
        fixed (ulong* po = offsets)
        fixed (ulong* pc = cookies)
        fixed (ulong* pr = refCounters)
        {
            // SAFETY: every array is pinned for the synchronous syscall; the kernel copies them.
            var attr = new UprobeMultiLinkCreateAttr
            {
                ProgFd = (uint)program.Fd,
                // uprobe.session programs attach as sessions (entry and return in one program); the rest as uprobe.multi.
                AttachType = (uint)(program.ExpectedAttachType == BpfAttachType.TraceUprobeSession ? BpfAttachType.TraceUprobeSession : BpfAttachType.TraceUprobeMulti),
                Path = (ulong)pp,
                Offsets = (ulong)po,
                RefCounterOffsets = (ulong)pr,
                Cookies = (ulong)pc,
                Count = (uint)offsets.Length,
                MultiFlags = ret ? BPF_F_UPROBE_MULTI_RETURN : 0,
                Pid = processId == -1 ? 0 : (uint)processId,
            };
            return Bpf.Raw(BpfCommand.LinkCreate, ref attr);
        }
    }

    private static void RequireMultiType(BpfProgram program)
    {
        if (program.Type != BpfProgramType.Kprobe || program.ExpectedAttachType is not (BpfAttachType.TraceUprobeMulti or BpfAttachType.TraceUprobeSession))
            throw new InvalidOperationException(
                $"Program '{program.Name}' ({program.SectionName}) is a {program.Type} program with expected attach type {program.ExpectedAttachType}; " +
                "only programs loaded from uprobe.multi/, uretprobe.multi/ or uprobe.session/ sections (expected attach type TraceUprobeMulti or TraceUprobeSession) attach to many places of a binary.");
    }

    private static string Kind(bool ret) => ret ? "uretprobe.multi" : "uprobe.multi";

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{ProgramName} -> {Kind(IsReturnProbe)}/{BinaryPath}:{KprobeMultiLink.Describe([.. Symbols.Select((s, i) => s ?? $"0x{Offsets[i]:x}")])}";
}
