using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ebpf.Cli;

/// <summary>How the tool writes JSON: to standard output, with relaxed escaping so paths and messages stay readable
/// (the output goes to a terminal or a pipe, never into HTML).</summary>
internal static class JsonOutput
{
    internal static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static Utf8JsonWriter Stdout(bool indented = false) =>
        new(Console.OpenStandardOutput(), Options with { Indented = indented });
}
