using Ebpf.Elf;
using Ebpf.Features;
using Ebpf.Internal.Unix;
using Ebpf.Links.MultiProbe;

namespace Ebpf.Links.Usdt;

/// <summary>
/// A program written with libbpf's <c>usdt.bpf.h</c> (<c>BPF_USDT</c>, <c>bpf_usdt_arg</c>) attached to every site of a USDT
/// probe: <c>usdt/PATH:PROVIDER:NAME</c> sections or <see cref="BpfProgram.AttachUsdt"/>. Each site's argument spec is
/// written into the object's <c>__bpf_usdt_specs</c> map (and, where BPF cookies are missing, its address into
/// <c>__bpf_usdt_ip_to_spec_id</c>), and the sites are probed through one uprobe.multi link, or one uprobe per site on
/// kernels without those links, with the spec id as cookie and the semaphore, if any, counted by the kernel.
/// Disposing detaches and frees the specs.
/// </summary>
public sealed class UsdtLink : BpfLink
{
    private readonly UsdtSpecTable _table;
    private readonly int[] _specIds;
    private readonly ulong[] _ips;
    private readonly UprobeMultiLink? _multi;
    private readonly (SafeFd Perf, SafeFd? Link)[] _perf;
    private int _disposed;

    private UsdtLink(string programName, string binaryPath, string provider, string name, int processId, UsdtProbe[] probes,
        UsdtSpecTable table, int[] specIds, ulong[] ips, UprobeMultiLink? multi, (SafeFd, SafeFd?)[] perf) : base(programName)
    {
        BinaryPath = binaryPath;
        Provider = provider;
        Name = name;
        ProcessId = processId;
        Probes = probes;
        _table = table;
        _specIds = specIds;
        _ips = ips;
        _multi = multi;
        _perf = perf;
    }

    /// <summary>The binary holding the probe.</summary>
    public string BinaryPath { get; }

    /// <summary>The probe's provider.</summary>
    public string Provider { get; }

    /// <summary>The probe's name.</summary>
    public string Name { get; }

    /// <summary>The process the link is limited to, or -1 for every process.</summary>
    public int ProcessId { get; }

    /// <summary>The probe's sites (a probe used in several places, or inlined, has several).</summary>
    public IReadOnlyList<UsdtProbe> Probes { get; }

    /// <summary>True when the sites are probed through one uprobe.multi link; false for one uprobe per site.</summary>
    public bool UsesUprobeMulti => _multi is not null;

    /// <inheritdoc/>
    public override bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Attaches as the section <c>usdt/PATH:PROVIDER:NAME</c> says.</summary>
    internal static UsdtLink FromSection(BpfProgram program)
    {
        string target = program.AttachTarget
            ?? throw new NotSupportedException($"Program '{program.Name}': section '{program.SectionName}' names no probe (expected usdt/<path>:<provider>:<name>); call AttachUsdt(path, provider, name).");
        var parts = target.Split(':');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
            throw new NotSupportedException($"Program '{program.Name}': section '{program.SectionName}': '{target}' is not <path>:<provider>:<name>; call AttachUsdt(path, provider, name).");
        return Attach(program, parts[0], parts[1], parts[2], 0, -1);
    }

    internal static UsdtLink Attach(BpfProgram program, string binaryPath, string provider, string name, ulong cookie, int processId)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        ArgumentException.ThrowIfNullOrEmpty(provider);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (processId < -1 || processId == 0) throw new ArgumentOutOfRangeException(nameof(processId), "A process id, or -1 for every process.");
        if (program.Type != BpfProgramType.Kprobe)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; USDT probes take kprobe-type programs (usdt/ sections).");
        string subject = $"USDT program '{program.Name}' on {provider}:{name} in '{binaryPath}'";
        var table = program.UsdtSpecs
            ?? throw new BpfException($"Cannot attach {subject}: its object has no '{UsdtSpecTable.SpecsMapName}' map. Write the program with libbpf's <bpf/usdt.bpf.h> (BPF_USDT, bpf_usdt_arg), which declares it.");
        string path;
        NativeElf elf;
        try
        {
            path = ProbeLink.ResolveBinary(binaryPath);
            elf = NativeElf.Read(path, "binary");
        }
        catch (BpfException e)
        {
            throw new BpfException($"Cannot attach {subject}: {e.Message}", e);
        }
        var all = UsdtNotes.Read(elf);
        var probes = all.Where(p => p.Provider == provider && p.Name == name).ToArray();
        if (probes.Length == 0)
            throw new BpfException("usdt", Errno.ENOENT, $"Cannot attach {subject}: " + (all.Count == 0
                ? $"'{path}' has no USDT probes (no .note.stapsdt notes)."
                : $"'{path}' has no probe {provider}:{name}; it has {string.Join(", ", all.Select(p => $"{p.Provider}:{p.Name}").Distinct().Take(20))}."));

        var specs = new byte[probes.Length][];
        for (int i = 0; i < probes.Length; i++)
        {
            try
            {
                specs[i] = UsdtSpec.Encode(UsdtArgumentParser.Parse(probes[i].Arguments, elf.Machine), cookie, table.SpecSize);
            }
            catch (FormatException e)
            {
                throw new BpfException($"Cannot attach {subject}: the site at 0x{probes[i].Address:x} has arguments '{probes[i].Arguments}' that usdt.bpf.h cannot read: {e.Message}");
            }
        }

        int[] ids = table.Add(specs, subject);
        var ips = new List<ulong>();
        UprobeMultiLink? multi = null;
        var perf = new List<(SafeFd, SafeFd?)>();
        try
        {
            AddIps(table, elf, path, probes, ids, processId, ips, subject);
            if (program.ExpectedAttachType == BpfAttachType.TraceUprobeMulti)
            {
                var targets = probes.Select((p, i) => new UprobeMultiTarget(null, p.FileOffset, (ulong)ids[i], p.SemaphoreOffset)).ToArray();
                multi = UprobeMultiLink.Attach(program, path, targets, false, processId);
            }
            else
            {
                for (int i = 0; i < probes.Length; i++) perf.Add(UsdtPerfProbes.Open(program, path, probes[i], ids[i], processId, subject));
            }
            return new UsdtLink(program.Name, path, provider, name, processId, probes, table, ids, [.. ips], multi, [.. perf]);
        }
        catch
        {
            multi?.Dispose();
            foreach (var (p, l) in perf)
            {
                l?.Dispose();
                p.Dispose();
            }
            table.Remove(ids, ips);
            throw;
        }
    }

    /// <summary>
    /// The ip map entries, filled wherever the run-time address is known, so a program built to look specs up by address
    /// (LINUX_HAS_BPF_COOKIE false) finds them: a fixed-address executable's sites are at their link-time addresses; a
    /// position-independent file's only in one process, read from its /proc/PID/maps.
    /// </summary>
    private static void AddIps(UsdtSpecTable table, NativeElf elf, string path, UsdtProbe[] probes, int[] ids, int processId, List<ulong> ips, string subject)
    {
        if (!table.HasIpMap) return;
        if (elf.IsSharedObject && processId == -1)
        {
            if (KernelFeatures.HasBpfCookie()) return;
            throw new BpfFeatureNotSupportedException("usdt", 0, "BPF cookie",
                $"Cannot attach {subject}: this kernel has no BPF cookies (Linux 5.15+), so the program finds each site's spec by its run-time address, " +
                $"which a position-independent file such as '{path}' has only in a given process: attach with a process id.");
        }
        if (elf.IsSharedObject && !Directory.Exists($"/proc/{processId}"))
            throw new BpfException("usdt", Errno.ESRCH, $"Cannot attach {subject}: process {processId} does not exist.");
        for (int i = 0; i < probes.Length; i++)
        {
            ulong ip = probes[i].Address;
            if (elf.IsSharedObject)
                ip = ProcessMapsOf(processId, path, probes[i].FileOffset, subject)
                    ?? throw new BpfException($"Cannot attach {subject}: '{path}' is not mapped in process {processId} (at file offset 0x{probes[i].FileOffset:x}).");
            table.AddIp(ip, ids[i], subject);
            ips.Add(ip);
        }
    }

    private static ulong? ProcessMapsOf(int processId, string path, ulong fileOffset, string subject)
    {
        try
        {
            return ProcessMaps.AddressOf(processId, path, fileOffset);
        }
        catch (BpfException e)
        {
            throw new BpfException($"Cannot attach {subject}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing || Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _multi?.Dispose();
        foreach (var (perf, link) in _perf)
        {
            link?.Dispose();
            perf.Dispose();
        }
        _table.Remove(_specIds, _ips);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> usdt/{BinaryPath}:{Provider}:{Name} ({Probes.Count} site{(Probes.Count == 1 ? "" : "s")})";
}
