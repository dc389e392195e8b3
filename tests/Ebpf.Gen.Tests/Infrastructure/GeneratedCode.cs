using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Ebpf.Gen.Tests.Infrastructure;

/// <summary>Compiles generated files with Roslyn as a user's project would (C# latest, nullable, unsafe off, XML docs
/// checked, every warning an error), and loads the result.</summary>
internal static class GeneratedCode
{
    private static readonly Lazy<List<MetadataReference>> References = new(() =>
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).ToList();
        paths.Add(typeof(BpfObject).Assembly.Location);
        return [.. paths.Distinct().Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    });

    /// <summary>Compiles <paramref name="files"/> (name → code) into one assembly; fails the test with every diagnostic
    /// (errors and warnings alike) otherwise.</summary>
    internal static Assembly Compile(string assemblyName, IReadOnlyDictionary<string, string> files)
    {
        var parse = new CSharpParseOptions(LanguageVersion.Latest, DocumentationMode.Diagnose);
        var trees = files.Select(f => CSharpSyntaxTree.ParseText(f.Value, parse, path: f.Key)).ToList();
        var compilation = CSharpCompilation.Create(assemblyName, trees, References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable,
                generalDiagnosticOption: ReportDiagnostic.Error, warningLevel: 9999, deterministic: true));
        using var image = new MemoryStream();
        var result = compilation.Emit(image, xmlDocumentationStream: new MemoryStream());
        var problems = result.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        if (!result.Success || problems.Count > 0)
            Assert.Fail($"The generated code does not compile cleanly ({problems.Count} diagnostics):\n" +
                string.Join('\n', problems.Take(40).Select(d => $"{d}  >>> {Line(files, d)}")));
        image.Position = 0;
        return new AssemblyLoadContext(assemblyName, isCollectible: true).LoadFromStream(image);
    }

    private static string Line(IReadOnlyDictionary<string, string> files, Diagnostic d)
    {
        var span = d.Location.GetLineSpan();
        if (!files.TryGetValue(span.Path, out var code)) return "";
        var lines = code.Split('\n');
        int line = span.StartLinePosition.Line;
        return line < lines.Length ? lines[line].Trim() : "";
    }
}
