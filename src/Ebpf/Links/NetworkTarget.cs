using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>A network interface an attach call names, by name or by index, resolved in the calling thread's network
/// namespace; a missing one is a typed error naming the program.</summary>
internal readonly record struct NetworkTarget(string Name, int Index)
{
    internal string Description => $"interface '{Name}' (index {Index})";

    internal static NetworkTarget Resolve(string name, BpfProgram program, string kind)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        int index = Interfaces.IndexOf(name);
        if (index == 0)
            throw new BpfAttachException("if_nametoindex", Errno.ENODEV, program.Name, $"interface '{name}'",
                $"Cannot attach {kind} program '{program.Name}' to interface '{name}': there is no such interface in this network namespace (see ip link show).");
        return new NetworkTarget(name, index);
    }

    internal static NetworkTarget Resolve(int index, BpfProgram program, string kind)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(index);
        string? name = Interfaces.NameOf(index);
        if (name is null)
            throw new BpfAttachException("if_indextoname", Errno.ENODEV, program.Name, $"interface index {index}",
                $"Cannot attach {kind} program '{program.Name}' to interface index {index}: there is no such interface in this network namespace (see ip link show).");
        return new NetworkTarget(name, index);
    }
}
