using Ebpf.Btf;
using Ebpf.Externs;
using Ebpf.Internal.Unix;
using Ebpf.Links.Usdt;
using Ebpf.Pinning;

namespace Ebpf.Linking;

/// <summary>Creates an object's maps, patches their fds into the programs and loads the programs. A failure midway
/// closes everything created so far.</summary>
internal static class ObjectLoader
{
    internal static BpfObject Load(BpfObjectSpec spec, BpfLoadOptions options)
    {
        // Pin names come from the object: checked before the first syscall, so a bad one has no side effect at all.
        MapPinner.CheckAll(spec);
        var maps = new Dictionary<string, BpfMap>(StringComparer.Ordinal);
        var programs = new Dictionary<string, BpfProgram>(StringComparer.Ordinal);
        SafeFd? btf = null;
        var pins = new MapPinner(spec.Name, options.PinPath ?? BpfFs.DefaultPath);
        // Read once per load, and only when a program needs it (a BTF attach target, or CO-RE, which also parses it).
        byte[]? vmlinux = null;
        byte[] Vmlinux(string purpose) => vmlinux ??= KernelBtf.ReadRaw(null, purpose);
        // Parsed only when needed: for CO-RE, typed ksyms and kfuncs, or when a type is not in vmlinux and the
        // modules' BTF (split on top of vmlinux) is searched.
        var vmlinuxTypes = new Lazy<BtfTypes>(() => KernelBtf.Parse(Vmlinux("CO-RE, typed ksyms, kfuncs and module BTF"), KernelBtf.DefaultPath));
        var moduleTypes = new Lazy<List<BtfTypes>>(() => [.. KernelBtf.Modules(vmlinuxTypes.Value)]);
        IEnumerable<BtfTypes> Modules()
        {
            foreach (var module in moduleTypes.Value) yield return module;
        }
        var moduleBtfObjects = new Dictionary<string, SafeFd>(StringComparer.Ordinal);
        try
        {
            foreach (var program in spec.Programs.Values)
                if (program.AutoLoad) CheckLoadable(spec, program);
            // Attach targets are resolved before anything is created, so a missing one fails fast.
            var attachBtfIds = new Dictionary<string, (uint Id, string? Module)>(StringComparer.Ordinal);
            foreach (var (name, program) in spec.Programs)
                if (program.AutoLoad && BtfAttachTarget.IsBtfTargeted(program.Type, program.ExpectedAttachType))
                    attachBtfIds[name] = BtfAttachTarget.Resolve(
                        Vmlinux($"Program '{program.Name}' ({program.SectionName}) attaches to a kernel BTF type and"), KernelBtf.DefaultPath, spec.Name, program,
                        Modules);
            // A target in a module: the program loads against that module's BTF object, held open until the loads are done.
            foreach (var (name, (_, module)) in attachBtfIds)
                if (module is not null && !moduleBtfObjects.ContainsKey(module))
                    moduleBtfObjects[module] = KernelBtfObjects.OpenModule(module)
                        ?? throw new BpfObjectException(spec.Name, spec.Programs[name].SectionName,
                            $"program '{spec.Programs[name].Name}': its attach target is in module '{module}', whose BTF object is no longer loaded (the module was unloaded?).");
            string? btfFailure = null;
            var kernelBtf = new Lazy<BtfTypes>(() => options.KernelBtfPath is null ? vmlinuxTypes.Value : KernelBtf.Load(options.KernelBtfPath));
            var externs = ExternResolver.Resolve(spec, options, () => kernelBtf.Value);
            var btfKinds = options.AssumedBtfFeatures ?? Features.BtfFeatures.Kernel;
            if (spec.BtfTypes is not null) btf = ObjectBtf.TryLoad(spec.BtfTypes, btfKinds, out btfFailure);
            var structOps = StructOps.StructOpsLoading.Prepare(spec, () => kernelBtf.Value);
            structOps?.CreateMaps(spec.Name, maps, btf, btfFailure);
            foreach (var (name, mapSpec) in spec.Maps)
            {
                var effective = WithKconfig(name, mapSpec, externs);
                maps[name] = effective.Pinning != 0 ? pins.CreateOrReuse(effective, () => CreateMap(spec.Name, effective, btf))
                    : CreateMap(spec.Name, effective, btf);
            }
            CoreRelocator? core = null;
            foreach (var (name, programSpec) in spec.Programs)
            {
                if (!programSpec.AutoLoad || !StructOps.StructOpsLoading.ShouldLoad(structOps, programSpec)) continue;
                var instructions = Patch(spec.Name, programSpec, maps);
                ExternResolver.Patch(spec, programSpec, instructions, externs);
                if (programSpec.CoreRelocations.Count > 0)
                {
                    // Modules are searched only against the running kernel's BTF (a custom KernelBtfPath stands alone).
                    core ??= new CoreRelocator(spec.BtfTypes!, kernelBtf.Value, spec.Name,
                        options.KernelBtfPath is null ? Modules() : null);
                    core.Apply(programSpec, instructions);
                }
                // func_info and line_info refer to FUNC types: a kernel without them takes neither.
                var btfInfo = btf is not null && spec.BtfExt is not null && btfKinds.HasFlag(BtfFeatureSet.Func)
                    ? ObjectBtf.ProgramInfo(btf, spec.BtfExt, programSpec) : null;
                SafeFd fd;
                try
                {
                    var (attachId, attachModule) = attachBtfIds.GetValueOrDefault(name);
                    var attachObject = attachModule is null ? null : moduleBtfObjects[attachModule];
                    // freplace: attach_prog_fd (the union's other member) is the program whose function is replaced.
                    if (programSpec.Type == BpfProgramType.Ext)
                    {
                        var (target, functionId) = FreplaceTarget.Resolve(spec.Name, programSpec);
                        (attachId, attachObject) = (functionId, target.Handle);
                    }
                    var attachType = UsdtLoading.AttachType(programSpec, options);
                    if (structOps?.TargetOf(programSpec) is { } member) (attachId, attachType) = member;
                    fd = ProgramLoader.Load(spec.Name, programSpec, instructions, options, btfInfo, btfFailure,
                        attachId, attachObject, attachType);
                }
                catch (BpfVerifierException e) when (ExternResolver.ExplainPoisonedCall(spec, e.VerifierLog) is { } why)
                {
                    throw new BpfVerifierException(e.ProgramName, e.Errno, e.VerifierLog, $"{spec.Name}: program '{programSpec.Name}': {why}\n{e.Message}");
                }
                programs[name] = BpfProgram.FromLoaded(fd, programSpec, structOps?.TargetOf(programSpec)?.Attach ?? UsdtLoading.AttachType(programSpec, options));
            }
            UsdtLoading.ShareSpecTable(spec.Name, maps, programs.Values);
            structOps?.Complete(spec.Name, maps, programs);
            return new BpfObject(spec.Name, maps, programs, spec.Variables);
        }
        catch
        {
            pins.UndoPins();
            foreach (var p in programs.Values) p.Dispose();
            foreach (var m in maps.Values) m.Dispose();
            throw;
        }
        finally
        {
            // Maps and programs hold their own references to the BTF objects (theirs and the modules' they attach to).
            btf?.Dispose();
            foreach (var module in moduleBtfObjects.Values) module.Dispose();
        }
    }

    /// <summary>The .kconfig map takes the values resolved for this kernel.</summary>
    private static MapSpec WithKconfig(string name, MapSpec spec, ResolvedExterns externs)
    {
        if (name != ExternCollector.KconfigMapName || externs.Kconfig is null) return spec;
        var copy = spec.Clone();
        copy.InitialValue = externs.Kconfig;
        return copy;
    }

    private static void CheckLoadable(BpfObjectSpec spec, ProgramSpec program)
    {
        if (program.CoreRelocations.Count > 0 && spec.BtfTypes is null)
            throw new BpfObjectException(spec.Name, program.SectionName, $"program '{program.Name}' has CO-RE relocations but the object has no .BTF.");
        if (program.Type is BpfProgramType.Ext && program.AttachProgram is null)
            throw new BpfObjectException(spec.Name, program.SectionName, FreplaceTarget.MissingTarget(program));
        if (program.Type is BpfProgramType.Tracing or BpfProgramType.Lsm && !BtfAttachTarget.IsBtfTargeted(program.Type, program.ExpectedAttachType))
            throw new BpfObjectException(spec.Name, program.SectionName,
                $"program '{program.Name}' is a {program.Type} program with expected attach type {program.ExpectedAttachType}; " +
                "the loader supports tracing programs attached as tp_btf, fentry, fexit, fmod_ret or iter, and LSM programs as lsm or lsm_cgroup.");
    }

    /// <summary>Map types whose kernel implementation refuses BTF key/value types (map_check_btf → ENOTSUPP): their
    /// values are fds or ids, not data. libbpf leaves the type ids out for these too.</summary>
    private static bool RefusesBtfKeyValue(BpfMapType type) => type is BpfMapType.PerfEventArray or BpfMapType.CgroupArray
        or BpfMapType.StackTrace or BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps or BpfMapType.DevMap or BpfMapType.DevMapHash
        or BpfMapType.CpuMap or BpfMapType.XskMap or BpfMapType.SockMap or BpfMapType.SockHash or BpfMapType.Queue
        or BpfMapType.Stack;

    private static MapSpec WithoutBtfTypes(MapSpec spec)
    {
        var copy = spec.Clone();
        copy.BtfKeyTypeId = copy.BtfValueTypeId = 0;
        return copy;
    }

    /// <summary>Creates a map with its BTF key/value types where the kernel takes them; if the kernel still rejects the
    /// map with them (an older kernel, an unusual type), creates it again without, as libbpf does.</summary>
    private static BpfMap CreateWithBtf(MapSpec spec, SafeFd? btf, SafeFd? innerMap)
    {
        if (RefusesBtfKeyValue(spec.Type)) spec = WithoutBtfTypes(spec);
        if (btf is null || spec.BtfValueTypeId == 0) return BpfMap.Create(spec, btf, innerMap);
        try
        {
            return BpfMap.Create(spec, btf, innerMap);
        }
        catch (BpfException e) when (e is not BpfPermissionException && e.Errno != 0)
        {
            return BpfMap.Create(WithoutBtfTypes(spec), btf, innerMap);
        }
    }

    private static BpfMap CreateMap(string objectName, MapSpec spec, SafeFd? btf)
    {
        BpfMap? inner = spec.InnerMap is null ? null : CreateWithBtf(spec.InnerMap, btf, null);
        BpfMap map;
        try
        {
            map = CreateWithBtf(spec, btf, inner?.Handle);
        }
        finally
        {
            inner?.Dispose();
        }
        try
        {
            if (spec.InitialValue is { } value)
            {
                if (value.Length != spec.ValueSize)
                    throw new BpfObjectException(objectName, spec.Name, $"map '{spec.Name}': initial value is {value.Length} bytes, but the value size is {spec.ValueSize}.");
                if (spec.Type is not (BpfMapType.Array or BpfMapType.PerCpuArray) || spec.MaxEntries != 1)
                    throw new BpfObjectException(objectName, spec.Name, $"map '{spec.Name}': an initial value is only supported for single-entry arrays (global data).");
                map.Update(stackalloc byte[4], value);
            }
            if (spec.Freeze) map.Freeze();
            return map;
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    private static BpfInstruction[] Patch(string objectName, ProgramSpec program, Dictionary<string, BpfMap> maps)
    {
        var instructions = (BpfInstruction[])program.Instructions.Clone();
        foreach (var r in program.MapReferences)
        {
            if (!maps.TryGetValue(r.MapName, out var map))
                throw new BpfObjectException(objectName, program.SectionName, $"program '{program.Name}' uses map '{r.MapName}', which the object does not define.");
            instructions[r.InstructionIndex].Immediate = map.Fd;
            if (r.IsValue) instructions[r.InstructionIndex + 1].Immediate = (int)r.ValueOffset;
        }
        return instructions;
    }
}
