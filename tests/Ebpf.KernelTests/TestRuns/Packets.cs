using System.Buffers.Binary;
using System.Net;

namespace Ebpf.KernelTests.TestRuns;

/// <summary>Crafted frames for test runs: Ethernet + IPv4 (valid header checksum) + UDP + payload.</summary>
internal static class Packets
{
    internal static readonly byte[] DestinationMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0d];
    internal static readonly byte[] SourceMac = [0x02, 0x00, 0x00, 0x00, 0x00, 0x05];

    internal const int TtlOffset = 14 + 8;

    internal static byte[] Udp(ushort destinationPort, string source = "10.0.0.1", string destination = "10.0.0.2", int payload = 18, byte ttl = 64)
    {
        var frame = new byte[14 + 20 + 8 + payload];
        var s = frame.AsSpan();
        DestinationMac.CopyTo(s);
        SourceMac.CopyTo(s[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(s[12..], 0x0800);
        var ip = s[14..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + 8 + payload));
        ip[8] = ttl;
        ip[9] = 17;
        IPAddress.Parse(source).TryWriteBytes(ip[12..], out _);
        IPAddress.Parse(destination).TryWriteBytes(ip[16..], out _);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..20]));
        var udp = ip[20..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[4..], (ushort)(8 + payload));
        for (int i = 0; i < payload; i++) udp[8 + i] = (byte)('a' + i % 26);
        return frame;
    }

    private static ushort Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2) sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
