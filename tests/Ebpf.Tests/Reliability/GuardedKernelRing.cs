using Ebpf.Internal;
using Ebpf.Internal.Unix;
using Ebpf.RingBuf;

namespace Ebpf.Tests.Reliability;

/// <summary>
/// A ring laid out exactly as the kernel maps it, with PROT_NONE guard pages around every piece: the data area is one
/// memfd mapped twice back to back, READ-ONLY for the reader (as the kernel maps it), written through a third, separate
/// read-write view. A read or write outside the mapped areas faults the test process instead of passing unnoticed, and a
/// write into the data area faults too. For hostile-state tests of the record walk (catalogue SC-02, SC-03, RB-20).
/// </summary>
internal sealed unsafe class GuardedKernelRing : IDisposable
{
    private const int PROT_NONE = 0, MAP_PRIVATE = 0x02, MAP_FIXED = 0x10, MAP_ANONYMOUS = 0x20;
    private static readonly int Page = Environment.SystemPageSize;
    private static readonly long MemfdCreate = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.Arm64 => 279,
        _ => 319,
    };

    private readonly nint _reader;      // [guard][positions][guard][data][data][guard]
    private readonly nuint _readerLength;
    private readonly nint _writer;      // read-write view of the data (not adjacent to the reader's)
    private readonly int _memfd;
    private readonly ulong* _positions; // [0] consumer_pos, [1] producer_pos (on their own page)

    internal GuardedKernelRing(ulong size, RingBufferHandler handler)
    {
        Size = size;
        _readerLength = (nuint)(Page * 4 + 2 * (long)size);
        _reader = Check(Libc.Mmap(0, _readerLength, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "reserve");
        nint positions = _reader + Page;
        Check(Libc.Mmap(positions, (nuint)Page, Libc.PROT_READ | Libc.PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), "positions");
        _positions = (ulong*)positions;
        byte* name = stackalloc byte[] { (byte)'r', (byte)'i', (byte)'n', (byte)'g', 0 };
        _memfd = (int)Libc.Syscall(MemfdCreate, (long)name, 1 /* MFD_CLOEXEC */, 0, 0, 0);
        if (_memfd < 0) throw new InvalidOperationException("memfd_create failed");
        using (var file = new Microsoft.Win32.SafeHandles.SafeFileHandle(_memfd, ownsHandle: false)) RandomAccess.SetLength(file, (long)size);
        Data = _reader + 3 * Page;
        Check(Libc.Mmap(Data, (nuint)size, Libc.PROT_READ, MAP_FIXED | Libc.MAP_SHARED, _memfd, 0), "data");
        Check(Libc.Mmap(Data + (nint)size, (nuint)size, Libc.PROT_READ, MAP_FIXED | Libc.MAP_SHARED, _memfd, 0), "data again");
        _writer = Check(Libc.Mmap(0, (nuint)size, Libc.PROT_READ | Libc.PROT_WRITE, Libc.MAP_SHARED, _memfd, 0), "writer");
        Gate = new ReaderGate(() => { });
        Ring = Ring.OverMemory(Gate, "guarded", size, handler, 1, &_positions[0], &_positions[1], (byte*)Data);
    }

    internal ulong Size { get; }
    internal nint Data { get; }
    internal Ring Ring { get; }
    internal ReaderGate Gate { get; }

    internal ulong ConsumerPos { get => Volatile.Read(ref _positions[0]); set => Volatile.Write(ref _positions[0], value); }
    internal ulong ProducerPos { get => Volatile.Read(ref _positions[1]); set => Volatile.Write(ref _positions[1], value); }

    /// <summary>Writes <paramref name="bytes"/> at ring position <paramref name="pos"/> (masked, wrapping).</summary>
    internal void WriteAt(ulong pos, ReadOnlySpan<byte> bytes)
    {
        for (int k = 0; k < bytes.Length; k++) ((byte*)_writer)[(pos + (ulong)k) & (Size - 1)] = bytes[k];
    }

    internal void WriteHeader(ulong pos, uint len) => WriteAt(pos, BitConverter.GetBytes((ulong)len));

    /// <summary>Appends a committed record at producer_pos.</summary>
    internal ulong Append(ReadOnlySpan<byte> payload, uint flags = 0)
    {
        ulong pos = ProducerPos;
        WriteHeader(pos, (uint)payload.Length | flags);
        WriteAt(pos + 8, payload);
        ProducerPos = pos + RingRecordHeader.Footprint((uint)payload.Length);
        return pos;
    }

    internal long Drain(out int stop) => Ring.Drain(Ring.Handler, long.MaxValue, out stop);

    private static nint Check(nint address, string what) =>
        address == -1 ? throw new InvalidOperationException($"mmap ({what}) failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}") : address;

    private bool _keepMapped;

    /// <summary>After a watchdog timeout a thread may still be walking the ring: leave the memory mapped.</summary>
    internal void KeepMappedOnDispose() => _keepMapped = true;

    public void Dispose()
    {
        if (_keepMapped) return;
        _ = Libc.Munmap(_writer, (nuint)Size);
        _ = Libc.Munmap(_reader, _readerLength);
        _ = Libc.Close(_memfd);
    }
}
