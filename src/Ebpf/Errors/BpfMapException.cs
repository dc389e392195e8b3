namespace Ebpf;

/// <summary>
/// An operation on a map was refused: a key, value or buffer of the wrong size, an operation the map's type does not
/// have (a push on a hash map), or a kernel error that only makes sense for this map. <see cref="MapName"/> names the
/// map; the message says what the map expects.
/// </summary>
public sealed class BpfMapException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfMapException(string operation, int errno, string mapName, string message) : base(operation, errno, message) => MapName = mapName;

    /// <summary>The map the operation was meant for.</summary>
    public string MapName { get; }
}
