using Ebpf.Btf;
using Ebpf.KernelTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Ebpf.KernelTests.Diagnostics;

/// <summary>BpfLoadOptions.Logger: what the loader says about its decisions, on real loads.</summary>
[Trait("Category", "Kernel")]
public sealed class LoaderLoggingTests
{
    private sealed record Entry(LogLevel Level, int EventId, string Message);

    /// <summary>Keeps every entry (an application would hand in its ILoggerFactory's logger).</summary>
    private sealed class ListLogger : ILogger
    {
        public List<Entry> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add(new Entry(logLevel, eventId.Id, formatter(state, exception)));
    }

    [Fact]
    public void A_load_reports_the_object_with_its_program_and_map_counts()
    {
        KernelGuard.RequireRoot();
        var logger = new ListLogger();
        using var obj = BpfObjectSpec.FromFile(TestObjects.Path("unlinks.bpf.o")).Load(new BpfLoadOptions { Logger = logger });
        var loaded = Assert.Single(logger.Entries, e => e.EventId == 1);
        Assert.Equal(LogLevel.Information, loaded.Level);
        Assert.Contains($"{obj.Programs.Count} programs, {obj.Maps.Count} maps", loaded.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(logger.Entries, e => e.Level >= LogLevel.Warning); // a clean load warns about nothing
    }

    [Fact]
    public void A_verifier_refusal_is_logged_with_the_verifier_log()
    {
        KernelGuard.RequireRoot();
        var logger = new ListLogger();
        var ex = Assert.Throws<BpfVerifierException>(() =>
            BpfObjectSpec.FromFile(TestObjects.Path("loader_verifier_fail.bpf.o")).Load(new BpfLoadOptions { Logger = logger }));
        var refused = Assert.Single(logger.Entries, e => e.EventId == 6);
        Assert.Equal(LogLevel.Error, refused.Level);
        Assert.Contains(ex.ProgramName, refused.Message, StringComparison.Ordinal);
        Assert.Contains(ex.VerifierLog.Trim(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Co_re_relocations_are_counted_and_the_unmatched_ones_reported_as_poisoned()
    {
        KernelGuard.RequireRoot();
        var logger = new ListLogger();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_core_kernel.bpf.o"));
        using var obj = spec.Load(new BpfLoadOptions { Logger = logger });
        foreach (var program in spec.Programs.Values.Where(p => p.CoreRelocations.Count > 0))
        {
            var applied = Assert.Single(logger.Entries, e => e.EventId == 2 && e.Message.Contains($"program {program.Name}:", StringComparison.Ordinal));
            int appliedCount = int.Parse(applied.Message.Split(": ")[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            var poisoned = logger.Entries.SingleOrDefault(e => e.EventId == 3 && e.Message.Contains($"program {program.Name}:", StringComparison.Ordinal));
            int poisonedCount = poisoned is null ? 0
                : int.Parse(poisoned.Message.Split(": ")[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(program.CoreRelocations.Count, appliedCount + poisonedCount);
        }
        // The object reads a field this kernel does not have (guarded by bpf_core_field_exists): one poisoned read.
        var warning = Assert.Single(logger.Entries, e => e.EventId == 3);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    [Fact]
    public void Btf_sanitised_for_an_older_kernel_is_reported_with_the_missing_kinds()
    {
        KernelGuard.RequireRoot();
        var logger = new ListLogger();
        var assumed = BtfFeatureSet.Func | BtfFeatureSet.DataSection;
        using var obj = BpfObjectSpec.FromFile(TestObjects.Path("loader_core.bpf.o"))
            .Load(new BpfLoadOptions { Logger = logger, AssumedBtfFeatures = assumed });
        var sanitised = Assert.Single(logger.Entries, e => e.EventId == 4);
        Assert.Contains((BtfFeatureSet.All & ~assumed).ToString(), sanitised.Message, StringComparison.Ordinal);

        var quiet = new ListLogger();
        using var again = BpfObjectSpec.FromFile(TestObjects.Path("loader_core.bpf.o")).Load(new BpfLoadOptions { Logger = quiet });
        Assert.DoesNotContain(quiet.Entries, e => e.EventId == 4); // this kernel takes every kind: nothing to sanitise
    }
}
