using Ebpf.Externs;

namespace Ebpf.Links.MultiProbe;

/// <summary>
/// The kernel functions a kprobe.multi pattern is matched against, as libbpf does: tracefs
/// <c>available_filter_functions</c> (the functions ftrace can patch, "name [module]" per line) when it can be read,
/// else the text symbols (t/T) of <c>/proc/kallsyms</c>. Each name once, in file order.
/// </summary>
internal static class KernelFunctions
{
    /// <summary>The functions matching <paramref name="pattern"/>, and the file they were read from.</summary>
    internal static (List<string> Names, string Source) Matching(string pattern)
    {
        if (Tracefs.TryFindRoot() is { } root && TryRead(Path.Combine(root, "available_filter_functions"), pattern) is { } fromFtrace)
            return (fromFtrace, Path.Combine(root, "available_filter_functions"));
        return (FromKallsyms(Kallsyms.DefaultPath, pattern), Kallsyms.DefaultPath);
    }

    /// <summary>Names from an available_filter_functions-style file, or null when it cannot be read (missing, or
    /// refused: kernel lockdown denies it).</summary>
    internal static List<string>? TryRead(string path, string pattern)
    {
        try
        {
            var names = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var line in File.ReadLines(path))
            {
                var span = line.AsSpan().Trim();
                int end = span.IndexOfAny(' ', '\t');
                var name = end < 0 ? span : span[..end];
                if (!name.IsEmpty && GlobPattern.IsMatch(name, pattern) && seen.Add(name.ToString())) names.Add(name.ToString());
            }
            return names;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Text symbols of a kallsyms-style file matching <paramref name="pattern"/>.</summary>
    internal static List<string> FromKallsyms(string path, string pattern)
    {
        var names = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!Kallsyms.TryParse(line, out _, out char type, out var name) || type is not ('t' or 'T')) continue;
                // ftrace's placeholder for functions it could not place is never a probe target.
                if (name.StartsWith("__ftrace_invalid_address__", StringComparison.Ordinal)) continue;
                if (GlobPattern.IsMatch(name, pattern) && seen.Add(name.ToString())) names.Add(name.ToString());
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfException($"The kernel's functions cannot be listed: {path} cannot be read ({e.Message}).");
        }
        return names;
    }
}
