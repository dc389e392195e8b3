using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Linking;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Ebpf.Diagnostics;

/// <summary>
/// The loader's log calls that need a little work to say what happened (kept here, so the loader itself has one line
/// per decision). Each does that work only when its level is enabled.
/// </summary>
internal static class LoaderLog
{
    internal static ILogger For(BpfLoadOptions options) => options.Logger ?? NullLogger.Instance;

    /// <summary>After BPF_BTF_LOAD: refused (and why), or accepted after sanitising kinds this kernel lacks.</summary>
    internal static void ObjectBtf(ILogger log, string objectName, BtfTypes btf, BtfFeatureSet kernel, string? failure)
    {
        if (failure is not null)
        {
            LogMessages.BtfRefused(log, objectName, failure);
            return;
        }
        if (!log.IsEnabled(LogLevel.Information) || !BtfSanitizer.Needs(btf, kernel)) return;
        string missing = (BtfFeatureSet.All & ~kernel).ToString();
        LogMessages.BtfSanitized(log, objectName, missing);
    }

    /// <summary>After CO-RE: how many relocations applied, and how many had no match and were poisoned.</summary>
    internal static void CoreRelocations(ILogger log, string objectName, ProgramSpec program, Instruction[] instructions)
    {
        if (!log.IsEnabled(LogLevel.Debug) && !log.IsEnabled(LogLevel.Warning)) return;
        int total = program.CoreRelocations.Count, poisoned = 0;
        foreach (ref readonly var insn in instructions.AsSpan())
            if (insn.IsCall && insn.Immediate == CoreRelocator.PoisonHelper) poisoned++;
        LogMessages.CoreApplied(log, objectName, program.Name, total - poisoned);
        if (poisoned > 0) LogMessages.CorePoisoned(log, objectName, program.Name, poisoned, total);
    }

    /// <summary>For an exception filter: logs the verifier's refusal with its log, and returns false (never catches).</summary>
    internal static bool VerifierRefused(ILogger log, string objectName, BpfVerifierException e)
    {
        LogMessages.VerifierRefused(log, objectName, e.ProgramName, e.Errno, e.VerifierLog);
        return false;
    }
}
