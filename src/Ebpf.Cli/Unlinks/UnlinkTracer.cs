using System.Runtime.InteropServices;
using Ebpf.Events;
using Ebpf.Links;

namespace Ebpf.Cli.Unlinks;

/// <summary>
/// The lesson's example: loads the unlinks program for the chosen transport, attaches it to the unlink and unlinkat
/// syscall tracepoints, and hands every deletion to <see cref="UnlinkOutput"/> until cancelled.
/// </summary>
internal sealed class UnlinkTracer : IDisposable
{
    private readonly BpfObject _object;
    private readonly List<BpfLink> _links = [];
    private readonly EventReader _reader;
    private readonly UnlinkOutput _output;
    private ulong _received;

    internal UnlinkTracer(EventTransport transport, uint pid, UnlinkOutput output)
    {
        _output = output;
        Transport = transport;
        string file = transport == EventTransport.RingBuf ? "unlinks.bpf.o" : "unlinks_perf.bpf.o";
        var spec = BpfObjectSpec.FromBytes(EmbeddedObjects.Read(file), file);
        if (pid != 0) spec.SetVariable("target_pid", pid);
        _object = spec.Load();
        try
        {
            _links.Add(_object.Program("unlinkat").Attach());
            _links.Add(_object.Program("unlink").Attach());
            _reader = EventReader.Open(_object.Map("events"), OnRecord, new EventReaderOptions { OnLost = output.Lost });
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal EventTransport Transport { get; }

    internal ulong Received => _received;

    /// <summary>Events the kernel side dropped (failed ring reservations or perf outputs) plus perf records lost.</summary>
    internal ulong Dropped
    {
        get
        {
            ulong bpfSide = 0;
            foreach (var perCpu in _object.Map("drops").LookupPerCpu<uint, ulong>(0)) bpfSide += perCpu;
            return bpfSide + (_reader?.LostCount ?? 0);
        }
    }

    /// <summary>Polls until <paramref name="cancellationToken"/> is cancelled, then drains what is left.</summary>
    internal void Run(CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                _reader.Poll(cancellationToken);
                _output.Flush();
            }
        }
        catch (OperationCanceledException)
        {
            _reader.Consume();
            _output.Flush();
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length < Marshal.SizeOf<UnlinkEvent>()) return;
        _received++;
        _output.Event(MemoryMarshal.Read<UnlinkEvent>(record));
    }

    public void Dispose()
    {
        _reader?.Dispose();
        foreach (var link in _links) link.Dispose();
        _object?.Dispose();
    }
}
