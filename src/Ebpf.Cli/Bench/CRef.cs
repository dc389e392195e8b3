using System.Runtime.InteropServices;

namespace Ebpf.Cli.Bench;

/// <summary>
/// The libbpf C reference consumer (bench/c-reference, built by scripts/build-c-reference.sh), loaded into this
/// process so C and C# drain the same maps in one run. Only `ebpf bench` uses it; the library never does.
/// Signatures mirror bench/c-reference/cref.h.
/// </summary>
internal static unsafe partial class CRef
{
    private const string Library = "ebpf_cref";

    internal const int ModeRingReserve = 0, ModeRingOutput = 1, ModePerfOutput = 2;

    [LibraryImport(Library, EntryPoint = "cref_open", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Open(string objectPath, int mode, int recordSize, int batch, int wakeupEvery, int queryAvail, long ringBytes, out nint handle);

    [LibraryImport(Library, EntryPoint = "cref_close")]
    internal static partial void Close(nint handle);

    [LibraryImport(Library, EntryPoint = "cref_ringbuf_fd")]
    internal static partial int RingBufFd(nint handle);

    [LibraryImport(Library, EntryPoint = "cref_perfbuf_fd")]
    internal static partial int PerfBufFd(nint handle);

    [LibraryImport(Library, EntryPoint = "cref_ring_bytes_for")]
    internal static partial long RingBytesFor(long records, int recordSize);

    [LibraryImport(Library, EntryPoint = "cref_perf_pages_for")]
    internal static partial long PerfPagesFor(long records, int recordSize);

    [LibraryImport(Library, EntryPoint = "cref_fill")]
    internal static partial int Fill(nint handle, long records, int cpu, out long emitted, out long dropped);

    [LibraryImport(Library, EntryPoint = "cref_read_stats")]
    internal static partial int ReadStats(nint handle, out long attempted, out long emitted, out long dropped, out long availMax, out long runs);

    [LibraryImport(Library, EntryPoint = "cref_drain_ringbuf")]
    internal static partial int DrainRingBuf(nint handle, out long records, out long elapsedNs, out long checksum);

    [LibraryImport(Library, EntryPoint = "cref_perfbuf_open")]
    internal static partial int PerfBufOpen(nint handle, long pagesPerCpu, int wakeupEvents);

    [LibraryImport(Library, EntryPoint = "cref_perfbuf_claim")]
    internal static partial int PerfBufClaim(nint handle);

    [LibraryImport(Library, EntryPoint = "cref_drain_perfbuf")]
    internal static partial int DrainPerfBuf(nint handle, out long records, out long lost, out long elapsedNs, out long checksum);

    [LibraryImport(Library, EntryPoint = "cref_stream")]
    internal static partial int Stream(nint handle, int durationMs, int producerThreads, int perfWakeupEvents, long perfPagesPerCpu, out StreamResult result);

    [LibraryImport(Library, EntryPoint = "cref_stream_pacing")]
    internal static partial int StreamPacing(nint handle, long producerGapNs, long latencySampleEvery);

    [LibraryImport(Library, EntryPoint = "cref_producers_start")]
    internal static partial int ProducersStart(int threads, long gapNs, int pinCpus, out nint producers);

    [LibraryImport(Library, EntryPoint = "cref_stream_pinning")]
    internal static partial int StreamPinning(nint handle, int producerCpus);

    [LibraryImport(Library, EntryPoint = "cref_pin_thread")]
    internal static partial int PinThread(int cpu);

    [LibraryImport(Library, EntryPoint = "cref_producers_stop")]
    internal static partial long ProducersStop(nint producers);

    [LibraryImport(Library, EntryPoint = "cref_urb_new")]
    internal static partial int UserRingNew(int mapFd, out nint producer);

    [LibraryImport(Library, EntryPoint = "cref_urb_free")]
    internal static partial void UserRingFree(nint producer);

    [LibraryImport(Library, EntryPoint = "cref_urb_produce")]
    internal static partial long UserRingProduce(nint producer, long records, int recordSize, long firstSeq, out long elapsedNs);

    [LibraryImport(Library, EntryPoint = "cref_load_object", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int LoadObject(string objectPath, out long openNs, out long loadNs);

    /// <summary><c>struct cref_stream_result</c>: fifteen int64 fields in this order.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct StreamResult
    {
        internal long Received, Emitted, Dropped, Lost, ProducerCalls, WallNs, ConsumerCpuNs, LatencySamples, LatencySumNs, LatencyMaxNs, Checksum, Wakeups;
        internal long LatencyP50Ns, LatencyP99Ns, LatencyP999Ns;
    }

    /// <summary>Throws when a cref call returned a negative errno.</summary>
    internal static void Check(int result, string call)
    {
        if (result < 0) throw new InvalidOperationException($"C reference: {call} failed with errno {-result}.");
    }

    /// <summary>Points the <c>ebpf_cref</c> imports at <paramref name="path"/> (once per process).</summary>
    internal static void Use(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"The libbpf C reference is not built at {path}. Build it with scripts/build-c-reference.sh " +
                "(needs clang, libbpf-dev and pkg-config: apt-get install clang libbpf-dev pkg-config), or pass --cref PATH.", path);
        nint lib = NativeLibrary.Load(path);
        NativeLibrary.SetDllImportResolver(typeof(CRef).Assembly, (name, _, _) => name == Library ? lib : 0);
    }

    /// <summary>bench/c-reference/build/libebpf_cref.so found above the working directory or this tool.</summary>
    internal static string DefaultPath()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "bench", "c-reference", "build", "libebpf_cref.so");
                if (File.Exists(candidate)) return candidate;
            }
        }
        return Path.Combine(Environment.CurrentDirectory, "bench", "c-reference", "build", "libebpf_cref.so");
    }
}
