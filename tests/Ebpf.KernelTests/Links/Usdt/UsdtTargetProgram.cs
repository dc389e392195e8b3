using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Links.Usdt;

/// <summary>
/// A C program with USDT probes from Debian's systemtap-sdt-dev &lt;sys/sdt.h&gt;, built with gcc -O2 so the notes carry
/// every argument kind usdt.bpf.h reads: per round i (argv[1] rounds),
/// <c>ebpf_test:mixed(i, p->first = 1000+i, p->second = -i, (u8)(200+i), (short)-7, 42)</c> (registers, memory through a
/// register with and without offset, constants), <c>ebpf_test:memory(volatile stack long 0x1122334455667788+i, i)</c>,
/// <c>ebpf_test:empty()</c>, and <c>ebpf_test:guarded(i, semaphore)</c>, which fires only while its semaphore is non-zero
/// (it lives in a second file compiled with _SDT_HAS_SEMAPHORES). The program prints how often the guarded probe fired;
/// with a second argument it waits for a line on stdin first.
/// </summary>
public static class UsdtTargetProgram
{
    public const string Provider = "ebpf_test";
    public const long MemoryBase = 0x1122334455667788L;

    private const string Main = """
        #include <sys/sdt.h>
        #include <stdio.h>
        #include <stdlib.h>

        struct pair { long first; int second; };
        int guarded_probe(int value);

        __attribute__((noinline)) void fire(struct pair *p, int round)
        {
            DTRACE_PROBE6(ebpf_test, mixed, round, p->first, p->second, (unsigned char)(200 + round), (short)-7, 42);
        }

        int main(int argc, char **argv)
        {
            int n = argc > 1 ? atoi(argv[1]) : 1;
            if (argc > 2) { char line[8]; if (!fgets(line, sizeof line, stdin)) return 2; }
            int guarded = 0;
            for (int i = 0; i < n; i++)
            {
                struct pair p = { 1000 + i, -i };
                fire(&p, i);
                volatile long on_stack = 0x1122334455667788L + i;
                DTRACE_PROBE2(ebpf_test, memory, on_stack, i);
                DTRACE_PROBE(ebpf_test, empty);
                guarded += guarded_probe(i);
            }
            printf("guarded=%d\n", guarded);
            return 0;
        }
        """;

    private const string Guarded = """
        #define _SDT_HAS_SEMAPHORES 1
        #include <sys/sdt.h>

        unsigned short ebpf_test_guarded_semaphore __attribute__((unused)) __attribute__((section(".probes")));

        int guarded_probe(int value)
        {
            if (!ebpf_test_guarded_semaphore) return 0;
            DTRACE_PROBE2(ebpf_test, guarded, value, ebpf_test_guarded_semaphore);
            return 1;
        }
        """;

    /// <summary>The built program (position-independent, as Debian's gcc builds by default).</summary>
    public static string Path()
    {
        if (!File.Exists("/usr/include/x86_64-linux-gnu/sys/sdt.h") && !File.Exists("/usr/include/sys/sdt.h") && !File.Exists("/usr/include/aarch64-linux-gnu/sys/sdt.h"))
            KernelGuard.Unavailable("<sys/sdt.h> is missing: install systemtap-sdt-dev (.ci/run does)");
        return NativeProgram.Build("usdt_target", [("main.c", Main), ("guarded.c", Guarded)], "-O2");
    }

    /// <summary>Runs <paramref name="rounds"/> rounds and returns how often the guarded probe fired.</summary>
    public static int Run(int rounds)
    {
        string output = NativeProgram.Output(Path(), NativeProgram.Arg(rounds)).Trim();
        Assert.StartsWith("guarded=", output, StringComparison.Ordinal);
        return int.Parse(output["guarded=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
