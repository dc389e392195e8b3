using Ebpf.Asm;
using Ebpf.Elf;
using Ebpf.Externs;

namespace Ebpf.Linking;

/// <summary>
/// Builds one program's instruction stream: its own function, then every function it calls (directly, or as a
/// callback through ld_imm64 BPF_PSEUDO_FUNC), each appended once, with call offsets fixed and map references
/// recorded for load time.
/// </summary>
internal sealed class ProgramLinker
{
    private readonly ObjectContext _ctx;
    private readonly CodeFunction _main;
    private readonly List<Instruction> _output = [];
    private readonly List<MapReference> _maps = [];
    private readonly List<ExternReference> _externs = [];
    private readonly List<FunctionPlacement> _placements = [];
    private readonly Dictionary<CodeFunction, int> _placed = [];
    private readonly Queue<CodeFunction> _pending = new();

    private ProgramLinker(ObjectContext ctx, CodeFunction main)
    {
        _ctx = ctx;
        _main = main;
    }

    internal static (Instruction[] Instructions, MapReference[] Maps, ExternReference[] Externs, FunctionPlacement[] Functions) Link(ObjectContext ctx, CodeFunction main)
    {
        var linker = new ProgramLinker(ctx, main);
        linker.Place(main);
        while (linker._pending.Count > 0) linker.Relocate(linker._pending.Dequeue());
        return (linker._output.ToArray(), linker._maps.ToArray(), linker._externs.ToArray(), linker._placements.ToArray());
    }

    private int Place(CodeFunction f)
    {
        if (_placed.TryGetValue(f, out int at)) return at;
        at = _output.Count;
        _placed[f] = at;
        _output.AddRange(f.Code.Instructions.AsSpan(f.Start, f.Length));
        _placements.Add(new FunctionPlacement(f.Code.Section.Name, f.Start, f.Length, at));
        _pending.Enqueue(f);
        return at;
    }

    private BpfObjectException Error(CodeFunction f, string message) =>
        _ctx.Elf.Error(f.Code.Section.Name, $"program '{_main.Name}', function '{f.Name}': {message}");

    private void Relocate(CodeFunction f)
    {
        int baseOut = _placed[f];
        var code = f.Code;
        for (int i = 0; i < f.Length; i++)
        {
            int src = f.Start + i, outIndex = baseOut + i;
            var insn = _output[outIndex];
            bool wide = insn.IsLoadImm64;
            if (wide && i + 1 >= f.Length)
                throw Error(f, $"instruction {src} is a 16-byte ld_imm64 cut off by the end of the function.");
            if (code.Relocations.TryGetValue(src, out var rel))
                insn = ApplyRelocation(f, src, outIndex, insn, rel);
            else if (insn.IsCall && insn.Source == PseudoSource.Call)
                insn.Immediate = CallTo(f, code, src + insn.Immediate + 1, outIndex, "call");
            _output[outIndex] = insn;
            if (wide) i++;
        }
    }

    private Instruction ApplyRelocation(CodeFunction f, int src, int outIndex, Instruction insn, ElfRelocation rel)
    {
        var sym = _ctx.Elf.Symbols[rel.SymbolIndex];
        if (sym.SectionIndex == ElfSymbol.SHN_UNDEF)
        {
            if (!_ctx.Externs.TryGetValue(rel.SymbolIndex, out var ext))
                throw Error(f, $"instruction {src} refers to undefined symbol '{sym.Name}', which is not a __kconfig or __ksym extern. " +
                    "Define it in the object, or declare it extern with __kconfig or __ksym (bpf_helpers.h).");
            return Extern(f, src, outIndex, insn, rel, ext);
        }
        if (sym.SectionIndex >= _ctx.Elf.Sections.Count)
            throw Error(f, $"instruction {src} refers to symbol '{sym.Name}' in section {sym.SectionIndex}, which does not exist.");
        var target = _ctx.Elf.Sections[sym.SectionIndex];

        if (insn.IsCall)
        {
            if (rel.Type != ElfRelocation.R_BPF_64_32 || insn.Source != PseudoSource.Call)
                throw Error(f, $"instruction {src} is a call with relocation type {rel.Type} to '{sym.Name}'; only bpf-to-bpf calls (R_BPF_64_32) are supported.");
            if (!_ctx.Code.TryGetValue(sym.SectionIndex, out var calleeCode))
                throw Error(f, $"instruction {src} calls '{sym.Name}' in section {target.Name}, which holds no code.");
            if (sym.Value % 8 != 0) throw Error(f, $"call target '{sym.Name}' is not instruction-aligned.");
            insn.Immediate = CallTo(f, calleeCode, (int)(sym.Value / 8) + insn.Immediate + 1, outIndex, $"call to '{sym.Name}'");
            return insn;
        }

        if (!insn.IsLoadImm64)
            throw Error(f, $"relocation for '{sym.Name}' applies to instruction {src} (opcode {insn.OpCode}), which is neither a call nor an ld_imm64.");
        if (rel.Type != ElfRelocation.R_BPF_64_64)
            throw Error(f, $"ld_imm64 at instruction {src} has relocation type {rel.Type}; expected R_BPF_64_64.");

        if (_ctx.Code.TryGetValue(sym.SectionIndex, out var callbackCode))
        {
            // A function's address (bpf_loop and other callback helpers): BPF_PSEUDO_FUNC with a pc-relative offset.
            long bytes = (long)sym.Value + insn.Immediate;
            if (bytes < 0 || bytes % 8 != 0) throw Error(f, $"callback reference to '{sym.Name}' at instruction {src} is not instruction-aligned.");
            insn.Source = PseudoSource.Function;
            insn.Immediate = CallTo(f, callbackCode, (int)(bytes / 8), outIndex, $"callback '{sym.Name}'");
            return insn;
        }

        if (sym.SectionIndex == _ctx.MapsSectionIndex)
        {
            string map = _ctx.MapAt(sym.Value + (ulong)(uint)insn.Immediate, sym.Name)
                ?? throw Error(f, $"instruction {src} refers to '{sym.Name}' in .maps, which is not a map definition.");
            insn.Source = PseudoSource.MapFd;
            insn.Immediate = 0;
            _maps.Add(new MapReference(outIndex, map, false, 0));
            return insn;
        }

        if (_ctx.DataMaps.TryGetValue(sym.SectionIndex, out var dataMap))
        {
            ulong offset = sym.Value + (ulong)(uint)insn.Immediate;
            if (offset >= target.Size)
                throw Error(f, $"instruction {src} refers to offset {offset} of {target.Name}, past its {target.Size} bytes.");
            insn.Source = PseudoSource.MapValue;
            insn.Immediate = 0;
            var second = _output[outIndex + 1];
            second.Immediate = (int)offset;
            _output[outIndex + 1] = second;
            _maps.Add(new MapReference(outIndex, dataMap, true, (uint)offset));
            return insn;
        }

        throw Error(f, $"instruction {src} refers to '{sym.Name}' in section '{target.Name}', which is neither a map, global data nor code.");
    }

    /// <summary>A reference to an extern: a kfunc call, or an ld_imm64 of a kconfig value (a .kconfig map value, whose
    /// offset is known now) or of a ksym (BTF id or address, known at load).</summary>
    private Instruction Extern(CodeFunction f, int src, int outIndex, Instruction insn, ElfRelocation rel, ExternSpec ext)
    {
        if (insn.IsCall)
        {
            if (rel.Type != ElfRelocation.R_BPF_64_32)
                throw Error(f, $"instruction {src} calls extern '{ext.Name}' with relocation type {rel.Type}; expected R_BPF_64_32.");
            if (ext.Kind != ExternKind.Kfunc)
                throw Error(f, $"instruction {src} calls extern '{ext.Name}', which is a {ext.Kind} variable, not a kernel function.");
            insn.Source = PseudoSource.KernelFunctionCall;
            insn.Immediate = 0;
            insn.Offset = 0;
            _externs.Add(new ExternReference(outIndex, ext.Index, true));
            return insn;
        }
        if (!insn.IsLoadImm64)
            throw Error(f, $"relocation for extern '{ext.Name}' applies to instruction {src} (opcode {insn.OpCode}), which is neither a call nor an ld_imm64.");
        if (rel.Type != ElfRelocation.R_BPF_64_64)
            throw Error(f, $"ld_imm64 of extern '{ext.Name}' at instruction {src} has relocation type {rel.Type}; expected R_BPF_64_64.");
        var second = _output[outIndex + 1];
        if (ext.Kind == ExternKind.Kconfig)
        {
            // As libbpf: the value's offset in .kconfig, whatever addend the instruction carried.
            insn.Source = PseudoSource.MapValue;
            insn.Immediate = 0;
            second.Immediate = ext.Kconfig.Offset;
            _output[outIndex + 1] = second;
            _maps.Add(new MapReference(outIndex, ExternCollector.KconfigMapName, true, (uint)ext.Kconfig.Offset));
            return insn;
        }
        insn.Source = Register.R0;
        insn.Immediate = 0;
        second.Immediate = 0;
        _output[outIndex + 1] = second;
        _externs.Add(new ExternReference(outIndex, ext.Index, false));
        return insn;
    }

    /// <summary>Places the function starting at <paramref name="targetInstruction"/> and returns the pc-relative immediate.</summary>
    private int CallTo(CodeFunction from, CodeSection code, long targetInstruction, int outIndex, string what)
    {
        if (targetInstruction < 0 || targetInstruction >= code.Instructions.Length)
            throw Error(from, $"{what} targets instruction {targetInstruction}, outside section {code.Section.Name} ({code.Instructions.Length} instructions).");
        var callee = code.FunctionStartingAt((int)targetInstruction)
            ?? throw Error(from, $"{what} targets instruction {targetInstruction} of {code.Section.Name}, which is not the start of a function.");
        int at = Place(callee);
        return at - (outIndex + 1);
    }
}
