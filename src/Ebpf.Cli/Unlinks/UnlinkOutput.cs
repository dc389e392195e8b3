using System.Buffers;
using System.Text.Json;
using UnlinkEvent = Ebpf.Cli.Unlinks.UnlinksBpf.UnlinkEvent;

namespace Ebpf.Cli.Unlinks;

/// <summary>Writes events, losses and the final summary as text lines or as one JSON object per line.</summary>
internal sealed class UnlinkOutput : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _json;
    private readonly StreamWriter _text;
    private readonly ArrayBufferWriter<byte> _buffer = new(512);
    private readonly Utf8JsonWriter _writer;

    internal UnlinkOutput(Stream stream, bool json)
    {
        _stream = stream;
        _json = json;
        _text = new StreamWriter(stream) { AutoFlush = false };
        _writer = new Utf8JsonWriter(_buffer, JsonOutput.Options);
    }

    internal void Header()
    {
        if (!_json) _text.WriteLine($"{"TIME",-8} {"PID",-7} {"COMM",-16} FILENAME");
    }

    internal void Event(in UnlinkEvent e, bool late = false)
    {
        if (!_json)
        {
            _text.WriteLine($"{DateTime.Now:HH:mm:ss} {e.Pid,-7} {e.Comm,-16} {e.Filename}{(late ? "  (late: out of order)" : "")}");
            return;
        }
        Begin();
        _writer.WriteNumber("ts_ns", e.TsNs);
        _writer.WriteNumber("pid", e.Pid);
        _writer.WriteNumber("tid", e.Tid);
        _writer.WriteString("comm", e.Comm.ToString());
        _writer.WriteString("filename", e.Filename.ToString());
        if (late) _writer.WriteBoolean("late", true);
        End();
    }

    internal void Lost(int cpu, ulong lost)
    {
        if (!_json)
        {
            _text.WriteLine($"lost {lost} events on CPU {cpu}");
            return;
        }
        Begin();
        _writer.WriteNumber("cpu", cpu);
        _writer.WriteNumber("lost", lost);
        End();
    }

    /// <param name="late">With --order-window: events delivered out of order (later than the window); null without it.</param>
    internal void Summary(ulong received, ulong dropped, long? late = null)
    {
        if (!_json)
        {
            _text.WriteLine($"{received} events received, {dropped} dropped" + (late is { } l ? $", {l} late (out of order)" : ""));
            return;
        }
        Begin();
        _writer.WriteNumber("received", received);
        _writer.WriteNumber("dropped", dropped);
        if (late is { } n) _writer.WriteNumber("late", n);
        End();
    }

    internal void Flush()
    {
        _text.Flush();
        _stream.Flush();
    }

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        _writer.WriteStartObject();
    }

    private void End()
    {
        _writer.WriteEndObject();
        _writer.Flush();
        _stream.Write(_buffer.WrittenSpan);
        _stream.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _writer.Dispose();
        _text.Dispose();
    }
}
