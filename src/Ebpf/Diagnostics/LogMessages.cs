using Microsoft.Extensions.Logging;

namespace Ebpf.Diagnostics;

/// <summary>
/// What the loader logs through <see cref="BpfLoadOptions.Logger"/>: decisions worth knowing, never anything per
/// event. Source-generated (no boxing, no formatting unless the level is enabled); the event ids are stable.
/// </summary>
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Loaded BPF object {ObjectName}: {ProgramCount} programs, {MapCount} maps")]
    internal static partial void ObjectLoaded(ILogger logger, string objectName, int programCount, int mapCount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Debug,
        Message = "{ObjectName}: program {ProgramName}: {Applied} CO-RE relocations applied against the kernel's BTF")]
    internal static partial void CoreApplied(ILogger logger, string objectName, string programName, int applied);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning,
        Message = "{ObjectName}: program {ProgramName}: {Poisoned} of {Total} CO-RE relocations have no match in this kernel and were poisoned (the program fails at run time only if it reaches them)")]
    internal static partial void CorePoisoned(ILogger logger, string objectName, string programName, int poisoned, int total);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information,
        Message = "{ObjectName}: BTF sanitised for this kernel, which lacks {MissingKinds}")]
    internal static partial void BtfSanitized(ILogger logger, string objectName, string missingKinds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning,
        Message = "{ObjectName}: the kernel refused the object's BTF ({Reason}); programs load without it and maps without BTF types")]
    internal static partial void BtfRefused(ILogger logger, string objectName, string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Error,
        Message = "{ObjectName}: the verifier refused program {ProgramName} (errno {Errno}); its log:\n{VerifierLog}")]
    internal static partial void VerifierRefused(ILogger logger, string objectName, string programName, int errno, string verifierLog);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information,
        Message = "{Subject}: no {Kind} PMU in this kernel, falling back to a tracefs dynamic event ({EventsFile})")]
    internal static partial void ProbeTracefsFallback(ILogger logger, string subject, string kind, string eventsFile);
}
