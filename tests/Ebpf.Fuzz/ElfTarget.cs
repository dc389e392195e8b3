using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Internal.Unix;
using Ebpf.Linking;

namespace Ebpf.Fuzz;

/// <summary>
/// A whole BPF object: <see cref="BpfObjectSpec.FromBytes"/> (ELF, .BTF, .BTF.ext, maps, global data, programs, linking),
/// then what the loader does before its first syscall: every global variable read and written back, CO-RE relocation
/// of every program against its own BTF and against <see cref="CoreTarget"/>, func_info/line_info placement, BTF
/// sanitisation for older kernels (whose output must parse again), and what <c>ebpf inspect</c> prints.
/// </summary>
internal static class ElfTarget
{
    internal static FuzzOutcome Run(byte[] input)
    {
        var spec = BpfObjectSpec.FromBytes(input, FuzzTargets.InputName);
        _ = spec.ToString();
        foreach (var map in spec.Maps.Values) _ = map.ToString();
        foreach (string name in spec.VariableNames) RoundTrip(spec, name);
        foreach (var variable in spec.GlobalVariables) _ = variable.ToString();
        foreach (var type in spec.DescribeBtfTypes()) _ = type.ToString();
        if (spec.BtfTypes is not null) Sanitise(spec.BtfTypes);
        // An invalid handle: ProgramInfo only carries it along, and disposing an invalid handle closes nothing.
        using var noBtfFd = new SafeFd();
        foreach (var program in spec.Programs.Values)
        {
            _ = program.ToString();
            if (spec.BtfTypes is null || program.CoreRelocations.Count == 0) continue;
            Relocate(spec.BtfTypes, spec.BtfTypes, program);
            Relocate(spec.BtfTypes, CoreTarget.Btf, program);
            if (spec.BtfExt is not null) _ = ObjectBtf.ProgramInfo(noBtfFd, spec.BtfExt, program);
        }
        return FuzzOutcome.Accepted;
    }

    /// <summary>One program's CO-RE relocations against <paramref name="target"/>; a refusal is a documented outcome
    /// for this program and does not stop the others.</summary>
    private static void Relocate(BtfTypes local, BtfTypes target, ProgramSpec program)
    {
        try
        {
            new CoreRelocator(local, target, FuzzTargets.InputName).Apply(program, program.Instructions.ToArray());
        }
        catch (BpfObjectException e)
        {
            FuzzTargets.Expect(e);
        }
    }

    /// <summary>A BTF the parser accepted, sanitised for the oldest kernel and for one with only FUNC, must parse again
    /// with one more type at most (the ENUM64 placeholder): anything else would hand the kernel a blob we cannot read.</summary>
    private static void Sanitise(BtfTypes btf)
    {
        foreach (var kernel in (BtfFeatureSet[])[BtfFeatureSet.None, BtfFeatureSet.Func])
        {
            BtfTypes again;
            try
            {
                again = BtfTypes.Parse(BtfSanitizer.Sanitize(btf, kernel), "sanitised", ".BTF");
            }
            catch (BpfObjectException e)
            {
                throw new FuzzFindingException($"BTF sanitised for {kernel} no longer parses: {e.Message}");
            }
            if (again.Count != btf.Count && again.Count != btf.Count + 1)
                throw new FuzzFindingException($"BTF sanitised for {kernel} has {again.Count} types, not {btf.Count} (+1).");
        }
    }

    /// <summary>Reads a variable and writes the value back: what a user does before load; the value must survive.</summary>
    private static void RoundTrip(BpfObjectSpec spec, string name)
    {
        switch (spec.Variables[name].Size)
        {
            case 1: Check(spec, name, spec.GetVariable<byte>(name)); break;
            case 2: Check(spec, name, spec.GetVariable<ushort>(name)); break;
            case 4: Check(spec, name, spec.GetVariable<uint>(name)); break;
            case 8: Check(spec, name, spec.GetVariable<ulong>(name)); break;
            default: break;
        }
    }

    private static void Check<T>(BpfObjectSpec spec, string name, T value) where T : unmanaged, IEquatable<T>
    {
        spec.SetVariable(name, value);
        if (!spec.GetVariable<T>(name).Equals(value))
            throw new FuzzFindingException($"variable '{name}' did not read back the value written to it.");
    }
}
