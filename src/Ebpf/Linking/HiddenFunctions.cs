using System.Buffers.Binary;
using Ebpf.Btf;
using Ebpf.Elf;

namespace Ebpf.Linking;

/// <summary>
/// Global functions with hidden visibility (C's <c>__hidden</c>, as libbpf's usdt.bpf.h declares <c>bpf_usdt_arg</c>) are
/// marked static in the object's BTF before it is loaded, as libbpf does: the verifier then checks each call in its
/// caller's context (a stack pointer argument stays a stack pointer) instead of verifying the function once on its own
/// with every pointer argument possibly null, which such helpers are not written for.
/// </summary>
internal static class HiddenFunctions
{
    private const uint BTF_FUNC_STATIC = 0, BTF_FUNC_GLOBAL = 1;

    internal static void MarkStatic(ElfFile elf, BtfTypes btf)
    {
        var hidden = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in elf.Symbols)
            if (s.IsFunction && s.Binding is ElfSymbol.STB_GLOBAL or ElfSymbol.STB_WEAK && s.IsHidden) hidden.Add(s.Name);
        if (hidden.Count == 0) return;
        foreach (var t in btf.All)
        {
            if (t.Kind != BtfKind.Function || (uint)t.VLen != BTF_FUNC_GLOBAL || !hidden.Contains(t.Name)) continue;
            var info = btf.Raw.AsSpan(btf.TypeStart + t.RawPosition + 4, 4);
            BinaryPrimitives.WriteUInt32LittleEndian(info, (BinaryPrimitives.ReadUInt32LittleEndian(info) & 0xffff_0000) | BTF_FUNC_STATIC);
        }
    }
}
