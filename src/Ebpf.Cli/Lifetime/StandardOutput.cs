using Microsoft.Win32.SafeHandles;

namespace Ebpf.Cli.Lifetime;

/// <summary>
/// Standard output as a stream that notices when its reader has gone (<c>| head -n 3</c> exiting): the write fails with
/// EPIPE (the runtime ignores SIGPIPE), <see cref="Closed"/> turns true, <c>onClosed</c> runs once (a command stops there,
/// as every Unix filter does), and later writes are dropped. Console.OpenStandardOutput's stream cannot be used for this:
/// it swallows EPIPE, so a tracer writing to a closed pipe would run forever.
/// </summary>
internal sealed class StandardOutput : Stream
{
    private const int EPIPE = 32;

    private readonly FileStream _out;
    private readonly Action _onClosed;
    private int _closed;

    /// <summary>Wraps file descriptor 1 (not closed on dispose); buffered until <see cref="Flush"/>.</summary>
    internal StandardOutput(Action onClosed)
    {
        _out = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 16 << 10);
        _onClosed = onClosed;
    }

    /// <summary>True once a write found the reader gone.</summary>
    internal bool Closed => Volatile.Read(ref _closed) != 0;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Closed) return;
        try
        {
            _out.Write(buffer);
        }
        catch (IOException e) when (e.HResult == EPIPE)
        {
            MarkClosed();
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void WriteByte(byte value) => Write([value]);

    public override void Flush()
    {
        if (Closed) return;
        try
        {
            _out.Flush();
        }
        catch (IOException e) when (e.HResult == EPIPE)
        {
            MarkClosed();
        }
    }

    private void MarkClosed()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0) _onClosed();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
            // The buffer may still hold bytes a closed pipe refused: drop them rather than fail again in Dispose.
            try
            {
                _out.Dispose();
            }
            catch (IOException e) when (e.HResult == EPIPE)
            {
            }
        }
        base.Dispose(disposing);
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
