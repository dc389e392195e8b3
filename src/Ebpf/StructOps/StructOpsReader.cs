using System.Buffers.Binary;
using Ebpf.Btf;
using Ebpf.Elf;

namespace Ebpf.StructOps;

/// <summary>
/// Reads the struct_ops maps of an object: each variable of the <c>.struct_ops</c> / <c>.struct_ops.link</c> DATASEC is a
/// map; the section's relocations name the program each function-pointer member points at (a FUNC symbol, or the code
/// section's symbol plus the offset stored in the pointer, as clang emits for static functions).
/// </summary>
internal static class StructOpsReader
{
    internal const string Section = ".struct_ops", LinkSection = ".struct_ops.link";

    internal static List<StructOpsMapSpec> Read(ElfFile elf, BtfTypes? btf)
    {
        var result = new List<StructOpsMapSpec>();
        foreach (var section in elf.Sections)
        {
            if (section.Name is not (Section or LinkSection) || section.Size == 0) continue;
            if (btf?.FindDataSection(section.Name) is not { } datasec)
                throw elf.Error(section.Name, "struct_ops maps need the object's BTF (a DATASEC describing the section); compile with clang -g.");
            var data = section.Data.Span;
            var pointers = new Dictionary<ulong, string>();
            foreach (var r in elf.RelocationsFor(section))
            {
                var symbol = elf.Symbols[r.SymbolIndex];
                string program;
                if (symbol.IsFunction)
                {
                    program = symbol.Name;
                }
                else if (symbol.SymbolType == ElfSymbol.STT_SECTION)
                {
                    if (r.Offset + 8 > (ulong)data.Length) throw elf.Error(section.Name, $"relocation at offset {r.Offset} runs past the section.");
                    ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(data[(int)r.Offset..]);
                    program = elf.Symbols.FirstOrDefault(s => s.IsFunction && s.SectionIndex == symbol.SectionIndex && s.Value == offset)?.Name
                        ?? throw elf.Error(section.Name, $"relocation at offset {r.Offset} points at offset {offset} of section {symbol.Name}, where no function starts.");
                }
                else
                {
                    throw elf.Error(section.Name, $"relocation at offset {r.Offset} refers to '{symbol.Name}', which is not a program.");
                }
                pointers[r.Offset] = program;
            }
            foreach (var m in datasec.Members)
            {
                var v = btf[m.Type];
                if (v.Kind != BtfKind.Variable) continue;
                var type = btf.SkipQualifiers(v.SizeOrType);
                if (type.Kind != BtfKind.Struct || type.Name.Length == 0)
                    throw elf.Error(section.Name, $"struct_ops variable '{v.Name}' is not of a named struct type (it is {type}).");
                if ((ulong)m.Offset + m.Size > (ulong)data.Length || m.Size < type.SizeOrType)
                    throw elf.Error(section.Name, $"struct_ops variable '{v.Name}' (offset {m.Offset}, size {m.Size}) does not fit the section.");
                var programs = new Dictionary<uint, string>();
                foreach (var (offset, program) in pointers)
                    if (offset >= m.Offset && offset < (ulong)m.Offset + m.Size) programs[(uint)(offset - m.Offset)] = program;
                var bytes = data.Slice((int)m.Offset, (int)type.SizeOrType).ToArray();
                // The pointers' bytes are relocation addends, not values: the kernel gets program fds there.
                foreach (uint offset in programs.Keys) bytes.AsSpan((int)offset, Math.Min(8, bytes.Length - (int)offset)).Clear();
                result.Add(new StructOpsMapSpec(v.Name, section.Name, type.Id, type.Name, bytes, programs));
            }
        }
        return result;
    }
}
