using System.IO.Compression;

namespace Ebpf.Externs;

/// <summary>
/// The kernel's build configuration (<c>.config</c> syntax): found where libbpf looks, <c>/boot/config-$(uname -r)</c>
/// and then <c>/proc/config.gz</c> (CONFIG_IKCONFIG_PROC); gzip-compressed or plain.
/// </summary>
internal static class KconfigFile
{
    internal const string ProcConfig = "/proc/config.gz";

    /// <summary>The places libbpf reads the running kernel's configuration from, in order.</summary>
    internal static string[] SystemCandidates(string release) => [$"/boot/config-{release}", ProcConfig];

    /// <summary>The lines of <paramref name="path"/>, gunzipped when it starts with the gzip magic.</summary>
    internal static List<string> ReadLines(string path)
    {
        using var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        using Stream content = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(content);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    /// <summary>
    /// Splits a <c>CONFIG_NAME=value</c> line. Other lines (comments such as <c># CONFIG_X is not set</c>, blanks) give
    /// false with no error; a <c>CONFIG_</c> line without <c>=</c> or without a value gives false with an error (libbpf
    /// refuses the whole configuration then).
    /// </summary>
    internal static bool TryParseLine(string line, out string name, out string value, out string? error)
    {
        name = value = "";
        error = null;
        line = line.TrimEnd('\n', '\r');
        if (!line.StartsWith("CONFIG_", StringComparison.Ordinal)) return false;
        int eq = line.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            error = $"line '{line}' has no '='";
            return false;
        }
        if (eq == line.Length - 1)
        {
            error = $"line '{line}' has no value";
            return false;
        }
        name = line[..eq];
        value = line[(eq + 1)..];
        return true;
    }
}
