namespace Ebpf.Streaming;

/// <summary>Where a transport's poll hands each record: 0 = keep going, non-zero = stop this drain (the record was taken).</summary>
internal delegate int RecordSink(ReadOnlySpan<byte> record);
