namespace Ebpf.Linking;

/// <summary>Where one function of the object landed in a linked program: used to carry func_info, line_info and CO-RE
/// records (which the object states per section) over to the linked instruction stream.</summary>
internal readonly record struct FunctionPlacement(string Section, int SourceStart, int Length, int LinkedStart);
