using System.Buffers.Binary;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// BPF objects embedded in executables, as libbpf skeletons embed them (bpftool gen skeleton: the object's bytes in the
/// program's data): every little-endian ELF64 image with e_machine EM_BPF, cut at the end of its section headers.
/// </summary>
internal static class EmbeddedBpfObjects
{
    private const ushort EmBpf = 247;

    internal static List<byte[]> In(string executable)
    {
        var data = File.ReadAllBytes(executable);
        var found = new List<byte[]>();
        ReadOnlySpan<byte> magic = [0x7f, (byte)'E', (byte)'L', (byte)'F', 2, 1];
        for (int at = 1; at + 64 <= data.Length;)
        {
            int next = data.AsSpan(at).IndexOf(magic);
            if (next < 0) break;
            at += next;
            var header = data.AsSpan(at);
            if (header.Length >= 64 && BinaryPrimitives.ReadUInt16LittleEndian(header[18..]) == EmBpf)
            {
                ulong end = BinaryPrimitives.ReadUInt64LittleEndian(header[40..])
                    + (ulong)BinaryPrimitives.ReadUInt16LittleEndian(header[58..]) * BinaryPrimitives.ReadUInt16LittleEndian(header[60..]);
                if (end <= (ulong)header.Length) found.Add(header[..(int)end].ToArray());
            }
            at++;
        }
        return found;
    }
}
