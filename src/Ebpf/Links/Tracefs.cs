using System.Globalization;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>Finds tracefs (for tracepoint ids): /sys/kernel/tracing, else /sys/kernel/debug/tracing; when neither is
/// mounted and the process is root, mounts tracefs at /sys/kernel/tracing.</summary>
public static class Tracefs
{
    private const string Primary = "/sys/kernel/tracing", Legacy = "/sys/kernel/debug/tracing";

    /// <summary>The tracefs mount point, or null when tracefs is not mounted.</summary>
    public static string? TryFindRoot()
    {
        foreach (var root in (string[])[Primary, Legacy])
            if (Directory.Exists(Path.Combine(root, "events"))) return root;
        return null;
    }

    /// <summary>The tracefs mount point, mounting tracefs at /sys/kernel/tracing if needed (root only).</summary>
    /// <exception cref="BpfFeatureNotSupportedException">tracefs is not mounted and could not be mounted.</exception>
    public static string FindRoot()
    {
        if (TryFindRoot() is { } root) return root;
        int errno = Directory.Exists(Primary) ? Mounts.TryMount("tracefs", Primary) : Errno.ENOENT;
        if (errno == 0 && TryFindRoot() is { } mounted) return mounted;
        throw new BpfFeatureNotSupportedException("mount(tracefs)", errno, "tracefs",
            $"tracefs is not mounted at {Primary} or {Legacy}, and mounting it failed ({Errno.Name(errno)}). " +
            $"Mount it as root: mount -t tracefs tracefs {Primary}.");
    }

    /// <summary>Reads the id of tracepoint <paramref name="category"/>:<paramref name="name"/> from <c>events/&lt;category&gt;/&lt;name&gt;/id</c>.</summary>
    /// <exception cref="BpfException">The tracepoint does not exist (the message says how to list them).</exception>
    public static uint GetTracepointId(string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (category.Contains("..", StringComparison.Ordinal) || name.Contains("..", StringComparison.Ordinal) || name.Contains('/', StringComparison.Ordinal))
            throw new ArgumentException($"'{category}/{name}' is not a tracepoint name.");
        string root = FindRoot();
        string path = Path.Combine(root, "events", category, name, "id");
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BpfException("tracefs", Errno.ENOENT,
                $"Tracepoint {category}:{name} does not exist in this kernel ({path} is missing). List the available ones in {root}/available_events.");
        }
        if (!uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
            throw new BpfException($"Tracepoint {category}:{name}: {path} holds '{text.Trim()}', not a number.");
        return id;
    }
}
