using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Links;

namespace Ebpf.StructOps;

/// <summary>
/// A struct_ops map registered with the kernel (for example a TCP congestion control written in BPF): the map's value,
/// with its programs, is stored (BPF_MAP_UPDATE_ELEM), which registers a <c>.struct_ops</c> map at once; a
/// <c>.struct_ops.link</c> map is registered by a BPF link (BPF_LINK_CREATE, BPF_STRUCT_OPS). Disposing unregisters:
/// the link is closed, or the map's element deleted.
/// </summary>
public sealed class StructOpsLink : BpfLink
{
    private const uint BPF_STRUCT_OPS = 44;

    private readonly SafeFd _map;
    private readonly SafeFd? _link;
    private int _disposed;

    private StructOpsLink(string mapName, string typeName, SafeFd map, SafeFd? link) : base(mapName)
    {
        TypeName = typeName;
        _map = map;
        _link = link;
    }

    /// <summary>The kernel struct the map implements, for example <c>tcp_congestion_ops</c>.</summary>
    public string TypeName { get; }

    // .struct_ops.link maps are registered through a BPF link (IsBpfLink): it can be pinned, described and detached.
    private protected override SafeFd? LinkFd => _link;

    // BPF_LINK_UPDATE on a struct_ops link swaps the map, not a program.
    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram) =>
        throw new NotSupportedException($"The struct_ops link of map '{ProgramName}' runs a map of programs, not one program; it cannot be updated to program '{program.Name}'.");

    /// <inheritdoc/>
    public override bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Registers struct_ops map <paramref name="map"/> (loaded from an object's <c>.struct_ops</c> or
    /// <c>.struct_ops.link</c> section).</summary>
    /// <exception cref="InvalidOperationException">The map is not a struct_ops map loaded from an object.</exception>
    /// <exception cref="BpfException">The kernel refused the registration (for example EEXIST: the name is taken).</exception>
    public static unsafe StructOpsLink Attach(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        var state = map.StructOps
            ?? throw new InvalidOperationException($"Map '{map.Name}' is a {map.Type} map, not a struct_ops map loaded from an object's .struct_ops or .struct_ops.link section.");
        string subject = $"struct_ops map '{map.Name}' (struct {state.TypeName})";
        // Our own descriptor: the registration must be undone even if the object (and its map fd) is disposed first.
        var fd = SafeFd.Duplicate(map.Fd);
        SafeFd? link = null;
        try
        {
            int key = 0;
            fixed (byte* value = state.Value)
            {
                long r = Bpf.Update(fd, &key, value, 0);
                if (r < 0)
                    throw Errno.ToException("BPF_MAP_UPDATE_ELEM", (int)-r, subject, -r switch
                    {
                        Errno.EEXIST => "Something of the same name is already registered (another copy still attached?), or the map is already registered.",
                        Errno.EBUSY => "The map is already registered.",
                        Errno.EINVAL => "The kernel refused the value: a required member (operation) is missing, or a name is invalid.",
                        _ => null,
                    });
            }
            if (state.IsLink)
            {
                var attr = new LinkCreateAttr { ProgFd = (uint)fd.Fd, AttachType = BPF_STRUCT_OPS };
                link = Bpf.LinkCreate(ref attr, subject);
            }
            return new StructOpsLink(map.Name, state.TypeName, fd, link);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    protected override unsafe void Dispose(bool disposing)
    {
        if (!disposing || Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_link is not null)
        {
            _link.Dispose();
        }
        else
        {
            int key = 0;
            _ = Bpf.Delete(_map, &key);
        }
        _map.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> struct_ops/{TypeName}";
}
