using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;

namespace Ebpf.Perf;

/// <summary>
/// The async layer of <see cref="PerfBuffer"/>: a dedicated background thread polls the buffers and decodes each sample
/// into a bounded channel; the caller reads the channel as an <see cref="IAsyncEnumerable{T}"/>. When the channel is
/// full the poller parks the decoded sample and stops consuming until the reader makes room (backpressure): the kernel
/// rings then fill and report their losses as lost records, so nothing is dropped silently in user space.
/// </summary>
internal static class PerfSampleStream
{
    internal const int DefaultCapacity = 4096;

    /// <summary>Decodes a sample's first <c>sizeof(T)</c> bytes; a shorter sample faults the stream naming <paramref name="source"/>.</summary>
    internal static Func<ReadOnlySpan<byte>, T> Unmanaged<T>(string source) where T : unmanaged
    {
        int size = Unsafe.SizeOf<T>();
        return sample => sample.Length >= size
            ? MemoryMarshal.Read<T>(sample)
            : throw new InvalidDataException(
                $"{source}: a sample of {sample.Length} bytes is shorter than {typeof(T).Name} ({size} bytes). " +
                "Check that the C# struct matches the record the BPF program passes to bpf_perf_event_output.");
    }

    /// <summary>Nothing starts until enumeration starts; the poller thread has exited by the time the enumeration ends.</summary>
    internal static async IAsyncEnumerable<T> Read<T>(PerfBuffer buffer, Func<ReadOnlySpan<byte>, T> decode, int capacity,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pump = new Pump<T>(buffer, decode, capacity);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var thread = new Thread(() => pump.Run(stop.Token)) { IsBackground = true, Name = "Ebpf perf buffer poller" };
        thread.UnsafeStart(); // no ExecutionContext capture: the poller belongs to no caller's context
        try
        {
            var reader = pump.Reader;
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (reader.TryRead(out var item))
                    yield return item;
        }
        finally
        {
            // The caller may leave early (break, exception, cancellation): stop the poller and wait for it.
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.Exited.ConfigureAwait(false);
        }
    }

    private sealed class Pump<T>
    {
        private readonly PerfBuffer _buffer;
        private readonly Func<ReadOnlySpan<byte>, T> _decode;
        private readonly Channel<T> _channel;
        private readonly PerfDrainStop _stop = new();
        private readonly PerfSampleHandler _onSample;
        private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _pending = default!;
        private bool _hasPending;

        internal Pump(PerfBuffer buffer, Func<ReadOnlySpan<byte>, T> decode, int capacity)
        {
            _buffer = buffer;
            _decode = decode;
            _channel = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait, // only TryWrite is used: a full channel is handled here
                AllowSynchronousContinuations = false,
            });
            _onSample = Deliver;
        }

        internal ChannelReader<T> Reader => _channel.Reader;

        internal Task Exited => _exited.Task;

        private void Deliver(int cpu, ReadOnlySpan<byte> sample)
        {
            T item = _decode(sample);
            if (_channel.Writer.TryWrite(item)) return;
            _pending = item;
            _hasPending = true;
            _stop.Requested = true;
        }

        internal void Run(CancellationToken stop)
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
                        _pending = default!;
                        _hasPending = false;
                    }
                    if (!_buffer.PollForStream(_onSample, _stop, stop)) break; // disposed: end the stream normally
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
                _exited.TrySetResult();
            }
        }
    }
}
