using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>
/// One Poll of a <see cref="RingBuffer"/> on its own thread, for tests that need a consumer really asleep in epoll_wait
/// (<see cref="WaitUntilAsleep"/>). What the Poll returned or threw is kept; Dispose wakes a Poll still blocked (by
/// disposing the ring buffer) when a test fails before it returned, so no thread is left behind.
/// </summary>
internal sealed class PollingThread : IDisposable
{
    private static readonly TimeSpan DisposeBound = TimeSpan.FromSeconds(10);
    private readonly RingBuffer _rb;
    private readonly Thread _thread;
    private int _tid;
    private int _result = -1;

    internal PollingThread(RingBuffer rb, Func<RingBuffer, int> poll)
    {
        _rb = rb;
        _thread = new Thread(() =>
        {
            Volatile.Write(ref _tid, ThreadState.CurrentTid());
            try
            {
                _result = poll(rb);
            }
            catch (Exception e)
            {
                Error = e;
            }
        }) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>What the Poll returned (-1 until it has).</summary>
    internal int Result => _result;

    /// <summary>What the Poll threw, if it did.</summary>
    internal Exception? Error { get; private set; }

    internal bool Finished => !_thread.IsAlive;

    internal void WaitUntilAsleep() => ThreadState.WaitUntilInEpollWait(ref _tid);

    /// <summary>Waits up to <paramref name="bound"/> for the Poll to return; false if it is still blocked.</summary>
    internal bool Join(TimeSpan bound) => _thread.Join(bound);

    /// <summary>Fails the test unless the Poll returned, without throwing, within <paramref name="bound"/>; returns its result.</summary>
    internal int Returned(TimeSpan bound)
    {
        Assert.True(Join(bound), $"Poll did not return within {bound.TotalSeconds} s");
        if (Error is not null) throw new Xunit.Sdk.XunitException($"Poll threw: {Error}");
        return _result;
    }

    public void Dispose()
    {
        if (_thread.IsAlive) _rb.Dispose();
        _thread.Join(DisposeBound);
    }
}
