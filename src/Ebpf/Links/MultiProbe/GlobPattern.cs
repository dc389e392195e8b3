namespace Ebpf.Links.MultiProbe;

/// <summary>
/// The glob patterns of libbpf's multi-probe sections (<c>kprobe.multi/vfs_*</c>, <c>uprobe.multi/PATH:func_?</c>):
/// <c>*</c> matches any run of characters (also none), <c>?</c> exactly one, everything else itself. Matching is
/// linear in practice (one backtrack point: the last star), so a hostile pattern cannot blow up.
/// </summary>
internal static class GlobPattern
{
    /// <summary>True when the pattern has a wildcard (otherwise it names exactly one function).</summary>
    internal static bool HasWildcard(string pattern) => pattern.AsSpan().IndexOfAny('*', '?') >= 0;

    /// <summary>True when <paramref name="text"/> matches <paramref name="pattern"/> as a whole.</summary>
    internal static bool IsMatch(ReadOnlySpan<char> text, ReadOnlySpan<char> pattern)
    {
        int t = 0, p = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || (pattern[p] != '*' && pattern[p] == text[t])))
            {
                t++;
                p++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starT = t;
            }
            else if (starP >= 0)
            {
                // Let the last star swallow one more character and retry from there.
                p = starP + 1;
                t = ++starT;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
