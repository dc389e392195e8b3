namespace Ebpf;

/// <summary>
/// A BPF object (ELF/BTF) is malformed or uses something the loader does not support. The message names the object,
/// the section or symbol, and what to do. Thrown while parsing, before anything touches the kernel.
/// </summary>
public sealed class BpfObjectException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfObjectException(string objectName, string? section, string message)
        : base(section is null ? $"{objectName}: {message}" : $"{objectName}, section {section}: {message}")
    {
        ObjectName = objectName;
        Section = section;
    }

    /// <summary>The object file (or the name it was given when loaded from memory).</summary>
    public string ObjectName { get; }

    /// <summary>The ELF section at fault, when there is one.</summary>
    public string? Section { get; }
}
