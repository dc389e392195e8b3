using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Cli;

/// <summary>
/// `ebpf inspect` keeps its columns aligned when names are longer than usual (inspect_long_names.bpf.o: names of 50
/// to 60 characters beside one-letter ones). Parsing only, no kernel; it runs the real tool as a user does.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class InspectLayoutTests
{
    [Fact]
    public void Columns_stay_aligned_for_long_map_program_and_variable_names()
    {
        using var tool = new ToolProcess("inspect", TestObjects.Path("inspect_long_names.bpf.o"));
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(60), "inspect to finish");
        Assert.True(tool.ExitCode == 0, tool.Stderr);
        var lines = tool.StdoutLines.ToList();

        AssertAligned(Section(lines, "maps"), 3, "Array", "key", "value", "max_entries", "flags");
        AssertAligned(Section(lines, "programs"), 2, "RawTracepoint", "insns", "raw_tp/");
        AssertAligned(Section(lines, "global variables"), 2, ".bss", "offset", "size", "__u");
    }

    /// <summary>The rows under the header line "<paramref name="title"/> (n)".</summary>
    private static List<string> Section(List<string> lines, string title)
    {
        int header = lines.FindIndex(l => l.StartsWith(title + " (", StringComparison.Ordinal));
        Assert.True(header >= 0, $"no '{title}' section in:\n{string.Join('\n', lines)}");
        return [.. lines.Skip(header + 1).TakeWhile(l => l.StartsWith("  ", StringComparison.Ordinal))];
    }

    /// <summary>Each token starts at the same column in every row that has it (and every row has all but the type
    /// token, which differs between rows: its column is checked through the row's second field).</summary>
    private static void AssertAligned(List<string> rows, int count, params string[] tokens)
    {
        Assert.Equal(count, rows.Count);
        string table = string.Join('\n', rows);
        // The second field (after the name and its padding) starts at one column.
        Assert.Single(rows.Select(r => r.IndexOf(' ', 2)).Select((end, i) => end + rows[i][end..].TakeWhile(c => c == ' ').Count()).Distinct());
        foreach (var token in tokens.Skip(1))
        {
            var columns = rows.Select(r => r.IndexOf(" " + token, StringComparison.Ordinal)).ToList();
            Assert.DoesNotContain(-1, columns);
            Assert.True(columns.Distinct().Count() == 1, $"'{token}' is not in one column:\n{table}");
        }
    }
}
