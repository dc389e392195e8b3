namespace Ebpf;

/// <summary>
/// An object has no map, program or global variable of the name asked for. A <see cref="KeyNotFoundException"/>, so code
/// that catches that keeps working; the message lists the names that exist (and the likeliest one when the name looks
/// like a typo of it), and the properties carry them for callers that want to show them otherwise.
/// </summary>
public sealed class BpfNameNotFoundException : KeyNotFoundException
{
    /// <summary>Creates the exception; <paramref name="kind"/> is singular ("map", "loaded program", "global variable").</summary>
    public BpfNameNotFoundException(string objectName, string kind, string name, IReadOnlyList<string> available)
        : base(Describe(objectName, kind, name, available))
    {
        ObjectName = objectName;
        Kind = kind;
        Name = name;
        Available = available;
    }

    /// <summary>The object searched.</summary>
    public string ObjectName { get; }

    /// <summary>What was looked up: "map", "program", "loaded program" or "global variable".</summary>
    public string Kind { get; }

    /// <summary>The name that was not found.</summary>
    public string Name { get; }

    /// <summary>The names that exist, in ordinal order.</summary>
    public IReadOnlyList<string> Available { get; }

    private static string Describe(string objectName, string kind, string name, IReadOnlyList<string> available)
    {
        string head = $"Object '{objectName}' has no {kind} '{name}'";
        if (available.Count == 0) return $"{head} (it has no {kind}s at all).";
        string hint = Closest(name, available) is { } near ? $" Did you mean '{near}'?" : "";
        return $"{head}.{hint} {char.ToUpperInvariant(kind[0])}{kind[1..]}s: {string.Join(", ", available)}.";
    }

    /// <summary>The one available name equal ignoring case, or within two edits of <paramref name="name"/>; null if none or several.</summary>
    private static string? Closest(string name, IReadOnlyList<string> available)
    {
        var sameIgnoringCase = available.Where(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)).ToList();
        if (sameIgnoringCase.Count == 1) return sameIgnoringCase[0];
        var near = available.Where(a => Math.Abs(a.Length - name.Length) <= 2 && Distance(a, name) <= 2).ToList();
        return near.Count == 1 ? near[0] : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
