namespace Ebpf;

/// <summary>
/// What <see cref="BpfObjectSpec.LoadEach"/> loaded: the object with every map the kernel accepted and every program
/// that loaded, and why each of the others did not. Dispose it (or its <see cref="Object"/>) to close them.
/// </summary>
public sealed class BpfLoadResult : IDisposable
{
    internal BpfLoadResult(BpfObject loaded, IReadOnlyDictionary<string, BpfException> programErrors, IReadOnlyDictionary<string, BpfException> mapErrors)
    {
        Object = loaded;
        ProgramErrors = programErrors;
        MapErrors = mapErrors;
    }

    /// <summary>The loaded object: its <see cref="BpfObject.Maps"/> are the maps created (or reused from a pin), its
    /// <see cref="BpfObject.Programs"/> the programs that loaded.</summary>
    public BpfObject Object { get; }

    /// <summary>The programs (with <see cref="ProgramSpec.AutoLoad"/>) that did not load, by name, each with its reason: a
    /// <see cref="BpfVerifierException"/> with the verifier's log, the error of a map it uses that could not be created
    /// (a <see cref="BpfMapException"/> naming that map), or what else stopped it (attach target, CO-RE, externs).</summary>
    public IReadOnlyDictionary<string, BpfException> ProgramErrors { get; }

    /// <summary>The maps that could not be created, by name, each with the kernel's (or the size rules') reason.</summary>
    public IReadOnlyDictionary<string, BpfException> MapErrors { get; }

    /// <summary>True when every map was created and every program loaded.</summary>
    public bool IsComplete => ProgramErrors.Count == 0 && MapErrors.Count == 0;

    /// <summary>Closes the loaded maps and programs (<see cref="Object"/>'s Dispose).</summary>
    public void Dispose() => Object.Dispose();

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Object.Name}: {Object.Programs.Count} programs loaded, {ProgramErrors.Count} failed; {MapErrors.Count} maps refused";
}
