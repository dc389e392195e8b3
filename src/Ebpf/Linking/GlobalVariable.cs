namespace Ebpf.Linking;

/// <summary>A global variable in a global-data map: where <see cref="BpfObjectSpec.SetVariable{T}"/> writes it.</summary>
internal sealed record GlobalVariable(string Name, string MapName, uint Offset, uint Size, uint TypeId);
