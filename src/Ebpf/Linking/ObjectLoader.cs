using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Diagnostics;
using Ebpf.Externs;
using Ebpf.Internal.Unix;
using Ebpf.Links.Usdt;
using Ebpf.Pinning;

namespace Ebpf.Linking;

/// <summary>
/// Creates an object's maps, patches their fds into the programs and loads the programs, in one of two modes.
/// All or nothing (<see cref="Load"/>): the first failure closes everything created so far and is thrown.
/// Each program on its own (<see cref="LoadEach"/>): the maps are created once; a map the kernel refuses is left out
/// and every program that uses it fails with its error; a program that fails (verifier, attach target, CO-RE) is
/// recorded and the others load, so each gets the outcome libbpf would give it if it were loaded alone.
/// </summary>
internal sealed class ObjectLoader
{
    private readonly BpfObjectSpec _spec;
    private readonly BpfLoadOptions _options;
    private readonly bool _each;
    private readonly Dictionary<string, BpfMap> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfProgram> _programs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfException> _mapErrors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfException> _programErrors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SafeFd> _moduleBtfObjects = new(StringComparer.Ordinal);
    private readonly MapPinner _pins;
    private readonly Microsoft.Extensions.Logging.ILogger _log;
    private List<BtfTypes>? _modules;
    private BtfTypes? _customKernelBtf;

    private ObjectLoader(BpfObjectSpec spec, BpfLoadOptions options, bool each)
    {
        _spec = spec;
        _options = options;
        _each = each;
        _pins = new MapPinner(spec.Name, options.PinPath ?? BpfFs.DefaultPath);
        _log = LoaderLog.For(options);
    }

    /// <summary>Loads every map and every AutoLoad program, or throws the first failure having closed what it created.</summary>
    internal static BpfObject Load(BpfObjectSpec spec, BpfLoadOptions options) => new ObjectLoader(spec, options, each: false).Run();

    /// <summary>Loads what the kernel accepts and reports the rest; throws only for what no object causes (a bug).</summary>
    internal static BpfLoadResult LoadEach(BpfObjectSpec spec, BpfLoadOptions options)
    {
        var loader = new ObjectLoader(spec, options, each: true);
        var loaded = loader.Run();
        return new BpfLoadResult(loaded, loader._programErrors, loader._mapErrors);
    }

    /// <summary>The running kernel's module BTF (split on top of vmlinux), read when first enumerated (an iterator: CO-RE
    /// and attach targets enumerate it only when vmlinux has no candidate), once per load.</summary>
    private IEnumerable<BtfTypes> Modules()
    {
        _modules ??= [.. KernelBtf.Modules(KernelBtf.Vmlinux("Module BTF"))];
        foreach (var module in _modules) yield return module;
    }

    /// <summary>The kernel BTF CO-RE, typed ksyms and kfuncs resolve against: vmlinux (shared by every load in the
    /// process), or the file <see cref="BpfLoadOptions.KernelBtfPath"/> names (read once per load).</summary>
    private BtfTypes KernelTypes(string purpose) => _options.KernelBtfPath is null
        ? KernelBtf.Vmlinux(purpose)
        : _customKernelBtf ??= KernelBtf.Load(_options.KernelBtfPath, purpose);

    private BpfObject Run()
    {
        // Pin names come from the object: checked before the first syscall, so a bad one has no side effect at all.
        MapPinner.CheckAll(_spec);
        SafeFd? btf = null;
        try
        {
            var loadable = new List<ProgramSpec>();
            foreach (var program in _spec.Programs.Values)
                if (program.AutoLoad && Try(program, () => CheckLoadable(_spec, program))) loadable.Add(program);
            // Attach targets are resolved before anything is created, so a missing one fails fast.
            var attachBtfIds = new Dictionary<string, (uint Id, string? Module)>(StringComparer.Ordinal);
            foreach (var program in loadable)
                if (BtfAttachTarget.IsBtfTargeted(program.Type, program.ExpectedAttachType))
                    Try(program, () => attachBtfIds[program.Name] = ResolveAttachTarget(program));
            ResolvedExterns externs;
            BtfFeatureSet btfKinds;
            string? btfFailure = null;
            StructOps.StructOpsLoading? structOps;
            try
            {
                externs = ExternResolver.Resolve(_spec, _options, () => KernelTypes("Typed ksyms and kfuncs"));
                btfKinds = _options.AssumedBtfFeatures ?? Features.BtfFeatures.Kernel;
                if (_spec.BtfTypes is not null) btf = ObjectBtf.TryLoad(_spec.BtfTypes, btfKinds, out btfFailure);
                if (_spec.BtfTypes is not null) LoaderLog.ObjectBtf(_log, _spec.Name, _spec.BtfTypes, btfKinds, btfFailure);
                structOps = StructOps.StructOpsLoading.Prepare(_spec, () => KernelTypes("struct_ops"));
                structOps?.CreateMaps(_spec.Name, _maps, btf, btfFailure);
            }
            catch (Exception e) when (_each && IsRefusal(e))
            {
                // The externs and the BTF belong to the object: without them no program can be loaded.
                foreach (var program in loadable) _programErrors.TryAdd(program.Name, AsBpf(e, program));
                return new BpfObject(_spec.Name, _maps, _programs, _spec.Variables);
            }
            foreach (var (name, mapSpec) in _spec.Maps)
            {
                try
                {
                    var effective = WithKconfig(name, mapSpec, externs);
                    _maps[name] = effective.Pinning != 0 ? _pins.CreateOrReuse(effective, () => CreateMap(_spec.Name, effective, btf))
                        : CreateMap(_spec.Name, effective, btf);
                }
                catch (Exception e) when (_each && IsRefusal(e))
                {
                    _mapErrors[name] = e as BpfException ?? new BpfMapException("pin", 0, name, $"{_spec.Name}: map '{name}': {e.Message}");
                }
            }
            MapSlotWriter.SetInnerMaps(_spec.Name, CreatedSpecs(), _maps, _pins.Reused);
            CoreRelocator? core = null;
            foreach (var program in loadable)
            {
                if (_programErrors.ContainsKey(program.Name) || !StructOps.StructOpsLoading.ShouldLoad(structOps, program)) continue;
                try
                {
                    var instructions = Patch(program);
                    ExternResolver.Patch(_spec, program, instructions, externs);
                    if (program.CoreRelocations.Count > 0)
                    {
                        // Modules are searched only against the running kernel's BTF (a custom KernelBtfPath stands alone).
                        core ??= new CoreRelocator(_spec.BtfTypes!, KernelTypes("CO-RE"), _spec.Name, _options.KernelBtfPath is null ? Modules() : null);
                        core.Apply(program, instructions);
                        LoaderLog.CoreRelocations(_log, _spec.Name, program, instructions);
                    }
                    // func_info and line_info refer to FUNC types: a kernel without them takes neither.
                    var btfInfo = btf is not null && _spec.BtfExt is not null && btfKinds.HasFlag(BtfFeatureSet.Func)
                        ? ObjectBtf.ProgramInfo(btf, _spec.BtfExt, program) : null;
                    var (attachId, attachModule) = attachBtfIds.GetValueOrDefault(program.Name);
                    var fd = LoadProgram(program, instructions, btfInfo, btfFailure, attachId, attachModule, structOps);
                    var loaded = BpfProgram.FromLoaded(fd, program, structOps?.TargetOf(program)?.Attach ?? UsdtLoading.AttachType(program, _options));
                    loaded.Logger = _log;
                    _programs[program.Name] = loaded;
                }
                catch (Exception e) when (_each && IsRefusal(e))
                {
                    _programErrors[program.Name] = AsBpf(e, program);
                }
            }
            MapSlotWriter.SetPrograms(_spec.Name, CreatedSpecs(), _maps, _programs, _pins.Reused);
            UsdtLoading.ShareSpecTable(_spec.Name, _maps, _programs.Values);
            structOps?.Complete(_spec.Name, _maps, _programs);
            LogMessages.ObjectLoaded(_log, _spec.Name, _programs.Count, _maps.Count);
            return new BpfObject(_spec.Name, _maps, _programs, _spec.Variables);
        }
        catch
        {
            _pins.UndoPins();
            foreach (var p in _programs.Values) p.Dispose();
            foreach (var m in _maps.Values) m.Dispose();
            throw;
        }
        finally
        {
            // Maps and programs hold their own references to the BTF objects (theirs and the modules' they attach to).
            btf?.Dispose();
            foreach (var module in _moduleBtfObjects.Values) module.Dispose();
        }
    }

    /// <summary>What loading each program records instead of throwing: the kernel's and the loader's refusals, and the
    /// file-system errors of pinning and of reading kernel files.</summary>
    private static bool IsRefusal(Exception e) => e is BpfException or IOException or UnauthorizedAccessException;

    /// <summary>Runs one program's step: in all-or-nothing mode its failure propagates; loading each, it is recorded.</summary>
    private bool Try(ProgramSpec program, Action step)
    {
        try
        {
            step();
            return true;
        }
        catch (Exception e) when (_each && IsRefusal(e))
        {
            _programErrors.TryAdd(program.Name, AsBpf(e, program));
            return false;
        }
    }

    private BpfException AsBpf(Exception e, ProgramSpec program) =>
        e as BpfException ?? new BpfObjectException(_spec.Name, program.SectionName, $"program '{program.Name}': {e.Message}");

    private (uint Id, string? Module) ResolveAttachTarget(ProgramSpec program)
    {
        var vmlinux = KernelBtf.Vmlinux($"Program '{program.Name}' ({program.SectionName}) attaches to a kernel BTF type and");
        var target = BtfAttachTarget.Resolve(vmlinux, KernelBtf.DefaultPath, _spec.Name, program, Modules);
        // A target in a module: the program loads against that module's BTF object, held open until the loads are done.
        if (target.Module is { } module && !_moduleBtfObjects.ContainsKey(module))
            _moduleBtfObjects[module] = KernelBtfObjects.OpenModule(module)
                ?? throw new BpfObjectException(_spec.Name, program.SectionName,
                    $"program '{program.Name}': its attach target is in module '{module}', whose BTF object is no longer loaded (the module was unloaded?).");
        return target;
    }

    private SafeFd LoadProgram(ProgramSpec program, Instruction[] instructions, ProgramLoader.BtfInfo? btfInfo, string? btfFailure,
        uint attachId, string? attachModule, StructOps.StructOpsLoading? structOps)
    {
        try
        {
            var attachObject = attachModule is null ? null : _moduleBtfObjects[attachModule];
            // freplace: attach_prog_fd (the union's other member) is the program whose function is replaced.
            if (program.Type == BpfProgramType.Ext)
            {
                var (target, functionId) = FreplaceTarget.Resolve(_spec.Name, program);
                (attachId, attachObject) = (functionId, target.Handle);
            }
            var attachType = UsdtLoading.AttachType(program, _options);
            if (structOps?.TargetOf(program) is { } member) (attachId, attachType) = member;
            return ProgramLoader.Load(_spec.Name, program, instructions, _options, btfInfo, btfFailure, attachId, attachObject, attachType);
        }
        catch (BpfVerifierException e) when (LoaderLog.VerifierRefused(_log, _spec.Name, e)) { throw; } // logs; never catches
        catch (BpfVerifierException e) when (ExternResolver.ExplainPoisonedCall(_spec, e.VerifierLog) is { } why)
        {
            throw new BpfVerifierException(e.ProgramName, e.Errno, e.VerifierLog, $"{_spec.Name}: program '{program.Name}': {why}\n{e.Message}");
        }
        catch (BpfVerifierException e) when (ReachedRefusedMap(e.VerifierLog) is { } refused)
        {
            // The program uses a map the kernel refused: its failure is the map's.
            throw refused;
        }
    }

    /// <summary>The map's position in the object's maps, as its poisoned references name it.</summary>
    private int MapIndex(string name)
    {
        int index = 0;
        foreach (var key in _spec.Maps.Keys)
        {
            if (key == name) return index;
            index++;
        }
        return -1;
    }

    /// <summary>The error of the refused map whose poisoned reference the verifier reached, or null.</summary>
    private BpfException? ReachedRefusedMap(string verifierLog)
    {
        const string marker = "invalid func unknown#";
        int at = verifierLog.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        int start = at + marker.Length, end = start;
        while (end < verifierLog.Length && char.IsAsciiDigit(verifierLog[end])) end++;
        if (!long.TryParse(verifierLog.AsSpan(start, end - start), out long id)) return null;
        long index = id - PoisonedMapBase;
        if (index < 0 || index >= _spec.Maps.Count) return null;
        return _mapErrors.GetValueOrDefault(_spec.Maps.Keys.ElementAt((int)index));
    }

    /// <summary>The specs of the maps that were created (all of them, unless loading each program on its own left some
    /// out) whose static slots point only at created maps: their slots are filled, the others' stay empty.</summary>
    private Dictionary<string, MapSpec> CreatedSpecs()
    {
        var created = new Dictionary<string, MapSpec>(StringComparer.Ordinal);
        foreach (var (name, spec) in _spec.Maps)
            if (_maps.ContainsKey(name) && spec.InitialSlots.All(slot => spec.Type == BpfMapType.ProgramArray || _maps.ContainsKey(slot.Target)))
                created[name] = spec;
        return created;
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

    /// <summary>Creates one map of the object. A refusal (the kernel's or the size rules') comes out as a
    /// <see cref="BpfMapException"/> naming the object and the map; missing privileges and features keep their types.</summary>
    private static BpfMap CreateMap(string objectName, MapSpec spec, SafeFd? btf)
    {
        try
        {
            return CreateAndFill(objectName, spec, btf);
        }
        catch (BpfException e) when (e is not (BpfPermissionException or BpfFeatureNotSupportedException or BpfObjectException))
        {
            throw new BpfMapException(e.Operation.Length == 0 ? "BPF_MAP_CREATE" : e.Operation, e.Errno, spec.Name, $"{objectName}: {e.Message}");
        }
    }

    private static BpfMap CreateAndFill(string objectName, MapSpec spec, SafeFd? btf)
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

    /// <summary>libbpf's marker for a reference to a map that was not created: the ld_imm64 becomes two calls of helper
    /// (this + the map's index), which the verifier drops if they are dead code and refuses if they are reachable
    /// ("invalid func unknown#2001000003").</summary>
    internal const int PoisonedMapBase = 2001000000;

    /// <summary>The program's instructions with the fds of the maps it uses. A reference to a map that could not be
    /// created (loading each program on its own) is poisoned as libbpf does for a map it did not create: the program
    /// still loads if the reference is dead code (a feature switched off in .rodata), and fails with the map's error if not.</summary>
    private Instruction[] Patch(ProgramSpec program)
    {
        var instructions = program.Instructions.ToArray();
        foreach (var r in program.MapReferences)
        {
            if (!_maps.TryGetValue(r.MapName, out var map))
            {
                if (_mapErrors.ContainsKey(r.MapName))
                {
                    var poison = new Instruction(OpCode.Call, immediate: PoisonedMapBase + MapIndex(r.MapName));
                    instructions[r.InstructionIndex] = instructions[r.InstructionIndex + 1] = poison;
                    continue;
                }
                throw new BpfObjectException(_spec.Name, program.SectionName, $"program '{program.Name}' uses map '{r.MapName}', which the object does not define.");
            }
            instructions[r.InstructionIndex].Immediate = map.Fd;
            if (r.IsValue) instructions[r.InstructionIndex + 1].Immediate = (int)r.ValueOffset;
        }
        return instructions;
    }
}
