using System.Text;

namespace Ebpf.Gen.Naming;

/// <summary>C names made C# identifiers: PascalCase with the underscores removed, keywords escaped.</summary>
internal static class CSharpName
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const", "continue",
        "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern", "false", "finally",
        "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface", "internal", "is", "lock", "long",
        "namespace", "new", "null", "object", "operator", "out", "override", "params", "private", "protected", "public",
        "readonly", "ref", "return", "sbyte", "sealed", "short", "sizeof", "stackalloc", "static", "string", "struct", "switch",
        "this", "throw", "true", "try", "typeof", "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void",
        "volatile", "while",
    };

    /// <summary>
    /// <c>trace_event_raw_sys_enter</c> → <c>TraceEventRawSysEnter</c>, <c>args_count</c> → <c>ArgsCount</c>,
    /// <c>TASK_RUNNING</c> → <c>TaskRunning</c>, <c>rxHash</c> → <c>RxHash</c>, <c>__u32</c> → <c>U32</c>. Words are the
    /// runs between underscores (and any character C# does not allow); an all-capitals word keeps only its first capital.
    /// A name that would start with a digit gets a leading underscore; one with no letters or digits becomes "_".
    /// </summary>
    internal static string Pascal(string cName)
    {
        var result = new StringBuilder(cName.Length);
        int start = 0;
        for (int i = 0; i <= cName.Length; i++)
        {
            if (i < cName.Length && IsWordChar(cName[i])) continue;
            if (i > start) AppendWord(result, cName.AsSpan(start, i - start));
            start = i + 1;
        }
        if (result.Length == 0) return "_";
        if (char.IsAsciiDigit(result[0])) result.Insert(0, '_');
        return Escape(result.ToString());
    }

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c);

    private static void AppendWord(StringBuilder result, ReadOnlySpan<char> word)
    {
        bool allCaps = word.Length > 1 && !word.ContainsAnyInRange('a', 'z');
        result.Append(char.ToUpperInvariant(word[0]));
        foreach (char c in word[1..]) result.Append(allCaps ? char.ToLowerInvariant(c) : c);
    }

    /// <summary>A keyword gets C#'s <c>@</c> prefix.</summary>
    internal static string Escape(string identifier) => Keywords.Contains(identifier) ? "@" + identifier : identifier;

    /// <summary>A C# string literal (quotes included) holding <paramref name="text"/>.</summary>
    internal static string Literal(string text)
    {
        var result = new StringBuilder("\"");
        foreach (char c in text)
            result.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(c) || c > 0x7e => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        return result.Append('"').ToString();
    }

    /// <summary>True for a valid C# identifier (letters, digits, underscores; not starting with a digit; not a keyword)
    /// and, with <paramref name="dotted"/>, for dotted names of them (namespaces).</summary>
    internal static bool IsIdentifier(string name, bool dotted = false) =>
        name.Length > 0 && (dotted ? name.Split('.') : [name]).All(part => part.Length > 0 && !char.IsAsciiDigit(part[0])
            && part.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') && !Keywords.Contains(part));

    /// <summary>Text for an XML doc comment.</summary>
    internal static string Xml(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);
}
