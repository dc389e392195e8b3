using System.Runtime.InteropServices;
using Ebpf.Diagnostics;
using Ebpf.Events;
using Ebpf.Links;
using Ebpf.Records;
using UnlinkEvent = Ebpf.Cli.Unlinks.UnlinksBpf.UnlinkEvent;

namespace Ebpf.Cli.Unlinks;

/// <summary>
/// The lesson's example: loads the unlinks program for the chosen transport, attaches it to the unlink and unlinkat
/// syscall tracepoints, and hands every deletion to <see cref="UnlinkOutput"/> until cancelled. The tracepoint program is
/// one source for both transports (bpf/unlinks.bpf.c over ebpf_net/events.bpf.h, set up by EventChannel.Configure); the
/// lesson's kprobe programs are one object per transport, as the lesson wrote them.
/// </summary>
internal sealed class UnlinkTracer : IDisposable
{
    private readonly BpfObject _object;
    private readonly List<BpfLink> _links = [];
    private readonly EventReader _reader;
    private readonly UnlinkOutput _output;
    private ulong _received;

    private readonly uint _userSpacePid;

    internal UnlinkTracer(EventTransport transport, UnlinkProbe probe, uint pid, TimeSpan? orderWindow, UnlinkOutput output)
    {
        _output = output;
        Transport = transport;
        Probe = probe;
        bool ring = transport == EventTransport.RingBuf;
        string file = probe == UnlinkProbe.Kprobe ? (ring ? "lesson_unlinks.bpf.o" : "lesson_unlinks_perf.bpf.o") : "unlinks.bpf.o";
        var spec = BpfObjectSpec.FromBytes(EmbeddedObjects.Read(file), file);
        if (probe == UnlinkProbe.Tracepoint) EventChannel.Configure(spec, "events", transport);
        // The tracepoint programs filter in the kernel; the lesson's kprobe program has no filter, so filter here.
        if (pid != 0 && probe == UnlinkProbe.Tracepoint) spec.SetVariable("target_pid", pid);
        else _userSpacePid = pid;
        _object = spec.Load();
        try
        {
            // The reader first: a perf event array has no buffer for a CPU until the reader opens it, and an event
            // attached before that would fail to output (and count as dropped) for want of a reader, not of space.
            // Records carry bpf_ktime_get_ns() first (ts_ns): what the ordering sorts by.
            var options = new EventReaderOptions
            {
                OnLost = output.Lost,
                OrderWindow = orderWindow,
                Timestamp = orderWindow is null ? null : static record => MemoryMarshal.Read<ulong>(record),
            };
            _reader = probe == UnlinkProbe.Kprobe
                ? EventReader.Open(_object.Map(ring ? "rb" : "events"), OnRecord, options)
                : EventReader.Open(_object, "events", OnRecord, options); // the channel's counter: Loss and ebpf.buffer.dropped
            if (probe == UnlinkProbe.Kprobe)
            {
                _links.Add(_object.Program("do_unlinkat").Attach());
            }
            else
            {
                _links.Add(_object.Program("unlinkat").Attach());
                _links.Add(_object.Program("unlink").Attach());
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal EventTransport Transport { get; }

    internal UnlinkProbe Probe { get; }

    internal ulong Received => _received;

    /// <summary>Events delivered out of order because they came later than --order-window (0 without it).</summary>
    internal long Late => _reader.LateCount;

    /// <summary>
    /// Events the kernel side could not hand over: failed ring reservations or perf outputs, which every program of the
    /// tool counts itself (per CPU, after its filter). The perf buffer's PERF_RECORD_LOST reports (<c>OnLost</c>) are the
    /// kernel's own count of the same failed outputs, and arrive only with the next record written on that CPU, so they
    /// are shown as they come but not added: adding them counted each lost record twice.
    /// </summary>
    internal ulong Dropped
    {
        get
        {
            // The channel's own account: the program's failures by cause (perf losses are among them).
            if (Probe == UnlinkProbe.Tracepoint) return _reader.Loss.Dropped;
            // The lesson's programs count their failures in globals.
            ulong bpfSide = 0;
            foreach (string counter in new[] { "skipped_full", "reserve_failed", "output_failed" })
                if (_object.Maps.ContainsKey(".bss") && TryRead(counter, out ulong n)) bpfSide += n;
            return bpfSide;
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
            _reader.Flush(); // what the ordering still holds, in order
            _output.Flush();
        }
    }

    private bool TryRead(string variable, out ulong value)
    {
        try
        {
            value = _object.ReadVariable<ulong>(variable);
            return true;
        }
        catch (KeyNotFoundException)
        {
            value = 0;
            return false;
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record, bool late)
    {
        if (!RecordView.TryRead(record, out UnlinkEvent e)) return;
        if (_userSpacePid != 0 && e.Pid != _userSpacePid) return;
        _received++;
        _output.Event(e, late);
    }

    public void Dispose()
    {
        // Detach before the reader goes, for the same reason the reader comes first.
        foreach (var link in _links) link.Dispose();
        _reader?.Dispose();
        _object?.Dispose();
    }
}
