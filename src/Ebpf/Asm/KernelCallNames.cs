using Ebpf.Externs;

namespace Ebpf.Asm;

/// <summary>
/// Names the calls of a program read back from the kernel, as bpftool does: the verifier rewrote a helper's or
/// kfunc's immediate into its address relative to <c>__bpf_call_base</c>, and a BPF-to-BPF call's immediate into the
/// index of the JIT-compiled function (its distance stays in the offset); /proc/kallsyms names the addresses. Without
/// readable addresses (kernel.kptr_restrict) helpers show as addresses, as in bpftool.
/// </summary>
internal sealed class KernelCallNames
{
    private readonly Dictionary<ulong, string> _symbols = [];
    private readonly ulong _callBase;
    private readonly ulong[] _functions;

    internal KernelCallNames(ulong[] jitedFunctions, string kallsyms = Kallsyms.DefaultPath)
    {
        _functions = jitedFunctions;
        try
        {
            foreach (var line in File.ReadLines(kallsyms))
            {
                if (!Kallsyms.TryParse(line, out ulong address, out _, out var name) || address == 0) continue;
                string symbol = name.ToString();
                if (symbol == "__bpf_call_base") _callBase = address;
                _symbols.TryAdd(address, symbol);
            }
        }
        catch (IOException)
        {
            // No kallsyms: calls keep their default names.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal string? Name(Instruction call)
    {
        if (call.Source == PseudoSource.Call)
        {
            if (_functions.Length == 0) return Signed(call.Offset);
            ulong address = (uint)call.Immediate < (uint)_functions.Length ? _functions[call.Immediate] : _callBase + (ulong)(long)call.Immediate;
            return _symbols.TryGetValue(address, out var fn) ? $"{Signed(call.Offset)}#{fn}" : $"{Signed(call.Offset)}#0x{address:x}";
        }
        ulong target = _callBase + (ulong)(long)call.Immediate;
        return _callBase != 0 && _symbols.TryGetValue(target, out var helper) ? helper : $"0x{target:x}";
    }

    private static string Signed(int value) => value.ToString("+0;-0", System.Globalization.CultureInfo.InvariantCulture);
}
