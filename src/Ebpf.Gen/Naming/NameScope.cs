namespace Ebpf.Gen.Naming;

/// <summary>
/// The names taken in one C# scope (a type's members and nested types). First come, first served, in the generator's
/// fixed traversal order; a name already taken (or reserved) gets the smallest free suffix from 2 up, so the same object
/// always yields the same names.
/// </summary>
internal sealed class NameScope
{
    /// <summary>Inherited from object: a field of that name would hide it (a warning, an error under TreatWarningsAsErrors).</summary>
    internal static readonly string[] ObjectMembers = ["ToString", "Equals", "GetHashCode", "GetType", "MemberwiseClone", "Finalize", "ReferenceEquals"];

    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    internal NameScope(IEnumerable<string> reserved)
    {
        foreach (string name in reserved) _taken.Add(name);
        foreach (string name in ObjectMembers) _taken.Add(name);
    }

    /// <summary>Takes <paramref name="wanted"/>, or <c>wanted2</c>, <c>wanted3</c>… when taken.</summary>
    internal string Claim(string wanted)
    {
        if (_taken.Add(wanted)) return wanted;
        string stem = wanted.StartsWith('@') ? wanted[1..] : wanted;
        for (int n = 2; ; n++)
        {
            string candidate = stem + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_taken.Add(candidate)) return candidate;
        }
    }

    /// <summary>Takes a name free both here and in <paramref name="outer"/> (and reserves it there): a nested type never
    /// shadows a top-level one, so a reference to either always binds to the one meant.</summary>
    internal string ClaimAlsoFreeIn(string wanted, NameScope outer)
    {
        string stem = wanted.StartsWith('@') ? wanted[1..] : wanted;
        for (int n = 1; ; n++)
        {
            string candidate = n == 1 ? wanted : stem + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (_taken.Contains(candidate) || outer._taken.Contains(candidate)) continue;
            _taken.Add(candidate);
            outer._taken.Add(candidate);
            return candidate;
        }
    }
}
