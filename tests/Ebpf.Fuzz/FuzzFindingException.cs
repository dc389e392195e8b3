namespace Ebpf.Fuzz;

/// <summary>A defect the harness detects itself (not an exception the library threw): a documented exception that names
/// the wrong object, an allocation out of proportion to the input, a value that does not round-trip.</summary>
internal sealed class FuzzFindingException : Exception
{
    public FuzzFindingException() { }

    public FuzzFindingException(string message) : base(message) { }

    public FuzzFindingException(string message, Exception inner) : base(message, inner) { }
}
