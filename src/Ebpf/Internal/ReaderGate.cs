namespace Ebpf.Internal;

/// <summary>
/// Keeps mapped memory alive while a reader uses it. Poll/Consume enter the gate; Dispose closes it and the
/// resources are released by whichever comes last, Dispose or the final Exit. So a Dispose on another thread (or
/// from inside a handler) never unmaps pages a consumer is still reading, and never blocks waiting for it.
/// It also admits one consumer at a time (<see cref="TryEnterConsumer"/>): the consumer bit lives in the same word
/// as the user count, so a Poll pays one atomic operation to get in and one to get out.
/// </summary>
internal sealed class ReaderGate
{
    private const int ClosedBit = 1;
    private const int ConsumerBit = 2;
    private const int OneUser = 4;
    private int _state;
    private readonly Action _release;

    internal ReaderGate(Action release) => _release = release;

    internal bool IsClosed => (Volatile.Read(ref _state) & ClosedBit) != 0;

    /// <summary>Enters the gate or throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/>.</summary>
    internal void Enter(object owner)
    {
        int after = Interlocked.Add(ref _state, OneUser);
        if ((after & ClosedBit) != 0)
        {
            Exit();
            throw new ObjectDisposedException(owner.GetType().Name);
        }
    }

    /// <summary>Enters the gate; returns false (and stays out) once it is closed.</summary>
    internal bool TryEnter()
    {
        int after = Interlocked.Add(ref _state, OneUser);
        if ((after & ClosedBit) == 0) return true;
        Exit();
        return false;
    }

    internal void Exit()
    {
        int after = Interlocked.Add(ref _state, -OneUser);
        if (after == ClosedBit) Release();
    }

    /// <summary>
    /// Enters as the one consumer, or throws <see cref="ObjectDisposedException"/> naming <paramref name="owner"/> once the
    /// gate is closed; returns false (staying out) while another consumer is inside. Leave with <see cref="ExitConsumer"/>.
    /// </summary>
    internal bool EnterConsumer(object owner) => TryEnterConsumer() switch
    {
        ConsumerEntry.Entered => true,
        ConsumerEntry.Busy => false,
        _ => throw new ObjectDisposedException(owner.GetType().Name),
    };

    /// <summary>
    /// Enters as the one consumer: <see cref="ConsumerEntry.Entered"/>, or <see cref="ConsumerEntry.Closed"/> once the
    /// gate is closed, or <see cref="ConsumerEntry.Busy"/> while another consumer is inside (both times staying out).
    /// Leave with <see cref="ExitConsumer"/>.
    /// </summary>
    internal ConsumerEntry TryEnterConsumer()
    {
        int before = Volatile.Read(ref _state);
        while (true)
        {
            if ((before & ClosedBit) != 0) return ConsumerEntry.Closed;
            if ((before & ConsumerBit) != 0) return ConsumerEntry.Busy;
            int seen = Interlocked.CompareExchange(ref _state, before + OneUser + ConsumerBit, before);
            if (seen == before) return ConsumerEntry.Entered;
            before = seen;
        }
    }

    /// <summary>Leaves after <see cref="TryEnterConsumer"/> returned Entered.</summary>
    internal void ExitConsumer()
    {
        int after = Interlocked.Add(ref _state, -(OneUser + ConsumerBit));
        if (after == ClosedBit) Release();
    }

    /// <summary>Closes the gate; returns false if it was already closed (double Dispose is harmless).</summary>
    internal bool Close()
    {
        int before;
        do
        {
            before = Volatile.Read(ref _state);
            if ((before & ClosedBit) != 0) return false;
        }
        while (Interlocked.CompareExchange(ref _state, before | ClosedBit, before) != before);
        if (before == 0) Release();
        return true;
    }

    private int _released;

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _release();
    }
}

/// <summary>The outcome of <see cref="ReaderGate.TryEnterConsumer"/>.</summary>
internal enum ConsumerEntry
{
    Entered,
    Closed,
    Busy,
}
