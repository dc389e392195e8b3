using Ebpf.Btf;
using Ebpf.Linking;

namespace Ebpf.Fuzz;

/// <summary>
/// A raw BTF blob (an object's .BTF section, header included): <see cref="BtfTypes.Parse"/>, then the queries the loader
/// makes of every type: qualifier chains, sizes, lookups by name, DATASEC lookup, and every struct read as a BTF map
/// definition (libbpf's __uint/__type convention).
/// </summary>
internal static class BtfTarget
{
    internal static FuzzOutcome Run(byte[] input)
    {
        var btf = BtfTypes.Parse(input, FuzzTargets.InputName, ".BTF");
        foreach (var t in btf.All)
        {
            _ = t.ToString();
            _ = btf.SizeOf(t.Id);
            _ = btf.IdsNamed(t.Name);
            Refusable(() => btf.SkipQualifiers(t.Id));
            if (t.Kind == BtfKind.DataSection) _ = btf.FindDataSection(t.Name);
            if (t.Kind == BtfKind.Struct) Refusable(() => BtfMapDefinition.Parse(btf, "fuzz_map", t.Id, FuzzTargets.InputName));
        }
        return FuzzOutcome.Accepted;
    }

    /// <summary>Runs a query that may refuse this type with the documented exception; that does not stop the others.</summary>
    internal static void Refusable(Func<object> query)
    {
        try
        {
            _ = query();
        }
        catch (BpfObjectException e)
        {
            FuzzTargets.Expect(e);
        }
    }
}
