namespace Ebpf.Perf;

/// <summary>
/// Sample and loss handlers the JIT can specialise: pass a struct implementing it to
/// <see cref="PerfBuffer.Consume{THandler}(ref THandler)"/> and the calls are direct and can be inlined, which delegates
/// (or libbpf's C function pointers) cannot be. Same rules as <see cref="PerfSampleHandler"/> and <see cref="PerfLostHandler"/>.
/// </summary>
public interface IPerfBufferHandler
{
    /// <summary>One sample of <paramref name="cpu"/>'s buffer (padding included; valid only during the call).</summary>
    void OnSample(int cpu, ReadOnlySpan<byte> data);

    /// <summary>The kernel lost <paramref name="lost"/> samples on <paramref name="cpu"/> (also counted in <see cref="PerfBuffer.LostCount"/>).</summary>
    void OnLost(int cpu, ulong lost);
}
