using System.Runtime.InteropServices;
using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Features;
using Ebpf.Linking;

namespace Ebpf.Externs;

/// <summary>
/// Resolves an object's externs against the running kernel when it is loaded, as libbpf does: kconfig values from the
/// options, the virtual <c>LINUX_*</c> values and the kernel configuration; typed ksyms and kfuncs by name in the
/// kernel BTF (checked for compatible types); typeless ksyms in /proc/kallsyms. Then patches the programs.
/// </summary>
internal static class ExternResolver
{
    /// <summary>An unresolved weak kfunc's call becomes a call of helper (this + extern index), which the verifier
    /// refuses if it is reachable ("invalid func unknown#2002000003") and drops if it is dead code, as with libbpf.</summary>
    internal const int PoisonedKfuncBase = 2002000000;

    internal static ResolvedExterns Resolve(BpfObjectSpec spec, BpfLoadOptions options, Func<BtfTypes> kernelBtf)
    {
        var externs = spec.Externs;
        if (externs.Count == 0) return ResolvedExterns.None;
        byte[]? kconfig = externs.Any(e => e.Kind == ExternKind.Kconfig) ? ResolveKconfig(spec, options) : null;
        var symbols = new ResolvedExterns.Symbol[externs.Count];
        ResolveTypeless(spec, symbols);
        if (externs.Any(e => e.Kind != ExternKind.Kconfig && e.IsTyped)) ResolveTyped(spec, symbols, kernelBtf());
        return new ResolvedExterns(kconfig, symbols);
    }

    /// <summary>Writes each extern's resolution into the instructions that use it.</summary>
    internal static void Patch(BpfObjectSpec spec, ProgramSpec program, Instruction[] instructions, ResolvedExterns resolved)
    {
        foreach (var r in program.ExternReferences)
        {
            var e = spec.Externs[r.ExternIndex];
            var s = resolved.Symbols[r.ExternIndex];
            ref var insn = ref instructions[r.InstructionIndex];
            if (r.IsCall)
            {
                if (s.IsSet)
                {
                    insn.Source = PseudoSource.KernelFunctionCall;
                    insn.Immediate = (int)s.BtfId;
                    insn.Offset = 0; // the BTF's index in fd_array: 0 is vmlinux
                }
                else
                {
                    insn = new Instruction(OpCode.Call, immediate: PoisonedKfuncBase + e.Index);
                }
                continue;
            }
            ref var next = ref instructions[r.InstructionIndex + 1];
            if (e.IsTyped && s.IsSet)
            {
                insn.Source = PseudoSource.BtfId;
                insn.Immediate = (int)s.BtfId;
                next.Immediate = 0; // the BTF object's fd: 0 is vmlinux
            }
            else
            {
                insn.Source = Register.R0;
                insn.Immediate = unchecked((int)(uint)s.Address);
                next.Immediate = unchecked((int)(uint)(s.Address >> 32));
            }
        }
    }

    /// <summary>A clearer message when the verifier reached a poisoned call of a weak kfunc the kernel lacks.</summary>
    internal static string? ExplainPoisonedCall(BpfObjectSpec spec, string verifierLog)
    {
        const string marker = "invalid func unknown#";
        int at = verifierLog.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        int start = at + marker.Length, end = start;
        while (end < verifierLog.Length && char.IsAsciiDigit(verifierLog[end])) end++;
        if (!long.TryParse(verifierLog.AsSpan(start, end - start), out long id)) return null;
        long index = id - PoisonedKfuncBase;
        if (index < 0 || index >= spec.Externs.Count) return null;
        var e = spec.Externs[(int)index];
        return $"the program calls kfunc '{e.Name}', which this kernel lacks (it is __weak, so the object loaded, but the call is reachable). " +
            $"Guard the call with bpf_ksym_exists({e.Name}).";
    }

    private static BpfObjectException Error(BpfObjectSpec spec, string section, string message) => new(spec.Name, section, message);

    private static byte[] ResolveKconfig(BpfObjectSpec spec, BpfLoadOptions options)
    {
        var map = spec.Maps.TryGetValue(ExternCollector.KconfigMapName, out var m) ? m
            : throw Error(spec, ExternCollector.KconfigSection, $"the object has kconfig externs but no '{ExternCollector.KconfigMapName}' map.");
        var value = new byte[map.ValueSize];
        map.InitialValue?.AsSpan(0, Math.Min(map.InitialValue.Length, value.Length)).CopyTo(value);
        var pending = new Dictionary<string, ExternSpec>(StringComparer.Ordinal);
        foreach (var e in spec.Externs)
        {
            if (e.Kind != ExternKind.Kconfig) continue;
            if (e.Kconfig.Offset + e.Kconfig.Size > value.Length)
                throw Error(spec, ExternCollector.KconfigSection, $"extern '{e.Name}' lies outside the {value.Length}-byte '{map.Name}' map (was MapSpec.ValueSize changed?).");
            var slot = value.AsSpan(e.Kconfig.Offset, e.Kconfig.Size);
            if (options.Kconfig is { } given && given.TryGetValue(e.Name, out var text))
            {
                Check(spec, e, KconfigValue.TrySet(e.Kconfig, text, slot), "BpfLoadOptions.Kconfig");
                continue;
            }
            if (e.Name.StartsWith("CONFIG_", StringComparison.Ordinal))
            {
                pending[e.Name] = e;
                continue;
            }
            ulong virtualValue;
            switch (e.Name)
            {
                case "LINUX_KERNEL_VERSION":
                    virtualValue = KernelVersion.Current()
                        ?? throw Error(spec, ExternCollector.KconfigSection, $"extern '{e.Name}': the kernel release '{KernelVersion.Release()}' is not a.b.c; set it with BpfLoadOptions.Kconfig.");
                    break;
                case "LINUX_HAS_BPF_COOKIE":
                    virtualValue = KernelFeatures.HasBpfCookie() ? 1UL : 0UL;
                    break;
                case "LINUX_HAS_SYSCALL_WRAPPER":
                    virtualValue = HasSyscallWrapper() ? 1UL : 0UL;
                    break;
                default:
                    if (e.Name.StartsWith("LINUX_", StringComparison.Ordinal) && e.IsWeak) continue; // unknown but weak: 0
                    throw Error(spec, ExternCollector.KconfigSection, $"extern '{e.Name}' is neither a CONFIG_ value nor a virtual value the loader knows " +
                        "(LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER); declare it __weak to default to 0, or set it with BpfLoadOptions.Kconfig.");
            }
            Check(spec, e, KconfigValue.TrySetNumber(e.Kconfig, virtualValue, slot), "the kernel");
        }
        if (pending.Count > 0) ReadKernelConfig(spec, options, pending, value);
        return value;
    }

    private static void ReadKernelConfig(BpfObjectSpec spec, BpfLoadOptions options, Dictionary<string, ExternSpec> pending, byte[] value)
    {
        string? path = options.KconfigPath;
        string[] candidates = path is null ? KconfigFile.SystemCandidates(KernelVersion.Release()) : [path];
        path = candidates.FirstOrDefault(File.Exists);
        if (path is null)
        {
            var strong = pending.Values.Where(e => !e.IsWeak).Select(e => e.Name).ToList();
            if (strong.Count == 0) return; // all weak: they stay 0
            throw Error(spec, ExternCollector.KconfigSection, $"extern{(strong.Count > 1 ? "s" : "")} {string.Join(", ", strong.Select(n => $"'{n}'"))} need the kernel configuration, " +
                $"but {string.Join(" and ", candidates)} do{(candidates.Length > 1 ? "" : "es")} not exist. " +
                "Enable CONFIG_IKCONFIG_PROC (modprobe configs), or pass BpfLoadOptions.KconfigPath or BpfLoadOptions.Kconfig.");
        }
        List<string> lines;
        try
        {
            lines = KconfigFile.ReadLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            throw Error(spec, ExternCollector.KconfigSection, $"cannot read the kernel configuration {path}: {ex.Message}");
        }
        var unresolved = new Dictionary<string, ExternSpec>(pending, StringComparer.Ordinal);
        foreach (var line in lines)
        {
            if (!KconfigFile.TryParseLine(line, out var name, out var text, out var error))
            {
                if (error is not null) throw Error(spec, ExternCollector.KconfigSection, $"{path}: {error}.");
                continue;
            }
            if (!unresolved.Remove(name, out var e)) continue;
            Check(spec, e, KconfigValue.TrySet(e.Kconfig, text, value.AsSpan(e.Kconfig.Offset, e.Kconfig.Size)), path);
        }
        var missing = unresolved.Values.Where(e => !e.IsWeak).Select(e => $"'{e.Name}'").ToList();
        if (missing.Count > 0)
            throw Error(spec, ExternCollector.KconfigSection, $"extern{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing)} (__kconfig) {(missing.Count > 1 ? "are" : "is")} not set in {path}. " +
                "Declare it __weak to default to 0, or set it with BpfLoadOptions.Kconfig.");
    }

    private static void Check(BpfObjectSpec spec, ExternSpec e, string? error, string source)
    {
        if (error is not null)
            throw Error(spec, ExternCollector.KconfigSection, $"extern '{e.Name}' (__kconfig): {error} (value from {source}).");
    }

    /// <summary>libbpf asks whether syscalls enter through arch-prefixed wrappers (<c>__x64_sys_bpf</c>); the symbol in
    /// kallsyms says so without a kprobe (libbpf probes with one, which kernels without kprobes cannot create).</summary>
    private static bool HasSyscallWrapper()
    {
        string? prefix = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.X86 => "ia32",
            Architecture.Arm64 => "arm64",
            Architecture.Arm => "arm",
            Architecture.S390x => "s390x",
#if NET9_0_OR_GREATER
            Architecture.RiscV64 => "riscv",
#else
            (Architecture)9 => "riscv",        // Architecture.RiscV64 is .NET 9+; a newer runtime still reports 9
#endif
            Architecture.Ppc64le => "powerpc64",
            _ => null,
        };
        if (prefix is null || !File.Exists(Kallsyms.DefaultPath)) return false;
        string name = $"__{prefix}_sys_bpf";
        return Kallsyms.Find(new HashSet<string>(StringComparer.Ordinal) { name }).ContainsKey(name);
    }

    private static void ResolveTypeless(BpfObjectSpec spec, ResolvedExterns.Symbol[] symbols)
    {
        var wanted = spec.Externs.Where(e => e.Kind == ExternKind.Ksym && !e.IsTyped).ToList();
        if (wanted.Count == 0) return;
        Dictionary<string, ulong> addresses;
        try
        {
            addresses = Kallsyms.Find(wanted.Select(e => e.Name).ToHashSet(StringComparer.Ordinal));
        }
        catch (InvalidOperationException ex)
        {
            throw Error(spec, ExternCollector.KsymsSection, $"typeless __ksym: {ex.Message}");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Error(spec, ExternCollector.KsymsSection, $"typeless __ksym externs ({string.Join(", ", wanted.Select(e => e.Name))}) need {Kallsyms.DefaultPath}: {ex.Message}");
        }
        foreach (var e in wanted)
        {
            if (addresses.TryGetValue(e.Name, out ulong address))
            {
                if (address == 0 && !e.IsWeak)
                    throw Error(spec, ExternCollector.KsymsSection, $"extern '{e.Name}' (__ksym): {Kallsyms.DefaultPath} shows its address as 0, " +
                        "which it does for processes without CAP_SYSLOG or when kernel.kptr_restrict is 2.");
                symbols[e.Index] = new ResolvedExterns.Symbol(true, 0, address);
            }
            else if (!e.IsWeak)
            {
                throw Error(spec, ExternCollector.KsymsSection, $"extern '{e.Name}' (__ksym) is not in {Kallsyms.DefaultPath}. " +
                    "Data symbols are listed only when the kernel has CONFIG_KALLSYMS_ALL; declare it __weak to default to 0.");
            }
        }
    }

    private static void ResolveTyped(BpfObjectSpec spec, ResolvedExterns.Symbol[] symbols, BtfTypes kernel)
    {
        var local = spec.BtfTypes!;
        foreach (var e in spec.Externs)
        {
            if (e.Kind == ExternKind.Kconfig || !e.IsTyped) continue;
            bool function = e.Kind == ExternKind.Kfunc;
            string name = function ? e.EssentialName : e.Name;
            BtfType? target = null;
            foreach (uint id in kernel.IdsNamed(name))
            {
                if (kernel[id].Kind == (function ? BtfKind.Function : BtfKind.Variable))
                {
                    target = kernel[id];
                    break;
                }
            }
            string what = function ? "kfunc" : "typed __ksym";
            if (target is null)
            {
                if (e.IsWeak) continue;
                throw Error(spec, ExternCollector.KsymsSection, $"extern '{e.Name}' ({what}) is not in the kernel BTF ({kernel.Section})" +
                    (function ? ". Check the kernel version and that the kfunc exists (bpftool btf dump file /sys/kernel/btf/vmlinux | grep); module kfuncs are not supported yet." : "; only per-CPU variables have BTF. Declare it __weak to default to 0."));
            }
            uint targetType = function ? target.SizeOrType : kernel.SkipQualifiers(target.SizeOrType).Id;
            if (!BtfCompat.AreCompatible(local, e.LocalTypeId, kernel, targetType))
            {
                if (function && e.IsWeak) continue;
                throw Error(spec, ExternCollector.KsymsSection, $"extern '{e.Name}' ({what}): the object declares it as {local[e.LocalTypeId]}, " +
                    $"incompatible with the kernel's {kernel[targetType]}.");
            }
            symbols[e.Index] = new ResolvedExterns.Symbol(true, target.Id, 0);
        }
    }
}
