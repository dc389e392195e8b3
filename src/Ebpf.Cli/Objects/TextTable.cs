namespace Ebpf.Cli.Objects;

/// <summary>Rows of cells written as aligned columns, each as wide as its widest cell: a long name widens its column
/// instead of pushing the rest of its row out of line.</summary>
internal sealed class TextTable(string alignments)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row; <c>alignments</c> (one 'l' or 'r' per column) says how each cell is padded.</summary>
    internal void Add(params string[] cells)
    {
        if (cells.Length != alignments.Length) throw new ArgumentException($"expected {alignments.Length} cells, got {cells.Length}");
        _rows.Add(cells);
    }

    internal void Write(TextWriter output, string indent = "  ")
    {
        var widths = new int[alignments.Length];
        foreach (var row in _rows)
            for (int i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        var line = new System.Text.StringBuilder();
        foreach (var row in _rows)
        {
            line.Clear().Append(indent);
            for (int i = 0; i < row.Length; i++)
                line.Append(alignments[i] == 'r' ? row[i].PadLeft(widths[i]) : row[i].PadRight(widths[i])).Append("  ");
            output.WriteLine(line.ToString().TrimEnd());
        }
    }
}
