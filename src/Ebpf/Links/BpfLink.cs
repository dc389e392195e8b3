namespace Ebpf.Links;

/// <summary>
/// An attachment of a program to a hook. Disposing detaches the program. Keep a reference for as long as the
/// program must stay attached: the underlying descriptors are closed (and the program detached) when the link is
/// disposed or garbage-collected.
/// </summary>
public abstract class BpfLink : IDisposable
{
    private protected BpfLink(string programName) => ProgramName = programName;

    /// <summary>The attached program's name.</summary>
    public string ProgramName { get; }

    /// <summary>True once disposed (detached).</summary>
    public abstract bool IsDisposed { get; }

    /// <summary>Detaches the program. Calling it twice is harmless.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the link's descriptors.</summary>
    protected abstract void Dispose(bool disposing);
}
