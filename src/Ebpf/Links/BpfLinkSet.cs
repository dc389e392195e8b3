using System.Collections;

namespace Ebpf.Links;

/// <summary>
/// The links of several programs, detached together: what <see cref="AttachAll"/> returns (libbpf's
/// <c>bpf_object__attach_skeleton</c>, the skeleton's <c>AttachAll()</c>). Dispose detaches every program.
/// </summary>
public sealed class BpfLinkSet : IReadOnlyList<BpfLink>, IDisposable
{
    private readonly List<BpfLink> _links;

    private BpfLinkSet(List<BpfLink> links) => _links = links;

    /// <summary>
    /// Attaches every loaded program of <paramref name="obj"/> whose section says where (<see cref="AttachesFromSection"/>),
    /// in program-name order, with <see cref="BpfProgram.Attach()"/>; the others (XDP, tc, perf_event, a uprobe without a
    /// path…) are left for the caller to attach explicitly. If one attach fails, the links made so far are detached and
    /// the exception propagates.
    /// </summary>
    public static BpfLinkSet AttachAll(BpfObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var links = new List<BpfLink>();
        try
        {
            foreach (var (_, program) in obj.Programs.OrderBy(p => p.Key, StringComparer.Ordinal))
                if (AttachesFromSection(program)) links.Add(program.Attach());
        }
        catch
        {
            foreach (var link in links) link.Dispose();
            throw;
        }
        return new BpfLinkSet(links);
    }

    /// <summary>
    /// Attaches the programs <paramref name="programNames"/> of <paramref name="obj"/>, in that order, each where its type
    /// and section say, to the targets in <paramref name="options"/> (<see cref="BpfProgram.Attach(AttachOptions)"/>): the
    /// shape of <c>ebpf attach OBJ --program A --program B --iface DEV --cgroup PATH</c>. Before anything is attached, every
    /// name must be a loaded program and every target given must be used by one of the programs (an interface by an XDP
    /// or tc program, a cgroup by a cgroup program, an XDP mode by an XDP program): a target no program takes is a mistake
    /// worth an error, not a silent no-op. If one attach fails, the links made so far are detached and the exception
    /// propagates.
    /// </summary>
    /// <exception cref="BpfNameNotFoundException">A name is not a loaded program of the object.</exception>
    /// <exception cref="BpfAttachException">A target is missing, does not exist, or fits none of the programs; or the kernel refused.</exception>
    public static BpfLinkSet Attach(BpfObject obj, IEnumerable<string> programNames, AttachOptions options)
    {
        ArgumentNullException.ThrowIfNull(obj);
        ArgumentNullException.ThrowIfNull(programNames);
        ArgumentNullException.ThrowIfNull(options);
        var programs = programNames.Distinct(StringComparer.Ordinal).Select(obj.Program).ToList();
        if (NetworkAttach.UnusedTarget([.. programs.Select(p => (p.Name, p.SectionName, p.Type))], options) is { } unused) throw unused;
        var links = new List<BpfLink>();
        try
        {
            foreach (var program in programs) links.Add(program.Attach(options));
        }
        catch
        {
            for (int i = links.Count - 1; i >= 0; i--) links[i].Dispose();
            throw;
        }
        return new BpfLinkSet(links);
    }

    /// <summary>True when the program's section names its attach point, so <see cref="BpfProgram.Attach()"/> can attach it
    /// without arguments: tracepoint/category/name, raw_tp/name, kprobe/, kretprobe/, ksyscall/, uprobe/path:symbol,
    /// tp_btf/, fentry/, fexit/, fmod_ret/, lsm/, iter/.</summary>
    public static bool AttachesFromSection(BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return program.Type switch
        {
            BpfProgramType.Tracepoint => program.AttachTarget is { } t && t.IndexOf('/', StringComparison.Ordinal) is > 0 && t[^1] != '/',
            BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable or BpfProgramType.Kprobe => program.AttachTarget is { Length: > 0 },
            BpfProgramType.Tracing or BpfProgramType.Lsm => program.ExpectedAttachType is BpfAttachType.TraceRawTp or BpfAttachType.TraceFentry
                or BpfAttachType.TraceFexit or BpfAttachType.ModifyReturn or BpfAttachType.LsmMac or BpfAttachType.TraceIter,
            _ => false,
        };
    }

    /// <inheritdoc/>
    public int Count => _links.Count;

    /// <inheritdoc/>
    public BpfLink this[int index] => _links[index];

    /// <inheritdoc/>
    public IEnumerator<BpfLink> GetEnumerator() => _links.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Detaches every program (in reverse order of attachment).</summary>
    public void Dispose()
    {
        for (int i = _links.Count - 1; i >= 0; i--) _links[i].Dispose();
    }
}
