namespace Ebpf.Streaming;

/// <summary>
/// The thread behind a buffer's <c>PollAsync</c>: an epoll wait has no completion port to hand to the thread pool, so
/// one background thread per buffer (started at the first PollAsync, reused by every later one) runs the blocking,
/// cancellable Poll and completes the caller's task. Cancellation wakes that Poll through the buffer's eventfd, so a
/// cancelled PollAsync completes at once. One PollAsync at a time, like Poll.
/// </summary>
internal sealed class AsyncPoller : IDisposable
{
    private readonly Func<CancellationToken, int> _poll;
    private readonly string _threadName;
    private readonly SemaphoreSlim _requested = new(0);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _startLock = new();
    private Thread? _thread;
    private TaskCompletionSource<int>? _pending;
    private CancellationToken _pendingToken;
    private volatile bool _disposed;
    private int _busy;

    /// <param name="poll">The buffer's blocking Poll(CancellationToken): records handled, 0 once the buffer is disposed.</param>
    /// <param name="threadName">Names the thread (seen in debuggers and dumps).</param>
    internal AsyncPoller(Func<CancellationToken, int> poll, string threadName)
    {
        _poll = poll;
        _threadName = threadName;
    }

    /// <summary>Completes once the thread has exited (at once if it never started); after <see cref="Dispose"/>.</summary>
    internal Task Exited
    {
        get
        {
            lock (_startLock)
                return _thread is null ? Task.CompletedTask : _exited.Task;
        }
    }

    internal Task<int> PollAsync(Func<Exception> busy, CancellationToken ct)
    {
        if (ct.IsCancellationRequested) return Task.FromCanceled<int>(ct);
        if (_disposed) return Task.FromResult(0); // as Poll after Dispose
        if (Interlocked.Exchange(ref _busy, 1) != 0) return Task.FromException<int>(busy());
        var tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingToken = ct;
        Volatile.Write(ref _pending, tcs);
        lock (_startLock)
        {
            if (_thread is null && !_disposed)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = _threadName };
                _thread.UnsafeStart(); // no ExecutionContext capture: the thread serves every later call
            }
        }
        try
        {
            _requested.Release();
        }
        catch (ObjectDisposedException)
        {
            // Disposed meanwhile and the thread is gone: as Poll after Dispose.
            Volatile.Write(ref _busy, 0);
            Interlocked.Exchange(ref _pending, null)?.TrySetResult(0);
        }
        return tcs.Task;
    }

    /// <summary>Stops the thread after the Poll it runs returns (the buffer's own Dispose makes it return promptly).</summary>
    public void Dispose()
    {
        _disposed = true;
        _requested.Release();
    }

    private void Run()
    {
        try
        {
            while (true)
            {
                _requested.Wait();
                var tcs = Interlocked.Exchange(ref _pending, null);
                if (tcs is null)
                {
                    if (_disposed) return;
                    continue;
                }
                var ct = _pendingToken;
                try
                {
                    int n = _poll(ct);
                    Volatile.Write(ref _busy, 0);
                    tcs.SetResult(n);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    Volatile.Write(ref _busy, 0);
                    tcs.SetCanceled(ct);
                }
                catch (Exception e)
                {
                    Volatile.Write(ref _busy, 0);
                    tcs.SetException(e);
                }
                if (_disposed) return;
            }
        }
        finally
        {
            _requested.Dispose();
            Interlocked.Exchange(ref _pending, null)?.TrySetResult(0); // a PollAsync that raced with Dispose
            _exited.TrySetResult();
        }
    }
}
