using Ebpf.Fuzz;

namespace Ebpf.Tests.Fuzz;

/// <summary>
/// The fuzz corpus (tests/Ebpf.Fuzz/corpus/TARGET/) through the harness's own entry point, uninstrumented and without
/// AFL: every input, seed or regression (crash-*), must end in a documented outcome. Seeds come from the committed
/// objects and must be accepted; regression inputs are inputs the fuzzer once crashed the library with.
/// </summary>
public sealed class FuzzCorpusTests(ITestOutputHelper output)
{
    private static string CorpusDirectory(string target) => Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", target);

    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_corpus_input_is_accepted_or_rejected_with_a_bpf_object_exception(string target)
    {
        var files = Directory.GetFiles(CorpusDirectory(target)).Order(StringComparer.Ordinal).ToArray();
        Assert.NotEmpty(files);
        int seeds = 0, regressions = 0;
        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            FuzzOutcome outcome;
            try
            {
                outcome = FuzzTargets.Run(target, File.ReadAllBytes(file));
            }
            catch (Exception e)
            {
                Assert.Fail($"{target}/{name}: {e.GetType().Name} escaped the harness: {e}");
                throw;
            }
            if (name.StartsWith("crash-", StringComparison.Ordinal))
            {
                regressions++;
            }
            else
            {
                seeds++;
                Assert.True(outcome == FuzzOutcome.Accepted, $"{target}/{name} is a seed from a committed object but was {outcome}.");
            }
        }
        output.WriteLine($"{target}: {seeds} seeds accepted, {regressions} regression inputs handled");
        Assert.True(seeds > 0, $"the {target} corpus has no seed");
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void A_truncated_seed_is_rejected_not_crashed(string target)
    {
        string seed = Directory.GetFiles(CorpusDirectory(target)).Where(f => !Path.GetFileName(f).StartsWith("crash-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).First();
        byte[] bytes = File.ReadAllBytes(seed);
        Assert.Equal(FuzzOutcome.Rejected, FuzzTargets.Run(target, bytes[..(bytes.Length / 2)]));
    }

    [Fact]
    public void An_unknown_target_is_an_argument_error() =>
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-target", [1, 2, 3]));
}
