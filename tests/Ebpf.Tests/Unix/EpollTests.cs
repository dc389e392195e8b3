using Ebpf.Internal.Unix;

namespace Ebpf.Tests.Unix;

/// <summary>The epoll wrapper reports every ready descriptor's token intact in the 16-byte layout, whatever the
/// architecture's <c>struct epoll_event</c> (x86_64 packs it into 12 bytes; the wrapper spreads the records).</summary>
public sealed class EpollTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(33)]
    public unsafe void Every_ready_descriptor_comes_back_with_its_own_token(int count)
    {
        using var epoll = new Epoll();
        var fds = new List<SafeFd>();
        try
        {
            for (int i = 0; i < count; i++)
            {
                var fd = SafeFd.FromSyscall(Libc.EventFd(1, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK)); // readable at once
                fds.Add(fd);
                epoll.Add(fd, 0x1122_3344_0000_0000UL + (ulong)i);
            }
            var events = new EpollEvent[count + 4];
            int n = epoll.Wait(events, 0);
            Assert.Equal(count, n);
            Assert.Equal(
                Enumerable.Range(0, count).Select(i => 0x1122_3344_0000_0000UL + (ulong)i),
                events.Take(n).Select(e => e.Data).Order());
            Assert.All(events.Take(n), e => Assert.Equal(Libc.EPOLLIN, e.Events));
        }
        finally
        {
            foreach (var fd in fds) fd.Dispose();
        }
    }

    [Fact]
    public void A_wake_up_reports_the_wake_token()
    {
        using var epoll = new Epoll();
        epoll.Wake();
        var events = new EpollEvent[2];
        Assert.Equal(1, epoll.Wait(events, 1000));
        Assert.Equal(Epoll.WakeToken, events[0].Data);
    }
}
