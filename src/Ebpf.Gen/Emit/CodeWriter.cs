using System.Text;

namespace Ebpf.Gen.Emit;

/// <summary>Lines with four-space indentation and "\n" line ends, whatever the platform (the output is compared byte for byte).</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    internal CodeWriter Line(string line = "")
    {
        if (line.Length > 0) _text.Append(' ', _indent * 4).Append(line);
        _text.Append('\n');
        return this;
    }

    internal CodeWriter Doc(string summary) => Line($"/// <summary>{summary}</summary>");

    internal CodeWriter Open(string line)
    {
        Line(line);
        Line("{");
        _indent++;
        return this;
    }

    internal CodeWriter Close(string end = "}")
    {
        _indent--;
        return Line(end);
    }

    public override string ToString() => _text.ToString();
}
