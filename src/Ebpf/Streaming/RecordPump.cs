using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Ebpf.Streaming;

/// <summary>
/// The async layer shared by the ring buffer and the perf buffer: a dedicated background thread polls the transport
/// and decodes each record into a bounded channel; the caller reads the channel as an <see cref="IAsyncEnumerable{T}"/>.
/// A transport supplies only a poll function: it blocks until records arrive (woken at once by cancellation or by
/// its own Dispose), hands every record to the sink, and returns false once the transport is closed.
/// </summary>
internal static class RecordPump
{
    /// <summary>Binds the pump's sink to a transport and returns its poll function (called once per stream).</summary>
    internal delegate Func<CancellationToken, bool> Binder(RecordSink sink);

    /// <summary>
    /// The stream. Nothing starts until enumeration starts; each enumeration runs its own poller thread, which has
    /// exited by the time the enumeration ends (normally, by cancellation, by a fault, or by the caller leaving early).
    /// Ends normally when the transport is disposed; throws <see cref="OperationCanceledException"/> when
    /// <paramref name="ct"/> is cancelled; rethrows what the poller or the decoder threw.
    /// </summary>
    internal static IAsyncEnumerable<T> Stream<T>(Binder bind, RecordDecoder<T> decode, RecordStreamOptions? options,
        RecordStreamCounters counters, string threadName, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(decode);
        options ??= RecordStreamOptions.Default;
        options.Validate();
        return Enumerate(bind, decode, options, counters, threadName, ct);
    }

    private static async IAsyncEnumerable<T> Enumerate<T>(Binder bind, RecordDecoder<T> decode, RecordStreamOptions options,
        RecordStreamCounters counters, string threadName, [EnumeratorCancellation] CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var pump = new Pump<T>(decode, options, counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<CancellationToken, bool> poll = bind(pump.Deliver);
        var thread = new Thread(() => pump.Run(poll, exited, stop.Token)) { IsBackground = true, Name = threadName };
        thread.UnsafeStart(); // no ExecutionContext capture: the poller belongs to no caller's context
        try
        {
            var reader = pump.Reader;
            while (await reader.WaitToReadAsync(ct).ConfigureAwait(false))
                while (reader.TryRead(out var item))
                    yield return item;
        }
        finally
        {
            // The caller may leave early (break, exception): stop the poller and wait for it, so no thread stays blocked.
            await stop.CancelAsync().ConfigureAwait(false);
            await exited.Task.ConfigureAwait(false);
            // Signalled as the thread's last act: this join is immediate, and when the loop ends the thread is gone.
            thread.Join();
            pump.CountAbandoned();
        }
    }

    private sealed class Pump<T>
    {
        private readonly Channel<T> _channel;
        private readonly RecordDecoder<T> _decode;
        private readonly bool _dropWhenFull;
        private readonly RecordStreamCounters _counters;
        private T _pending = default!;
        private bool _hasPending;

        internal Pump(RecordDecoder<T> decode, RecordStreamOptions options, RecordStreamCounters counters)
        {
            _decode = decode;
            _dropWhenFull = options.FullMode == RecordStreamFullMode.DropNewest;
            _counters = counters;
            _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(options.Capacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full channel is handled here
                AllowSynchronousContinuations = false,
            });
        }

        internal ChannelReader<T> Reader => _channel.Reader;

        /// <summary>The sink, on the poller thread. A full queue either drops (counted) or parks the record and stops the drain.</summary>
        internal int Deliver(ReadOnlySpan<byte> record)
        {
            T item = _decode(record);
            if (_channel.Writer.TryWrite(item))
            {
                _counters.AddDelivered();
                return 0;
            }
            if (_dropWhenFull)
            {
                _counters.AddDropped();
                return 0;
            }
            _pending = item;
            _hasPending = true;
            return 1;
        }

        /// <summary>After the poller has exited: records taken from the kernel that the reader will never see are counted, not lost silently.</summary>
        internal void CountAbandoned()
        {
            if (_hasPending)
            {
                _counters.AddDelivered();
                _counters.AddAbandoned();
                _hasPending = false;
            }
            while (_channel.Reader.TryRead(out _)) _counters.AddAbandoned();
        }

        internal void Run(Func<CancellationToken, bool> poll, TaskCompletionSource exited, CancellationToken stop)
        {
            var writer = _channel.Writer;
            try
            {
                while (true)
                {
                    if (_hasPending)
                    {
                        // Backpressure: nothing more is taken from the kernel until the reader makes room.
                        while (!writer.TryWrite(_pending))
                            if (!writer.WaitToWriteAsync(stop).AsTask().GetAwaiter().GetResult()) return;
                        _counters.AddDelivered();
                        _pending = default!;
                        _hasPending = false;
                    }
                    if (!poll(stop)) break; // the transport was disposed: end the stream normally
                }
                writer.TryComplete();
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                writer.TryComplete();
            }
            catch (Exception e)
            {
                writer.TryComplete(e);
            }
            finally
            {
                exited.TrySetResult();
            }
        }
    }
}
