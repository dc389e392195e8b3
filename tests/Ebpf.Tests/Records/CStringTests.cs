using Ebpf.Records;

namespace Ebpf.Tests.Records;

public class CStringTests
{
    [Fact]
    public void Reads_up_to_the_first_nul_or_the_whole_buffer()
    {
        byte[] comm = [(byte)'b', (byte)'a', (byte)'s', (byte)'h', 0, (byte)'x', 0, 0];
        Assert.Equal("bash", CString.ToString(comm));
        Assert.Equal(4, CString.Length(comm));
        Assert.True(CString.Matches(comm, "bash"u8));
        Assert.False(CString.Matches(comm, "bas"u8));
        Assert.Equal("full", CString.ToString("full"u8)); // no NUL: the string fills the buffer
        Assert.Equal("", CString.ToString([0, 65]));
    }

    [Fact]
    public void Decodes_utf8_into_a_caller_buffer_without_allocating()
    {
        byte[] name = [.. "héllo"u8, 0, 1, 2];
        Span<char> chars = stackalloc char[8];
        Assert.True(CString.TryDecode(name, chars, out int written));
        Assert.Equal("héllo", chars[..written].ToString());
        Assert.False(CString.TryDecode(name, stackalloc char[3], out _));
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++) CString.TryDecode(name, chars, out written);
        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void Write_terminates_and_zero_fills_or_refuses_what_does_not_fit()
    {
        var buffer = new byte[8];
        Array.Fill(buffer, (byte)0xff);
        CString.Write(buffer, "abc");
        Assert.Equal([97, 98, 99, 0, 0, 0, 0, 0], buffer);
        CString.Write(buffer, "1234567"); // 7 bytes and the NUL
        Assert.Equal(0, buffer[7]);
        var e = Assert.Throws<ArgumentException>(() => CString.Write(buffer, "12345678"));
        Assert.Contains("8 bytes", e.Message, StringComparison.Ordinal);
    }
}
