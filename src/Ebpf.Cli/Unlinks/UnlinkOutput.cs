using System.Text.Json;

namespace Ebpf.Cli.Unlinks;

/// <summary>Writes events, losses and the final summary as text lines or as one JSON object per line.</summary>
internal sealed class UnlinkOutput(TextWriter writer, bool json)
{
    internal void Header()
    {
        if (!json) writer.WriteLine($"{"TIME",-8} {"PID",-7} {"COMM",-16} FILENAME");
    }

    internal void Event(in UnlinkEvent e)
    {
        if (json)
        {
            writer.WriteLine(JsonLine(w =>
            {
                w.WriteNumber("ts_ns", e.TimestampNs);
                w.WriteNumber("pid", e.Pid);
                w.WriteNumber("tid", e.Tid);
                w.WriteString("comm", e.Comm);
                w.WriteString("filename", e.FileName);
            }));
        }
        else
        {
            writer.WriteLine($"{DateTime.Now:HH:mm:ss} {e.Pid,-7} {e.Comm,-16} {e.FileName}");
        }
    }

    internal void Lost(int cpu, ulong lost)
    {
        if (json) writer.WriteLine(JsonLine(w => { w.WriteNumber("cpu", cpu); w.WriteNumber("lost", lost); }));
        else writer.WriteLine($"lost {lost} events on CPU {cpu}");
    }

    internal void Summary(ulong received, ulong dropped)
    {
        if (json) writer.WriteLine(JsonLine(w => { w.WriteNumber("received", received); w.WriteNumber("dropped", dropped); }));
        else writer.WriteLine($"{received} events received, {dropped} dropped");
    }

    internal void Flush() => writer.Flush();

    private static string JsonLine(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
