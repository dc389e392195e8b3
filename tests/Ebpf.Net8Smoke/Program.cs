// The library's net8.0 build, used for real: parse the tool's unlinks object, and as root set it up for each transport
// (EventChannel.Configure), load it, attach it, delete a file and read its event back, once through the ring buffer
// (Poll) and once through the perf buffer (ReadAllAsync). Exit 0 when every step passed; 1 with the reason otherwise. With CI=true, not being root fails.
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text;
using Ebpf;
using Ebpf.Events;
using Ebpf.Links;

string? framework = typeof(BpfObject).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
Console.WriteLine($"Ebpf assembly built for {framework}, running on {RuntimeInformation.FrameworkDescription}");
if (framework != ".NETCoreApp,Version=v8.0")
    return Fail($"expected the library's net8.0 build, got {framework}");

string objects = Path.Combine(AppContext.BaseDirectory, "objects");
const string file = "unlinks.bpf.o";
{
    var spec = BpfObjectSpec.FromFile(Path.Combine(objects, file));
    Console.WriteLine($"{file}: {spec.Maps.Count} maps, {spec.Programs.Count} programs (parsed, no kernel)");
}

if (!Environment.IsPrivilegedProcess)
{
    if (Environment.GetEnvironmentVariable("CI") == "true") return Fail("not root: the kernel half cannot run (CI=true makes that a failure)");
    Console.WriteLine("not root: kernel half skipped");
    return 0;
}

foreach (var transport in new[] { EventTransport.RingBuf, EventTransport.PerfBuffer })
{
    var spec = BpfObjectSpec.FromFile(Path.Combine(objects, file));
    EventChannel.Configure(spec, "events", transport);
    spec.SetVariable("target_pid", (uint)Environment.ProcessId);
    using var obj = spec.Load();
    using BpfLink unlinkat = obj.Program("unlinkat").Attach();
    using BpfLink unlink = obj.Program("unlink").Attach();

    string path = Path.Combine(Path.GetTempPath(), $"ebpf-net8-smoke-{Guid.NewGuid():N}");
    string? seen = null;
    using var reader = EventReader.Open(obj.Map("events"), record => seen ??= FileName(record));
    File.WriteAllText(path, "");
    File.Delete(path);

    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
    if (reader.Transport == EventTransport.RingBuf)
    {
        while (seen is null && !timeout.IsCancellationRequested) reader.Poll(TimeSpan.FromMilliseconds(100));
    }
    else
    {
        try
        {
            await foreach (var e in reader.ReadAllAsync<SmokeEvent>(timeout.Token))
            {
                seen = e.FileName;
                break;
            }
        }
        catch (OperationCanceledException) { }
    }
    if (seen != path) return Fail($"{file} over {reader.Transport}: expected an event for {path}, got {seen ?? "none"}");
    Console.WriteLine($"{file} over {reader.Transport}: unlink of {path} read back");
}
Console.WriteLine("net8.0 smoke: ok");
return 0;

static int Fail(string why)
{
    Console.Error.WriteLine($"net8.0 smoke: FAILED: {why}");
    return 1;
}

// struct unlink_event (bpf/unlinks.h): u64 ts_ns; u32 pid; u32 tid; char comm[16]; char filename[256].
static string FileName(ReadOnlySpan<byte> record) => record.Length < 288 ? "(short record)" : SmokeEvent.CString(record.Slice(32, 256));

/// <summary>struct unlink_event, for the copying stream.</summary>
[StructLayout(LayoutKind.Sequential, Size = 288)]
internal unsafe struct SmokeEvent
{
    private fixed byte _bytes[288];

    internal string FileName
    {
        get
        {
            fixed (byte* p = _bytes) return CString(new ReadOnlySpan<byte>(p + 32, 256));
        }
    }

    internal static string CString(ReadOnlySpan<byte> bytes)
    {
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
