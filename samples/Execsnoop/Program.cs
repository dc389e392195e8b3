// execsnoop in C#: prints every successful execve() as libbpf-tools' execsnoop does (same columns, same argument
// rules), from execsnoop.bpf.c through the skeleton the build generates. Ctrl-C (or SIGTERM) stops it.
using System.Runtime.InteropServices;
using System.Text;
using Ebpf.Records;
using Ebpf.RingBuf;
using Execsnoop;

const int MaxArgs = 20;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    cancel.Cancel();
});

using var bpf = ExecsnoopBpf.Load();
using var output = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var line = new StringBuilder();
using var ring = new RingBuffer(bpf.Maps.Events, record =>
{
    ref readonly var e = ref RecordView.As<ExecsnoopBpf.ExecEvent>(record);
    line.Clear().Append(e.Comm.ToString().PadRight(16)).Append(' ')
        .Append(e.Pid.ToString().PadRight(6)).Append(' ')
        .Append(e.Ppid.ToString().PadRight(6)).Append(' ')
        .Append(e.Retval.ToString().PadLeft(3)).Append(' ');
    ReadOnlySpan<byte> args = e.Args;
    args = args[..(int)Math.Min(e.ArgsSize, (uint)args.Length)];
    for (uint i = 0; i < e.ArgsCount && !args.IsEmpty; i++)
    {
        line.Append(CString.ToString(args)).Append(' ');
        args = args[Math.Min(CString.Length(args) + 1, args.Length)..];
    }
    if (e.ArgsCount == MaxArgs + 1) line.Append(" ...");
    output.WriteLine(line);
    return 0;
});
using var links = bpf.AttachAll();
output.WriteLine($"{"PCOMM",-16} {"PID",-6} {"PPID",-6} {"RET",3} ARGS");
try
{
    while (!cancel.IsCancellationRequested) ring.Poll(cancel.Token);
}
catch (OperationCanceledException)
{
}
catch (IOException)
{
    return 0; // stdout closed (| head -n 1)
}
Console.Error.WriteLine($"{bpf.Bss.Dropped} events dropped");
return 0;
