namespace Ebpf;

/// <summary>The verifier rejected a program. <see cref="VerifierLog"/> holds the kernel's log; the message ends with its last lines.</summary>
public sealed class BpfVerifierException : BpfException
{
    /// <summary>Creates the exception.</summary>
    public BpfVerifierException(string programName, int errno, string verifierLog, string message)
        : base("BPF_PROG_LOAD", errno, message)
    {
        ProgramName = programName;
        VerifierLog = verifierLog;
    }

    /// <summary>The program that failed to load.</summary>
    public string ProgramName { get; }

    /// <summary>The full verifier log.</summary>
    public string VerifierLog { get; }

    /// <summary>The last <paramref name="lines"/> non-empty lines of the log, the part that says why.</summary>
    public string Tail(int lines = 8)
    {
        var all = VerifierLog.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }
}
