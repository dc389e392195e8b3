using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A socket filter program (<c>SEC("socket")</c>) attached to one socket with setsockopt(SO_ATTACH_BPF): it sees
/// every packet the socket would receive and returns how many bytes to keep (0 drops the packet). A socket holds one
/// filter; attaching replaces the one before. Dispose detaches (SO_DETACH_BPF) unless the socket is already closed,
/// which removes the filter with it.
/// </summary>
public sealed class SocketFilterLink : BpfLink
{
    private readonly SafeHandle _socket;
    private uint _programId;
    private bool _removed;
    private bool _disposed;

    private SocketFilterLink(string programName, SafeHandle socket, uint programId) : base(programName)
    {
        _socket = socket;
        _programId = programId;
    }

    /// <summary>The socket the filter is attached to.</summary>
    public SafeHandle Socket => _socket;

    /// <inheritdoc/>
    public override bool IsDisposed => _disposed;

    private protected override string TargetDescription => $"socket fd {(_socket.IsClosed ? "(closed)" : _socket.DangerousGetHandle().ToString())}";

    internal static SocketFilterLink Attach(BpfProgram program, SafeHandle socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ObjectDisposedException.ThrowIf(socket.IsClosed, socket);
        string target = $"socket fd {socket.DangerousGetHandle()}";
        if (program.Type != BpfProgramType.SocketFilter)
            throw AttachErrors.WrongType(program, target, "only socket filter programs (SEC(\"socket\")) attach to a socket.");
        int errno = SetProgram(socket, program.Fd);
        if (errno != 0)
            throw AttachErrors.Kernel("setsockopt(SO_ATTACH_BPF)", errno, program, "socket filter", target,
                errno == Errno.ENOTSOCK ? "The handle is not a socket." : null);
        return new SocketFilterLink(program.Name, socket, program.Id);
    }

    private static unsafe int SetProgram(SafeHandle socket, int programFd)
    {
        bool added = false;
        socket.DangerousAddRef(ref added);
        try
        {
            // SAFETY: the reference keeps the socket's fd open (and not reused) for the call; programFd is a live local.
            return Libc.SetSockOpt((int)socket.DangerousGetHandle(), Libc.SOL_SOCKET, Libc.SO_ATTACH_BPF, &programFd, sizeof(int)) == 0
                ? 0 : Marshal.GetLastPInvokeError();
        }
        finally
        {
            if (added) socket.DangerousRelease();
        }
    }

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (program.Type != BpfProgramType.SocketFilter)
            throw AttachErrors.WrongType(program, TargetDescription, "only socket filter programs replace a socket filter.");
        if (_removed || _socket.IsClosed) throw new InvalidOperationException($"The socket filter '{ProgramName}' was detached or its socket closed.");
        // The kernel cannot say which eBPF filter a socket holds; the check is against what this link attached.
        if (expectedProgram is not null && expectedProgram.Id != _programId)
            throw new BpfAttachException("setsockopt(SO_ATTACH_BPF)", 0, program.Name, TargetDescription,
                $"Cannot replace the socket filter: '{expectedProgram.Name}' is not the program this link attached ('{ProgramName}').");
        int errno = SetProgram(_socket, program.Fd);
        if (errno != 0) throw AttachErrors.Kernel("setsockopt(SO_ATTACH_BPF)", errno, program, "socket filter", TargetDescription);
        _programId = program.Id;
    }

    private protected override void DetachCore() => Remove();

    private unsafe void Remove()
    {
        if (_removed) return;
        _removed = true;
        bool added = false;
        try
        {
            _socket.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            return; // the socket is closed, and its filter with it
        }
        try
        {
            int unused = 0;
            // SAFETY: the reference keeps the fd open for the call. ENOENT: no filter any more.
            _ = Libc.SetSockOpt((int)_socket.DangerousGetHandle(), Libc.SOL_SOCKET, Libc.SO_DETACH_BPF, &unused, sizeof(int));
        }
        finally
        {
            if (added) _socket.DangerousRelease();
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing || _disposed) return;
        _disposed = true;
        Remove();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> socket filter on {TargetDescription}";
}
