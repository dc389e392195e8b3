namespace Ebpf.Externs;

/// <summary>The C types a <c>__kconfig</c> extern may have (libbpf's set): what the type decides is how a config value is stored.</summary>
internal enum KconfigType
{
    /// <summary>A type libbpf does not accept for a kconfig extern.</summary>
    Unsupported,

    /// <summary>A 1-byte integer (<c>char</c>): y/n/m stored as the letter, numbers as the byte.</summary>
    Char,

    /// <summary><c>bool</c>: y is 1, n is 0, m is refused.</summary>
    Bool,

    /// <summary>A 2, 4 or 8-byte integer: decimal, hex or octal numbers.</summary>
    Int,

    /// <summary><c>enum libbpf_tristate</c>: n is 0, y is 1, m is 2.</summary>
    Tristate,

    /// <summary>An array of char: a quoted string, NUL-terminated, truncated to fit.</summary>
    CharArray,
}
