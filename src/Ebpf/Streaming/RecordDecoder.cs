namespace Ebpf.Streaming;

/// <summary>
/// Turns one record into a value that may outlive it. Called on the stream's poller thread while the record is
/// still in the kernel's ring: copy what you need, do not keep the span.
/// </summary>
/// <typeparam name="T">The decoded type, handed to the async reader.</typeparam>
/// <param name="record">The record's bytes, valid only during the call.</param>
public delegate T RecordDecoder<T>(ReadOnlySpan<byte> record);
