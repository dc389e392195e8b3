using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// An attachment made with BPF_PROG_ATTACH, the mechanism before BPF links, for the links that fall back to it
/// (cgroup, sockmap, flow dissector). It keeps the target and a duplicate of the attached program's descriptor, so it
/// can replace the program by attaching again and remove exactly it (BPF_PROG_DETACH naming the program) even after
/// the caller closed its own descriptors. Each link keeps its own error messages: it passes how to make them.
/// </summary>
internal sealed class ProgAttachment : IDisposable
{
    private readonly SafeFd _target;
    private readonly BpfAttachType _attachType;
    private readonly uint _flags;
    private readonly string? _namespaceSubject;
    private SafeFd _program;

    private ProgAttachment(SafeFd target, BpfAttachType attachType, uint flags, string? namespaceSubject, SafeFd program)
    {
        _target = target;
        _attachType = attachType;
        _flags = flags;
        _namespaceSubject = namespaceSubject;
        _program = program;
    }

    /// <summary>True once disposed.</summary>
    internal bool IsClosed => _target.IsClosed;

    /// <summary>True once the program was detached.</summary>
    internal bool IsRemoved { get; private set; }

    /// <summary>Attaches <paramref name="program"/> to <paramref name="target"/> (a cgroup, a sockmap) with
    /// <paramref name="flags"/> (BPF_F_ALLOW_OVERRIDE, BPF_F_ALLOW_MULTI); <paramref name="refused"/> makes the
    /// exception for the kernel's errno.</summary>
    internal static ProgAttachment Attach(BpfProgram program, SafeFd target, BpfAttachType attachType, uint flags, Func<int, BpfException> refused) =>
        Attach(program, target, attachType, flags, null, refused);

    /// <summary>Attaches <paramref name="program"/> to the network namespace <paramref name="netns"/>. BPF_PROG_ATTACH
    /// works on the caller's namespace, so each call runs on a thread that entered <paramref name="netns"/>;
    /// <paramref name="subject"/> names the program if entering fails.</summary>
    internal static ProgAttachment AttachInNamespace(BpfProgram program, SafeFd netns, BpfAttachType attachType, string subject, Func<int, BpfException> refused) =>
        Attach(program, netns, attachType, 0, subject, refused);

    private static ProgAttachment Attach(BpfProgram program, SafeFd target, BpfAttachType attachType, uint flags, string? namespaceSubject,
        Func<int, BpfException> refused)
    {
        var attr = new ProgAttachAttr { AttachBpfFd = (uint)program.Fd, AttachType = (uint)attachType, AttachFlags = flags };
        long r = Call(target, namespaceSubject, attr, detach: false);
        if (r < 0) throw refused((int)-r);
        SafeFd? keptTarget = null;
        try
        {
            keptTarget = target.Duplicate();
            return new ProgAttachment(keptTarget, attachType, flags, namespaceSubject, program.Handle.Duplicate());
        }
        catch
        {
            // Undo the attachment: nothing may stay behind a failed attach.
            _ = Call(target, namespaceSubject, DetachAttr(program.Handle, attachType), detach: true);
            keptTarget?.Dispose();
            throw;
        }
    }

    /// <summary>Throws when the program was detached: there is nothing left to replace.</summary>
    internal void RequireAttached(string programName, string target)
    {
        if (IsRemoved) throw new InvalidOperationException($"Program '{programName}' was detached from {target}.");
    }

    /// <summary>
    /// Attaches <paramref name="program"/> in place of the attached one (checked to be <paramref name="expectedProgram"/>
    /// when given). In multi mode the attach names the program it replaces (BPF_F_REPLACE), or it would add a second
    /// one; the single-program modes replace by attaching again.
    /// </summary>
    internal void Replace(BpfProgram program, BpfProgram? expectedProgram, string programName, string target, Func<int, BpfException> refused)
    {
        RequireAttached(programName, target);
        if (expectedProgram is not null && expectedProgram.Id != Bpf.GetInfo<BpfProgInfo>(_program, "the attached program").Id)
            throw new BpfAttachException("BPF_PROG_ATTACH", 0, program.Name, target,
                $"Cannot replace program '{programName}' on {target}: '{expectedProgram.Name}' is not the program this link attached.");
        var attr = new ProgAttachAttr { AttachBpfFd = (uint)program.Fd, AttachType = (uint)_attachType, AttachFlags = _flags };
        if ((_flags & BpfAttach.BPF_F_ALLOW_MULTI) != 0)
        {
            attr.AttachFlags |= BpfAttach.BPF_F_REPLACE;
            attr.ReplaceBpfFd = (uint)_program.Fd;
        }
        long r = Call(_target, _namespaceSubject, attr, detach: false);
        if (r < 0) throw refused((int)-r);
        var old = _program;
        _program = program.Handle.Duplicate();
        old.Dispose();
    }

    /// <summary>Detaches the program, once. Naming it detaches exactly it, whatever else runs on the hook (ENOENT:
    /// someone removed or replaced it already).</summary>
    internal void Remove()
    {
        if (IsRemoved) return;
        IsRemoved = true;
        _ = Call(_target, _namespaceSubject, DetachAttr(_program, _attachType), detach: true);
    }

    private static ProgAttachAttr DetachAttr(SafeFd program, BpfAttachType attachType) =>
        new() { AttachBpfFd = (uint)program.Fd, AttachType = (uint)attachType };

    private static long Call(SafeFd target, string? namespaceSubject, ProgAttachAttr attr, bool detach)
    {
        if (namespaceSubject is not null)
            return NetNs.RunIn(target, () => Syscall(ref attr, detach), namespaceSubject);
        attr.TargetFd = (uint)target.Fd;
        return Syscall(ref attr, detach);
    }

    private static long Syscall(ref ProgAttachAttr attr, bool detach) => detach ? BpfAttach.ProgDetach(ref attr) : BpfAttach.ProgAttach(ref attr);

    /// <summary>Removes the attachment, then closes the program's and the target's descriptors.</summary>
    public void Dispose()
    {
        if (_target.IsClosed) return;
        try
        {
            Remove();
        }
        finally
        {
            _program.Dispose();
            _target.Dispose();
        }
    }
}
