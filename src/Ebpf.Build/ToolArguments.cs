namespace Ebpf.Build;

/// <summary>The tool's <c>--name value</c> options; a repeated option keeps every value.</summary>
internal sealed class ToolArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    internal static ToolArguments Parse(string[] args)
    {
        var parsed = new ToolArguments();
        for (int i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
                throw new ArgumentException($"expected '--option value' at '{args[i]}'.");
            if (!parsed._values.TryGetValue(args[i], out var list)) parsed._values[args[i]] = list = [];
            list.Add(args[++i]);
        }
        return parsed;
    }

    internal string Required(string name) => Optional(name) ?? throw new ArgumentException($"missing {name}.");

    internal string? Optional(string name) => _values.TryGetValue(name, out var list) && list[^1].Length > 0 ? list[^1] : null;

    /// <summary>Every value of a repeated option, each also split at ';' (MSBuild lists), empty ones dropped.</summary>
    internal IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list)
        ? [.. list.SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))]
        : [];
}
