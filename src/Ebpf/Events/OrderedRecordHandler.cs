namespace Ebpf.Events;

/// <summary>
/// Receives one record in timestamp order. <paramref name="late"/> is true for a record that arrived after records with
/// later timestamps had already been delivered (it came later than the ordering window allows): it is delivered
/// anyway, out of order, and counted. The span is valid only during the call.
/// </summary>
public delegate void OrderedRecordHandler(ReadOnlySpan<byte> record, bool late);
