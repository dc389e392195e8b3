namespace Ebpf.Externs;

/// <summary>The storage of one <c>__kconfig</c> extern in the <c>.kconfig</c> map: its C type class, size, signedness and offset.</summary>
internal readonly record struct KconfigField(string Name, KconfigType Type, int Size, bool IsSigned, int Alignment, int Offset);
