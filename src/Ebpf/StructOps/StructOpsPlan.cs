using Ebpf.Btf;

namespace Ebpf.StructOps;

/// <summary>
/// How one struct_ops map meets the running kernel: the kernel's operations struct (<see cref="KernelTypeId"/>), the
/// value type the map is created with (<c>bpf_struct_ops_&lt;name&gt;</c>, <see cref="ValueTypeId"/>, whose member
/// <c>data</c> holds the struct at <see cref="DataOffset"/>), and each object member's place in the kernel struct.
/// </summary>
internal sealed record StructOpsPlan(StructOpsMapSpec Map, uint KernelTypeId, uint ValueTypeId, int ValueSize, int DataOffset,
    IReadOnlyList<StructOpsPlan.Member> Members)
{
    /// <summary>One object member: where it is in the object's struct, where in the kernel's, its size, and the program it
    /// points at (function-pointer members) with the kernel member's index (the program's expected attach type).</summary>
    internal readonly record struct Member(string Name, int LocalOffset, int KernelOffset, int Size, string? Program, int KernelIndex);

    /// <summary>Matches <paramref name="map"/>'s members against the kernel's struct, as libbpf does: by name; data
    /// members must have the same size; function pointers become program fds.</summary>
    /// <exception cref="BpfObjectException">The kernel has no such struct_ops type, or a member does not match.</exception>
    internal static StructOpsPlan Create(string objectName, StructOpsMapSpec map, BtfTypes local, BtfTypes kernel)
    {
        BpfObjectException Bad(string m) => new(objectName, map.Section, $"struct_ops map '{map.Name}' (struct {map.TypeName}): {m}");
        uint kernelId = kernel.IdsNamed(map.TypeName).FirstOrDefault(id => kernel[id].Kind == BtfKind.Struct);
        string valueName = "bpf_struct_ops_" + map.TypeName;
        uint valueId = kernel.IdsNamed(valueName).FirstOrDefault(id => kernel[id].Kind == BtfKind.Struct);
        if (kernelId == 0 || valueId == 0)
            throw Bad(kernelId == 0
                ? $"the kernel's BTF has no struct {map.TypeName}, so this kernel has no such struct_ops type."
                : $"the kernel's BTF has no struct {valueName}: struct {map.TypeName} is not a struct_ops type this kernel lets BPF implement " +
                  "(see bpftool btf dump file /sys/kernel/btf/vmlinux | grep bpf_struct_ops_).");
        var value = kernel[valueId];
        var data = value.Members.FirstOrDefault(m => m.Name == "data")
            ?? throw Bad($"struct {valueName} has no 'data' member; this kernel's struct_ops layout is not understood.");
        var kernelStruct = kernel[kernelId];
        var localStruct = local[map.TypeId];
        var members = new List<Member>();
        foreach (var lm in localStruct.Members)
        {
            uint localBits = localStruct.KindFlag ? lm.Offset & 0xff_ffff : lm.Offset;
            if (localBits % 8 != 0 || (localStruct.KindFlag && lm.Offset >> 24 != 0))
                throw Bad($"member '{lm.Name}' is a bitfield; struct_ops members must be whole bytes.");
            int localOffset = (int)(localBits / 8);
            int size = (int)(local.SizeOf(lm.Type) ?? 0);
            map.Programs.TryGetValue((uint)localOffset, out string? program);
            bool isSet = program is not null || map.Data.AsSpan(localOffset, Math.Min(size, map.Data.Length - localOffset)).ContainsAnyExcept((byte)0);
            int index = -1;
            for (int i = 0; i < kernelStruct.Members.Count; i++)
                if (kernelStruct.Members[i].Name == lm.Name) index = i;
            if (index < 0)
            {
                // A member this kernel does not have is fine while it is unset (an object built for a newer kernel).
                if (isSet) throw Bad($"member '{lm.Name}' is set, but this kernel's struct {map.TypeName} has no such member.");
                continue;
            }
            var km = kernelStruct.Members[index];
            int kernelOffset = (int)((kernelStruct.KindFlag ? km.Offset & 0xff_ffff : km.Offset) / 8);
            bool kernelIsFunction = IsFunctionPointer(kernel, km.Type);
            if (IsFunctionPointer(local, lm.Type))
            {
                if (!kernelIsFunction) throw Bad($"member '{lm.Name}' is a function pointer here but not in the kernel's struct.");
                if (program is not null) members.Add(new Member(lm.Name, localOffset, kernelOffset, 8, program, index));
                continue;
            }
            if (program is not null) throw Bad($"member '{lm.Name}' points at program '{program}' but is not a function pointer.");
            if (!isSet) continue;
            int kernelSize = (int)(kernel.SizeOf(km.Type) ?? 0);
            if (kernelIsFunction || kernelSize != size)
                throw Bad($"member '{lm.Name}' is {size} bytes here but {kernelSize} bytes{(kernelIsFunction ? " (a function pointer)" : "")} in the kernel's struct.");
            members.Add(new Member(lm.Name, localOffset, kernelOffset, size, null, index));
        }
        ulong valueSize = value.SizeOrType;
        return new StructOpsPlan(map, kernelId, valueId, (int)valueSize, (int)(data.Offset / 8), members);
    }

    /// <summary>The map value: the kernel's struct at <see cref="DataOffset"/> filled with the object's data members and,
    /// in each function-pointer member, the fd of the program it names.</summary>
    internal byte[] Value(Func<string, int> programFd)
    {
        var bytes = new byte[ValueSize];
        foreach (var m in Members)
        {
            var target = bytes.AsSpan(DataOffset + m.KernelOffset, m.Size);
            if (m.Program is { } program)
                BitConverter.TryWriteBytes(target, (ulong)programFd(program));
            else
                Map.Data.AsSpan(m.LocalOffset, m.Size).CopyTo(target);
        }
        return bytes;
    }

    private static bool IsFunctionPointer(BtfTypes btf, uint typeId)
    {
        var t = btf.SkipQualifiers(typeId);
        return t.Kind == BtfKind.Pointer && btf.SkipQualifiers(t.SizeOrType).Kind == BtfKind.FunctionProto;
    }
}
